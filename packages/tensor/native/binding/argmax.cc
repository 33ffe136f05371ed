#include "../ops/argmax.h"
#include "args.h"
#include "registry.h"

namespace lrqk::binding {
// argmax(x, out)
static Napi::Value argmax(const Napi::CallbackInfo& info) {
  const char* op = "argmax";
  ArgmaxArgs a{tensor_arg(info[0], op, "x"), tensor_arg(info[1], op, "out"), 0, 0};
  expect_float(a.x, op, "x");
  expect_index(a.out, op, "out");
  expect_contiguous(a.x, op, "x");
  expect_contiguous(a.out, op, "out");
  if (a.x.ndim < 1) fail(ErrorKind::Shape, op, "argmax: x must have at least 1 dim");
  a.n = a.x.size(-1);
  if (a.n == 0) fail(ErrorKind::Shape, op, "argmax: empty last dim");
  a.rows = a.x.numel() / a.n;
  if (a.out.numel() != a.rows) fail(ErrorKind::Shape, op, "argmax: out must have one element per row (" + std::to_string(a.rows) + ")");
  if (a.rows == 0) return info.Env().Undefined();
  dispatch(backend_for(op, {&a.x, &a.out}), op, a);
  return info.Env().Undefined();
}
LRQK_BINDING(argmax, argmax);
}  // namespace lrqk::binding
