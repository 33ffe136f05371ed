import { native } from '../native.ts';
import type { Tensor } from '../tensor.ts';
import { outOrNew } from './common.ts';

declare module '../native.ts' {
  interface NativeAddon {
    embedding(weight: Tensor, ids: Tensor, out: Tensor, checkBounds: boolean): void;
  }
}

/**
 * Rows of `weight` (V, D) at `ids` (T) → (T, D). Out-of-range ids throw IndexOutOfRangeError; on
 * CUDA that check costs one small synchronous copy (`checkBounds: false` skips it).
 */
export function embedding(weight: Tensor, ids: Tensor, opts: { out?: Tensor; checkBounds?: boolean } = {}): Tensor {
  const out = outOrNew(opts.out, weight, [ids.size(0), weight.size(1)]);
  native.embedding(weight, ids, out, opts.checkBounds ?? true);
  return out;
}
