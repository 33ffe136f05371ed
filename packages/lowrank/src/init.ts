// Initialization of A_Q and A_K for the prefill factorization (spec B.4).
import { LowRankArgumentError } from './errors.ts';
import { gatherColumns, type Mat } from './mat.ts';
import { randnMat, Rng } from './prng.ts';

/**
 * `randn`: i.i.d. N(0,1) (seeded, see prng.ts; A_Q is drawn first, then A_K, both row-major);
 * `top`: the r columns of Q with the largest Σ|Q| (A_Q) and, independently, of K (A_K);
 * `topcol`: one shared set of r columns by the largest Σ|Q| + Σ|K|.
 */
export type InitMethod = 'randn' | 'top' | 'topcol';

/** Starting factors A_Q (n×r) and A_K (n×r). */
export interface InitialFactors {
  readonly aQ: Mat;
  readonly aK: Mat;
}

/** Per-column sums of |X| (length cols). */
export function columnAbsSums(x: Mat): Float64Array {
  const s = new Float64Array(x.cols);
  for (let i = 0; i < x.rows; i++) {
    for (let j = 0; j < x.cols; j++) s[j]! += Math.abs(x.data[i * x.cols + j]!);
  }
  return s;
}

/**
 * Indices of the `count` largest scores, ordered by descending score with ties broken by the lower
 * index (the column order of `top`/`topcol` init; like torch.topk with sorted=True).
 */
export function largestIndicesDescending(scores: ArrayLike<number>, count: number): number[] {
  if (!Number.isInteger(count) || count < 0 || count > scores.length) {
    throw new LowRankArgumentError(`largestIndicesDescending: count ${count} outside [0, ${scores.length}]`);
  }
  const idx = Array.from({ length: scores.length }, (_, i) => i);
  idx.sort((a, b) => scores[b]! - scores[a]! || a - b);
  return idx.slice(0, count);
}

/** Builds A_Q and A_K for `Q` and `K` (both n×d) with the given method. */
export function initFactors(q: Mat, k: Mat, rank: number, method: InitMethod, seed: number): InitialFactors {
  if (q.rows !== k.rows || q.cols !== k.cols) {
    throw new LowRankArgumentError(`initFactors: Q ${q.rows}×${q.cols} and K ${k.rows}×${k.cols} differ`);
  }
  if (!Number.isInteger(rank) || rank < 1 || rank > q.cols) {
    throw new LowRankArgumentError(`initFactors: rank ${rank} must be an integer in [1, d=${q.cols}]`);
  }
  switch (method) {
    case 'randn': {
      const rng = new Rng(seed);
      const aQ = randnMat(q.rows, rank, rng);
      const aK = randnMat(k.rows, rank, rng);
      return { aQ, aK };
    }
    case 'top':
      return {
        aQ: gatherColumns(q, largestIndicesDescending(columnAbsSums(q), rank)),
        aK: gatherColumns(k, largestIndicesDescending(columnAbsSums(k), rank)),
      };
    case 'topcol': {
      const sq = columnAbsSums(q);
      const sk = columnAbsSums(k);
      const both = sq.map((v, j) => v + sk[j]!);
      const cols = largestIndicesDescending(both, rank);
      return { aQ: gatherColumns(q, cols), aK: gatherColumns(k, cols) };
    }
    default: {
      const never: never = method;
      throw new LowRankArgumentError(`initFactors: unknown init method ${String(never)}`);
    }
  }
}
