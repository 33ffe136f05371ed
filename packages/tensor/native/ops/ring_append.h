// ring_append: one decode token's K/V into a slot cache's recent-token ring and into its row store,
// at a position the op may read from the device when it runs (so a captured graph replays it):
//   k, v      (Hkv, D)          the token's key and value, last dim contiguous
//   slots     (Hs, S, 2D)       slot rows (K then V halves); slot head h·R + g (g < R = Hs / Hkv)
//                               holds KV head h; the ring is slots [ring_start, ring_start + L)
//   store     (Hkv, cap, 2D)    every token's row by position (pinned host memory next to CUDA slots)
//   lite_pos  (L) i32           position held by each ring slot
// With p the position and j = (p − ring_start) mod L: ring slot ring_start + j of every replica and
// store row p receive [k | v], and lite_pos[j] = p. (Anchoring the ring at ring_start keeps the
// slots of positions p < ring_start + L at slot p: a dense prefix.) A device-side p outside
// [0, cap) writes nothing.
// Same float dtype everywhere; the op only moves bytes.
#pragma once
#include "../core/tensor_arg.h"

namespace lrqk {
struct RingAppendArgs {
  TensorArg k, v, slots, store, lite_pos;
  int64_t hkv, d, replicas, ring_start, ring_size, cap;
  int64_t position = 0;
  const int32_t* position_dev = nullptr;
};
}  // namespace lrqk
