// rmsnorm: out = x * rsqrt(mean(x^2) + eps) * weight over the last dim, computed in f32.
// x, out: (rows, dim) contiguous, same float dtype; weight: (dim) same dtype.
#pragma once
#include "../core/tensor_arg.h"

namespace lrqk {
struct RmsNormArgs {
  TensorArg x, weight, out;
  int64_t rows, dim;
  float eps;
};
}  // namespace lrqk
