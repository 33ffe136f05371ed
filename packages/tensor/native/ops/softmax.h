// softmax over the last dim of x (rows, n) contiguous, of x / temperature, in f32 (max-subtracted);
// out same shape, float dtype (may differ from x).
#pragma once
#include "../core/tensor_arg.h"

namespace lrqk {
struct SoftmaxArgs {
  TensorArg x, out;
  int64_t rows, n;
  float inv_temperature;
};
}  // namespace lrqk
