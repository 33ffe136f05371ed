#include "../ops/scale.h"
#include "args.h"
#include "registry.h"

namespace lrqk::binding {
// scale(x, out, s)
static Napi::Value scale(const Napi::CallbackInfo& info) {
  const char* op = "scale";
  ScaleArgs a{tensor_arg(info[0], op, "x"), tensor_arg(info[1], op, "out"), float(num_arg(info, 2, op, "s"))};
  expect_float(a.x, op, "x");
  expect_same_dtype(a.x, a.out, op);
  expect_contiguous(a.x, op, "x");
  expect_contiguous(a.out, op, "out");
  expect_same_shape(a.x, a.out, op, "x", "out");
  if (a.x.numel() == 0) return info.Env().Undefined();
  dispatch(backend_for(op, {&a.x, &a.out}), op, a);
  return info.Env().Undefined();
}
LRQK_BINDING(scale, scale);
}  // namespace lrqk::binding
