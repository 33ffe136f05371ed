// rmsnorm: out = x * rsqrt(mean(x^2) + eps) * weight over the last dim, computed in f32.
// x, out: (rows, dim) contiguous, same float dtype; weight: (dim) same dtype.
// With a residual (same shape and dtype, contiguous): first x ← x + residual in x's dtype (the
// rounded sum is what gets normalized, exactly as add then rmsnorm), in one pass over the row.
#pragma once
#include "../core/tensor_arg.h"

namespace lrqk {
struct RmsNormArgs {
  TensorArg x, weight, out, residual;
  bool has_residual = false;
  int64_t rows, dim;
  float eps;
};
}  // namespace lrqk
