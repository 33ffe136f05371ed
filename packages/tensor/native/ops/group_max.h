// group_max: out[b, n] = max over g of x[b, g, n], for x (B, G, N) float with a contiguous last
// dim (any strides on dims 0 and 1) and out (B, N) contiguous, same dtype. NaN is ignored
// (a column of all NaN gives NaN), like topk's ranking. Used to combine a GQA group's proxy
// scores per position (LRQK shared layout) before one top-k.
#pragma once
#include "../core/tensor_arg.h"

namespace lrqk {
struct GroupMaxArgs {
  TensorArg x, out;
  int64_t batch, groups, n;
};
}  // namespace lrqk
