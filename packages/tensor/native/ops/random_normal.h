// random_normal: out[i] = mean + std * N(0,1) from Philox(counter = i/2, seed) with Box-Muller
// (element 2j uses cos, 2j+1 uses sin of the same pair). Identical on CPU and CUDA up to the
// last float rounding of sin/cos/log. out contiguous, float dtype.
#pragma once
#include "../core/tensor_arg.h"

namespace lrqk {
struct RandomNormalArgs {
  TensorArg out;
  uint64_t seed;
  double mean, stddev;
};
}  // namespace lrqk
