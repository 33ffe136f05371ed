import { native } from '../native.ts';
import type { Tensor } from '../tensor.ts';

declare module '../native.ts' {
  interface NativeAddon {
    fill(out: Tensor, value: number): void;
  }
}

/** Sets every element of a contiguous tensor to `value` (NaN allowed: used to poison outputs). */
export function fill(out: Tensor, value: number): Tensor {
  native.fill(out, value);
  return out;
}
