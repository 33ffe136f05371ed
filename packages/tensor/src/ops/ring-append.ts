import { native } from '../native.ts';
import type { Tensor } from '../tensor.ts';

declare module '../native.ts' {
  interface NativeAddon {
    ringAppend(k: Tensor, v: Tensor, slots: Tensor, store: Tensor, litePos: Tensor, ringStart: number, position: number, positionTensor?: Tensor): void;
  }
}

export interface RingAppendArgs {
  /** (Hkv, D): the new token's key, last dim contiguous. */
  k: Tensor;
  /** (Hkv, D): its value. */
  v: Tensor;
  /** (Hs, S, 2D) slot rows, K half then V half; slot head h·R + g (R = Hs / Hkv) holds KV head h. */
  slots: Tensor;
  /** (Hkv, cap, 2D) rows by position; pinned host memory (or device memory) next to CUDA slots. */
  store: Tensor;
  /** (L) i32: the position held by each ring slot; L is the ring's size. */
  litePos: Tensor;
  /** First slot of the ring. */
  ringStart: number;
  /** The token's position (ignored when `positionTensor` is given). */
  position?: number;
  /** One i32 on the slots' device holding the position, read when the op runs (graph capture). */
  positionTensor?: Tensor;
}

/**
 * Appends one decode token to a slot cache: with p its position and j = (p − ringStart) mod L,
 * ring slot `ringStart + j` of every replica and store row p receive [k | v], and litePos[j] = p —
 * one launch, no host synchronisation. (Positions below ringStart + L thus sit at slot p.) On CUDA a device-side p outside the store writes nothing; a host-side one throws.
 */
export function ringAppend(args: RingAppendArgs): void {
  native.ringAppend(args.k, args.v, args.slots, args.store, args.litePos, args.ringStart, args.position ?? 0, args.positionTensor);
}
