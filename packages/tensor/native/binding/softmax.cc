#include "../ops/softmax.h"
#include "args.h"
#include "registry.h"

namespace lrqk::binding {
// softmax(x, out, temperature)
static Napi::Value softmax(const Napi::CallbackInfo& info) {
  const char* op = "softmax";
  SoftmaxArgs a;
  a.x = tensor_arg(info[0], op, "x");
  a.out = tensor_arg(info[1], op, "out");
  double t = num_arg(info, 2, op, "temperature");
  if (!(t > 0)) fail(ErrorKind::Argument, op, "softmax: temperature must be > 0");
  a.inv_temperature = float(1.0 / t);
  expect_float(a.x, op, "x");
  expect_float(a.out, op, "out");
  expect_contiguous(a.x, op, "x");
  expect_contiguous(a.out, op, "out");
  expect_same_shape(a.x, a.out, op, "x", "out");
  if (a.x.ndim < 1) fail(ErrorKind::Shape, op, "softmax: x must have at least 1 dim");
  a.n = a.x.size(-1);
  a.rows = a.n ? a.x.numel() / a.n : 0;
  if (a.rows == 0) return info.Env().Undefined();
  dispatch(backend_for(op, {&a.x, &a.out}), op, a);
  return info.Env().Undefined();
}
LRQK_BINDING(softmax, softmax);

}  // namespace lrqk::binding
