#include "../ops/rmsnorm.h"
#include "args.h"
#include "registry.h"

namespace lrqk::binding {
// rmsnorm(x, weight, out, eps, residual?)
static Napi::Value rmsnorm(const Napi::CallbackInfo& info) {
  const char* op = "rmsnorm";
  RmsNormArgs a;
  a.x = tensor_arg(info[0], op, "x");
  a.weight = tensor_arg(info[1], op, "weight");
  a.out = tensor_arg(info[2], op, "out");
  a.eps = float(num_arg(info, 3, op, "eps"));
  expect_float(a.x, op, "x");
  expect_same_dtype(a.x, a.weight, op);
  expect_same_dtype(a.x, a.out, op);
  expect_contiguous(a.x, op, "x");
  expect_contiguous(a.out, op, "out");
  expect_contiguous(a.weight, op, "weight");
  expect_same_shape(a.x, a.out, op, "x", "out");
  if (a.x.ndim < 1) fail(ErrorKind::Shape, op, "rmsnorm: x must have at least 1 dim");
  a.dim = a.x.size(-1);
  a.rows = a.dim ? a.x.numel() / a.dim : 0;
  expect_ndim(a.weight, 1, op, "weight");
  expect_dim(a.weight, 0, a.dim, op, "weight");
  a.has_residual = optional_tensor_arg(info[4], op, "residual", a.residual);
  if (a.has_residual) {
    expect_same_dtype(a.x, a.residual, op);
    expect_contiguous(a.residual, op, "residual");
    expect_same_shape(a.x, a.residual, op, "x", "residual");
  }
  if (a.rows == 0 || a.dim == 0) return info.Env().Undefined();
  if (a.has_residual) dispatch(backend_for(op, {&a.x, &a.weight, &a.out, &a.residual}), op, a);
  else dispatch(backend_for(op, {&a.x, &a.weight, &a.out}), op, a);
  return info.Env().Undefined();
}
LRQK_BINDING(rmsnorm, rmsnorm);
}  // namespace lrqk::binding
