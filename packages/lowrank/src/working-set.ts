// One query head's "GPU" working KV buffer of D.1: active slots 0 … a−1 (a = k normally) followed
// by the L lite slots. Slot order is the concatenation active ++ lite, as in Kgpu/Vgpu.
import { LowRankStateError } from './errors.ts';
import { mat, type Mat } from './mat.ts';

/** A full-precision K row and V row (d each). */
export interface KvRow {
  readonly k: Float64Array;
  readonly v: Float64Array;
}

/** The slot buffer of one query head. Lite slots start as zero rows. */
export class WorkingSet {
  readonly headDim: number;
  #activePos: number[] = [];
  #active: KvRow[] = [];
  readonly #lite: KvRow[];

  constructor(headDim: number, lite: number) {
    this.headDim = headDim;
    this.#lite = Array.from({ length: lite }, () => ({ k: new Float64Array(headDim), v: new Float64Array(headDim) }));
  }

  /** Positions held by the active slots, in slot order (the slot map `hit`). */
  get activePositions(): number[] {
    return this.#activePos.slice();
  }

  /** Number of active slots. */
  get activeCount(): number {
    return this.#activePos.length;
  }

  /** Replaces the active region: slot s ← (positions[s], rows[s]). */
  setActive(positions: readonly number[], rows: readonly KvRow[]): void {
    this.#activePos = positions.slice();
    this.#active = rows.map((r) => ({ k: r.k.slice(), v: r.v.slice() }));
  }

  /**
   * Moves to the slot map `slots`: positions already resident keep their rows, the others must be
   * in `fetched` (position → rows read from the CPU store).
   */
  applySlots(slots: readonly number[], fetched: ReadonlyMap<number, KvRow>): void {
    const resident = new Map<number, KvRow>();
    this.#activePos.forEach((p, s) => resident.set(p, this.#active[s]!));
    const rows = slots.map((p) => {
      const r = fetched.get(p) ?? resident.get(p);
      if (r === undefined) throw new LowRankStateError(`WorkingSet.applySlots: position ${p} neither resident nor fetched`);
      return r;
    });
    this.setActive(slots, rows);
  }

  /** Writes lite slot j. */
  writeLite(j: number, row: KvRow): void {
    if (j < 0 || j >= this.#lite.length) throw new LowRankStateError(`WorkingSet.writeLite: lite slot ${j} outside [0, ${this.#lite.length})`);
    this.#lite[j] = { k: row.k.slice(), v: row.v.slice() };
  }

  /** A copy of lite slot j. */
  liteRow(j: number): KvRow {
    const r = this.#lite[j];
    if (r === undefined) throw new LowRankStateError(`WorkingSet.liteRow: lite slot ${j} outside [0, ${this.#lite.length})`);
    return { k: r.k.slice(), v: r.v.slice() };
  }

  /** Keys and values of the first `count` slots of active ++ lite (default: all). */
  rows(count: number = this.#active.length + this.#lite.length): { keys: Mat; values: Mat } {
    const all = [...this.#active, ...this.#lite];
    if (count > all.length) throw new LowRankStateError(`WorkingSet.rows: ${count} slots requested, ${all.length} exist`);
    const d = this.headDim;
    const keys = mat(count, d);
    const values = mat(count, d);
    for (let s = 0; s < count; s++) {
      keys.data.set(all[s]!.k, s * d);
      values.data.set(all[s]!.v, s * d);
    }
    return { keys, values };
  }
}
