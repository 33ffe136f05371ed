import { attentionDecode, attentionPrefill, copyStrided, indexCopy, Tensor } from '@lrqk/tensor';
import type { AttentionBackend, AttentionShape, AttentionStats, AttentionStep, DecodeStepTensors } from './backend.ts';

/**
 * Full attention with the whole KV cache on the compute device: per layer a token-major
 * (maxTokens, Hkv, D) buffer for K and for V, allocated once, appended in place.
 */
export class FullAttention implements AttentionBackend {
  readonly name = 'full';
  #k: Tensor[] = [];
  #v: Tensor[] = [];
  #length = 0;
  readonly #shape: AttentionShape;

  constructor(shape: AttentionShape) {
    this.#shape = shape;
    if (shape.slidingWindow === undefined) this.forwardGraphDecode = (...a) => this.#graphDecode(...a);
    const dims = [shape.maxTokens, shape.kvHeads, shape.headDim];
    try {
      for (let l = 0; l < shape.layers; l++) {
        this.#k.push(Tensor.empty(dims, { dtype: shape.dtype, device: shape.device }));
        this.#v.push(Tensor.empty(dims, { dtype: shape.dtype, device: shape.device }));
      }
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  get length(): number {
    return this.#length;
  }

  get maxTokens(): number {
    return this.#shape.maxTokens;
  }

  forward(layer: number, q: Tensor, k: Tensor, v: Tensor, out: Tensor, step: AttentionStep): void {
    const end = step.start + step.tokens;
    const kc = this.#k[layer]!;
    const vc = this.#v[layer]!;
    copyStrided(kc.slice(0, step.start, end), k);
    copyStrided(vc.slice(0, step.start, end), v);
    const keys = kc.slice(0, 0, end).transpose(0, 1); // (Hkv, n, D)
    const values = vc.slice(0, 0, end).transpose(0, 1);
    const window = this.#shape.slidingWindow;
    if (step.tokens === 1 && window === undefined) {
      attentionDecode(q.select(0, 0), keys, values, { out: out.select(0, 0) });
    } else {
      attentionPrefill(q.transpose(0, 1), keys, values, {
        causal: true,
        out: out.transpose(0, 1),
        ...(window !== undefined ? { slidingWindow: window } : {}),
      });
    }
  }

  /**
   * The decode step of {@link forward} with the position and length on the device: the new row is
   * scattered to `position` (indexCopy) and attention reads `length` rows (attentionDecode's
   * device-side length), so the same launches serve every step of a captured graph. Absent with a
   * sliding window (its moving start is not expressible this way; such models decode eagerly).
   */
  readonly forwardGraphDecode?: (layer: number, q: Tensor, k: Tensor, v: Tensor, out: Tensor, t: DecodeStepTensors) => void;

  #graphDecode(layer: number, q: Tensor, k: Tensor, v: Tensor, out: Tensor, t: DecodeStepTensors): void {
    const kc = this.#k[layer]!;
    const vc = this.#v[layer]!;
    const width = this.#shape.kvHeads * this.#shape.headDim;
    const rows = [this.#shape.maxTokens, width];
    indexCopy(kc.view(rows), t.position, k.view([1, width]), { checkBounds: false });
    indexCopy(vc.view(rows), t.position, v.view([1, width]), { checkBounds: false });
    attentionDecode(q.select(0, 0), kc.transpose(0, 1), vc.transpose(0, 1), { out: out.select(0, 0), length: t.length });
  }

  endStep(step: AttentionStep): void {
    this.#length = step.start + step.tokens;
  }

  reset(): void {
    this.#length = 0;
  }

  stats(): AttentionStats {
    const bytes = this.#k.reduce((a, t) => a + 2 * t.byteLength, 0);
    return { deviceBytes: this.#shape.device === 'cuda' ? bytes : 0, hostBytes: this.#shape.device === 'cpu' ? bytes : 0 };
  }

  dispose(): void {
    for (const t of [...this.#k, ...this.#v]) t.dispose();
    this.#k = [];
    this.#v = [];
  }
}
