#include "../ops/group_max.h"
#include "args.h"
#include "registry.h"

namespace lrqk::binding {
// groupMax(x, out)
static Napi::Value group_max(const Napi::CallbackInfo& info) {
  const char* op = "group_max";
  GroupMaxArgs a{tensor_arg(info[0], op, "x"), tensor_arg(info[1], op, "out"), 0, 0, 0};
  expect_float(a.x, op, "x");
  expect_same_dtype(a.x, a.out, op);
  expect_ndim(a.x, 3, op, "x");
  expect_ndim(a.out, 2, op, "out");
  expect_contiguous(a.out, op, "out");
  if (a.x.size(2) > 1 && a.x.stride(2) != 1) fail(ErrorKind::Shape, op, "group_max: the last dim of x must be contiguous");
  a.batch = a.x.size(0);
  a.groups = a.x.size(1);
  a.n = a.x.size(2);
  if (a.groups == 0) fail(ErrorKind::Shape, op, "group_max: x has no groups (dim 1 is empty)");
  expect_dim(a.out, 0, a.batch, op, "out");
  expect_dim(a.out, 1, a.n, op, "out");
  if (a.batch * a.n == 0) return info.Env().Undefined();
  dispatch(backend_for(op, {&a.x, &a.out}), op, a);
  return info.Env().Undefined();
}
LRQK_BINDING(groupMax, group_max);
}  // namespace lrqk::binding
