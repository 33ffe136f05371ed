// fill: out[...] = value. out contiguous, any dtype (value converted to out's dtype).
#pragma once
#include "../core/tensor_arg.h"

namespace lrqk {
struct FillArgs {
  TensorArg out;
  double value;
};
}  // namespace lrqk
