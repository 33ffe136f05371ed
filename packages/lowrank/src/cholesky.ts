// Cholesky factorization and solves for the small (r×r) symmetric positive (semi)definite systems
// of LRQK (B.3, C.2). The reference uses an unchecked LU solve; here a failed factorization is
// retried with a small jitter relative to the mean diagonal, and if every attempt fails, or the
// input or result is not finite, a LowRankSolveError names the system. Never a silent NaN.
import { LowRankArgumentError, LowRankSolveError, type SolveContext } from './errors.ts';
import { allFinite, mat, transpose, type Mat } from './mat.ts';

/**
 * Jitters tried in order, relative to mean(diag(M)): the first attempt is the plain matrix. A pivot
 * counts as failed when it is ≤ 64·eps·max(diag(M)) (numerically singular) or not finite.
 */
export const CHOLESKY_RELATIVE_JITTERS: readonly number[] = [0, 1e-12, 1e-10, 1e-8, 1e-6];

/** A lower-triangular factor L with L·Lᵀ = M + jitter·I. */
export interface CholeskyFactor {
  readonly l: Mat;
  /** The absolute jitter that was added to the diagonal (0 when none was needed). */
  readonly jitter: number;
}

function checkSquare(m: Mat, context: SolveContext): void {
  if (m.rows !== m.cols || m.rows === 0) {
    throw new LowRankArgumentError(`cholesky (${context.system}): matrix must be square and non-empty, got ${m.rows}×${m.cols}`);
  }
}

/** Tries L·Lᵀ = M + jitter·I; returns null when a pivot fails. */
function tryFactor(m: Mat, jitter: number, pivotFloor: number): Mat | null {
  const n = m.rows;
  const l = mat(n, n);
  for (let j = 0; j < n; j++) {
    let diag = m.data[j * n + j]! + jitter;
    for (let p = 0; p < j; p++) diag -= l.data[j * n + p]! * l.data[j * n + p]!;
    if (!(diag > pivotFloor) || !Number.isFinite(diag)) return null;
    const ljj = Math.sqrt(diag);
    l.data[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      // Uses the lower triangle of M only (M is symmetric by contract).
      let s = m.data[i * n + j]!;
      for (let p = 0; p < j; p++) s -= l.data[i * n + p]! * l.data[j * n + p]!;
      l.data[i * n + j] = s / ljj;
    }
  }
  return l;
}

/**
 * Factors a symmetric matrix M (n×n) as L·Lᵀ = M + jitter·I, retrying with the jitters of
 * {@link CHOLESKY_RELATIVE_JITTERS}. Throws LowRankSolveError when M is not finite or no attempt
 * succeeds (M indefinite, or zero).
 */
export function cholesky(m: Mat, context: SolveContext): CholeskyFactor {
  checkSquare(m, context);
  if (!allFinite(m.data)) throw new LowRankSolveError(context, 'non-finite-input', `${m.rows}×${m.cols} matrix has NaN/Inf`);
  const n = m.rows;
  let trace = 0;
  let maxDiag = 0;
  for (let i = 0; i < n; i++) {
    trace += m.data[i * n + i]!;
    maxDiag = Math.max(maxDiag, m.data[i * n + i]!);
  }
  const meanDiag = trace / n;
  const pivotFloor = 64 * Number.EPSILON * maxDiag;
  for (const rel of CHOLESKY_RELATIVE_JITTERS) {
    const jitter = rel * meanDiag;
    if (rel > 0 && !(jitter > 0)) break; // zero or negative diagonal: jitter cannot help
    const l = tryFactor(m, jitter, pivotFloor);
    if (l !== null) return { l, jitter };
  }
  const largest = CHOLESKY_RELATIVE_JITTERS[CHOLESKY_RELATIVE_JITTERS.length - 1]!;
  throw new LowRankSolveError(
    context,
    'not-positive-definite',
    `${n}×${n} matrix (mean diagonal ${meanDiag}) is not positive definite even with relative jitter ${largest}`,
  );
}

/** Solves (L·Lᵀ)·X = B for X (n×c) by forward and back substitution. */
export function choleskySolve(factor: CholeskyFactor, b: Mat): Mat {
  const { l } = factor;
  const n = l.rows;
  if (b.rows !== n) throw new LowRankArgumentError(`choleskySolve: factor is ${n}×${n}, right-hand side ${b.rows}×${b.cols}`);
  const c = b.cols;
  const x = mat(n, c, b.data.slice());
  for (let col = 0; col < c; col++) {
    for (let i = 0; i < n; i++) {
      let s = x.data[i * c + col]!;
      for (let p = 0; p < i; p++) s -= l.data[i * n + p]! * x.data[p * c + col]!;
      x.data[i * c + col] = s / l.data[i * n + i]!;
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = x.data[i * c + col]!;
      for (let p = i + 1; p < n; p++) s -= l.data[p * n + i]! * x.data[p * c + col]!;
      x.data[i * c + col] = s / l.data[i * n + i]!;
    }
  }
  return x;
}

function checkResult(x: Mat, context: SolveContext): Mat {
  if (!allFinite(x.data)) throw new LowRankSolveError(context, 'non-finite-result', `solution of ${x.rows}×${x.cols} has NaN/Inf`);
  return x;
}

/** X = M⁻¹·B for symmetric positive definite M (n×n) and B (n×c). */
export function spdSolveLeft(m: Mat, b: Mat, context: SolveContext): Mat {
  if (!allFinite(b.data)) throw new LowRankSolveError(context, 'non-finite-input', 'right-hand side has NaN/Inf');
  return checkResult(choleskySolve(cholesky(m, context), b), context);
}

/** X = R·M⁻¹ for R (c×n) and symmetric positive definite M (n×n), i.e. the system X·M = R. */
export function spdSolveRight(r: Mat, m: Mat, context: SolveContext): Mat {
  // X·M = R  ⇔  M·Xᵀ = Rᵀ since M = Mᵀ.
  return transpose(spdSolveLeft(m, transpose(r), context));
}

/** x = b·M⁻¹ for a row vector b (n) and symmetric positive definite M (n×n). */
export function spdSolveVec(m: Mat, b: ArrayLike<number>, context: SolveContext): Float64Array {
  return spdSolveLeft(m, mat(b.length, 1, Float64Array.from(b)), context).data;
}
