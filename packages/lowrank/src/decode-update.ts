// Decode factor update for one new token (spec C.2 + C.3), per query head:
//   C.2  alternating exact minimization of
//        J(q̂,k̂) = ½‖q̂B_Q − q‖² + ½‖k̂B_K − k‖² + (λ1/2)(q̂k̂ᵀ − qkᵀ)² + (λ2/2)‖q̂A_Ωᵀ − qK_Ωᵀ‖²
//   C.3  one exact-line-search gradient step on each of B_Q, B_K (rank-1 corrections).
// Shapes: q, k (d); q̂, k̂ (r); B_Q, B_K (r×d); A_Ω (m×r); K_Ω (m×d).
import { spdSolveVec } from './cholesky.ts';
import { LowRankArgumentError, type SolveContext } from './errors.ts';
import { addScaled, allFinite, dot, frobeniusSq, matmulNT, matmulTN, matVec, outer, sumSqDiff, vecMat, type Mat } from './mat.ts';

/** One head's inputs (k already mapped to this query head's KV head). */
export interface DecodeUpdateInput {
  readonly q: Float64Array;
  readonly k: Float64Array;
  readonly bQ: Mat;
  readonly bK: Mat;
  /** A_K rows of the resident set Ω (m×r); the current token's row reads as zero. */
  readonly aOmega: Mat;
  /** Full-precision keys of Ω (m×d). */
  readonly kOmega: Mat;
}

/** Which half-step produced a {@link DecodeHalfStepEvent}. */
export type DecodeHalfStep = 'kHatInit' | 'qHat' | 'kHat';

/** Reported after each half-step; `iteration` is 0 for the initial k̂, else 1-based. */
export interface DecodeHalfStepEvent {
  readonly head: number;
  readonly iteration: number;
  readonly step: DecodeHalfStep;
  readonly qHat: Float64Array | null;
  readonly kHat: Float64Array;
}

/** Options of {@link decodeUpdate} / {@link decodeUpdateHeads} (defaults are the reference's). */
export interface DecodeUpdateOptions {
  /** λ1, weight of (q̂k̂ᵀ − qkᵀ)² (default 1). */
  readonly lambda1?: number;
  /** λ2, weight of ‖q̂A_Ωᵀ − qK_Ωᵀ‖² (default 1). */
  readonly lambda2?: number;
  /** Iterations; at least one always runs (default 2). */
  readonly maxIter?: number;
  /** Stop when the global mean of (k̂ − k̂_new)² is < tol (default 1e-2). */
  readonly tol?: number;
  /** ε of the B line search (default 1e-6). */
  readonly epsilon?: number;
  readonly observer?: (event: DecodeHalfStepEvent) => void;
}

/** The result for one head. */
export interface DecodeUpdateResult {
  /** q̂ from C.2 (before the B update): the proxy query. */
  readonly qHat: Float64Array;
  /** k̂ from C.2: the new A_K row. */
  readonly kHat: Float64Array;
  /** Updated B_Q, B_K (C.3). */
  readonly bQ: Mat;
  readonly bK: Mat;
  readonly iterations: number;
  readonly converged: boolean;
  /** Global δ after each iteration. */
  readonly deltas: readonly number[];
}

/** The least-squares code of k: k̂ = k B_Kᵀ (B_K B_Kᵀ)⁻¹. */
export function initialKHat(k: Float64Array, bK: Mat, context: SolveContext): Float64Array {
  return spdSolveVec(matmulNT(bK, bK), matVec(bK, k), context);
}

/** q̂ = [qB_Qᵀ + λ2(qK_Ωᵀ)A_Ω + λ1 c k̂]·[B_QB_Qᵀ + λ2A_ΩᵀA_Ω + λ1 k̂ᵀk̂]⁻¹, c = q·k. */
export function solveQHat(input: DecodeUpdateInput, kHat: Float64Array, lambda1: number, lambda2: number, context: SolveContext): Float64Array {
  const c = dot(input.q, input.k);
  const rhs = matVec(input.bQ, input.q);
  const omegaTerm = vecMat(matVec(input.kOmega, input.q), input.aOmega);
  for (let i = 0; i < rhs.length; i++) rhs[i]! += lambda2 * omegaTerm[i]! + lambda1 * c * kHat[i]!;
  let m = addScaled(matmulNT(input.bQ, input.bQ), matmulTN(input.aOmega, input.aOmega), lambda2);
  m = addScaled(m, outer(kHat, kHat), lambda1);
  return spdSolveVec(m, rhs, context);
}

/** k̂ = [kB_Kᵀ + λ1 c q̂]·[B_KB_Kᵀ + λ1 q̂ᵀq̂]⁻¹, c = q·k. */
export function solveKHat(input: DecodeUpdateInput, qHat: Float64Array, lambda1: number, context: SolveContext): Float64Array {
  const c = dot(input.q, input.k);
  const rhs = matVec(input.bK, input.k);
  for (let i = 0; i < rhs.length; i++) rhs[i]! += lambda1 * c * qHat[i]!;
  const m = addScaled(matmulNT(input.bK, input.bK), outer(qHat, qHat), lambda1);
  return spdSolveVec(m, rhs, context);
}

/**
 * C.3: e = code·B − target, G = codeᵀe, η = ‖G‖²_F / (‖code·G‖² + ε), B' = B − ηG. Afterwards
 * code·B' − target = ε/(‖code‖⁴‖e‖² + ε) · e. (η = 0 when G = 0.)
 */
export function onlineBUpdate(b: Mat, code: Float64Array, target: Float64Array, epsilon: number): Mat {
  const e = vecMat(code, b);
  for (let i = 0; i < e.length; i++) e[i]! -= target[i]!;
  const g = outer(code, e);
  const gNorm = frobeniusSq(g);
  const denom = frobeniusSq({ rows: 1, cols: g.cols, data: vecMat(code, g) }) + epsilon;
  const eta = gNorm === 0 ? 0 : gNorm / denom;
  return addScaled(b, g, -eta);
}

function checkInput(h: number, x: DecodeUpdateInput): void {
  const d = x.q.length;
  const r = x.bQ.rows;
  const ok =
    d > 0 &&
    r > 0 &&
    x.k.length === d &&
    x.bQ.cols === d &&
    x.bK.rows === r &&
    x.bK.cols === d &&
    x.aOmega.cols === r &&
    x.kOmega.cols === d &&
    x.aOmega.rows === x.kOmega.rows;
  if (!ok) {
    throw new LowRankArgumentError(
      `decodeUpdate: head ${h}: inconsistent shapes q ${x.q.length}, k ${x.k.length}, B_Q ${x.bQ.rows}×${x.bQ.cols}, ` +
        `B_K ${x.bK.rows}×${x.bK.cols}, A_Ω ${x.aOmega.rows}×${x.aOmega.cols}, K_Ω ${x.kOmega.rows}×${x.kOmega.cols}`,
    );
  }
  for (const a of [x.q, x.k, x.bQ.data, x.bK.data, x.aOmega.data, x.kOmega.data]) {
    if (!allFinite(a)) throw new LowRankArgumentError(`decodeUpdate: head ${h}: inputs contain NaN/Inf`);
  }
}

/**
 * Runs C.2 + C.3 for several heads with the reference's global stop rule (δ = mean over every
 * head's (k̂ − k̂_new)²).
 */
export function decodeUpdateHeads(inputs: readonly DecodeUpdateInput[], options: DecodeUpdateOptions = {}): DecodeUpdateResult[] {
  const lambda1 = options.lambda1 ?? 1;
  const lambda2 = options.lambda2 ?? 1;
  const maxIter = options.maxIter ?? 2;
  const tol = options.tol ?? 1e-2;
  const epsilon = options.epsilon ?? 1e-6;
  for (const [name, v] of [['lambda1', lambda1], ['lambda2', lambda2], ['tol', tol], ['epsilon', epsilon]] as const) {
    if (!Number.isFinite(v) || v < 0) throw new LowRankArgumentError(`decodeUpdate: ${name} must be finite and ≥ 0, got ${v}`);
  }
  if (!Number.isInteger(maxIter) || maxIter < 0) throw new LowRankArgumentError(`decodeUpdate: maxIter must be an integer ≥ 0, got ${maxIter}`);
  inputs.forEach((x, h) => checkInput(h, x));
  if (inputs.length === 0) return [];
  const emit = options.observer;
  const kHats = inputs.map((x, head) => initialKHat(x.k, x.bK, { system: 'decode.kHatInit', head }));
  kHats.forEach((kHat, head) => emit?.({ head, iteration: 0, step: 'kHatInit', qHat: null, kHat }));
  const qHats: Float64Array[] = [];
  const deltas: number[] = [];
  let iterations = 0;
  let converged = false;
  for (let it = 1; it <= Math.max(1, maxIter); it++) {
    let sum = 0;
    let count = 0;
    inputs.forEach((x, head) => {
      const qHat = solveQHat(x, kHats[head]!, lambda1, lambda2, { system: 'decode.qHat', head, iteration: it });
      qHats[head] = qHat;
      emit?.({ head, iteration: it, step: 'qHat', qHat, kHat: kHats[head]! });
      const kNew = solveKHat(x, qHat, lambda1, { system: 'decode.kHat', head, iteration: it });
      sum += sumSqDiff(kHats[head]!, kNew);
      count += kNew.length;
      kHats[head] = kNew;
      emit?.({ head, iteration: it, step: 'kHat', qHat, kHat: kNew });
    });
    iterations = it;
    const delta = sum / count;
    deltas.push(delta);
    if (delta < tol) {
      converged = true;
      break;
    }
  }
  return inputs.map((x, head) => {
    const qHat = qHats[head]!;
    const kHat = kHats[head]!;
    return {
      qHat,
      kHat,
      bQ: onlineBUpdate(x.bQ, qHat, x.q, epsilon),
      bK: onlineBUpdate(x.bK, kHat, x.k, epsilon),
      iterations,
      converged,
      deltas: deltas.slice(),
    };
  });
}

/** C.2 + C.3 for one head; equals head 0 of {@link decodeUpdateHeads}. */
export function decodeUpdate(input: DecodeUpdateInput, options: DecodeUpdateOptions = {}): DecodeUpdateResult {
  return decodeUpdateHeads([input], options)[0]!;
}
