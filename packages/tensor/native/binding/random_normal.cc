#include "../ops/random_normal.h"
#include "args.h"
#include "registry.h"

namespace lrqk::binding {
// randomNormal(out, seedHi, seedLo, mean, std)
static Napi::Value random_normal(const Napi::CallbackInfo& info) {
  const char* op = "random_normal";
  RandomNormalArgs a;
  a.out = tensor_arg(info[0], op, "out");
  uint64_t hi = uint64_t(int_arg(info, 1, op, "seedHi")) & 0xffffffffu;
  uint64_t lo = uint64_t(int_arg(info, 2, op, "seedLo")) & 0xffffffffu;
  a.seed = (hi << 32) | lo;
  a.mean = num_arg(info, 3, op, "mean");
  a.stddev = num_arg(info, 4, op, "std");
  expect_float(a.out, op, "out");
  expect_contiguous(a.out, op, "out");
  if (a.out.numel() == 0) return info.Env().Undefined();
  dispatch(backend_for(op, {&a.out}), op, a);
  return info.Env().Undefined();
}
LRQK_BINDING(randomNormal, random_normal);
}  // namespace lrqk::binding
