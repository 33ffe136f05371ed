#include "../ops/fill.h"
#include "args.h"
#include "registry.h"

namespace lrqk::binding {
// fill(out, value)
static Napi::Value fill(const Napi::CallbackInfo& info) {
  const char* op = "fill";
  FillArgs a{tensor_arg(info[0], op, "out"), num_arg(info, 1, op, "value")};
  expect_contiguous(a.out, op, "out");
  if (a.out.numel() == 0) return info.Env().Undefined();
  dispatch(backend_for(op, {&a.out}), op, a);
  return info.Env().Undefined();
}
LRQK_BINDING(fill, fill);
}  // namespace lrqk::binding
