// Prefill factorization (spec B.3): alternating closed-form minimization of
//   F = ½‖QKᵀ − A_Q A_Kᵀ‖²_F + (λ_Q/2)‖Q − A_Q B_Q‖²_F + (λ_K/2)‖K − A_K B_K‖²_F
// per head, with Q, K (n×d), A_Q, A_K (n×r), B_Q, B_K (r×d). QKᵀ is never formed.
import { spdSolveLeft, spdSolveRight } from './cholesky.ts';
import { LowRankArgumentError, type SolveContext } from './errors.ts';
import { initFactors, type InitialFactors, type InitMethod } from './init.ts';
import { addScaled, allFinite, matmul, matmulNT, matmulTN, sumSqDiff, transpose, type Mat } from './mat.ts';
import { headSeed } from './prng.ts';

/**
 * Block order of the A updates. `gauss-seidel` (default; the reference's λ=1 path, and here used
 * for every λ) updates A_K with the new A_Q and makes F non-increasing after every block.
 * `jacobi` uses the old A_Q (the reference's general-λ path) and exists only for compatibility: it
 * is not monotone.
 */
export type UpdateOrder = 'gauss-seidel' | 'jacobi';

/** The blocks, in update order; `finalBQ`/`finalBK` are the recompute after the loop. */
export type FactorizeBlock = 'bQ' | 'bK' | 'aQ' | 'aK' | 'finalBQ' | 'finalBK';

/**
 * Reported right after a block update. The matrices are the current factors of that head (never
 * mutated later, so they may be kept); `bQ`/`bK` are null before their first update. `iteration`
 * is 1-based in the loop; for the final blocks it is the number of iterations run.
 */
export interface FactorizeBlockEvent {
  readonly head: number;
  readonly iteration: number;
  readonly block: FactorizeBlock;
  readonly aQ: Mat;
  readonly aK: Mat;
  readonly bQ: Mat | null;
  readonly bK: Mat | null;
}

/** Called after every block update (for tests and tracing). */
export type FactorizeObserver = (event: FactorizeBlockEvent) => void;

/** Options of {@link factorize} and {@link factorizeHeads}. */
export interface FactorizeOptions {
  /** Rank r, 1 ≤ r ≤ min(n, d). */
  readonly rank: number;
  /** λ_Q ≥ 0 (default 1). */
  readonly lambdaQ?: number;
  /** λ_K ≥ 0 (default 1). */
  readonly lambdaK?: number;
  /** Maximum number of iterations (default 2; 0 runs only the final B recompute). */
  readonly maxIter?: number;
  /** Stop when δ < tol (default 1e-2); δ is global over all heads of the call. */
  readonly tol?: number;
  /** Initialization (default `randn`); ignored for heads given `initial` factors. */
  readonly init?: InitMethod;
  /** Base seed of `randn` (default 0); head h uses `headSeed(seed, h)`. */
  readonly seed?: number;
  /** A-update order (default `gauss-seidel`). */
  readonly order?: UpdateOrder;
  readonly observer?: FactorizeObserver;
}

/** One head's inputs: Q and K (n×d, post-RoPE; K already mapped to this query head). */
export interface FactorizeHeadInput {
  readonly q: Mat;
  readonly k: Mat;
  /** Explicit starting A_Q/A_K (n×r) instead of `options.init`. */
  readonly initial?: InitialFactors;
}

/** The result for one head. */
export interface Factors {
  readonly aQ: Mat;
  readonly bQ: Mat;
  readonly aK: Mat;
  readonly bK: Mat;
  /** Iterations run (same for every head of a call). */
  readonly iterations: number;
  /** Whether the global stop rule fired (δ < tol). */
  readonly converged: boolean;
  readonly rank: number;
  readonly n: number;
  readonly d: number;
  /** δ after each iteration (global over the heads of the call). */
  readonly deltas: readonly number[];
}

/** B ← (AᵀA)⁻¹AᵀX: the least-squares fit of X (n×d) by A (n×r); blocks 1, 2 and the final recompute. */
export function updateB(a: Mat, x: Mat, context: SolveContext): Mat {
  return spdSolveLeft(matmulTN(a, a), matmulTN(a, x), context);
}

/**
 * The A-block update (3)/(4): X·(Yᵀ·C + λBᵀ)·(CᵀC + λBBᵀ)⁻¹ with C the other side's A.
 * A_Q' = updateA(Q, K, A_K, B_Q, λ_Q); A_K' = updateA(K, Q, Â, B_K, λ_K).
 */
export function updateA(x: Mat, y: Mat, c: Mat, b: Mat, lambda: number, context: SolveContext): Mat {
  const rhsFactor = addScaled(matmulTN(y, c), transpose(b), lambda); // d×r
  const system = addScaled(matmulTN(c, c), matmulNT(b, b), lambda); // r×r, SPD
  return spdSolveRight(matmul(x, rhsFactor), system, context);
}

interface Resolved {
  rank: number;
  lambdaQ: number;
  lambdaK: number;
  maxIter: number;
  tol: number;
  init: InitMethod;
  seed: number;
  order: UpdateOrder;
}

function resolve(options: FactorizeOptions): Resolved {
  const r: Resolved = {
    rank: options.rank,
    lambdaQ: options.lambdaQ ?? 1,
    lambdaK: options.lambdaK ?? 1,
    maxIter: options.maxIter ?? 2,
    tol: options.tol ?? 1e-2,
    init: options.init ?? 'randn',
    seed: options.seed ?? 0,
    order: options.order ?? 'gauss-seidel',
  };
  for (const [name, v] of [['lambdaQ', r.lambdaQ], ['lambdaK', r.lambdaK], ['tol', r.tol]] as const) {
    if (!Number.isFinite(v) || v < 0) throw new LowRankArgumentError(`factorize: ${name} must be finite and ≥ 0, got ${v}`);
  }
  if (!Number.isInteger(r.maxIter) || r.maxIter < 0) throw new LowRankArgumentError(`factorize: maxIter must be an integer ≥ 0, got ${r.maxIter}`);
  if (r.order !== 'gauss-seidel' && r.order !== 'jacobi') throw new LowRankArgumentError(`factorize: unknown order ${String(r.order)}`);
  return r;
}

function checkHead(h: number, input: FactorizeHeadInput, rank: number): void {
  const { q, k } = input;
  if (q.rows !== k.rows || q.cols !== k.cols || q.rows === 0 || q.cols === 0) {
    throw new LowRankArgumentError(`factorize: head ${h}: Q ${q.rows}×${q.cols} and K ${k.rows}×${k.cols} must be equal and non-empty`);
  }
  if (!Number.isInteger(rank) || rank < 1 || rank > Math.min(q.rows, q.cols)) {
    throw new LowRankArgumentError(`factorize: rank ${rank} must be an integer in [1, min(n=${q.rows}, d=${q.cols})]`);
  }
  if (!allFinite(q.data) || !allFinite(k.data)) throw new LowRankArgumentError(`factorize: head ${h}: Q or K has NaN/Inf`);
  const init = input.initial;
  if (init !== undefined) {
    for (const [name, a] of [['aQ', init.aQ], ['aK', init.aK]] as const) {
      if (a.rows !== q.rows || a.cols !== rank || !allFinite(a.data)) {
        throw new LowRankArgumentError(`factorize: head ${h}: initial ${name} must be finite ${q.rows}×${rank}, got ${a.rows}×${a.cols}`);
      }
    }
  }
}

interface HeadState {
  aQ: Mat;
  aK: Mat;
  bQ: Mat | null;
  bK: Mat | null;
}

/**
 * Factorizes several heads together with the reference's global stop rule: after each iteration
 * δ = max(mean over all heads' elements of (A_Q − A_Q')², same for A_K), stop when δ < tol. Then B
 * is recomputed from the final A. Heads may differ in n; rank is shared.
 */
export function factorizeHeads(heads: readonly FactorizeHeadInput[], options: FactorizeOptions): Factors[] {
  const o = resolve(options);
  if (heads.length === 0) return [];
  heads.forEach((input, h) => checkHead(h, input, o.rank));
  const emit = (head: number, iteration: number, block: FactorizeBlock, s: HeadState): void =>
    options.observer?.({ head, iteration, block, aQ: s.aQ, aK: s.aK, bQ: s.bQ, bK: s.bK });
  const states: HeadState[] = heads.map((input, h) => {
    const init = input.initial ?? initFactors(input.q, input.k, o.rank, o.init, headSeed(o.seed, h));
    return { aQ: init.aQ, aK: init.aK, bQ: null, bK: null };
  });
  const deltas: number[] = [];
  let iterations = 0;
  let converged = false;
  for (let it = 1; it <= o.maxIter; it++) {
    let sq = 0;
    let sk = 0;
    let count = 0;
    heads.forEach(({ q, k }, head) => {
      const s = states[head]!;
      const ctx = (system: SolveContext['system']): SolveContext => ({ system, head, iteration: it });
      s.bQ = updateB(s.aQ, q, ctx('prefill.bQ'));
      emit(head, it, 'bQ', s);
      s.bK = updateB(s.aK, k, ctx('prefill.bK'));
      emit(head, it, 'bK', s);
      const oldAQ = s.aQ;
      const oldAK = s.aK;
      s.aQ = updateA(q, k, oldAK, s.bQ, o.lambdaQ, ctx('prefill.aQ'));
      emit(head, it, 'aQ', s);
      const aHat = o.order === 'gauss-seidel' ? s.aQ : oldAQ;
      s.aK = updateA(k, q, aHat, s.bK, o.lambdaK, ctx('prefill.aK'));
      emit(head, it, 'aK', s);
      sq += sumSqDiff(oldAQ.data, s.aQ.data);
      sk += sumSqDiff(oldAK.data, s.aK.data);
      count += s.aQ.data.length; // A_Q and A_K have the same size per head
    });
    iterations = it;
    const delta = Math.max(sq / count, sk / count);
    deltas.push(delta);
    if (delta < o.tol) {
      converged = true;
      break;
    }
  }
  return heads.map(({ q, k }, head) => {
    const s = states[head]!;
    const ctx = (system: SolveContext['system']): SolveContext => ({ system, head, iteration: iterations });
    s.bQ = updateB(s.aQ, q, ctx('prefill.finalBQ'));
    emit(head, iterations, 'finalBQ', s);
    s.bK = updateB(s.aK, k, ctx('prefill.finalBK'));
    emit(head, iterations, 'finalBK', s);
    return {
      aQ: s.aQ,
      bQ: s.bQ,
      aK: s.aK,
      bK: s.bK,
      iterations,
      converged,
      rank: o.rank,
      n: q.rows,
      d: q.cols,
      deltas: deltas.slice(),
    };
  });
}

/** Factorizes one head (Q, K: n×d); equals head 0 of {@link factorizeHeads}. */
export function factorize(q: Mat, k: Mat, options: FactorizeOptions, initial?: InitialFactors): Factors {
  const input: FactorizeHeadInput = initial === undefined ? { q, k } : { q, k, initial };
  return factorizeHeads([input], options)[0]!;
}
