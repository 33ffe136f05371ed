// PRNG contract and initialization (B.4), and determinism of the factorization (oracle H.14).
import { describe, expect, it } from 'vitest';
import {
  columnAbsSums,
  factorize,
  factorizeHeads,
  gatherColumns,
  headSeed,
  initFactors,
  largestIndicesDescending,
  randnMat,
  Rng,
} from '../src/index.ts';
import { lowRankPlusNoise } from './helpers.ts';

describe('Rng', () => {
  it('is xoshiro128** (reference vector for state 1,2,3,4)', () => {
    const r = Rng.fromState(1, 2, 3, 4);
    const got = Array.from({ length: 10 }, () => r.nextUint32());
    expect(got).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849, 3729100597, 4258142804]);
  });

  it('keeps the seeded stream fixed (part of the randn-init contract)', () => {
    const u = new Rng(42);
    expect(Array.from({ length: 4 }, () => u.nextUint32())).toEqual([2837322924, 544945897, 479756282, 3500138142]);
    const g = new Rng(42);
    const z = Array.from({ length: 4 }, () => g.nextGaussian());
    expect(z).toEqual([1.1226591822802086, 0.9491474351894811, 0.40412785633822706, 0.0387374413085134]);
  });

  it('draws floats in [0,1) and standard normals with the right moments', () => {
    const r = new Rng(7);
    let mean = 0;
    let sq = 0;
    const n = 40000;
    for (let i = 0; i < n; i++) {
      const f = r.nextFloat();
      expect(f >= 0 && f < 1).toBe(true);
      const z = r.nextGaussian();
      mean += z / n;
      sq += (z * z) / n;
    }
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(sq - 1)).toBeLessThan(0.05);
  });

  it('gives equal streams for equal seeds and different ones otherwise; head 0 uses the seed itself', () => {
    expect(randnMat(3, 3, new Rng(9)).data).toEqual(randnMat(3, 3, new Rng(9)).data);
    expect(randnMat(3, 3, new Rng(9)).data).not.toEqual(randnMat(3, 3, new Rng(10)).data);
    expect(headSeed(123, 0)).toBe(123);
    expect(new Set([0, 1, 2, 3].map((h) => headSeed(123, h))).size).toBe(4);
  });
});

describe('initFactors (B.4)', () => {
  const rng = new Rng(21);
  const q = lowRankPlusNoise(rng, 30, 10, 4, 0.5);
  const k = lowRankPlusNoise(rng, 30, 10, 4, 0.5);

  it('randn draws A_Q then A_K, row-major, from Rng(seed)', () => {
    const init = initFactors(q, k, 3, 'randn', 77);
    const r = new Rng(77);
    expect(init.aQ.data).toEqual(randnMat(30, 3, r).data);
    expect(init.aK.data).toEqual(randnMat(30, 3, r).data);
  });

  it('top picks each side’s r largest Σ|·| columns in descending order', () => {
    const init = initFactors(q, k, 4, 'top', 0);
    const colsQ = largestIndicesDescending(columnAbsSums(q), 4);
    const colsK = largestIndicesDescending(columnAbsSums(k), 4);
    const sq = columnAbsSums(q);
    for (let i = 1; i < 4; i++) expect(sq[colsQ[i - 1]!]!).toBeGreaterThanOrEqual(sq[colsQ[i]!]!);
    for (let j = 0; j < 10; j++) if (!colsQ.includes(j)) expect(sq[j]!).toBeLessThanOrEqual(sq[colsQ[3]!]!);
    expect(init.aQ.data).toEqual(gatherColumns(q, colsQ).data);
    expect(init.aK.data).toEqual(gatherColumns(k, colsK).data);
  });

  it('topcol shares one column set chosen by Σ|Q| + Σ|K|', () => {
    const init = initFactors(q, k, 4, 'topcol', 0);
    const sq = columnAbsSums(q);
    const sk = columnAbsSums(k);
    const cols = largestIndicesDescending(sq.map((v, j) => v + sk[j]!), 4);
    expect(init.aQ.data).toEqual(gatherColumns(q, cols).data);
    expect(init.aK.data).toEqual(gatherColumns(k, cols).data);
  });

  it('breaks ties by the lower index', () => {
    expect(largestIndicesDescending([1, 3, 3, 2, 3], 3)).toEqual([1, 2, 4]);
  });
});

describe('determinism (H.14)', () => {
  const rng = new Rng(99);
  const q = lowRankPlusNoise(rng, 64, 12, 4, 0.3);
  const k = lowRankPlusNoise(rng, 64, 12, 4, 0.3);

  it('seeded randn factorization is bitwise reproducible and seed-dependent', () => {
    const a = factorize(q, k, { rank: 3, seed: 5, maxIter: 3, tol: 0 });
    const b = factorize(q, k, { rank: 3, seed: 5, maxIter: 3, tol: 0 });
    expect(a.aK.data).toEqual(b.aK.data);
    expect(a.bQ.data).toEqual(b.bQ.data);
    const c = factorize(q, k, { rank: 3, seed: 6, maxIter: 3, tol: 0 });
    expect(c.aK.data).not.toEqual(a.aK.data);
  });

  it.each(['top', 'topcol'] as const)('%s init does not depend on the seed', (init) => {
    const a = factorize(q, k, { rank: 3, init, seed: 1, maxIter: 3 });
    const b = factorize(q, k, { rank: 3, init, seed: 2, maxIter: 3 });
    expect(a.aK.data).toEqual(b.aK.data);
    expect(a.bK.data).toEqual(b.bK.data);
  });

  it('one-head factorize equals head 0 of factorizeHeads; head h uses headSeed(seed, h)', () => {
    const single = factorize(q, k, { rank: 3, seed: 8, maxIter: 2, tol: 0 });
    const multi = factorizeHeads([{ q, k }, { q, k }], { rank: 3, seed: 8, maxIter: 2, tol: 0 });
    expect(multi[0]!.aK.data).toEqual(single.aK.data);
    const head1 = factorize(q, k, { rank: 3, seed: headSeed(8, 1), maxIter: 2, tol: 0 });
    expect(multi[1]!.aK.data).toEqual(head1.aK.data);
  });
});
