// Prefill factorization on @lrqk/tensor (CPU or CUDA), batched over factor heads: the same
// alternating closed-form updates as the float64 reference (spec B.3, Gauss-Seidel order), built
// from batched matmuls and batched Cholesky solves, so nothing of size n×n is ever formed.
//   Q: (Hf, nQ, d) f32, K: (Hf, n, d) f32 (nQ = Gq·n when a KV group's queries are stacked).
import { addScaled, cast, choleskySolve, matmul, randomNormal, Tensor } from '@lrqk/tensor';

export type DeviceInit = 'randn' | 'top' | 'topcol';

export interface DeviceFactorizeOptions {
  rank: number;
  /** λ_Q, λ_K (default 1, 1). */
  lambda?: [number, number];
  /** Iterations (default 2). */
  maxIter?: number;
  /** Stop when max(mean ΔA_Q², mean ΔA_K²) < tol (default 1e-2); global over heads. */
  tol?: number;
  init?: DeviceInit;
  seed?: number;
  /** Starting A_Q (Hf, nQ, r) and A_K (Hf, n, r) f32, copied (instead of `init`). */
  initial?: { aQ: Tensor; aK: Tensor };
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
function sumSquares(x: Tensor): number {
  const g = matmul(x, x, { transA: true, outDType: 'f32' });
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
function leastSquaresB(a: Tensor, x: Tensor): Tensor {
  const gram = matmul(a, a, { transA: true });
  const rhs = matmul(a, x, { transA: true });
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
function updateA(x: Tensor, y: Tensor, aOther: Tensor, b: Tensor, lambda: number): Tensor {
  const rhs = matmul(aOther, y, { transA: true }); // (Hf, r, d) = A_otherᵀ Y
  addScaled(rhs, b, lambda, { out: rhs });
  const m = matmul(aOther, aOther, { transA: true }); // (Hf, r, r)
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

function initFactor(x: Tensor, rank: number, init: DeviceInit, seed: number, stream: number): Tensor {
  const [hf, n] = [x.size(0), x.size(1)];
  const a = Tensor.empty([hf, n, rank], { dtype: 'f32', device: x.device });
  if (init === 'randn') return randomNormal(a, seed * 2 + stream);
  throw new Error(`init '${init}' is only available in the reference implementation for now`);
}

/**
 * Factorizes Q ≈ A_Q B_Q, K ≈ A_K B_K with A_Q A_Kᵀ ≈ Q Kᵀ for every factor head at once.
 * Intermediate tensors are freed as the loop goes; the caller owns the returned factors.
 */
export function factorizeOnDevice(q: Tensor, k: Tensor, opts: DeviceFactorizeOptions): DeviceFactors {
  const [lq, lk] = opts.lambda ?? [1, 1];
  const maxIter = opts.maxIter ?? 2;
  const tol = opts.tol ?? 1e-2;
  let aQ = opts.initial ? cast(opts.initial.aQ, 'f32') : initFactor(q, opts.rank, opts.init ?? 'randn', opts.seed ?? 0, 0);
  let aK = opts.initial ? cast(opts.initial.aK, 'f32') : initFactor(k, opts.rank, opts.init ?? 'randn', opts.seed ?? 0, 1);
  const deltas: number[] = [];
  let converged = false;
  let it = 0;
  for (; it < maxIter; it++) {
    const bQ = leastSquaresB(aQ, q);
    const bK = leastSquaresB(aK, k);
    const aQn = updateA(q, k, aK, bQ, lq);
    const aKn = updateA(k, q, aQn, bK, lk); // Gauss-Seidel: uses the new A_Q
    bQ.dispose();
    bK.dispose();
    addScaled(aQ, aQn, -1, { out: aQ });
    addScaled(aK, aKn, -1, { out: aK });
    const delta = Math.max(sumSquares(aQ) / aQ.numel, sumSquares(aK) / aK.numel);
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
  return { aQ, aK, bQ: leastSquaresB(aQ, q), bK: leastSquaresB(aK, k), iterations: it, converged, deltas };
}
