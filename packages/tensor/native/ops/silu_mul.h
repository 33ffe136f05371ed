// silu_mul: out = silu(gate) · up, in f32. Two forms: separate gate/up (rows, I) tensors, or one
// fused (rows, 2I) tensor whose first I columns are gate (fused = true, up unused).
// All contiguous, same float dtype; out (rows, I).
#pragma once
#include "../core/tensor_arg.h"

namespace lrqk {
struct SiluMulArgs {
  TensorArg gate, up, out;
  bool fused;
  int64_t rows, inner;
};
}  // namespace lrqk
