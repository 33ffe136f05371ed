// The CPU KV store of D.1: per KV head, row = absolute position, K‖V concatenated (2d wide).
// Positions 0 … length−1 are always present contiguously (enforced on append).
import { LowRankArgumentError, LowRankStateError } from './errors.ts';
import type { Mat } from './mat.ts';
import { RowBuffer } from './row-buffer.ts';

/** Host-side store of full-precision K‖V rows per KV head. */
export class CpuStore {
  readonly kvHeads: number;
  readonly headDim: number;
  readonly #rows: RowBuffer[];

  constructor(kvHeads: number, headDim: number) {
    this.kvHeads = kvHeads;
    this.headDim = headDim;
    this.#rows = Array.from({ length: kvHeads }, () => new RowBuffer(2 * headDim));
  }

  /** Number of positions stored (cpu_len). */
  get length(): number {
    return this.#rows[0]!.rows;
  }

  /**
   * Appends positions `length … length + count − 1` for every KV head as one block:
   * `keys[j]`/`values[j]` are count×d for KV head j.
   */
  appendBlock(keys: readonly Mat[], values: readonly Mat[]): void {
    if (keys.length !== this.kvHeads || values.length !== this.kvHeads) {
      throw new LowRankArgumentError(`CpuStore.appendBlock: expected ${this.kvHeads} KV heads`);
    }
    const count = keys[0]!.rows;
    const d = this.headDim;
    keys.forEach((k, j) => {
      const v = values[j]!;
      if (k.rows !== count || v.rows !== count || k.cols !== d || v.cols !== d) {
        throw new LowRankArgumentError(`CpuStore.appendBlock: KV head ${j} block is not ${count}×${d}`);
      }
      const row = new Float64Array(2 * d);
      for (let i = 0; i < count; i++) {
        row.set(k.data.subarray(i * d, (i + 1) * d), 0);
        row.set(v.data.subarray(i * d, (i + 1) * d), d);
        this.#rows[j]!.push(row);
      }
    });
  }

  /** A copy of K‖V (2d) of `position` for KV head `kvHead`; the position must be stored. */
  row(kvHead: number, position: number): Float64Array {
    if (!Number.isInteger(kvHead) || kvHead < 0 || kvHead >= this.kvHeads) {
      throw new LowRankArgumentError(`CpuStore.row: KV head ${kvHead} outside [0, ${this.kvHeads})`);
    }
    if (!Number.isInteger(position) || position < 0 || position >= this.length) {
      throw new LowRankStateError(`CpuStore.row: position ${position} is not in the store (cpu_len ${this.length})`);
    }
    return this.#rows[kvHead]!.row(position);
  }
}
