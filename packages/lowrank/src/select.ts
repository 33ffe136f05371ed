// Proxy scores, deterministic top-k, and the candidate-range / prefill-branch rules (spec B.5, C.5
// step 4, G.3, G.9).
import { LowRankArgumentError } from './errors.ts';
import type { Mat } from './mat.ts';

/**
 * Switches that reproduce the reference code's quirks. Both default to false (fixed mode).
 * - `candidateOffByOne` (G.3): decode candidates end at `oldestLite − 1` instead of `oldestLite`,
 *   so position p−L is neither selected nor lite for that step.
 * - `shortBranchAtKPlusL` (G.9): a prefill of exactly n0 = k+L takes the short branch (which the
 *   reference then crashes on at the first decode step); fixed mode sends n0 ≥ k+L to the long one.
 */
export interface CompatOptions {
  readonly candidateOffByOne?: boolean;
  readonly shortBranchAtKPlusL?: boolean;
}

/** s_i = A_K[i]·q̂ for rows i ∈ [0, end) (unscaled; top-k does not depend on scale). */
export function proxyScores(aK: Mat, qHat: ArrayLike<number>, end: number = aK.rows): Float64Array {
  if (qHat.length !== aK.cols) throw new LowRankArgumentError(`proxyScores: q̂ has ${qHat.length} values, A_K has ${aK.cols} columns`);
  if (!Number.isInteger(end) || end < 0 || end > aK.rows) throw new LowRankArgumentError(`proxyScores: end ${end} outside [0, ${aK.rows}]`);
  const r = aK.cols;
  const out = new Float64Array(end);
  for (let i = 0; i < end; i++) {
    let s = 0;
    for (let j = 0; j < r; j++) s += aK.data[i * r + j]! * qHat[j]!;
    out[i] = s;
  }
  return out;
}

/** Options of {@link selectTopK}. */
export interface SelectTopKOptions {
  /** Only indices [0, candidateEnd) are candidates (default: all of `scores`). */
  readonly candidateEnd?: number;
}

/**
 * The `k` highest-scoring indices among the candidates, returned in ascending index order. Ties
 * are broken deterministically: the lower index wins. If there are ≤ k candidates, all of them are
 * returned. NaN scores are an error.
 */
export function selectTopK(scores: ArrayLike<number>, k: number, options: SelectTopKOptions = {}): number[] {
  const end = options.candidateEnd ?? scores.length;
  if (!Number.isInteger(k) || k < 0) throw new LowRankArgumentError(`selectTopK: k must be an integer ≥ 0, got ${k}`);
  if (!Number.isInteger(end) || end < 0 || end > scores.length) {
    throw new LowRankArgumentError(`selectTopK: candidateEnd ${end} outside [0, ${scores.length}]`);
  }
  for (let i = 0; i < end; i++) {
    if (Number.isNaN(scores[i]!)) throw new LowRankArgumentError(`selectTopK: score ${i} is NaN`);
  }
  const idx = Array.from({ length: end }, (_, i) => i);
  if (end <= k) return idx;
  idx.sort((a, b) => {
    const sa = scores[a]!;
    const sb = scores[b]!;
    return sa < sb ? 1 : sa > sb ? -1 : a - b;
  });
  return idx.slice(0, k).sort((a, b) => a - b);
}

/** Decode candidate end: `oldestLite` (fixed) or `oldestLite − 1` (reference, G.3). */
export function candidateEnd(oldestLite: number, compat: CompatOptions = {}): number {
  return compat.candidateOffByOne === true ? oldestLite - 1 : oldestLite;
}

/** How a prefill of n0 tokens is handled (B.1, B.5): buffer, short branch or long branch. */
export type PrefillBranch = 'collect' | 'short' | 'long';

/** The branch for a prefill of `n0` tokens with top-k `k` and lite window `lite` (L). */
export function prefillBranch(n0: number, k: number, lite: number, compat: CompatOptions = {}): PrefillBranch {
  if (n0 < k) return 'collect';
  const longFrom = compat.shortBranchAtKPlusL === true ? k + lite + 1 : k + lite;
  return n0 >= longFrom ? 'long' : 'short';
}
