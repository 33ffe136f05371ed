// lowRankScores against float64 sums over the values as stored, on odd sizes (rows not a multiple
// of the block, r not a multiple of 8, strided A_K and queries), both combinations, poisoned output.
import { describe, expect, it } from 'vitest';
import { ArgumentError, lowRankScores, ShapeError, Tensor } from '../src/index.ts';
import { devices, floatDTypes, freshSeed, poisoned, quantize, randn } from './helpers.ts';

describe.each(devices)('lowRankScores on $label', ({ device, skip }) => {
  for (const dtype of floatDTypes) {
    for (const [hf, gq, r, cap, rows] of [[1, 1, 8, 10, 10], [3, 4, 32, 700, 613], [2, 3, 20, 300, 257], [5, 1, 64, 1030, 1030], [2, 16, 24, 50, 33], [2, 7, 32, 300, 299]] as const) {
      it.skipIf(skip)(`${dtype} Hf=${hf} Gq=${gq} r=${r} rows ${rows} of ${cap}`, () => {
        const seed = freshSeed();
        // A_K inside a wider buffer (row stride r + 8) and queries with a padded group stride.
        const aBuf = quantize(randn(hf * cap * (r + 8), seed), dtype);
        const qv = randn(hf * (gq + 1) * r, seed + 1);
        const aK = Tensor.from(aBuf, [hf, cap, r + 8], { dtype, device }).slice(2, 8, 8 + r);
        const queries = Tensor.from(qv, [hf, gq + 1, r], { device }).slice(1, 0, gq);
        for (const combine of ['max', 'sum'] as const) {
          const out = poisoned([hf, rows], 'f32', device);
          lowRankScores(aK, queries, { rows, combine, out });
          const got = out.toArray();
          for (let h = 0; h < hf; h++)
            for (let t = 0; t < rows; t++) {
              let best = -Infinity;
              let sum = 0;
              let mag = 0;
              for (let g = 0; g < gq; g++) {
                let s = 0;
                for (let i = 0; i < r; i++) {
                  const p = aBuf[(h * cap + t) * (r + 8) + 8 + i]! * qv[(h * (gq + 1) + g) * r + i]!;
                  s += p;
                  mag += Math.abs(p);
                }
                best = Math.max(best, s);
                sum += s;
              }
              const want = combine === 'max' ? best : sum;
              expect(Math.abs(got[h * rows + t]! - want), `seed ${seed} ${combine} h ${h} t ${t}`).toBeLessThanOrEqual(1e-5 * mag + 1e-6);
            }
        }
      });
    }
  }

  it.skipIf(skip)('rejects bad shapes and arguments', () => {
    const aK = Tensor.zeros([2, 10, 8], { device });
    const q = Tensor.zeros([2, 3, 8], { device });
    expect(() => lowRankScores(aK, q, { rows: 11 })).toThrow(ShapeError);
    expect(() => lowRankScores(aK, Tensor.zeros([2, 3, 6], { device }))).toThrow(ShapeError);
    expect(() => lowRankScores(aK, Tensor.zeros([2, 17, 8], { device }))).toThrow(ShapeError);
    expect(() => lowRankScores(aK, q, { combine: 'mean' as 'max' })).toThrow(ArgumentError);
  });
});
