import { native } from '../native.ts';
import { Tensor } from '../tensor.ts';

declare module '../native.ts' {
  interface NativeAddon {
    sampleLogits(logits: Tensor, uniforms: Tensor, out: Tensor, temperature: number, topK: number, topP: number, minP: number): void;
  }
}

export interface SampleLogitsOptions {
  /** 0 = greedy (argmax). Default 1. */
  temperature?: number;
  /** Keep the k most likely tokens (ties kept); 0 = off. */
  topK?: number;
  /** Keep the most likely tokens whose mass first reaches p (ties kept); 1 = off. */
  topP?: number;
  /** Keep tokens with p ≥ minP · p_max; 0 = off. */
  minP?: number;
  out?: Tensor;
}

/**
 * One token per row of logits (rows, V): temperature, top-k, top-p and min-p filtering (in HF's
 * order), then the inverse CDF at `uniforms[row]` ∈ [0, 1) over the kept tokens in index order.
 * Randomness comes from the caller's uniforms, so a seeded generator makes runs reproducible.
 */
export function sampleLogits(logits: Tensor, uniforms: Tensor, opts: SampleLogitsOptions = {}): Tensor {
  const rows = logits.size(0);
  const out = opts.out ?? Tensor.empty([rows], { dtype: 'i32', device: logits.device });
  native.sampleLogits(logits, uniforms, out, opts.temperature ?? 1, opts.topK ?? 0, opts.topP ?? 1, opts.minP ?? 0);
  return out;
}
