// attention_decode: one query per head against `length` leading rows of a KV buffer, all visible
// (no mask), f32 accumulation.
//   q, out: (H, D) — each may carry a head stride (q can be an (H,1,D) tensor)   stride 1 on D
//   k, v:   (Hk, S, D), any strides on dims 0 and 1, stride 1 on D; H % Hk == 0
//     Hk == Hkv: a contiguous or slot KV cache shared by a GQA group (head h reads h / (H/Hk))
//     Hk == H:   per-query-head slot buffers (the LRQK layout)
//   1 <= length <= S; same float dtype everywhere; 1 <= D <= 256.
//   length_dev (CUDA only, optional): the row count read on the device when the kernel runs, so a
//     captured graph can replay the op as the cache grows; `length` is then S (the capacity) and
//     sizes the launch, and the kernel clamps *length_dev to [1, S].
#pragma once
#include "../core/tensor_arg.h"

namespace lrqk {
struct AttentionDecodeArgs {
  TensorArg q, k, v, out;
  int64_t heads, kv_heads, dim, length;
  const int32_t* length_dev = nullptr;
  int64_t q_head_stride, out_head_stride;  // elements between consecutive heads of q / out
  float scale;
};
}  // namespace lrqk
