import { native } from '../native.ts';
import type { Tensor } from '../tensor.ts';
import { outOrNew } from './common.ts';

declare module '../native.ts' {
  interface NativeAddon {
    rmsnorm(x: Tensor, weight: Tensor, out: Tensor, eps: number): void;
  }
}

export interface RmsNormOptions {
  /** Added to the mean square before the reciprocal square root. Default 1e-6. */
  eps?: number;
  out?: Tensor;
}

/** RMSNorm over the last dim, in f32 internally: `x / sqrt(mean(x²) + eps) * weight`. */
export function rmsnorm(x: Tensor, weight: Tensor, opts: RmsNormOptions = {}): Tensor {
  const out = outOrNew(opts.out, x);
  native.rmsnorm(x, weight, out, opts.eps ?? 1e-6);
  return out;
}
