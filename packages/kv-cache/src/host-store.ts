import { copyStrided, Tensor } from '@lrqk/tensor';
import type { ResolvedKvTierConfig } from './config.ts';

/**
 * Full-precision K/V of every token of one layer, in pinned host memory (ordinary host memory
 * when no CUDA device exists): (Hkv, capacity, 2D), a K‖V row per (KV head, position), so that
 * one gathered row brings both halves. Rows are written by position; capacity grows ×1.5.
 */
export class HostKvStore {
  #t: Tensor;
  #length = 0;
  readonly #cfg: ResolvedKvTierConfig;

  constructor(cfg: ResolvedKvTierConfig) {
    this.#cfg = cfg;
    this.#t = HostKvStore.#alloc(cfg, cfg.capacityTokens);
  }

  static #alloc(cfg: ResolvedKvTierConfig, capacity: number): Tensor {
    return Tensor.empty([cfg.kvHeads, capacity, 2 * cfg.headDim], { dtype: cfg.dtype, device: 'cpu', pinned: true });
  }

  /** The store tensor (Hkv, capacity, 2D). */
  get tensor(): Tensor {
    return this.#t;
  }
  get capacity(): number {
    return this.#t.size(1);
  }
  /** Rows [0, length) are valid. */
  get length(): number {
    return this.#length;
  }
  get bytes(): number {
    return this.#t.byteLength;
  }
  get pinned(): boolean {
    return this.#t.memory === 'pinned';
  }

  /** Grows the store (×1.5 at least) so that rows [0, rows) fit; the tensor is replaced when it grows. */
  reserve(rows: number): void {
    if (rows <= this.capacity) return;
    const next = HostKvStore.#alloc(this.#cfg, Math.max(rows, Math.ceil(this.capacity * 1.5)));
    for (let h = 0; h < this.#cfg.kvHeads; h++) {
      if (this.#length > 0) next.select(0, h).slice(0, 0, this.#length).copyFrom(this.#t.select(0, h).slice(0, 0, this.#length));
    }
    this.#t.dispose();
    this.#t = next;
  }

  /**
   * Writes positions [start, start + T) from k, v: (Hkv, T, D) views (any memory the copy op
   * reaches: host, or the device when the store is pinned). Returns the bytes written.
   */
  write(start: number, k: Tensor, v: Tensor): number {
    const T = k.size(1);
    if (T === 0) return 0;
    this.reserve(start + T);
    const D = this.#cfg.headDim;
    const rows = this.#t.slice(1, start, start + T);
    copyStrided(rows.slice(2, 0, D), k);
    copyStrided(rows.slice(2, D, 2 * D), v);
    this.#length = Math.max(this.#length, start + T);
    return T * this.#cfg.kvHeads * this.#cfg.rowBytes;
  }

  /** Rows below `rows` were written by a device-side op (the store's length catches up). */
  noteWritten(rows: number): void {
    if (rows > this.capacity) throw new RangeError(`HostKvStore: ${rows} rows exceed the capacity of ${this.capacity}`);
    this.#length = Math.max(this.#length, rows);
  }

  /** Forgets every row (capacity kept). */
  reset(): void {
    this.#length = 0;
  }

  dispose(): void {
    this.#t.dispose();
  }
}
