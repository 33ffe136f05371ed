// Exact float64 softmax attention (the final attention of C.5 step 7, and dense attention while the
// cache is not full). Default scale 1/√d; max-subtracted softmax, summed in row order.
import { LowRankArgumentError } from './errors.ts';
import { mat, type Mat } from './mat.ts';

/** softmax(scale · q·Kᵀ)·V for one query q (d) over keys/values (m×d, m ≥ 1). */
export function attention(q: ArrayLike<number>, keys: Mat, values: Mat, scale: number = 1 / Math.sqrt(q.length)): Float64Array {
  const d = q.length;
  if (keys.cols !== d || values.rows !== keys.rows || keys.rows === 0) {
    throw new LowRankArgumentError(`attention: q ${d}, K ${keys.rows}×${keys.cols}, V ${values.rows}×${values.cols}`);
  }
  const m = keys.rows;
  const logits = new Float64Array(m);
  let max = -Infinity;
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += q[j]! * keys.data[i * d + j]!;
    logits[i] = s * scale;
    if (logits[i]! > max) max = logits[i]!;
  }
  const dv = values.cols;
  const out = new Float64Array(dv);
  let denom = 0;
  for (let i = 0; i < m; i++) {
    const w = Math.exp(logits[i]! - max);
    denom += w;
    for (let j = 0; j < dv; j++) out[j]! += w * values.data[i * dv + j]!;
  }
  for (let j = 0; j < dv; j++) out[j]! /= denom;
  return out;
}

/**
 * Causal dense attention: query row i (absolute position `firstPosition + i`) attends to key rows
 * 0 … firstPosition + i. Q is m×d; keys/values hold positions 0 … at least firstPosition + m − 1.
 */
export function denseCausalAttention(q: Mat, keys: Mat, values: Mat, firstPosition: number): Mat {
  if (firstPosition + q.rows > keys.rows) {
    throw new LowRankArgumentError(`denseCausalAttention: ${q.rows} queries from position ${firstPosition} need ${firstPosition + q.rows} keys, got ${keys.rows}`);
  }
  const out = mat(q.rows, values.cols);
  for (let i = 0; i < q.rows; i++) {
    const upto = firstPosition + i + 1;
    const kv = (m: Mat): Mat => ({ rows: upto, cols: m.cols, data: m.data.subarray(0, upto * m.cols) });
    out.data.set(attention(q.data.subarray(i * q.cols, (i + 1) * q.cols), kv(keys), kv(values)), i * values.cols);
  }
  return out;
}
