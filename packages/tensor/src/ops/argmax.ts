import type { IndexDType } from '../dtype.ts';
import { native } from '../native.ts';
import type { Tensor } from '../tensor.ts';
import { outOrNew } from './common.ts';

declare module '../native.ts' {
  interface NativeAddon {
    argmax(x: Tensor, out: Tensor): void;
  }
}

/** Index of the largest value along the last dim (ties → lowest index; NaN ignored). */
export function argmax(x: Tensor, opts: { out?: Tensor; indexDType?: IndexDType } = {}): Tensor {
  const out = outOrNew(opts.out, x, x.shape.slice(0, -1), opts.indexDType ?? 'i32');
  native.argmax(x, out);
  return out;
}
