import { native } from '../native.ts';
import type { Tensor } from '../tensor.ts';
import { outOrNew } from './common.ts';

declare module '../native.ts' {
  interface NativeAddon {
    rmsnorm(x: Tensor, weight: Tensor, out: Tensor, eps: number, residual?: Tensor): void;
  }
}

export interface RmsNormOptions {
  /** Added to the mean square before the reciprocal square root. Default 1e-6. */
  eps?: number;
  out?: Tensor;
  /**
   * Added to x first, in place (x ← x + residual in x's dtype), and the sum normalized: a residual
   * add and the next norm in one pass over the row (same results as add then rmsnorm).
   */
  residual?: Tensor;
}

/**
 * RMSNorm over the last dim, in f32 internally: `x / sqrt(mean(x²) + eps) * weight`; with
 * `residual`, x is first updated in place to x + residual.
 */
export function rmsnorm(x: Tensor, weight: Tensor, opts: RmsNormOptions = {}): Tensor {
  const out = outOrNew(opts.out, x);
  native.rmsnorm(x, weight, out, opts.eps ?? 1e-6, opts.residual);
  return out;
}
