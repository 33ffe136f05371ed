#include <cmath>
#include "../core/cuda_runtime.h"
#include "../ops/attention_decode.h"
#include "args.h"
#include "attention_checks.h"
#include "registry.h"

namespace lrqk::binding {
// q / out may be (H, D) or (H, 1, D): returns the head stride after checking the shape.
static int64_t head_rows(const TensorArg& t, const char* op, const char* name) {
  if (t.ndim == 2) return t.stride(0);
  if (t.ndim == 3 && t.size(1) == 1) return t.stride(0);
  fail(ErrorKind::Shape, op, std::string(op) + ": " + name + " must be (H, D) or (H, 1, D), got " + t.shape_str());
}

// attentionDecode(q, k, v, out, scale, length, lengthTensor?) — lengthTensor: one i32 holding the
// row count, read when the op runs (on the device: by the kernel, so a captured graph replays it
// with whatever the tensor then holds); `length` is ignored then and the capacity S sizes the launch.
static Napi::Value attention_decode(const Napi::CallbackInfo& info) {
  const char* op = "attentionDecode";
  AttentionDecodeArgs a;
  a.q = tensor_arg(info[0], op, "q");
  a.k = tensor_arg(info[1], op, "k");
  a.v = tensor_arg(info[2], op, "v");
  a.out = tensor_arg(info[3], op, "out");
  double scale = num_arg(info, 4, op, "scale");
  a.length = int_arg(info, 5, op, "length");
  if (!std::isfinite(scale)) fail(ErrorKind::Argument, op, std::string(op) + ": scale must be finite");
  a.scale = float(scale);

  expect_float(a.q, op, "q");
  expect_same_dtype(a.q, a.k, op);
  expect_same_dtype(a.q, a.v, op);
  expect_same_dtype(a.q, a.out, op);
  a.q_head_stride = head_rows(a.q, op, "q");
  a.out_head_stride = head_rows(a.out, op, "out");
  expect_ndim(a.k, 3, op, "k");
  expect_ndim(a.v, 3, op, "v");
  a.heads = a.q.size(0);
  a.dim = a.q.size(-1);
  a.kv_heads = a.k.size(0);
  const int64_t s = a.k.size(1);
  expect_attention_dim(a.dim, op);
  expect_dim(a.k, 2, a.dim, op, "k");
  expect_same_shape(a.k, a.v, op, "k", "v");
  if (a.out.size(0) != a.heads || a.out.size(-1) != a.dim)
    fail(ErrorKind::Shape, op, std::string(op) + ": out " + a.out.shape_str() + " must hold (H, D) = (" + std::to_string(a.heads) + ", " + std::to_string(a.dim) + ")");
  if (a.kv_heads < 1 || a.heads % a.kv_heads != 0)
    fail(ErrorKind::Shape, op, std::string(op) + ": query heads " + std::to_string(a.heads) + " must be a multiple of KV heads " + std::to_string(a.kv_heads));
  const DeviceScalar len = device_scalar_arg(info, 6, op, "lengthTensor", a.q);
  if (len.dev) {
    a.length_dev = len.dev;
    a.length = s;
  } else if (len.present) {
    a.length = len.host;
  }
  if (a.length < 1 || a.length > s)
    fail(ErrorKind::Shape, op, std::string(op) + ": length " + std::to_string(a.length) + " must be in [1, " + std::to_string(s) + "] (rows of k/v)");
  for (auto [t, n] : {std::pair{&a.q, "q"}, {&a.k, "k"}, {&a.v, "v"}, {&a.out, "out"}}) expect_rows_unit_stride(*t, op, n);
  expect_disjoint_rows(a.heads, a.out_head_stride, 1, 0, a.dim, op, "out");
  Backend b = backend_for(op, {&a.q, &a.k, &a.v, &a.out});
  if (a.heads == 0) return info.Env().Undefined();
  dispatch(b, op, a);
  return info.Env().Undefined();
}
LRQK_BINDING(attentionDecode, attention_decode);
}  // namespace lrqk::binding
