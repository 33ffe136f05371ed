// Fidelity measurement for sparse attention (evaluation only): at a sparse decode step, exact
// softmax attention of the step's query over every cached key — from a device copy of K the
// recorder keeps — is compared with the set the backend actually attends (selected ∪ lite):
// the probability mass that set carries, and how many of the exact top-k positions it contains.
import { copyStrided, fill, indexSelect, matmul, softmax, Tensor, topk } from '@lrqk/tensor';
import type { AttentionShape, FidelityStats } from './backend.ts';

export class FidelityRecorder {
  readonly #shape: AttentionShape;
  readonly #topK: number;
  /** (Hkv, maxTokens, D) per layer, in the model's dtype: the keys exact attention sees. */
  readonly #keys: (Tensor | undefined)[];
  readonly #mass: Float64Array;
  readonly #recall: Float64Array;
  readonly #steps: Int32Array;

  constructor(shape: AttentionShape, topK: number) {
    this.#shape = shape;
    this.#topK = topK;
    this.#keys = new Array(shape.layers).fill(undefined);
    this.#mass = new Float64Array(shape.layers * shape.heads);
    this.#recall = new Float64Array(shape.layers * shape.heads);
    this.#steps = new Int32Array(shape.layers);
  }

  /** Records keys k (T, Hkv, D) at positions [start, start + T). */
  append(layer: number, k: Tensor, start: number): void {
    const s = this.#shape;
    let keys = this.#keys[layer];
    if (!keys) {
      keys = Tensor.empty([s.kvHeads, s.maxTokens, s.headDim], { dtype: s.dtype, device: s.device });
      this.#keys[layer] = keys;
    }
    copyStrided(keys.slice(1, start, start + k.size(0)), k.transpose(0, 1));
  }

  /**
   * One sparse step of `layer`: q (H, D) is the query at position n − 1; `attended(h)` lists the
   * positions query head h attends (selected ∪ lite). Synchronous (reads results back).
   */
  measure(layer: number, q: Tensor, n: number, attended: (head: number) => Iterable<number>): void {
    const s = this.#shape;
    const H = s.heads;
    const G = H / s.kvHeads;
    const qc = q.contiguous();
    const logits = matmul(qc.view([s.kvHeads, G, s.headDim]), this.#keys[layer]!.slice(1, 0, n), {
      transB: true,
      alpha: 1 / Math.sqrt(s.headDim),
      outDType: 'f32',
    }).view([H, n]);
    if (qc !== q) qc.dispose();
    try {
      const probs = softmax(logits);
      const k = Math.min(this.#topK, n);
      const { values, indices } = topk(logits, k, { indexDType: 'i32' });
      // Only the attended probabilities come back (gathered on the device), not all H·n of them.
      const sets = Array.from({ length: H }, (_, h) => [...new Set(attended(h))].filter((p) => p >= 0 && p < n));
      const m = Math.max(1, ...sets.map((x) => x.length));
      const idx = new Int32Array(H * m).fill(-1);
      sets.forEach((x, h) => idx.set(x, h * m));
      const idxT = Tensor.from(idx, [H, m], { dtype: 'i32', device: s.device });
      const picked = fill(Tensor.empty([H, m, 1], { device: s.device }), 0);
      indexSelect(probs.view([H, n, 1]), idxT, { out: picked, skipNegative: true, checkBounds: false });
      const p = picked.toFloat64Array();
      const top = indices.toArray();
      for (const t of [probs, values, indices, idxT, picked]) t.dispose();
      for (let h = 0; h < H; h++) {
        let mass = 0;
        for (let j = 0; j < m; j++) mass += p[h * m + j]!;
        const set = new Set(sets[h]);
        let found = 0;
        for (let j = 0; j < k; j++) if (set.has(top[h * k + j]!)) found++;
        this.#mass[layer * H + h]! += mass;
        this.#recall[layer * H + h]! += found / k;
      }
      this.#steps[layer]!++;
    } finally {
      logits.dispose();
    }
  }

  stats(hitRate: Float64Array): FidelityStats {
    const s = this.#shape;
    const mean = (acc: Float64Array) => acc.map((v, i) => v / this.#steps[Math.floor(i / s.heads)]!);
    return {
      layers: s.layers,
      heads: s.heads,
      steps: this.#steps.reduce((a, b) => Math.max(a, b), 0),
      massCaptured: mean(this.#mass),
      topkRecall: mean(this.#recall),
      hitRate,
    };
  }

  reset(): void {
    this.#mass.fill(0);
    this.#recall.fill(0);
    this.#steps.fill(0);
  }

  dispose(): void {
    for (const k of this.#keys) k?.dispose();
    this.#keys.fill(undefined);
  }
}
