// Proxy scores and top-k selection on @lrqk/tensor (spec C.5 step 4), batched over factor heads:
// scores = A_K[0:P) · q̂ᵀ for each of a head's Gq proxy queries, combined over the group (shared
// layout), then the top-k positions per head in ascending order. Everything stays on the device:
// the candidate count P is a host number the caller already knows, nothing is read back.
import { cast, groupMax, matmul, Tensor, topk, type Device } from '@lrqk/tensor';

/**
 * How a factor head's Gq proxy queries are combined (shared per-KV-head layout). `max` ranks a
 * position by its best score over the group, so a key that only one query head needs still wins;
 * `sum` (one GEMV) ranks by the summed score, where the other heads' scores can cancel it — with
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

/** Selects top-k positions by proxy score; owns a small constant buffer (dispose it). */
export class ProxySelector {
  readonly options: ProxySelectorOptions;
  /** (1, Gq) f32 ones for the `sum` combination, made once so that select() never synchronises. */
  readonly #ones: Tensor | undefined;

  constructor(options: ProxySelectorOptions) {
    this.options = options;
    const { queriesPerHead: gq, groupScore } = options;
    if (!Number.isInteger(gq) || gq < 1) throw new RangeError(`ProxySelector: queriesPerHead must be a positive integer, got ${gq}`);
    if (groupScore !== 'sum' && groupScore !== 'max') throw new RangeError(`ProxySelector: groupScore must be 'sum' or 'max', got '${String(groupScore)}'`);
    this.#ones = gq > 1 && groupScore === 'sum' ? Tensor.from(new Array(gq).fill(1), [1, gq], { device: options.device }) : undefined;
  }

  /**
   * Proxy scores of `candidates` positions for every factor head, combined over its queries.
   * queries: (Hf, Gq, r) f32 (last dim contiguous, other strides free); aK: (Hf, cap, r) f32, bf16
   * or f16 (queries are rounded to its dtype first, the products accumulate in f32).
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
    const keys = aK.slice(1, 0, candidates);
    // A_K may be stored in bf16/f16 (spec A.4: proxy scores on bf16): queries are cast to match.
    const like = (x: Tensor) => (x.dtype === aK.dtype ? x : cast(x, aK.dtype));
    if (gq === 1 || this.#ones) {
      let q = queries;
      if (this.#ones) {
        const ones = this.#ones;
        // (Hf, 1, Gq) with batch stride 0: the same row of ones for every head.
        q = matmul(new Tensor(ones.storage, 'f32', [hf, 1, gq], [0, gq, 1], ones.offset), queries, { outDType: 'f32' });
      }
      const qc = like(q);
      try {
        return matmul(qc, keys, { transB: true, outDType: 'f32' }).view([hf, candidates]);
      } finally {
        if (qc !== q) qc.dispose();
        if (q !== queries) q.dispose();
      }
    }
    const qc = like(queries);
    const all = matmul(qc, keys, { transB: true, outDType: 'f32' }); // (Hf, Gq, P)
    if (qc !== queries) qc.dispose();
    try {
      return groupMax(all);
    } finally {
      all.dispose();
    }
  }

  /** The top-k positions among [0, candidates) per factor head, ascending: (Hf, topK) i32. */
  select(queries: Tensor, aK: Tensor, candidates: number): Tensor {
    const s = this.scores(queries, aK, candidates);
    try {
      const { values, indices } = topk(s, this.options.topK, { sorted: 'index', indexDType: 'i32' });
      values.dispose();
      return indices;
    } finally {
      s.dispose();
    }
  }

  dispose(): void {
    this.#ones?.dispose();
  }
}
