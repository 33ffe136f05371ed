// Proxy scores and top-k selection on @lrqk/tensor (spec C.5 step 4), batched over factor heads:
// scores = A_K[0:P) · q̂ᵀ for each of a head's Gq proxy queries, combined over the group (shared
// layout) in the same pass, then the top-k positions per head in ascending order. Everything stays on the device:
// the candidate count P is a host number the caller already knows, nothing is read back.
import { lowRankScores, topk, type Device, type Tensor } from '@lrqk/tensor';

/**
 * How a factor head's Gq proxy queries are combined (shared per-KV-head layout). `max` ranks a
 * position by its best score over the group, so a key that only one query head needs still wins;
 * `sum` ranks by the summed score, where the other heads' scores can cancel it — with
 * planted needles aligned with one head of a group of 4, `sum` misses all of them (see the
 * needles test).
 */
export type GroupScore = 'sum' | 'max';

export interface ProxySelectorOptions {
  /** Factor heads Hf. */
  heads: number;
  /** Proxy queries per factor head (1 per query head, G when a KV group shares the factors). */
  queriesPerHead: number;
  topK: number;
  groupScore: GroupScore;
  device: Device;
}

/** Selects top-k positions by proxy score. */
export class ProxySelector {
  readonly options: ProxySelectorOptions;

  constructor(options: ProxySelectorOptions) {
    this.options = options;
    const { queriesPerHead: gq, groupScore } = options;
    if (!Number.isInteger(gq) || gq < 1) throw new RangeError(`ProxySelector: queriesPerHead must be a positive integer, got ${gq}`);
    if (groupScore !== 'sum' && groupScore !== 'max') throw new RangeError(`ProxySelector: groupScore must be 'sum' or 'max', got '${String(groupScore)}'`);
  }

  /**
   * Proxy scores of `candidates` positions for every factor head, combined over its queries, in
   * one pass over A_K (lowRankScores). queries: (Hf, Gq, r) f32 (last dim contiguous, other strides
   * free); aK: (Hf, cap, r) f32, bf16 or f16 (its values widened to f32, the queries unrounded).
   * Returns (Hf, candidates) f32, owned by the caller.
   */
  scores(queries: Tensor, aK: Tensor, candidates: number): Tensor {
    const { heads: hf, queriesPerHead: gq } = this.options;
    if (queries.ndim !== 3 || queries.size(0) !== hf || queries.size(1) !== gq) {
      throw new RangeError(`ProxySelector: queries must be (Hf=${hf}, Gq=${gq}, r), got [${queries.shape.join(',')}]`);
    }
    if (!Number.isInteger(candidates) || candidates < 1 || candidates > aK.size(1)) {
      throw new RangeError(`ProxySelector: candidates ${candidates} outside [1, ${aK.size(1)}]`);
    }
    return lowRankScores(aK, queries, { rows: candidates, combine: this.options.groupScore });
  }

  /**
   * The top-k positions among [0, candidates) per factor head, ascending: (Hf, topK) i32. With
   * `count`, the candidates are [0, count.length's value + count.offset) instead, read on the
   * device when the work runs (a captured graph follows it), `candidates` bounding them: scores
   * are computed for all `candidates` rows and the top-k skips those past the count.
   * `onScores` is called between the two launches (profiling marks).
   */
  select(queries: Tensor, aK: Tensor, candidates: number, opts: { count?: { length: Tensor; offset: number }; onScores?: () => void } = {}): Tensor {
    const { count } = opts;
    const s = this.scores(queries, aK, candidates);
    opts.onScores?.();
    try {
      const { values, indices } = topk(s, this.options.topK, {
        sorted: 'index',
        indexDType: 'i32',
        ...(count ? { lengthTensor: count.length, lengthOffset: count.offset } : {}),
      });
      values.dispose();
      return indices;
    } finally {
      s.dispose();
    }
  }

  /** Nothing to free (kept so that owners can treat every selector alike). */
  dispose(): void {}
}
