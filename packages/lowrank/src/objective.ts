// The objectives the alternating solves minimize, evaluated directly (for tests and diagnostics;
// the solvers never call these). The prefill objective forms QKᵀ (n×n): O(n²d), fine for oracles.
import type { DecodeUpdateInput } from './decode-update.ts';
import { dot, matmulNT, sub, frobeniusSq, matmul, vecMat, matVec, type Mat } from './mat.ts';

/** The four prefill factors. */
export interface PrefillFactors {
  readonly aQ: Mat;
  readonly bQ: Mat;
  readonly aK: Mat;
  readonly bK: Mat;
}

/** ½‖T − A_Q A_Kᵀ‖²_F for a given target T (n×n). */
function residualAgainst(target: Mat, aQ: Mat, aK: Mat): number {
  return 0.5 * frobeniusSq(sub(target, matmulNT(aQ, aK)));
}

/** ½‖QKᵀ − A_Q A_Kᵀ‖²_F (the first term of F). */
export function prefillResidual(q: Mat, k: Mat, aQ: Mat, aK: Mat): number {
  return residualAgainst(matmulNT(q, k), aQ, aK);
}

/**
 * Returns F(·) of spec B.2 for fixed Q, K, λ, with QKᵀ computed once:
 * F = ½‖QKᵀ − A_QA_Kᵀ‖² + (λ_Q/2)‖Q − A_QB_Q‖² + (λ_K/2)‖K − A_KB_K‖².
 */
export function makePrefillObjective(q: Mat, k: Mat, lambdaQ = 1, lambdaK = 1): (f: PrefillFactors) => number {
  const target = matmulNT(q, k);
  return (f) =>
    residualAgainst(target, f.aQ, f.aK) +
    0.5 * lambdaQ * frobeniusSq(sub(q, matmul(f.aQ, f.bQ))) +
    0.5 * lambdaK * frobeniusSq(sub(k, matmul(f.aK, f.bK)));
}

/** F of spec B.2 (one evaluation; see {@link makePrefillObjective} for repeated ones). */
export function prefillObjective(q: Mat, k: Mat, f: PrefillFactors, lambdaQ = 1, lambdaK = 1): number {
  return makePrefillObjective(q, k, lambdaQ, lambdaK)(f);
}

function halfSqDist(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i]! - y[i]!) ** 2;
  return 0.5 * s;
}

/**
 * J of spec C.1: ½‖q̂B_Q − q‖² + ½‖k̂B_K − k‖² + (λ1/2)(q̂k̂ᵀ − qkᵀ)² + (λ2/2)‖q̂A_Ωᵀ − qK_Ωᵀ‖².
 */
export function decodeObjective(
  input: DecodeUpdateInput,
  qHat: ArrayLike<number>,
  kHat: ArrayLike<number>,
  lambda1 = 1,
  lambda2 = 1,
): number {
  const inner = dot(qHat, kHat) - dot(input.q, input.k);
  return (
    halfSqDist(vecMat(qHat, input.bQ), input.q) +
    halfSqDist(vecMat(kHat, input.bK), input.k) +
    0.5 * lambda1 * inner * inner +
    lambda2 * halfSqDist(matVec(input.aOmega, qHat), matVec(input.kOmega, input.q))
  );
}
