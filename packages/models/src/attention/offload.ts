// The paper's CPU-offload baseline: every token's K/V lives in pinned host memory and each decode
// step streams the layer's whole KV to the device for dense attention. Its decode time is bound by
// PCIe bandwidth (2·n·Hkv·D·bytes per layer per token), which is what LRQK avoids.
import { HostKvStore, resolveConfig } from '@lrqk/kv-cache';
import { attentionPrefill, Tensor } from '@lrqk/tensor';
import type { AttentionBackend, AttentionShape, AttentionStats, AttentionStep } from './backend.ts';

export class OffloadAttention implements AttentionBackend {
  readonly name = 'offload';
  readonly #shape: AttentionShape;
  #stores: HostKvStore[] = [];
  /** Device staging buffer for one layer's KV: (Hkv, maxTokens, 2D), reused by every layer. */
  #staging: Tensor;
  #length = 0;
  #bytesH2D = 0;
  #bytesD2H = 0;

  constructor(shape: AttentionShape) {
    this.#shape = shape;
    const cfg = resolveConfig({
      layers: shape.layers,
      heads: shape.heads,
      kvHeads: shape.kvHeads,
      headDim: shape.headDim,
      activeSlots: 1,
      liteSlots: 1,
      capacityTokens: shape.maxTokens,
      dtype: shape.dtype,
      layout: 'per-kv-head',
      device: shape.device,
    });
    try {
      for (let l = 0; l < shape.layers; l++) this.#stores.push(new HostKvStore(cfg));
      this.#staging = Tensor.empty([shape.kvHeads, shape.maxTokens, 2 * shape.headDim], { dtype: shape.dtype, device: shape.device });
    } catch (e) {
      for (const s of this.#stores) s.dispose();
      throw e;
    }
  }

  get length(): number {
    return this.#length;
  }

  forward(layer: number, q: Tensor, k: Tensor, v: Tensor, out: Tensor, step: AttentionStep): void {
    const store = this.#stores[layer]!;
    const D = this.#shape.headDim;
    this.#bytesD2H += store.write(step.start, k.transpose(0, 1), v.transpose(0, 1));
    const n = step.start + step.tokens;
    if (step.start === 0) {
      attentionPrefill(q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1), { causal: true, out: out.transpose(0, 1) });
      return;
    }
    // Stream the whole layer from the host store (one contiguous block per KV head).
    const stage = this.#staging.slice(1, 0, n);
    const src = store.tensor.slice(1, 0, n);
    for (let h = 0; h < this.#shape.kvHeads; h++) stage.select(0, h).copyFrom(src.select(0, h));
    this.#bytesH2D += n * this.#shape.kvHeads * 2 * D * (this.#shape.dtype === 'f32' ? 4 : 2);
    attentionPrefill(q.transpose(0, 1), stage.slice(2, 0, D), stage.slice(2, D, 2 * D), { causal: true, out: out.transpose(0, 1) });
  }

  endStep(step: AttentionStep): void {
    this.#length = step.start + step.tokens;
  }

  reset(): void {
    for (const s of this.#stores) s.reset();
    this.#length = 0;
    this.#bytesH2D = 0;
    this.#bytesD2H = 0;
  }

  stats(): AttentionStats {
    return {
      deviceBytes: this.#shape.device === 'cuda' ? this.#staging.byteLength : 0,
      hostBytes: this.#stores.reduce((a, s) => a + s.bytes, 0),
      bytesHostToDevice: this.#bytesH2D,
      bytesDeviceToHost: this.#bytesD2H,
    };
  }

  dispose(): void {
    for (const s of this.#stores) s.dispose();
    this.#stores = [];
    this.#staging.dispose();
  }
}
