// argmax over the last dim of x (rows, n) contiguous → out (rows) i32/i64. Ties → lowest index;
// NaN is ignored (treated as -inf); a row of all NaN gives 0.
#pragma once
#include "../core/tensor_arg.h"

namespace lrqk {
struct ArgmaxArgs {
  TensorArg x, out;
  int64_t rows, n;
};
}  // namespace lrqk
