import { native } from '../native.ts';
import { Tensor } from '../tensor.ts';

declare module '../native.ts' {
  interface NativeAddon {
    lowRankScores(aK: Tensor, queries: Tensor, out: Tensor, combine: string): void;
  }
}

export interface LowRankScoresOptions {
  /** Positions [0, rows) are scored. Default: all of aK's rows. */
  rows?: number;
  /** How a head's query scores combine: their maximum (default) or their sum. */
  combine?: 'max' | 'sum';
  /** (Hf, rows) f32 output, last dim contiguous; a new tensor when absent. */
  out?: Tensor;
}

/**
 * LRQK's proxy scores in one memory-bound pass over A_K: for every factor head h and position
 * t < rows, the max (or sum) over the head's queries g of aK[h, t] · queries[h, g]. aK: (Hf, cap,
 * r) any float dtype, last dim contiguous; queries: (Hf, Gq, r) f32. Products and sums in f32.
 * Limits: r ≤ 64, Gq ≤ 16.
 */
export function lowRankScores(aK: Tensor, queries: Tensor, opts: LowRankScoresOptions = {}): Tensor {
  const rows = opts.rows ?? aK.size(1);
  const out = opts.out ?? Tensor.empty([aK.size(0), rows], { dtype: 'f32', device: aK.device });
  native.lowRankScores(aK, queries, out, opts.combine ?? 'max');
  return out;
}
