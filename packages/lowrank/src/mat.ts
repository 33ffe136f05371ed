// A tiny row-major float64 matrix and the few products the LRQK math needs. Element (i, j) of a
// `rows × cols` matrix is `data[i * cols + j]`. Functions never mutate their inputs; each returns a
// fresh matrix, so references handed to observers stay valid.
import { LowRankArgumentError } from './errors.ts';

/** A dense row-major float64 matrix. */
export interface Mat {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

function checkDims(rows: number, cols: number): void {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new LowRankArgumentError(`mat: dimensions must be non-negative integers, got ${rows}×${cols}`);
  }
}

/** Wraps (without copying) or allocates a `rows × cols` matrix. */
export function mat(rows: number, cols: number, data?: Float64Array): Mat {
  checkDims(rows, cols);
  if (data === undefined) return { rows, cols, data: new Float64Array(rows * cols) };
  if (data.length !== rows * cols) {
    throw new LowRankArgumentError(`mat: ${rows}×${cols} needs ${rows * cols} elements, got ${data.length}`);
  }
  return { rows, cols, data };
}

/** A zero matrix. */
export function zeros(rows: number, cols: number): Mat {
  return mat(rows, cols);
}

/** The n×n identity. */
export function identity(n: number): Mat {
  const m = zeros(n, n);
  for (let i = 0; i < n; i++) m.data[i * n + i] = 1;
  return m;
}

/** Copies `values` (row-major) into a new `rows × cols` matrix. */
export function matFrom(rows: number, cols: number, values: ArrayLike<number>): Mat {
  checkDims(rows, cols);
  if (values.length !== rows * cols) {
    throw new LowRankArgumentError(`matFrom: ${rows}×${cols} needs ${rows * cols} values, got ${values.length}`);
  }
  return { rows, cols, data: Float64Array.from(values) };
}

/** Stacks equal-length rows into a matrix (`cols` is needed when there are no rows). */
export function fromRows(rowsIn: readonly ArrayLike<number>[], cols?: number): Mat {
  const c = cols ?? rowsIn[0]?.length ?? 0;
  const m = zeros(rowsIn.length, c);
  rowsIn.forEach((r, i) => {
    if (r.length !== c) throw new LowRankArgumentError(`fromRows: row ${i} has ${r.length} values, expected ${c}`);
    for (let j = 0; j < c; j++) m.data[i * c + j] = r[j]!;
  });
  return m;
}

/** A deep copy. */
export function clone(a: Mat): Mat {
  return { rows: a.rows, cols: a.cols, data: a.data.slice() };
}

/** Element (i, j). */
export function at(a: Mat, i: number, j: number): number {
  return a.data[i * a.cols + j]!;
}

/** A copy of row i. */
export function row(a: Mat, i: number): Float64Array {
  if (i < 0 || i >= a.rows) throw new LowRankArgumentError(`row: index ${i} outside [0, ${a.rows})`);
  return a.data.slice(i * a.cols, (i + 1) * a.cols);
}

/** The first `count` rows (a copy). */
export function headRows(a: Mat, count: number): Mat {
  if (count < 0 || count > a.rows) throw new LowRankArgumentError(`headRows: ${count} outside [0, ${a.rows}]`);
  return { rows: count, cols: a.cols, data: a.data.slice(0, count * a.cols) };
}

/** Rows at `indices`, in that order (a copy). */
export function gatherRows(a: Mat, indices: readonly number[]): Mat {
  const out = zeros(indices.length, a.cols);
  indices.forEach((src, i) => {
    if (!Number.isInteger(src) || src < 0 || src >= a.rows) {
      throw new LowRankArgumentError(`gatherRows: index ${src} outside [0, ${a.rows})`);
    }
    out.data.set(a.data.subarray(src * a.cols, (src + 1) * a.cols), i * a.cols);
  });
  return out;
}

/** Columns at `indices`, in that order (a copy). */
export function gatherColumns(a: Mat, indices: readonly number[]): Mat {
  const out = zeros(a.rows, indices.length);
  for (let i = 0; i < a.rows; i++) {
    indices.forEach((c, j) => {
      out.data[i * indices.length + j] = a.data[i * a.cols + c]!;
    });
  }
  return out;
}

/** Aᵀ. */
export function transpose(a: Mat): Mat {
  const out = zeros(a.cols, a.rows);
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < a.cols; j++) out.data[j * a.rows + i] = a.data[i * a.cols + j]!;
  }
  return out;
}

function checkSame(op: string, a: Mat, b: Mat): void {
  if (a.rows !== b.rows || a.cols !== b.cols) {
    throw new LowRankArgumentError(`${op}: shapes ${a.rows}×${a.cols} and ${b.rows}×${b.cols} differ`);
  }
}

/** A·B for A (m×k), B (k×n). */
export function matmul(a: Mat, b: Mat): Mat {
  if (a.cols !== b.rows) throw new LowRankArgumentError(`matmul: ${a.rows}×${a.cols} · ${b.rows}×${b.cols}`);
  const out = zeros(a.rows, b.cols);
  const n = b.cols;
  for (let i = 0; i < a.rows; i++) {
    for (let p = 0; p < a.cols; p++) {
      const aip = a.data[i * a.cols + p]!;
      if (aip === 0) continue;
      const bo = p * n;
      const oo = i * n;
      for (let j = 0; j < n; j++) out.data[oo + j]! += aip * b.data[bo + j]!;
    }
  }
  return out;
}

/** Aᵀ·B for A (k×m), B (k×n): sums over the shared row index. */
export function matmulTN(a: Mat, b: Mat): Mat {
  if (a.rows !== b.rows) throw new LowRankArgumentError(`matmulTN: (${a.rows}×${a.cols})ᵀ · ${b.rows}×${b.cols}`);
  const out = zeros(a.cols, b.cols);
  const m = a.cols;
  const n = b.cols;
  for (let p = 0; p < a.rows; p++) {
    for (let i = 0; i < m; i++) {
      const api = a.data[p * m + i]!;
      if (api === 0) continue;
      const oo = i * n;
      const bo = p * n;
      for (let j = 0; j < n; j++) out.data[oo + j]! += api * b.data[bo + j]!;
    }
  }
  return out;
}

/** A·Bᵀ for A (m×k), B (n×k): sums over the shared column index. */
export function matmulNT(a: Mat, b: Mat): Mat {
  if (a.cols !== b.cols) throw new LowRankArgumentError(`matmulNT: ${a.rows}×${a.cols} · (${b.rows}×${b.cols})ᵀ`);
  const out = zeros(a.rows, b.rows);
  const k = a.cols;
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < b.rows; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a.data[i * k + p]! * b.data[j * k + p]!;
      out.data[i * b.rows + j] = s;
    }
  }
  return out;
}

/** Row vector times matrix: x (1×m) · A (m×n) → n. */
export function vecMat(x: ArrayLike<number>, a: Mat): Float64Array {
  if (x.length !== a.rows) throw new LowRankArgumentError(`vecMat: vector of ${x.length} · ${a.rows}×${a.cols}`);
  const out = new Float64Array(a.cols);
  for (let p = 0; p < a.rows; p++) {
    const xp = x[p]!;
    if (xp === 0) continue;
    for (let j = 0; j < a.cols; j++) out[j]! += xp * a.data[p * a.cols + j]!;
  }
  return out;
}

/** Matrix times column vector: A (m×n) · x (n) → m, i.e. the row vector x·Aᵀ. */
export function matVec(a: Mat, x: ArrayLike<number>): Float64Array {
  if (x.length !== a.cols) throw new LowRankArgumentError(`matVec: ${a.rows}×${a.cols} · vector of ${x.length}`);
  const out = new Float64Array(a.rows);
  for (let i = 0; i < a.rows; i++) {
    let s = 0;
    for (let j = 0; j < a.cols; j++) s += a.data[i * a.cols + j]! * x[j]!;
    out[i] = s;
  }
  return out;
}

/** x·y. */
export function dot(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length !== y.length) throw new LowRankArgumentError(`dot: lengths ${x.length} and ${y.length}`);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * y[i]!;
  return s;
}

/** The outer product xᵀy (|x|×|y|). */
export function outer(x: ArrayLike<number>, y: ArrayLike<number>): Mat {
  const out = zeros(x.length, y.length);
  for (let i = 0; i < x.length; i++) {
    for (let j = 0; j < y.length; j++) out.data[i * y.length + j] = x[i]! * y[j]!;
  }
  return out;
}

/** A + s·B. */
export function addScaled(a: Mat, b: Mat, s: number): Mat {
  checkSame('addScaled', a, b);
  const out = clone(a);
  for (let i = 0; i < out.data.length; i++) out.data[i]! += s * b.data[i]!;
  return out;
}

/** A + B. */
export function add(a: Mat, b: Mat): Mat {
  return addScaled(a, b, 1);
}

/** A − B. */
export function sub(a: Mat, b: Mat): Mat {
  return addScaled(a, b, -1);
}

/** s·A. */
export function scale(a: Mat, s: number): Mat {
  const out = clone(a);
  for (let i = 0; i < out.data.length; i++) out.data[i]! *= s;
  return out;
}

/** ‖A‖²_F. */
export function frobeniusSq(a: Mat): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += a.data[i]! * a.data[i]!;
  return s;
}

/** Σ (aᵢ − bᵢ)² over all elements (arrays or matrices of equal size). */
export function sumSqDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new LowRankArgumentError(`sumSqDiff: lengths ${a.length} and ${b.length}`);
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    s += d * d;
  }
  return s;
}

/** max |aᵢ − bᵢ| (matrices of equal shape). */
export function maxAbsDiff(a: Mat, b: Mat): number {
  checkSame('maxAbsDiff', a, b);
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i]! - b.data[i]!));
  return m;
}

/** True when every element is finite. */
export function allFinite(a: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return false;
  return true;
}
