// Decode factor update (C.2, C.3): oracle H.11 (a)–(c); (d) is checked in the layer tests.
import { describe, expect, it } from 'vitest';
import {
  decodeObjective,
  decodeUpdate,
  decodeUpdateHeads,
  dot,
  initialKHat,
  LowRankArgumentError,
  LowRankSolveError,
  matVec,
  outer,
  randnMat,
  Rng,
  sub,
  sumSqDiff,
  vecMat,
  zeros,
  type DecodeUpdateInput,
} from '../src/index.ts';
import { expectClose } from './helpers.ts';

function randomInput(rng: Rng, d: number, r: number, m: number): DecodeUpdateInput {
  return {
    q: randnMat(1, d, rng).data,
    k: randnMat(1, d, rng).data,
    bQ: randnMat(r, d, rng),
    bK: randnMat(r, d, rng),
    aOmega: randnMat(m, r, rng),
    kOmega: randnMat(m, d, rng),
  };
}

/** ∂J/∂q̂ = (q̂B_Q − q)B_Qᵀ + λ1(q̂·k̂ − q·k)k̂ + λ2(q̂A_Ωᵀ − qK_Ωᵀ)A_Ω. */
function gradQHat(x: DecodeUpdateInput, qHat: Float64Array, kHat: Float64Array, l1: number, l2: number): Float64Array {
  const e = vecMat(qHat, x.bQ).map((v, i) => v - x.q[i]!);
  const g = matVec(x.bQ, e);
  const inner = dot(qHat, kHat) - dot(x.q, x.k);
  const omega = matVec(x.aOmega, qHat).map((v, i) => v - matVec(x.kOmega, x.q)[i]!);
  const go = vecMat(omega, x.aOmega);
  return g.map((v, i) => v + l1 * inner * kHat[i]! + l2 * go[i]!);
}

/** ∂J/∂k̂ = (k̂B_K − k)B_Kᵀ + λ1(q̂·k̂ − q·k)q̂. */
function gradKHat(x: DecodeUpdateInput, qHat: Float64Array, kHat: Float64Array, l1: number): Float64Array {
  const e = vecMat(kHat, x.bK).map((v, i) => v - x.k[i]!);
  const inner = dot(qHat, kHat) - dot(x.q, x.k);
  return matVec(x.bK, e).map((v, i) => v + l1 * inner * qHat[i]!);
}

const norm = (x: ArrayLike<number>): number => Math.sqrt(sumSqDiff(x, new Float64Array(x.length)));

describe('H.11 decode solve', () => {
  it('(a) the initial k̂ reproduces k when k ∈ rowspace(B_K)', () => {
    const rng = new Rng(1);
    const bK = randnMat(5, 16, rng);
    const c = randnMat(1, 5, rng).data;
    const k = vecMat(c, bK);
    const kHat = initialKHat(k, bK, { system: 'decode.kHatInit' });
    expectClose(kHat, c, 1e-10, 'k̂ = code');
    expectClose(vecMat(kHat, bK), k, 1e-10, 'k̂B_K = k');
  });

  it.each([
    [1, 1],
    [0.5, 3],
  ])('(b) J is non-increasing across the q̂/k̂ half-steps, each an exact block minimizer (λ1=%f, λ2=%f)', (l1, l2) => {
    const rng = new Rng(2 + l2);
    const x = randomInput(rng, 16, 4, 24);
    const js: number[] = [];
    const res = decodeUpdate(x, {
      lambda1: l1,
      lambda2: l2,
      maxIter: 8,
      tol: 0,
      observer: (e) => {
        if (e.qHat === null) return;
        js.push(decodeObjective(x, e.qHat, e.kHat, l1, l2));
        const g = e.step === 'qHat' ? gradQHat(x, e.qHat, e.kHat, l1, l2) : gradKHat(x, e.qHat, e.kHat, l1);
        expect(norm(g), `gradient after ${e.step} ${e.iteration}`).toBeLessThan(1e-9 * (1 + js.at(-1)!));
      },
    });
    expect(res.iterations).toBe(8);
    expect(js.length).toBe(16);
    for (let i = 1; i < js.length; i++) expect(js[i]!).toBeLessThanOrEqual(js[i - 1]! * (1 + 1e-12));
  });

  it.each([1e-6, 0.5])('(c) the B update leaves residual ε/(‖q̂‖⁴‖e‖²+ε)·e and is rank-1 along q̂ᵀ (ε=%f)', (epsilon) => {
    const rng = new Rng(3);
    const x = randomInput(rng, 12, 3, 10);
    const res = decodeUpdate(x, { epsilon });
    for (const [code, b0, b1, target] of [
      [res.qHat, x.bQ, res.bQ, x.q],
      [res.kHat, x.bK, res.bK, x.k],
    ] as const) {
      const e = vecMat(code, b0).map((v, i) => v - target[i]!);
      const c2 = dot(code, code);
      const factor = epsilon / (c2 * c2 * dot(e, e) + epsilon);
      const after = vecMat(code, b1).map((v, i) => v - target[i]!);
      expectClose(after, e.map((v) => v * factor), 1e-9, 'residual after the B update');
      const delta = sub(b1, b0);
      const w = vecMat(code, delta).map((v) => v / c2);
      expectClose(delta.data, outer(code, w).data, 1e-12, 'B′ − B = q̂ᵀw');
    }
  });

  it('uses the global stop rule over heads and runs at least one iteration', () => {
    const rng = new Rng(4);
    const xs = [randomInput(rng, 8, 3, 12), randomInput(rng, 8, 3, 12)];
    // k̂ per head: the initial one, then the k̂ of every iteration.
    const kh: Float64Array[][] = [[], []];
    const res = decodeUpdateHeads(xs, {
      maxIter: 5,
      tol: 0,
      observer: (e) => {
        if (e.step !== 'qHat') kh[e.head]!.push(e.kHat);
      },
    });
    expect(kh[0]!.length).toBe(6);
    const exact = [0, 1, 2, 3, 4].map((i) => (sumSqDiff(kh[0]![i]!, kh[0]![i + 1]!) + sumSqDiff(kh[1]![i]!, kh[1]![i + 1]!)) / (2 * 3));
    res[0]!.deltas.forEach((d, i) => expect(d).toBeCloseTo(exact[i]!, 14));
    expect(res[1]!.deltas).toEqual(res[0]!.deltas);
    const tol = exact[1]! * 1.000001;
    const stopped = decodeUpdateHeads(xs, { maxIter: 5, tol });
    expect(stopped[0]!.iterations).toBe(exact[0]! < tol ? 1 : 2);
    expect(stopped[1]!.iterations).toBe(stopped[0]!.iterations);
    expect(stopped[0]!.converged).toBe(true);
    expect(decodeUpdate(xs[0]!, { maxIter: 0 }).iterations).toBe(1);
    expect(decodeUpdate(xs[0]!).iterations).toBeLessThanOrEqual(2);
  });

  it('reports a singular B_KB_Kᵀ as LowRankSolveError(decode.kHatInit) and bad shapes as LowRankArgumentError', () => {
    const rng = new Rng(5);
    const x = randomInput(rng, 8, 3, 6);
    try {
      decodeUpdateHeads([x, { ...x, bK: zeros(3, 8) }]);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(LowRankSolveError);
      expect((e as LowRankSolveError).system).toBe('decode.kHatInit');
      expect((e as LowRankSolveError).head).toBe(1);
    }
    expect(() => decodeUpdate({ ...x, kOmega: randnMat(5, 8, rng) })).toThrow(LowRankArgumentError);
    expect(() => decodeUpdate({ ...x, q: new Float64Array(7) })).toThrow(LowRankArgumentError);
    expect(() => decodeUpdate({ ...x, q: x.q.map(() => NaN) })).toThrow(LowRankArgumentError);
  });
});
