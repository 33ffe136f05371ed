#include "../ops/cholesky_solve.h"
#include "args.h"
#include "registry.h"

namespace lrqk::binding {
// choleskySolve(a, rhs, out, info, jitter)
static Napi::Value cholesky_solve(const Napi::CallbackInfo& info) {
  const char* op = "cholesky_solve";
  CholeskySolveArgs a;
  a.a = tensor_arg(info[0], op, "a");
  a.rhs = tensor_arg(info[1], op, "rhs");
  a.out = tensor_arg(info[2], op, "out");
  a.info = tensor_arg(info[3], op, "info");
  a.jitter = float(num_arg(info, 4, op, "jitter"));
  for (const TensorArg* t : {&a.a, &a.rhs, &a.out}) {
    expect_dtype(*t, DType::F32, op, "a, rhs and out");
    expect_contiguous(*t, op, "a, rhs and out");
    expect_ndim(*t, 3, op, "a, rhs and out");
  }
  expect_dtype(a.info, DType::I32, op, "info");
  expect_contiguous(a.info, op, "info");
  a.batch = a.a.size(0);
  a.r = a.a.size(1);
  a.m = a.rhs.size(2);
  expect_dim(a.a, 2, a.r, op, "a (square)");
  if (a.r > 128 || a.r < 1) fail(ErrorKind::Shape, op, "cholesky_solve: 1 ≤ r ≤ 128, got " + std::to_string(a.r));
  expect_dim(a.rhs, 0, a.batch, op, "rhs");
  expect_dim(a.rhs, 1, a.r, op, "rhs");
  expect_same_shape(a.rhs, a.out, op, "rhs", "out");
  if (a.info.numel() != a.batch) fail(ErrorKind::Shape, op, "cholesky_solve: info must have one entry per matrix");
  if (a.batch == 0 || a.m == 0) return info.Env().Undefined();
  dispatch(backend_for(op, {&a.a, &a.rhs, &a.out, &a.info}), op, a);
  return info.Env().Undefined();
}
LRQK_BINDING(choleskySolve, cholesky_solve);
}  // namespace lrqk::binding
