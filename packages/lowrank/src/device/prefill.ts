// Prefill factorization on @lrqk/tensor (CPU or CUDA), batched over factor heads: the same
// alternating closed-form updates as the float64 reference (spec B.3, Gauss-Seidel order), built
// from batched matmuls and batched Cholesky solves, so nothing of size n×n is ever formed.
//   Q: (Hf, nQ, d) f32, K: (Hf, n, d) f32 (nQ = Gq·n when a KV group's queries are stacked).
import { addScaled, cast, choleskySolve, copyStrided, matmul, randomNormal, Tensor } from '@lrqk/tensor';
import { largestIndicesDescending } from '../init.ts';
import { DEFAULT_CHUNK_ROWS, innerProducts } from './inner-products.ts';

export type DeviceInit = 'randn' | 'top' | 'topcol';

export interface DeviceFactorizeOptions {
  rank: number;
  /** λ_Q, λ_K (default 1, 1). */
  lambda?: [number, number];
  /** Iterations (default 2; 0 returns the initial A with their least-squares B). */
  maxIter?: number;
  /** Stop when max(mean ΔA_Q², mean ΔA_K²) < tol (default 1e-2); global over heads. */
  tol?: number;
  init?: DeviceInit;
  seed?: number;
  /** Starting A_Q (Hf, nQ, r) and A_K (Hf, n, r) f32, copied (instead of `init`). */
  initial?: { aQ: Tensor; aK: Tensor };
  /**
   * Rows per chunk of the sequence-long reductions (AᵀA, AᵀX), summed afterwards; 0 computes each
   * as one GEMM. Default 4096 (see innerProducts).
   */
  chunkRows?: number;
}

export interface DeviceFactors {
  aQ: Tensor; // (Hf, nQ, r) f32
  aK: Tensor; // (Hf, n, r) f32
  bQ: Tensor; // (Hf, r, d) f32
  bK: Tensor; // (Hf, r, d) f32
  iterations: number;
  converged: boolean;
  /** δ after each iteration. */
  deltas: number[];
}

/** Σ of squares of every element of a (Hf, m, r) tensor, via the trace of its Gram matrices. */
function sumSquares(x: Tensor, chunkRows: number): number {
  const g = innerProducts(x, x, chunkRows);
  try {
    const r = x.size(2);
    const vals = g.toFloat64Array();
    let s = 0;
    for (let b = 0; b < x.size(0); b++) for (let i = 0; i < r; i++) s += vals[b * r * r + i * r + i]!;
    return s;
  } finally {
    g.dispose();
  }
}

/** B = (AᵀA)⁻¹ Aᵀ X: the least-squares code book of X on col(A). */
function leastSquaresB(a: Tensor, x: Tensor, chunkRows: number): Tensor {
  const gram = innerProducts(a, a, chunkRows);
  const rhs = innerProducts(a, x, chunkRows);
  try {
    return choleskySolve(gram, rhs);
  } finally {
    gram.dispose();
    rhs.dispose();
  }
}

/**
 * A' = X (Yᵀ A_other + λ B) (A_otherᵀ A_other + λ B Bᵀ)⁻¹ for X ∈ {Q, K}: the exact minimiser of
 * F over one A block (spec B.3 lines 3–4); solved as M Wᵀ = (A_otherᵀ Y + λ B) with M symmetric.
 */
function updateA(x: Tensor, y: Tensor, aOther: Tensor, b: Tensor, lambda: number, chunkRows: number): Tensor {
  const rhs = innerProducts(aOther, y, chunkRows); // (Hf, r, d) = A_otherᵀ Y
  addScaled(rhs, b, lambda, { out: rhs });
  const m = innerProducts(aOther, aOther, chunkRows); // (Hf, r, r)
  matmul(b, b, { transB: true, alpha: lambda, beta: 1, out: m });
  try {
    const wT = choleskySolve(m, rhs); // (Hf, r, d)
    try {
      return matmul(x, wT, { transB: true }); // (Hf, n, r)
    } finally {
      wT.dispose();
    }
  } finally {
    rhs.dispose();
    m.dispose();
  }
}

/** Per head, Σ_rows |X| of each column, in float64: (Hf) arrays of length d (one head read back at a time). */
function columnAbsSums(x: Tensor): Float64Array[] {
  const [hf, rows, d] = [x.size(0), x.size(1), x.size(2)];
  const out: Float64Array[] = [];
  for (let h = 0; h < hf; h++) {
    const v = x.select(0, h).toFloat32Array();
    const s = new Float64Array(d);
    for (let i = 0; i < rows; i++) for (let j = 0; j < d; j++) s[j]! += Math.abs(v[i * d + j]!);
    out.push(s);
  }
  return out;
}

/** A (Hf, rows, r) with A[h, :, j] = X[h, :, cols[h][j]] (exact copies of columns). */
function gatherColumns(x: Tensor, cols: number[][]): Tensor {
  const a = Tensor.empty([x.size(0), x.size(1), cols[0]!.length], { dtype: 'f32', device: x.device });
  cols.forEach((c, h) => c.forEach((col, j) => copyStrided(a.select(0, h).select(1, j), x.select(0, h).select(1, col))));
  return a;
}

/**
 * Starting A_Q and A_K (spec B.4): `randn` from the device RNG (seeded); `top` the r columns of
 * Q (and, separately, of K) with the largest Σ|·|; `topcol` one shared set of columns by
 * Σ|Q| + Σ|K|. Column order and ties as the reference (`largestIndicesDescending`).
 */
function initFactors(q: Tensor, k: Tensor, rank: number, init: DeviceInit, seed: number): { aQ: Tensor; aK: Tensor } {
  if (init === 'randn') {
    const draw = (x: Tensor, stream: number) => randomNormal(Tensor.empty([x.size(0), x.size(1), rank], { dtype: 'f32', device: x.device }), seed * 2 + stream);
    return { aQ: draw(q, 0), aK: draw(k, 1) };
  }
  if (init !== 'top' && init !== 'topcol') throw new RangeError(`factorizeOnDevice: unknown init '${String(init)}' (randn, top or topcol)`);
  if (rank > q.size(2)) throw new RangeError(`factorizeOnDevice: ${init} init needs rank ≤ d (${q.size(2)}), got ${rank}`);
  const sq = columnAbsSums(q);
  const sk = columnAbsSums(k);
  const colsQ = init === 'top' ? sq.map((s) => largestIndicesDescending(s, rank)) : sq.map((s, h) => largestIndicesDescending(s.map((v, j) => v + sk[h]![j]!), rank));
  const colsK = init === 'top' ? sk.map((s) => largestIndicesDescending(s, rank)) : colsQ;
  return { aQ: gatherColumns(q, colsQ), aK: gatherColumns(k, colsK) };
}

/**
 * Factorizes Q ≈ A_Q B_Q, K ≈ A_K B_K with A_Q A_Kᵀ ≈ Q Kᵀ for every factor head at once.
 * Intermediate tensors are freed as the loop goes; the caller owns the returned factors.
 */
export function factorizeOnDevice(q: Tensor, k: Tensor, opts: DeviceFactorizeOptions): DeviceFactors {
  const [lq, lk] = opts.lambda ?? [1, 1];
  const maxIter = opts.maxIter ?? 2;
  const tol = opts.tol ?? 1e-2;
  const chunkRows = opts.chunkRows ?? DEFAULT_CHUNK_ROWS;
  const start = opts.initial ? { aQ: cast(opts.initial.aQ, 'f32'), aK: cast(opts.initial.aK, 'f32') } : initFactors(q, k, opts.rank, opts.init ?? 'randn', opts.seed ?? 0);
  let aQ = start.aQ;
  let aK = start.aK;
  const deltas: number[] = [];
  let converged = false;
  let it = 0;
  for (; it < maxIter; it++) {
    const bQ = leastSquaresB(aQ, q, chunkRows);
    const bK = leastSquaresB(aK, k, chunkRows);
    const aQn = updateA(q, k, aK, bQ, lq, chunkRows);
    const aKn = updateA(k, q, aQn, bK, lk, chunkRows); // Gauss-Seidel: uses the new A_Q
    bQ.dispose();
    bK.dispose();
    addScaled(aQ, aQn, -1, { out: aQ });
    addScaled(aK, aKn, -1, { out: aK });
    const delta = Math.max(sumSquares(aQ, chunkRows) / aQ.numel, sumSquares(aK, chunkRows) / aK.numel);
    aQ.dispose();
    aK.dispose();
    aQ = aQn;
    aK = aKn;
    deltas.push(delta);
    if (delta < tol) {
      converged = true;
      it++;
      break;
    }
  }
  return { aQ, aK, bQ: leastSquaresB(aQ, q, chunkRows), bK: leastSquaresB(aK, k, chunkRows), iterations: it, converged, deltas };
}
