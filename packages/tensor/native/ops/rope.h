// rope (HF rotate_half layout): for each token t, head h, i < half:
//   x0 = x[t,h,i], x1 = x[t,h,i+half], c = cos[pos[t], i], s = sin[pos[t], i]
//   out[t,h,i] = x0·c − x1·s;  out[t,h,i+half] = x1·c + x0·s;  dims ≥ 2·half copied unchanged.
// x, out: (T, H, D) float, arbitrary strides on dims 0/1, last dim contiguous (out may alias x).
// cos/sin: (P, half) f32 contiguous; positions (T) i32/i64 in [0, P) — out of range: CPU throws,
// CUDA sets *error_flag and leaves that token unrotated.
#pragma once
#include "../core/tensor_arg.h"

namespace lrqk {
struct RopeArgs {
  TensorArg x, positions, cos, sin, out;
  int64_t tokens, heads, dim, half, table_positions;
  int32_t* error_flag;
};
}  // namespace lrqk
