import { native } from '../native.ts';
import type { Tensor } from '../tensor.ts';
import { outOrNew } from './common.ts';

declare module '../native.ts' {
  interface NativeAddon {
    softmax(x: Tensor, out: Tensor, temperature: number): void;
  }
}

/** Softmax over the last dim of x / temperature, in f32 (output dtype = x's unless `out` given). */
export function softmax(x: Tensor, opts: { temperature?: number; out?: Tensor } = {}): Tensor {
  const out = outOrNew(opts.out, x);
  native.softmax(x, out, opts.temperature ?? 1);
  return out;
}
