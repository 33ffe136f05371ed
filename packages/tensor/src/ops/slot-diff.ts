import { native } from '../native.ts';
import type { Tensor } from '../tensor.ts';

declare module '../native.ts' {
  interface NativeAddon {
    slotDiff(slotMap: Tensor, selection: Tensor, load: Tensor, misses: Tensor): void;
  }
}

/**
 * Hit/miss step of a slot cache, on the tensors' device with no host synchronisation.
 * Per row: `slotMap` (B, K) i32 holds each slot's position (-1 = empty) and is updated in place;
 * `selection` (B, K) i32 is the new set of distinct positions, ascending; `load` (B, K) i32
 * receives, for each slot, the position to fetch into it or -1; `misses` (B) i64 is incremented
 * by the number of fetches. Slots that lost their position (ascending slot order) receive the
 * new positions (ascending), as in the LRQK reference.
 */
export function slotDiff(slotMap: Tensor, selection: Tensor, load: Tensor, misses: Tensor): void {
  native.slotDiff(slotMap, selection, load, misses);
}
