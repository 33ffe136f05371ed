#include <algorithm>
#include "../ops/topk.h"
#include "args.h"
#include "registry.h"

namespace lrqk::binding {
// topk(x, values, indices, k, length, largest, sort, lengthTensor?, lengthOffset?) — with lengthTensor the
// candidate count is its value + lengthOffset, clamped to [k, length] (see ops/topk.h).
static Napi::Value topk(const Napi::CallbackInfo& info) {
  const char* op = "topk";
  TopkArgs a;
  a.x = tensor_arg(info[0], op, "x");
  a.values = tensor_arg(info[1], op, "values");
  a.indices = tensor_arg(info[2], op, "indices");
  a.k = int_arg(info, 3, op, "k");
  a.length = int_arg(info, 4, op, "length");
  a.largest = bool_arg(info, 5, op, "largest");
  a.sort = int(int_arg(info, 6, op, "sort"));
  expect_float(a.x, op, "x");
  expect_ndim(a.x, 2, op, "x");
  if (a.x.stride(-1) != 1) fail(ErrorKind::Shape, op, "topk: the last dim of x must be contiguous");
  expect_same_dtype(a.x, a.values, op);
  expect_index(a.indices, op, "indices");
  expect_contiguous(a.values, op, "values");
  expect_contiguous(a.indices, op, "indices");
  a.rows = a.x.size(0);
  const int64_t n = a.x.size(1);
  const DeviceScalar len = device_scalar_arg(info, 7, op, "lengthTensor", a.x);
  if (len.present) {
    a.length_offset = info.Length() > 8 && !info[8].IsUndefined() ? int_arg(info, 8, op, "lengthOffset") : 0;
    if (a.length < a.k) fail(ErrorKind::Argument, op, "topk: the bound on a device-side length (" + std::to_string(a.length) + ") is below k = " + std::to_string(a.k));
    if (len.dev) a.length_dev = len.dev;
    else a.length = std::min(a.length, std::max<int64_t>(a.k, len.host + a.length_offset));
  }
  if (a.length < 0 || a.length > n) fail(ErrorKind::Argument, op, "topk: length " + std::to_string(a.length) + " outside [0, " + std::to_string(n) + "]");
  if (a.k < 1 || a.k > a.length) fail(ErrorKind::Argument, op, "topk: k = " + std::to_string(a.k) + " must be in [1, " + std::to_string(a.length) + "]");
  if (a.k > 4096) fail(ErrorKind::Argument, op, "topk: k ≤ 4096 supported, got " + std::to_string(a.k));
  if (a.length > 2147483647) fail(ErrorKind::Shape, op, "topk: rows longer than 2^31 are not supported");
  for (const TensorArg* t : {&a.values, &a.indices}) {
    expect_ndim(*t, 2, op, "values/indices");
    expect_dim(*t, 0, a.rows, op, "values/indices");
    expect_dim(*t, 1, a.k, op, "values/indices");
  }
  if (a.rows == 0) return info.Env().Undefined();
  dispatch(backend_for(op, {&a.x, &a.values, &a.indices}), op, a);
  return info.Env().Undefined();
}
LRQK_BINDING(topk, topk);
}  // namespace lrqk::binding
