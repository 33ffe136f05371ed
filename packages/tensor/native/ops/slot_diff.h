// slot_diff: the hit/miss step of a slot cache, per row b (e.g. per head):
//   slot_map (B, K) i32 — position held by each slot (-1 = empty), updated in place;
//   selection (B, K) i32 — the new set of K distinct positions, sorted ascending;
//   load (B, K) i32 out — for each slot, the position to fetch into it, or -1 (hit / untouched);
//   misses (B) i64 — incremented by the number of slots to fetch.
// Slots whose position left the selection ("stale", ascending slot order) receive the positions
// that entered it ("fresh", ascending position order): the pairing of the LRQK reference (D.2).
#pragma once
#include "../core/tensor_arg.h"

namespace lrqk {
struct SlotDiffArgs {
  TensorArg slot_map, selection, load, misses;
  int64_t rows, k;
};
}  // namespace lrqk
