// embedding: out[t, :] = weight[ids[t], :]. weight (V, D) contiguous float; ids (T) i32/i64;
// out (T, D) contiguous, weight's dtype. Out-of-range ids: the CPU kernel throws; the CUDA kernel
// writes zeros for that row and sets *error_flag (device i32) to 1, checked by the binding.
#pragma once
#include "../core/tensor_arg.h"

namespace lrqk {
struct EmbeddingArgs {
  TensorArg weight, ids, out;
  int64_t tokens, dim, vocab;
  int32_t* error_flag;  // device memory, CUDA only (may be null)
};
}  // namespace lrqk
