#include <cmath>
#include "../ops/low_rank_decode_update.h"
#include "args.h"
#include "registry.h"

namespace lrqk::binding {
namespace {
const char* kOp = "low_rank_decode_update";

[[noreturn]] void shape_fail(const std::string& msg) { fail(ErrorKind::Shape, kOp, std::string(kOp) + ": " + msg); }

void expect_last_contiguous(const TensorArg& t, const char* name) {
  if (t.ndim > 0 && t.size(-1) > 1 && t.stride(-1) != 1) shape_fail(std::string(name) + " must be contiguous in its last dim");
}

double finite_arg(const Napi::CallbackInfo& info, size_t i, const char* name, double lo) {
  double v = num_arg(info, i, kOp, name);
  if (!std::isfinite(v) || v < lo)
    fail(ErrorKind::Argument, kOp, std::string(kOp) + ": " + name + " must be finite and >= " + std::to_string(lo) + ", got " + std::to_string(v));
  return v;
}
}  // namespace

// lowRankDecodeUpdate(q, k, bQ, bK, kOmega, aK, slotMap, litePos, qHat, kHat, status, delta|null,
//                     iterations|null, position, groupSize, queriesPerHead, lambda1, lambda2,
//                     maxIter, tol, eps, positionTensor?, worstStatus?, bMode?) — positionTensor (one
//                     i32 on q's device) replaces `position`; worstStatus (Hf) i32 accumulates the
//                     max status; bMode 0/1/2 = B update inline / skipped / alone (see
//                     ops/low_rank_decode_update.h).
static Napi::Value low_rank_decode_update(const Napi::CallbackInfo& info) {
  const char* op = kOp;
  LowRankDecodeUpdateArgs a;
  a.q = tensor_arg(info[0], op, "q");
  a.k = tensor_arg(info[1], op, "k");
  a.b_q = tensor_arg(info[2], op, "bQ");
  a.b_k = tensor_arg(info[3], op, "bK");
  a.k_omega = tensor_arg(info[4], op, "kOmega");
  a.a_k = tensor_arg(info[5], op, "aK");
  a.slot_map = tensor_arg(info[6], op, "slotMap");
  a.lite_pos = tensor_arg(info[7], op, "litePos");
  a.q_hat = tensor_arg(info[8], op, "qHat");
  a.k_hat = tensor_arg(info[9], op, "kHat");
  a.status = tensor_arg(info[10], op, "status");
  a.has_delta = optional_tensor_arg(info[11], op, "delta", a.delta);
  a.has_iterations = optional_tensor_arg(info[12], op, "iterations", a.iterations);
  a.position = int_arg(info, 13, op, "position");
  a.group = int_arg(info, 14, op, "groupSize");
  a.gq = int_arg(info, 15, op, "queriesPerHead");
  a.lambda1 = float(finite_arg(info, 16, "lambda1", 0.0));
  a.lambda2 = float(finite_arg(info, 17, "lambda2", 0.0));
  const int64_t max_iter = int_arg(info, 18, op, "maxIter");
  a.tol = float(finite_arg(info, 19, "tol", -INFINITY));
  a.eps = float(finite_arg(info, 20, "eps", 0.0));
  if (max_iter < 0 || max_iter > 1000) fail(ErrorKind::Argument, op, std::string(op) + ": maxIter must be in [0, 1000], got " + std::to_string(max_iter));
  a.max_iter = int(max_iter < 1 ? 1 : max_iter);

  // dtypes
  expect_float(a.q, op, "q");
  expect_float(a.k, op, "k");
  expect_dtype(a.b_q, DType::F32, op, "bQ");
  expect_dtype(a.b_k, DType::F32, op, "bK");
  expect_float(a.k_omega, op, "kOmega");
  expect_float(a.a_k, op, "aK");
  expect_dtype(a.slot_map, DType::I32, op, "slotMap");
  expect_dtype(a.lite_pos, DType::I32, op, "litePos");
  expect_dtype(a.q_hat, DType::F32, op, "qHat");
  expect_dtype(a.k_hat, DType::F32, op, "kHat");
  expect_dtype(a.status, DType::I32, op, "status");
  if (a.has_delta) expect_dtype(a.delta, DType::F32, op, "delta");
  if (a.has_iterations) expect_dtype(a.iterations, DType::I32, op, "iterations");

  // shapes
  expect_ndim(a.b_q, 3, op, "bQ");
  a.hf = a.b_q.size(0);
  a.r = a.b_q.size(1);
  a.d = a.b_q.size(2);
  expect_same_shape(a.b_q, a.b_k, op, "bQ", "bK");
  expect_contiguous(a.b_q, op, "bQ");
  expect_contiguous(a.b_k, op, "bK");
  if (a.r < 1 || a.r > kLrduMaxRank) shape_fail("rank r = bQ.shape[1] must be in [1, " + std::to_string(kLrduMaxRank) + "], got " + std::to_string(a.r));
  if (a.d < 1 || a.d > kLrduMaxDim) shape_fail("head dim d = bQ.shape[2] must be in [1, " + std::to_string(kLrduMaxDim) + "], got " + std::to_string(a.d));
  if (a.gq < 1 || a.gq > kLrduMaxQueries)
    fail(ErrorKind::Argument, op, std::string(op) + ": queriesPerHead must be in [1, " + std::to_string(kLrduMaxQueries) + "], got " + std::to_string(a.gq));
  if (a.group < 1 || a.group % a.gq != 0)
    fail(ErrorKind::Argument, op, std::string(op) + ": groupSize (" + std::to_string(a.group) + ") must be a positive multiple of queriesPerHead (" + std::to_string(a.gq) + ")");

  expect_ndim(a.q, 2, op, "q");
  expect_dim(a.q, 0, a.hf * a.gq, op, "q");
  expect_dim(a.q, 1, a.d, op, "q");
  expect_last_contiguous(a.q, "q");
  expect_ndim(a.k, 2, op, "k");
  a.hkv = a.k.size(0);
  expect_dim(a.k, 1, a.d, op, "k");
  expect_last_contiguous(a.k, "k");
  if (a.hkv * a.group != a.hf * a.gq)
    shape_fail("k has " + std::to_string(a.hkv) + " KV heads, so H = Hkv·groupSize = " + std::to_string(a.hkv * a.group) +
               ", but q has Hf·queriesPerHead = " + std::to_string(a.hf * a.gq) + " rows");

  expect_ndim(a.slot_map, 2, op, "slotMap");
  expect_dim(a.slot_map, 0, a.hf, op, "slotMap");
  a.kact = a.slot_map.size(1);
  expect_last_contiguous(a.slot_map, "slotMap");
  expect_ndim(a.lite_pos, 1, op, "litePos");
  a.lite = a.lite_pos.size(0);
  expect_last_contiguous(a.lite_pos, "litePos");
  expect_ndim(a.k_omega, 3, op, "kOmega");
  expect_dim(a.k_omega, 0, a.hf, op, "kOmega");
  expect_dim(a.k_omega, 2, a.d, op, "kOmega");
  expect_last_contiguous(a.k_omega, "kOmega");
  a.s = a.k_omega.size(1);
  if (a.s != a.kact + a.lite)
    shape_fail("kOmega has S = " + std::to_string(a.s) + " rows but slotMap and litePos give Kact + L = " + std::to_string(a.kact) + " + " +
               std::to_string(a.lite));
  if (a.s > kLrduMaxResident) shape_fail("at most " + std::to_string(kLrduMaxResident) + " resident rows, got " + std::to_string(a.s));

  expect_ndim(a.a_k, 3, op, "aK");
  expect_dim(a.a_k, 0, a.hf, op, "aK");
  expect_dim(a.a_k, 2, a.r, op, "aK");
  expect_last_contiguous(a.a_k, "aK");
  a.cap = a.a_k.size(1);
  const DeviceScalar pos = device_scalar_arg(info, 21, op, "positionTensor", a.q);
  if (pos.dev) a.position_dev = pos.dev;
  else if (pos.present) a.position = pos.host;
  if (!a.position_dev && (a.position < 0 || a.position >= a.cap))
    fail(ErrorKind::Index, op, std::string(op) + ": position " + std::to_string(a.position) + " outside aK's capacity [0, " + std::to_string(a.cap) + ")");

  expect_ndim(a.q_hat, 2, op, "qHat");
  expect_dim(a.q_hat, 0, a.hf * a.gq, op, "qHat");
  expect_dim(a.q_hat, 1, a.r, op, "qHat");
  expect_contiguous(a.q_hat, op, "qHat");
  expect_ndim(a.k_hat, 2, op, "kHat");
  expect_dim(a.k_hat, 0, a.hf, op, "kHat");
  expect_dim(a.k_hat, 1, a.r, op, "kHat");
  expect_contiguous(a.k_hat, op, "kHat");
  expect_ndim(a.status, 1, op, "status");
  expect_dim(a.status, 0, a.hf, op, "status");
  expect_contiguous(a.status, op, "status");
  if (a.has_delta) {
    expect_ndim(a.delta, 1, op, "delta");
    expect_dim(a.delta, 0, a.hf, op, "delta");
    expect_contiguous(a.delta, op, "delta");
  }
  if (a.has_iterations) {
    expect_ndim(a.iterations, 1, op, "iterations");
    expect_dim(a.iterations, 0, a.hf, op, "iterations");
    expect_contiguous(a.iterations, op, "iterations");
  }
  a.has_worst = optional_tensor_arg(info[22], op, "worstStatus", a.worst);
  if (info.Length() > 23 && !info[23].IsUndefined()) {
    const int64_t mode = int_arg(info, 23, op, "bMode");
    if (mode < kLrduBInline || mode > kLrduBOnly) fail(ErrorKind::Argument, op, std::string(op) + ": bMode must be 0, 1 or 2, got " + std::to_string(mode));
    a.b_mode = int(mode);
  }
  if (a.has_worst) {
    expect_dtype(a.worst, DType::I32, op, "worstStatus");
    expect_ndim(a.worst, 1, op, "worstStatus");
    expect_dim(a.worst, 0, a.hf, op, "worstStatus");
    expect_contiguous(a.worst, op, "worstStatus");
  }

  if (a.hf == 0) return info.Env().Undefined();
  Backend be = backend_for(op, {&a.q, &a.k, &a.b_q, &a.b_k, &a.k_omega, &a.a_k, &a.slot_map, &a.lite_pos, &a.q_hat, &a.k_hat, &a.status});
  if (a.has_delta && backend_for(op, {&a.q, &a.delta}) != be) fail(ErrorKind::Device, op, std::string(op) + ": delta is on another device");
  if (a.has_iterations && backend_for(op, {&a.q, &a.iterations}) != be)
    fail(ErrorKind::Device, op, std::string(op) + ": iterations is on another device");
  if (a.has_worst && backend_for(op, {&a.q, &a.worst}) != be) fail(ErrorKind::Device, op, std::string(op) + ": worstStatus is on another device");
  dispatch(be, op, a);
  return info.Env().Undefined();
}
LRQK_BINDING(lowRankDecodeUpdate, low_rank_decode_update);
}  // namespace lrqk::binding
