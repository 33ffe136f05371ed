// Prefill factorization (B.3): oracles H.8 (monotonicity), H.9 (block optimality), H.10 (SVD
// bound), the global stop rule, the Jacobi compatibility order, and error reporting.
import { describe, expect, it } from 'vitest';
import {
  addScaled,
  factorize,
  factorizeHeads,
  frobeniusSq,
  headSeed,
  LowRankArgumentError,
  LowRankSolveError,
  makePrefillObjective,
  matmul,
  matmulNT,
  matmulTN,
  prefillObjective,
  prefillResidual,
  Rng,
  scale,
  sub,
  transpose,
  zeros,
  type FactorizeBlockEvent,
  type Mat,
} from '../src/index.ts';
import { lowRankPlusNoise, truncatedSvdError } from './helpers.ts';

const lambdas = [
  [1, 1],
  [0.1, 10],
] as const;

describe('H.8 prefill monotonicity (Gauss-Seidel)', () => {
  it.each(lambdas)('F is non-increasing after every block incl. the final B recompute (λ = %f, %f; n=512, d=64, r=8)', (lq, lk) => {
    const rng = new Rng(800 + lq);
    const q = lowRankPlusNoise(rng, 512, 64, 12, 0.3);
    const k = lowRankPlusNoise(rng, 512, 64, 12, 0.3);
    const objective = makePrefillObjective(q, k, lq, lk);
    const seen: { block: string; value: number }[] = [];
    const f = factorize(q, k, {
      rank: 8,
      lambdaQ: lq,
      lambdaK: lk,
      maxIter: 10,
      tol: 0,
      observer: (e) => {
        if (e.bQ !== null && e.bK !== null) seen.push({ block: `${e.iteration}.${e.block}`, value: objective({ aQ: e.aQ, aK: e.aK, bQ: e.bQ, bK: e.bK }) });
      },
    });
    expect(f.iterations).toBe(10);
    expect(seen.at(-1)!.block).toBe('10.finalBK');
    expect(seen.length).toBe(3 + 9 * 4 + 2); // from the first bK on
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i]!.value, `F rose at ${seen[i]!.block}`).toBeLessThanOrEqual(seen[i - 1]!.value * (1 + 1e-12));
    }
    expect(seen.at(-1)!.value).toBeLessThan(seen[0]!.value / 10);
    expect(prefillObjective(q, k, f, lq, lk)).toBe(seen.at(-1)!.value);
  });

  it('the Jacobi order (reference general-λ path) uses the old A_Q and ends higher', () => {
    const rng = new Rng(801);
    const q = lowRankPlusNoise(rng, 256, 32, 10, 0.3);
    const k = lowRankPlusNoise(rng, 256, 32, 10, 0.3);
    let prevAQ: Mat | null = null;
    let lastAQ: Mat | null = null;
    const jac = factorize(q, k, {
      rank: 6,
      lambdaQ: 0.1,
      lambdaK: 10,
      maxIter: 10,
      tol: 0,
      order: 'jacobi',
      observer: (e) => {
        if (e.block === 'bQ') prevAQ = e.aQ;
        if (e.block === 'aK') {
          // A_K' = K(QᵀÂ + λB_Kᵀ)(ÂᵀÂ + λB_KB_Kᵀ)⁻¹ with Â = the A_Q from before this iteration.
          expect(normalResidualA(k, q, prevAQ!, e.aK, e.bK!, 10)).toBeLessThan(1e-9);
          lastAQ = e.aQ;
        }
      },
    });
    expect(lastAQ).not.toBeNull();
    const gs = factorize(q, k, { rank: 6, lambdaQ: 0.1, lambdaK: 10, maxIter: 10, tol: 0 });
    expect(prefillObjective(q, k, jac, 0.1, 10)).toBeGreaterThan(prefillObjective(q, k, gs, 0.1, 10));
  });
});

/** ‖A(CᵀC + λBBᵀ) − X(YᵀC + λBᵀ)‖ / ‖X(YᵀC + λBᵀ)‖: relative normal-equation residual of an A block. */
function normalResidualA(x: Mat, y: Mat, c: Mat, a: Mat, b: Mat, lambda: number): number {
  const lhs = matmul(a, addScaled(matmulTN(c, c), matmulNT(b, b), lambda));
  const rhs = matmul(x, addScaled(matmulTN(y, c), transpose(b), lambda));
  return Math.sqrt(frobeniusSq(sub(lhs, rhs)) / frobeniusSq(rhs));
}

/**
 * ∂F/∂A_Q from the definition with QKᵀ formed explicitly (independent of the solver's algebra):
 * −(QKᵀ − A_QA_Kᵀ)A_K − λ_Q(Q − A_QB_Q)B_Qᵀ.
 */
function gradAQ(q: Mat, k: Mat, e: FactorizeBlockEvent, lq: number): Mat {
  const resid = sub(matmulNT(q, k), matmulNT(e.aQ, e.aK));
  return scale(addScaled(matmul(resid, e.aK), matmulNT(sub(q, matmul(e.aQ, e.bQ!)), e.bQ!), lq), -1);
}

describe('H.9 block optimality', () => {
  it.each(lambdas)('the gradient w.r.t. the block just updated is ≈ 0 (λ = %f, %f)', (lq, lk) => {
    const rng = new Rng(900 + lq);
    const q = lowRankPlusNoise(rng, 96, 16, 6, 0.4);
    const k = lowRankPlusNoise(rng, 96, 16, 6, 0.4);
    let checked = 0;
    factorize(q, k, {
      rank: 4,
      lambdaQ: lq,
      lambdaK: lk,
      maxIter: 4,
      tol: 0,
      observer: (e) => {
        checked++;
        switch (e.block) {
          case 'bQ':
          case 'finalBQ': {
            // A_Qᵀ(Q − A_QB_Q) = 0 ⇔ A_QB_Q is the orthogonal projection of Q onto col(A_Q).
            const g = matmulTN(e.aQ, sub(q, matmul(e.aQ, e.bQ!)));
            expect(Math.sqrt(frobeniusSq(g) / frobeniusSq(matmulTN(e.aQ, q)))).toBeLessThan(1e-10);
            break;
          }
          case 'bK':
          case 'finalBK': {
            const g = matmulTN(e.aK, sub(k, matmul(e.aK, e.bK!)));
            expect(Math.sqrt(frobeniusSq(g) / frobeniusSq(matmulTN(e.aK, k)))).toBeLessThan(1e-10);
            break;
          }
          case 'aQ': {
            expect(normalResidualA(q, k, e.aK, e.aQ, e.bQ!, lq)).toBeLessThan(1e-10);
            const g = gradAQ(q, k, e, lq);
            const scaleRef = frobeniusSq(matmul(matmulNT(q, k), e.aK));
            expect(Math.sqrt(frobeniusSq(g) / scaleRef)).toBeLessThan(1e-10);
            break;
          }
          case 'aK':
            // Gauss-Seidel: Â is the A_Q of this iteration (e.aQ).
            expect(normalResidualA(k, q, e.aQ, e.aK, e.bK!, lk)).toBeLessThan(1e-10);
            break;
        }
      },
    });
    expect(checked).toBe(4 * 4 + 2);
  });

  it('the analytic gradient used above matches finite differences of F', () => {
    const rng = new Rng(950);
    const q = lowRankPlusNoise(rng, 12, 5, 2, 0.5);
    const k = lowRankPlusNoise(rng, 12, 5, 2, 0.5);
    const f = factorize(q, k, { rank: 2, maxIter: 1 });
    const event: FactorizeBlockEvent = { head: 0, iteration: 0, block: 'aQ', aQ: f.aQ, aK: f.aK, bQ: f.bQ, bK: f.bK };
    const g = gradAQ(q, k, event, 0.7);
    const h = 1e-6;
    for (const idx of [0, 5, 13, 23]) {
      const plus = f.aQ.data.slice();
      const minus = f.aQ.data.slice();
      plus[idx]! += h;
      minus[idx]! -= h;
      const fp = prefillObjective(q, k, { ...f, aQ: { ...f.aQ, data: plus } }, 0.7, 1);
      const fm = prefillObjective(q, k, { ...f, aQ: { ...f.aQ, data: minus } }, 0.7, 1);
      expect((fp - fm) / (2 * h)).toBeCloseTo(g.data[idx]!, 4);
    }
  });
});

describe('H.10 prefill quality vs truncated SVD', () => {
  const rng = new Rng(1000);
  const q = lowRankPlusNoise(rng, 40, 10, 5, 0.3);
  const k = lowRankPlusNoise(rng, 40, 10, 5, 0.3);
  const r = 3;
  const svd = truncatedSvdError(q, k, r);

  it('the eigen solver is consistent (Σλ = ‖QKᵀ‖², full rank gives 0)', () => {
    const total = svd.eigenvalues.reduce((a, b) => a + b, 0);
    expect(total).toBeCloseTo(frobeniusSq(matmulNT(q, k)), 6);
    expect(truncatedSvdError(q, k, 10).error).toBe(0);
  });

  it('½‖QKᵀ − A_QA_Kᵀ‖² approaches the rank-r SVD error from above', () => {
    const ratios = [1, 5, 50].map((maxIter) => {
      const f = factorize(q, k, { rank: r, maxIter, tol: 0 });
      return prefillResidual(q, k, f.aQ, f.aK) / svd.error;
    });
    for (const x of ratios) expect(x).toBeGreaterThanOrEqual(1 - 1e-9);
    expect(ratios[2]!).toBeLessThan(1.01);
    expect(ratios[2]!).toBeLessThanOrEqual(ratios[0]!);
    // Small penalties make the optimum of F approach the unconstrained (SVD) one.
    const tight = factorize(q, k, { rank: r, lambdaQ: 0.01, lambdaK: 0.01, maxIter: 300, tol: 0 });
    const ratio = prefillResidual(q, k, tight.aQ, tight.aK) / svd.error;
    expect(ratio).toBeGreaterThanOrEqual(1 - 1e-9);
    expect(ratio).toBeLessThan(1 + 1e-4);
  });
});

describe('stop rule, options and errors', () => {
  const rng = new Rng(1100);
  const q0 = lowRankPlusNoise(rng, 48, 8, 3, 0.2);
  const k0 = lowRankPlusNoise(rng, 48, 8, 3, 0.2);
  const q1 = lowRankPlusNoise(rng, 48, 8, 6, 1.0);
  const k1 = lowRankPlusNoise(rng, 48, 8, 6, 1.0);

  it('δ is the global max(mean ΔA_Q², mean ΔA_K²) over all heads and stops all heads together', () => {
    const sums: { q: number; k: number }[] = [];
    let prev: FactorizeBlockEvent[] = [];
    const all = factorizeHeads([{ q: q0, k: k0 }, { q: q1, k: k1 }], {
      rank: 3,
      maxIter: 8,
      tol: 0,
      seed: 4,
      observer: (e) => {
        if (e.block === 'bQ') prev[e.head] = e;
        if (e.block === 'aK') {
          const before = prev[e.head]!;
          const s = sums[e.iteration - 1] ?? { q: 0, k: 0 };
          s.q += frobeniusSq(sub(e.aQ, before.aQ));
          s.k += frobeniusSq(sub(e.aK, before.aK));
          sums[e.iteration - 1] = s;
        }
      },
    });
    prev = [];
    const count = 2 * 48 * 3;
    const want = sums.map((s) => Math.max(s.q / count, s.k / count));
    expect(all[0]!.deltas.length).toBe(8);
    all[0]!.deltas.forEach((d, i) => expect(d).toBeCloseTo(want[i]!, 12));
    expect(all[1]!.deltas).toEqual(all[0]!.deltas);
    // A tolerance at which head 0 alone would stop at a different iteration than the pair.
    const alone = factorize(q0, k0, { rank: 3, maxIter: 8, tol: 0, seed: 4 }).deltas;
    const stopAt = (ds: readonly number[], tol: number): number => ds.findIndex((d) => d < tol) + 1 || ds.length;
    const candidates = [...alone, ...all[0]!.deltas].map((d) => d * 1.0001);
    const tol = candidates.find((t) => stopAt(alone, t) !== stopAt(all[0]!.deltas, t));
    expect(tol).toBeDefined();
    const pair = factorizeHeads([{ q: q0, k: k0 }, { q: q1, k: k1 }], { rank: 3, maxIter: 8, tol: tol!, seed: 4 });
    expect(pair[0]!.iterations).toBe(stopAt(all[0]!.deltas, tol!));
    expect(pair[1]!.iterations).toBe(pair[0]!.iterations);
    expect(pair[0]!.converged).toBe(pair[0]!.iterations < 8 || all[0]!.deltas[7]! < tol!);
    expect(factorize(q0, k0, { rank: 3, maxIter: 8, tol: tol!, seed: 4 }).iterations).toBe(stopAt(alone, tol!));
    // Head 1 of the pair used headSeed(4, 1).
    const h1 = factorize(q1, k1, { rank: 3, maxIter: pair[1]!.iterations, tol: 0, seed: headSeed(4, 1) });
    expect(pair[1]!.aK.data).toEqual(h1.aK.data);
  });

  it('defaults: λ = 1, maxIter 2, tol 1e-2, randn seed 0; maxIter 0 only recomputes B', () => {
    const f = factorize(q0, k0, { rank: 2 });
    expect(f.iterations).toBeLessThanOrEqual(2);
    expect(f.converged).toBe(f.deltas.at(-1)! < 1e-2);
    const same = factorize(q0, k0, { rank: 2, lambdaQ: 1, lambdaK: 1, maxIter: 2, tol: 1e-2, seed: 0, init: 'randn', order: 'gauss-seidel' });
    expect(same.aK.data).toEqual(f.aK.data);
    const zero = factorize(q0, k0, { rank: 2, maxIter: 0 });
    expect(zero.iterations).toBe(0);
    expect(zero.converged).toBe(false);
    expect({ rank: zero.rank, n: zero.n, d: zero.d }).toEqual({ rank: 2, n: 48, d: 8 });
  });

  it('a singular system is a LowRankSolveError naming the system and head', () => {
    const init = { aQ: zeros(48, 3), aK: zeros(48, 3) };
    try {
      factorizeHeads([{ q: q0, k: k0 }, { q: q1, k: k1, initial: init }], { rank: 3 });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(LowRankSolveError);
      expect((e as LowRankSolveError).system).toBe('prefill.bQ');
      expect((e as LowRankSolveError).head).toBe(1);
      expect((e as LowRankSolveError).iteration).toBe(1);
    }
  });

  it('rejects bad arguments', () => {
    expect(() => factorize(q0, k0, { rank: 9 })).toThrow(LowRankArgumentError);
    expect(() => factorize(q0, k0, { rank: 0 })).toThrow(LowRankArgumentError);
    expect(() => factorize(q0, k1, { rank: 2, lambdaQ: -1 })).toThrow(LowRankArgumentError);
    const bad = { ...q0, data: q0.data.slice() };
    bad.data[3] = NaN;
    expect(() => factorize(bad, k0, { rank: 2 })).toThrow(LowRankArgumentError);
    expect(() => factorize(q0, k0, { rank: 2, maxIter: 1.5 })).toThrow(LowRankArgumentError);
  });
});
