// Proxy scores, top-k, candidate range / branch rules, and the slot diff (D.2, oracle H.7).
import { describe, expect, it } from 'vitest';
import {
  candidateEnd,
  LowRankArgumentError,
  matFrom,
  prefillBranch,
  proxyScores,
  randnMat,
  Rng,
  selectTopK,
  updateSlots,
} from '../src/index.ts';

describe('proxyScores', () => {
  it('is A_K[0:end)·q̂ᵀ (unscaled)', () => {
    const aK = matFrom(3, 2, [1, 2, 3, 4, 5, 6]);
    expect(Array.from(proxyScores(aK, [1, -1]))).toEqual([-1, -1, -1]);
    expect(Array.from(proxyScores(aK, [2, 0.5], 2))).toEqual([3, 8]);
    expect(() => proxyScores(aK, [1, 2, 3])).toThrow(LowRankArgumentError);
    expect(() => proxyScores(aK, [1, 2], 4)).toThrow(LowRankArgumentError);
  });
});

describe('selectTopK', () => {
  it('returns the k best in ascending position order', () => {
    expect(selectTopK([0.1, 5, -2, 3, 4, 0], 3)).toEqual([1, 3, 4]);
  });

  it('breaks ties by the lower index', () => {
    expect(selectTopK([1, 2, 2, 2, 0], 2)).toEqual([1, 2]);
    expect(selectTopK([7, 7, 7, 7], 3)).toEqual([0, 1, 2]);
    expect(selectTopK([-Infinity, Infinity, 0, Infinity], 2)).toEqual([1, 3]);
  });

  it('returns every candidate when there are ≤ k, and honours candidateEnd', () => {
    expect(selectTopK([3, 1, 2], 5)).toEqual([0, 1, 2]);
    expect(selectTopK([3, 1, 2, 100], 2, { candidateEnd: 3 })).toEqual([0, 2]);
    expect(selectTopK([3, 1, 2, 100], 5, { candidateEnd: 2 })).toEqual([0, 1]);
  });

  it('matches a brute-force selection on random scores', () => {
    const rng = new Rng(3);
    for (let t = 0; t < 20; t++) {
      const n = 5 + (rng.nextUint32() % 40);
      const k = 1 + (rng.nextUint32() % n);
      const s = Array.from({ length: n }, () => Math.round(rng.nextGaussian() * 3)); // many ties
      const got = selectTopK(s, k);
      expect(got.length).toBe(k);
      expect([...got].sort((a, b) => a - b)).toEqual(got);
      // Every selected index beats (or ties with a higher index than) every rejected one.
      for (const i of got) {
        for (let j = 0; j < n; j++) {
          if (got.includes(j)) continue;
          expect(s[i]! > s[j]! || (s[i] === s[j] && i < j)).toBe(true);
        }
      }
    }
  });

  it('rejects NaN scores and bad k', () => {
    expect(() => selectTopK([1, NaN, 2], 1)).toThrow(LowRankArgumentError);
    expect(() => selectTopK([1, 2], -1)).toThrow(LowRankArgumentError);
    expect(() => selectTopK([1, 2], 1, { candidateEnd: 3 })).toThrow(LowRankArgumentError);
  });
});

describe('candidate range and prefill branch', () => {
  it('candidate_end is oldest_lite (fixed) or oldest_lite − 1 (reference, G.3)', () => {
    expect(candidateEnd(40)).toBe(40);
    expect(candidateEnd(40, { candidateOffByOne: true })).toBe(39);
  });

  it('sends n0 ≥ k+L to the long branch (fixed) or n0 > k+L (reference, G.9)', () => {
    const k = 8;
    const L = 4;
    expect(prefillBranch(7, k, L)).toBe('collect');
    expect(prefillBranch(8, k, L)).toBe('short');
    expect(prefillBranch(11, k, L)).toBe('short');
    expect(prefillBranch(12, k, L)).toBe('long');
    expect(prefillBranch(12, k, L, { shortBranchAtKPlusL: true })).toBe('short');
    expect(prefillBranch(13, k, L, { shortBranchAtKPlusL: true })).toBe('long');
  });
});

describe('updateSlots (D.2, H.7)', () => {
  it('pairs stale slots (ascending) with fresh positions (ascending) and keeps hits in place', () => {
    const old = [10, 3, 7, 1, 20];
    const upd = updateSlots(old, [1, 2, 7, 15, 30]);
    // stale slots: 0 (10), 1 (3), 4 (20); fresh positions: 2, 15, 30.
    expect(upd.slots).toEqual([2, 15, 7, 1, 30]);
    expect(upd.missSlots).toEqual([0, 1, 4]);
    expect(upd.missPositions).toEqual([2, 15, 30]);
    expect(upd.evicted).toEqual([10, 3, 20]);
    expect(upd.hits).toBe(2);
  });

  it('moves nothing when the sets are equal', () => {
    const upd = updateSlots([5, 1, 3], [1, 3, 5]);
    expect(upd.slots).toEqual([5, 1, 3]);
    expect(upd.missSlots).toEqual([]);
    expect(upd.hits).toBe(3);
  });

  it('is a permutation-free overwrite of exactly the stale slots (random cases)', () => {
    const rng = new Rng(8);
    for (let t = 0; t < 50; t++) {
      const universe = 30;
      const k = 6;
      const pick = (): number[] => {
        const s = new Set<number>();
        while (s.size < k) s.add(rng.nextUint32() % universe);
        return [...s];
      };
      const old = pick();
      const selected = pick().sort((a, b) => a - b);
      const upd = updateSlots(old, selected);
      const oldSet = new Set(old);
      const fresh = selected.filter((p) => !oldSet.has(p));
      const stale = old.map((p, s) => [p, s] as const).filter(([p]) => !selected.includes(p)).map(([, s]) => s);
      expect(upd.missSlots).toEqual(stale);
      expect(upd.missPositions).toEqual(fresh);
      old.forEach((p, s) => expect(upd.slots[s]).toBe(stale.includes(s) ? fresh[stale.indexOf(s)] : p));
      expect([...upd.slots].sort((a, b) => a - b)).toEqual(selected);
      expect(upd.hits + upd.missPositions.length).toBe(k);
    }
  });

  it('appends or drops slots when the selection size changes (all-candidates hook)', () => {
    expect(updateSlots([4, 0], [0, 1, 4, 5])).toMatchObject({ slots: [4, 0, 1, 5], missSlots: [2, 3], missPositions: [1, 5], hits: 2 });
    expect(updateSlots([4, 0, 2, 9], [2, 7])).toMatchObject({ slots: [7, 2], missSlots: [0], missPositions: [7], evicted: [4, 0, 9] });
  });

  it('rejects unsorted or repeated selections', () => {
    expect(() => updateSlots([1, 2], [3, 1])).toThrow(LowRankArgumentError);
    expect(() => updateSlots([1, 2], [1, 1])).toThrow(LowRankArgumentError);
    expect(() => updateSlots([1, 1], [1, 2])).toThrow(LowRankArgumentError);
  });

  it('proxyScores + selectTopK on random factors stays deterministic', () => {
    const rng = new Rng(9);
    const aK = randnMat(50, 4, rng);
    const q = randnMat(1, 4, rng).data;
    expect(selectTopK(proxyScores(aK, q), 10)).toEqual(selectTopK(proxyScores(aK, q), 10));
  });
});
