// cholesky_solve: x = A⁻¹ · rhs for a batch of symmetric positive definite A (B, r, r) f32 and
// rhs (B, r, m) f32 → x (B, r, m) f32 (x may alias rhs). On a non-positive pivot the factorization
// restarts with A + j·mean(diag A)·I for j = 1e-6, 1e-4, 1e-2 (relative jitter ≥ `jitter`).
// info (B) i32: 0 = ok, 1 = solved with jitter, 2 = failed (x set to 0).  r ≤ 128.
#pragma once
#include "../core/tensor_arg.h"

namespace lrqk {
struct CholeskySolveArgs {
  TensorArg a, rhs, out, info;
  int64_t batch, r, m;
  float jitter;  // first relative jitter tried after a failure
};
}  // namespace lrqk
