// attention_prefill: causal / full softmax attention of a chunk of queries over a KV range, with
// GQA and an optional sliding window. Computed flash-style (online softmax over key tiles, f32
// accumulation); no Tq×Tk matrix is ever materialised.
//   q, out: (H, Tq, D)   k, v: (Hkv, Tk, D)   same float dtype (f32, f16, bf16)
//   Any strides on dims 0 and 1 (so token-major (T, H, D) buffers pass as transpose(0,1) views),
//   stride 1 on the last dim. 1 <= D <= 256, H % Hkv == 0, Tk >= Tq.
// Query i sits at absolute position p = Tk - Tq + i; query head h reads KV head h / (H / Hkv).
// It attends key j iff (!causal || j <= p) && (window == 0 || j > p - window).
#pragma once
#include "../core/tensor_arg.h"

namespace lrqk {
struct AttentionPrefillArgs {
  TensorArg q, k, v, out;
  int64_t heads, kv_heads, tq, tk, dim;
  float scale;     // applied to q·k before the softmax
  bool causal;
  int64_t window;  // sliding window in positions; 0 = none
};
}  // namespace lrqk
