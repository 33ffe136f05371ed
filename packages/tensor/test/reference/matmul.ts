// float64 reference for matmul/linear, on dense logical operands.
import type { Tensor } from '../../src/index.ts';

/** A dense (batch, rows, cols) float64 matrix stack. */
export interface Dense {
  data: Float64Array;
  batch: number;
  rows: number;
  cols: number;
}

/**
 * The values of a 2-D or 3-D view of `base` (the float64 values of its whole storage, from
 * element 0) as a dense stack, reading through the view's offset and strides; `transpose` swaps
 * the last two dims (a stored (K, M) operand becomes its logical (M, K)).
 */
export function dense(base: Float64Array, v: Tensor, transpose = false): Dense {
  const batch = v.ndim === 3 ? v.shape[0]! : 1;
  const bs = v.ndim === 3 ? v.strides[0]! : 0;
  const [r, c] = [v.shape[v.ndim - 2]!, v.shape[v.ndim - 1]!];
  const [rs, cs] = [v.strides[v.ndim - 2]!, v.strides[v.ndim - 1]!];
  const rows = transpose ? c : r;
  const cols = transpose ? r : c;
  const data = new Float64Array(batch * rows * cols);
  for (let b = 0; b < batch; b++)
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < cols; j++) {
        const [si, sj] = transpose ? [j, i] : [i, j];
        data[(b * rows + i) * cols + j] = base[v.offset + b * bs + si * rs + sj * cs]!;
      }
  return { data, batch, rows, cols };
}

/**
 * alpha · a @ b + beta · c0 + bias for each batch; `b` with batch 1 is shared by every batch of a.
 * Terms with a zero coefficient are left out (so NaN in c0 does not leak when beta = 0).
 */
export function matmulRef(
  a: Dense,
  b: Dense,
  opts: { alpha?: number; beta?: number; c0?: Float64Array; bias?: Float64Array } = {},
): Float64Array {
  const { batch, rows: m, cols: k } = a;
  const n = b.cols;
  if (b.rows !== k) throw new Error(`reference: inner dims ${k} vs ${b.rows}`);
  const alpha = opts.alpha ?? 1;
  const beta = opts.beta ?? 0;
  const out = new Float64Array(batch * m * n);
  for (let bi = 0; bi < batch; bi++) {
    const bb = b.batch === 1 ? 0 : bi;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += a.data[(bi * m + i) * k + p]! * b.data[(bb * k + p) * n + j]!;
        const o = (bi * m + i) * n + j;
        let v = alpha * s;
        if (beta !== 0) v += beta * opts.c0![o]!;
        if (opts.bias) v += opts.bias[j]!;
        out[o] = v;
      }
  }
  return out;
}
