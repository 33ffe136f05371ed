import { describe, expect, it } from 'vitest';
import {
  CHOLESKY_RELATIVE_JITTERS,
  cholesky,
  fromRows,
  identity,
  LowRankArgumentError,
  LowRankSolveError,
  mat,
  matFrom,
  matmul,
  matmulNT,
  matmulTN,
  matVec,
  randnMat,
  Rng,
  spdSolveLeft,
  spdSolveRight,
  spdSolveVec,
  transpose,
  vecMat,
  zeros,
} from '../src/index.ts';
import { expectClose } from './helpers.ts';

describe('mat helpers', () => {
  const rng = new Rng(11);
  const a = randnMat(5, 3, rng);
  const b = randnMat(3, 4, rng);
  const c = randnMat(5, 4, rng);

  it('products agree with the naive definition and with each other', () => {
    const ab = matmul(a, b);
    for (let i = 0; i < 5; i++) {
      for (let j = 0; j < 4; j++) {
        let s = 0;
        for (let p = 0; p < 3; p++) s += a.data[i * 3 + p]! * b.data[p * 4 + j]!;
        expect(ab.data[i * 4 + j]).toBeCloseTo(s, 12);
      }
    }
    expectClose(matmulTN(a, c).data, matmul(transpose(a), c).data, 1e-14, 'AᵀC');
    expectClose(matmulNT(a, transpose(b)).data, matmul(a, b).data, 1e-14, 'A·(Bᵀ)ᵀ');
    const x = Float64Array.from([1, -2, 0.5]);
    expectClose(matVec(a, x), matmul(a, mat(3, 1, x)).data, 1e-14, 'Ax');
    const y = Float64Array.from([1, 2, 3, 4, 5]);
    expectClose(vecMat(y, a), matmul(mat(1, 5, y), a).data, 1e-14, 'yA');
  });

  it('rejects bad shapes with LowRankArgumentError', () => {
    expect(() => matmul(a, a)).toThrow(LowRankArgumentError);
    expect(() => mat(2, 2, new Float64Array(3))).toThrow(LowRankArgumentError);
    expect(() => matFrom(2, 2, [1, 2, 3])).toThrow(LowRankArgumentError);
    expect(() => fromRows([[1, 2], [3]])).toThrow(LowRankArgumentError);
  });
});

describe('cholesky / SPD solves', () => {
  it.each([1, 2, 5, 8])('solves SPD systems of size %i to round-off', (n) => {
    const rng = new Rng(100 + n);
    const g = randnMat(n + 3, n, rng);
    const m = matmulTN(g, g); // SPD
    const r = randnMat(n, 4, rng);
    const x = spdSolveLeft(m, r, { system: 'generic' });
    expectClose(matmul(m, x).data, r.data, 1e-10, 'M·X = R');
    const rr = randnMat(3, n, rng);
    const y = spdSolveRight(rr, m, { system: 'generic' });
    expectClose(matmul(y, m).data, rr.data, 1e-10, 'Y·M = R');
    const b = randnMat(1, n, rng).data;
    expectClose(vecMat(spdSolveVec(m, b, { system: 'generic' }), m), b, 1e-10, 'x·M = b');
    expect(cholesky(m, { system: 'generic' }).jitter).toBe(0);
  });

  it('retries a singular PSD matrix with a small relative jitter', () => {
    const rng = new Rng(5);
    const g = randnMat(2, 4, rng); // rank 2, so GᵀG (4×4) is singular
    const m = matmulTN(g, g);
    const f = cholesky(m, { system: 'prefill.bQ' });
    const meanDiag = (m.data[0]! + m.data[5]! + m.data[10]! + m.data[15]!) / 4;
    expect(f.jitter).toBeGreaterThan(0);
    expect(f.jitter).toBeLessThanOrEqual(CHOLESKY_RELATIVE_JITTERS.at(-1)! * meanDiag);
    const llt = matmulNT(f.l, f.l);
    const shifted = m.data.map((v, i) => (i % 5 === 0 ? v + f.jitter : v));
    expectClose(llt.data, shifted, 1e-10, 'L·Lᵀ = M + jitter·I');
  });

  it('reports failures as LowRankSolveError naming the system, never NaN', () => {
    const ctx = { system: 'decode.qHat' as const, head: 3, iteration: 2 };
    const attempt = (m: ReturnType<typeof zeros>): LowRankSolveError => {
      try {
        spdSolveLeft(m, identity(m.rows), ctx);
      } catch (e) {
        expect(e).toBeInstanceOf(LowRankSolveError);
        return e as LowRankSolveError;
      }
      throw new Error('expected a LowRankSolveError');
    };
    const zero = attempt(zeros(3, 3));
    expect(zero.system).toBe('decode.qHat');
    expect(zero.head).toBe(3);
    expect(zero.iteration).toBe(2);
    expect(zero.reason).toBe('not-positive-definite');
    expect(zero.message).toContain('decode.qHat');
    const indefinite = attempt(fromRows([[1, 0], [0, -1]]));
    expect(indefinite.reason).toBe('not-positive-definite');
    const nan = attempt(fromRows([[1, NaN], [NaN, 1]]));
    expect(nan.reason).toBe('non-finite-input');
    expect(() => spdSolveLeft(identity(2), fromRows([[1], [Infinity]]), ctx)).toThrow(LowRankSolveError);
    expect(() => cholesky(zeros(2, 3), ctx)).toThrow(LowRankArgumentError);
  });
});
