import { fill, Tensor } from '@lrqk/tensor';
import type { ResolvedKvTierConfig } from './config.ts';

/**
 * One layer's device-resident working set: slots (Hs, K + L, 2D) — K active slots then the L-slot
 * lite ring — plus the slot → position map of the active region (Hs, K) i32, the per-step load
 * list (Hs, K) i32 and a miss counter (Hs) i64, all on the device so that a selection update
 * needs no host synchronisation.
 */
export class SlotPool {
  readonly slots: Tensor;
  readonly slotMap: Tensor;
  readonly load: Tensor;
  readonly misses: Tensor;
  readonly #cfg: ResolvedKvTierConfig;

  constructor(cfg: ResolvedKvTierConfig) {
    this.#cfg = cfg;
    const made: Tensor[] = [];
    const alloc = (shape: number[], dtype: ResolvedKvTierConfig['dtype'] | 'i32' | 'i64', zero = false): Tensor => {
      const t = zero ? Tensor.zeros(shape, { device: cfg.device, dtype }) : Tensor.empty(shape, { device: cfg.device, dtype });
      made.push(t);
      return t;
    };
    try {
      this.slots = alloc([cfg.slotHeads, cfg.slotsPerHead, 2 * cfg.headDim], cfg.dtype);
      this.slotMap = alloc([cfg.slotHeads, cfg.activeSlots], 'i32');
      this.load = alloc([cfg.slotHeads, cfg.activeSlots], 'i32');
      this.misses = alloc([cfg.slotHeads], 'i64', true);
    } catch (e) {
      for (const t of made) t.dispose();
      throw e;
    }
    this.resetMap('identity');
  }

  /** identity: slot s holds position s (dense start); empty: every active slot needs a fetch. */
  resetMap(mode: 'identity' | 'empty'): void {
    if (mode === 'empty') {
      fill(this.slotMap, -1);
      return;
    }
    const K = this.#cfg.activeSlots;
    const ids = new Int32Array(this.#cfg.slotHeads * K);
    for (let i = 0; i < ids.length; i++) ids[i] = i % K;
    const host = Tensor.from(ids, [this.#cfg.slotHeads, K], { dtype: 'i32' });
    try {
      this.slotMap.copyFrom(host);
    } finally {
      host.dispose();
    }
  }

  /**
   * View (Hkv, count, D) of the K or V half of slots [slot, slot + count) for group member g:
   * with per-query-head slots, query head h = j·G + g holds KV head j's rows.
   */
  half(which: 'k' | 'v', g: number, slot: number, count: number): Tensor {
    const c = this.#cfg;
    const S = c.slotsPerHead;
    const W = 2 * c.headDim;
    const heads = c.layout === 'per-query-head' ? c.groupSize : 1;
    const offset = this.slots.offset + g * S * W + slot * W + (which === 'v' ? c.headDim : 0);
    return new Tensor(this.slots.storage, this.slots.dtype, [c.kvHeads, count, c.headDim], [heads * S * W, W, 1], offset);
  }

  /**
   * View (Hkv, replicas, count, D) of the K or V half of slots [slot, slot + count) of every copy:
   * [j, g] is query head j·G + g (per-query-head layout) or KV head j itself (replicas = 1).
   */
  replicasView(which: 'k' | 'v', slot: number, count: number): Tensor {
    const c = this.#cfg;
    const S = c.slotsPerHead;
    const W = 2 * c.headDim;
    const g = this.replicas;
    const offset = this.slots.offset + slot * W + (which === 'v' ? c.headDim : 0);
    return new Tensor(this.slots.storage, this.slots.dtype, [c.kvHeads, g, count, c.headDim], [g * S * W, S * W, W, 1], offset);
  }

  /** Number of copies a token must be written to (G for per-query-head, else 1). */
  get replicas(): number {
    return this.#cfg.layout === 'per-query-head' ? this.#cfg.groupSize : 1;
  }

  get bytes(): number {
    return this.slots.byteLength + this.slotMap.byteLength + this.load.byteLength + this.misses.byteLength;
  }

  dispose(): void {
    for (const t of [this.slots, this.slotMap, this.load, this.misses]) t.dispose();
  }
}
