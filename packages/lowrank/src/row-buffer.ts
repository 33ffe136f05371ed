// A growable, zero-initialized row-major buffer (the A_K buffer and the CPU store rows of D.1).
import { LowRankArgumentError } from './errors.ts';
import type { Mat } from './mat.ts';

/** Rows of `cols` float64 values, appended one or many at a time; capacity grows ×2. */
export class RowBuffer {
  readonly cols: number;
  #data: Float64Array;
  #rows = 0;

  constructor(cols: number, initialCapacity = 16) {
    if (!Number.isInteger(cols) || cols < 1) throw new LowRankArgumentError(`RowBuffer: cols must be ≥ 1, got ${cols}`);
    this.cols = cols;
    this.#data = new Float64Array(Math.max(1, initialCapacity) * cols);
  }

  /** Number of rows written. */
  get rows(): number {
    return this.#rows;
  }

  #reserve(rows: number): void {
    if (rows * this.cols <= this.#data.length) return;
    let cap = this.#data.length / this.cols;
    while (cap < rows) cap *= 2;
    const next = new Float64Array(cap * this.cols);
    next.set(this.#data.subarray(0, this.#rows * this.cols));
    this.#data = next;
  }

  /** Appends one row. */
  push(values: ArrayLike<number>): void {
    if (values.length !== this.cols) throw new LowRankArgumentError(`RowBuffer.push: row of ${values.length}, expected ${this.cols}`);
    this.#reserve(this.#rows + 1);
    this.#data.set(values, this.#rows * this.cols);
    this.#rows++;
  }

  /** Appends every row of `m`. */
  pushMat(m: Mat): void {
    if (m.cols !== this.cols) throw new LowRankArgumentError(`RowBuffer.pushMat: ${m.cols} columns, expected ${this.cols}`);
    this.#reserve(this.#rows + m.rows);
    this.#data.set(m.data, this.#rows * this.cols);
    this.#rows += m.rows;
  }

  /** A copy of row i (i < rows). */
  row(i: number): Float64Array {
    if (!Number.isInteger(i) || i < 0 || i >= this.#rows) throw new LowRankArgumentError(`RowBuffer.row: ${i} outside [0, ${this.#rows})`);
    return this.#data.slice(i * this.cols, (i + 1) * this.cols);
  }

  /** Row i, or zeros for a row not written yet (the zero-initialized buffer of the reference). */
  rowOrZero(i: number): Float64Array {
    if (!Number.isInteger(i) || i < 0) throw new LowRankArgumentError(`RowBuffer.rowOrZero: ${i} is not a row index`);
    return i < this.#rows ? this.row(i) : new Float64Array(this.cols);
  }

  /** The first `count` rows as a Mat view (no copy; invalid after the next append). */
  view(count: number = this.#rows): Mat {
    if (!Number.isInteger(count) || count < 0 || count > this.#rows) throw new LowRankArgumentError(`RowBuffer.view: ${count} outside [0, ${this.#rows}]`);
    return { rows: count, cols: this.cols, data: this.#data.subarray(0, count * this.cols) };
  }

  /** A copy of all rows written. */
  toMat(): Mat {
    return { rows: this.#rows, cols: this.cols, data: this.#data.slice(0, this.#rows * this.cols) };
  }
}
