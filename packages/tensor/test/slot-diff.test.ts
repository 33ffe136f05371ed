import { describe, expect, it } from 'vitest';
import { DTypeError, ShapeError, slotDiff, Tensor } from '../src/index.ts';
import { devices, freshSeed, rng } from './helpers.ts';
import { slotDiffRef } from './reference/slot-diff.ts';

function randomSet(r: () => number, k: number, n: number): number[] {
  const s = new Set<number>();
  while (s.size < k) s.add(Math.floor(r() * n));
  return [...s];
}

describe.each(devices)('slotDiff on $label', ({ device, skip }) => {
  for (const [rows, k, n, overlap] of [[1, 1, 3, 0.5], [3, 7, 20, 0.6], [5, 2048, 131072, 0.6], [2, 4096, 9000, 0.9], [4, 33, 40, 0]] as const) {
    it.skipIf(skip)(`rows=${rows} k=${k} n=${n} overlap≈${overlap}, several steps`, () => {
      const seed = freshSeed();
      const r = rng(seed);
      // Start from empty maps (-1) so the first step loads everything, then evolve.
      let maps: number[][] = Array.from({ length: rows }, () => new Array<number>(k).fill(-1));
      const mapT = Tensor.from(maps.flat(), [rows, k], { dtype: 'i32', device });
      const misses = Tensor.zeros([rows], { dtype: 'i64', device });
      const expectedMisses = new Array<number>(rows).fill(0);
      for (let step = 0; step < 3; step++) {
        const sels = maps.map((m) => {
          const keep = m.filter((p) => p >= 0 && r() < overlap);
          const s = new Set(keep);
          for (const p of randomSet(r, k, n)) if (s.size < k) s.add(p);
          return [...s].sort((a, b) => a - b);
        });
        const load = Tensor.from(new Array<number>(rows * k).fill(-7777), [rows, k], { dtype: 'i32', device });
        slotDiff(mapT, Tensor.from(sels.flat(), [rows, k], { dtype: 'i32', device }), load, misses);
        const refs = maps.map((m, b) => slotDiffRef(m, sels[b]!));
        refs.forEach((ref, b) => (expectedMisses[b]! += ref.misses));
        expect(load.toArray(), `seed ${seed} step ${step} load`).toEqual(refs.flatMap((x) => x.load));
        expect(mapT.toArray(), `seed ${seed} step ${step} map`).toEqual(refs.flatMap((x) => x.map));
        // The map now holds exactly the selection (as a set).
        refs.forEach((ref, b) => expect([...ref.map].sort((x, y) => x - y)).toEqual(sels[b]));
        maps = refs.map((x) => x.map);
      }
      expect(misses.toArray()).toEqual(expectedMisses);
    });
  }

  it.skipIf(skip)('no change → no loads, no misses', () => {
    const map = Tensor.from([5, 1, 9], [1, 3], { dtype: 'i32', device });
    const load = Tensor.zeros([1, 3], { dtype: 'i32', device });
    const misses = Tensor.zeros([1], { dtype: 'i64', device });
    slotDiff(map, Tensor.from([1, 5, 9], [1, 3], { dtype: 'i32', device }), load, misses);
    expect(load.toArray()).toEqual([-1, -1, -1]);
    expect(misses.toArray()).toEqual([0]);
    expect(map.toArray()).toEqual([5, 1, 9]);
  });

  it.skipIf(skip)('validates dtypes and shapes', () => {
    const m = Tensor.zeros([2, 4], { dtype: 'i32', device });
    const c = Tensor.zeros([2], { dtype: 'i64', device });
    expect(() => slotDiff(m, Tensor.zeros([2, 4], { dtype: 'i64', device }), m, c)).toThrow(DTypeError);
    expect(() => slotDiff(m, Tensor.zeros([2, 5], { dtype: 'i32', device }), m, c)).toThrow(ShapeError);
    expect(() => slotDiff(m, m, m, Tensor.zeros([3], { dtype: 'i64', device }))).toThrow(ShapeError);
  });
});
