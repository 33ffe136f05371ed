// scale: out = x · s (f32 math), x/out contiguous, same float dtype; out may alias x.
#pragma once
#include "../core/tensor_arg.h"

namespace lrqk {
struct ScaleArgs {
  TensorArg x, out;
  float s;
};
}  // namespace lrqk
