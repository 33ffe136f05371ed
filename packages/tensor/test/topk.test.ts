import { describe, expect, it } from 'vitest';
import { ArgumentError, captureGraph, topk, Tensor } from '../src/index.ts';
import { devices, floatDTypes, freshSeed, poisoned, quantize, randn, rng, upload } from './helpers.ts';
import { topkRef } from './reference/select.ts';

describe.each(devices)('topk on $label', ({ device, skip }) => {
  const checkTopk = (dtype: (typeof floatDTypes)[number], rows: number, n: number, k: number) => {
    const seed = freshSeed();
    const r = rng(seed);
    // Coarse values create many ties (in bf16 especially); a few NaNs rank last.
    const x = quantize(randn(rows * n, seed).map((v) => (r() < 0.3 ? Math.round(v * 4) / 4 : v)), dtype);
    if (n > 10) x[3] = NaN;
    const xt = upload(x, [rows, n], dtype, device);
    for (const [largest, sorted] of [[true, 'value'], [true, 'index'], [false, 'value']] as const) {
      const outValues = poisoned([rows, k], dtype, device);
      const outIndices = poisoned([rows, k], 'i32', device);
      topk(xt, k, { largest, sorted, outValues, outIndices });
      const gotI = outIndices.toArray();
      const gotV = outValues.toArray();
      for (let row = 0; row < rows; row++) {
        const ref = topkRef(x.subarray(row * n, row * n + n), k, largest);
        const want = sorted === 'index' ? [...ref.indices].sort((a, b) => a - b) : ref.indices;
        expect(gotI.slice(row * k, row * k + k), `seed ${seed} row ${row} ${largest} ${sorted}`).toEqual(want);
        expect(gotV.slice(row * k, row * k + k)).toEqual(want.map((i) => x[row * n + i]!));
      }
    }
  };

  // The multi-block CUDA cases (rows < SMs, n ≥ 16384: k up to its 4096 limit, exactly n = 16384,
  // odd lengths) run twice: the one-launch cooperative variant and the multi-launch one
  // (LRQK_TOPK_VARIANT=multiblock, read by the addon at each call).
  const cases = [[1, 1, 1], [3, 17, 5], [2, 1000, 1000], [4, 5003, 97], [2, 131072, 2048], [3, 40000, 4096], [1, 16384, 1], [5, 70001, 333], [1, 16411, 4096]] as const;
  const variants = (n: number) => (n >= 16384 && device === 'cuda' ? (['cooperative', 'multiblock'] as const) : (['default'] as const));
  for (const dtype of floatDTypes) {
    for (const [rows, n, k] of cases) {
      for (const variant of variants(n)) {
        it.skipIf(skip)(`${dtype} rows=${rows} n=${n} k=${k} (${variant}): by value, by index, smallest, with ties`, () => {
          if (variant === 'multiblock') process.env.LRQK_TOPK_VARIANT = 'multiblock';
          try {
            checkTopk(dtype, rows, n, k);
          } finally {
            delete process.env.LRQK_TOPK_VARIANT;
          }
        });
      }
    }
  }

  // Longer than the resident blocks hold one tile each (on a 132-SM GPU: 8 rows × 300K keys), so the
  // cooperative variant's blocks take several tiles.
  it.skipIf(skip)('f32 rows=8 n=300007 k=4096: several tiles a block', () => checkTopk('f32', 8, 300007, 4096));

  it.skipIf(skip)('length limits the candidates; strided rows; i64 indices', () => {
    const seed = freshSeed();
    const x = randn(3 * 40, seed);
    const big = Tensor.from(x, [3, 40], { device });
    const view = big.slice(1, 5, 35); // rows of 30 with stride 40
    const { indices } = topk(view, 4, { length: 20, sorted: 'index', indexDType: 'i64' });
    for (let row = 0; row < 3; row++) {
      const ref = topkRef(x.subarray(row * 40 + 5, row * 40 + 35), 4, true, 20);
      expect(indices.toArray().slice(row * 4, row * 4 + 4)).toEqual([...ref.indices].sort((a, b) => a - b));
    }
  });

  // One-block and multi-block CUDA paths; the count is read when the op runs, so one captured
  // launch follows it across replays (CUDA), and a value outside [k, bound] is clamped.
  for (const [rows, n, k] of [[3, 5000, 64], [2, 70001, 2048]] as const) {
    it.skipIf(skip)(`rows=${rows} n=${n} k=${k}: lengthTensor + lengthOffset set the candidate count`, () => {
      const seed = freshSeed();
      const x = randn(rows * n, seed);
      const xt = upload(x, [rows, n], 'f32', device);
      const len = Tensor.zeros([1], { dtype: 'i32', device });
      const outValues = poisoned([rows, k], 'f32', device);
      const outIndices = poisoned([rows, k], 'i32', device);
      const run = () => topk(xt, k, { sorted: 'index', outValues, outIndices, length: n - 7, lengthTensor: len, lengthOffset: -64 });
      const graph = device === 'cuda' ? captureGraph(run) : undefined;
      try {
        // Wanted counts: inside the bound, past it (clamped to n − 7), below k (clamped to k).
        for (const want of [Math.floor(n / 2) + 3, n + 100, 1]) {
          len.copyFrom(Tensor.from([want + 64], [1], { dtype: 'i32' }));
          if (graph) graph.replay();
          else run();
          const count = Math.min(n - 7, Math.max(k, want));
          const got = outIndices.toArray();
          for (let row = 0; row < rows; row++) {
            const ref = topkRef(x.subarray(row * n, row * n + n), k, true, count);
            expect(got.slice(row * k, row * k + k), `seed ${seed} row ${row} count ${count}`).toEqual([...ref.indices].sort((a, b) => a - b));
          }
        }
      } finally {
        graph?.dispose();
      }
    });
  }

  it.skipIf(skip)('k outside [1, length] is an ArgumentError', () => {
    const x = Tensor.zeros([2, 8], { device });
    expect(() => topk(x, 9)).toThrow(ArgumentError);
    expect(() => topk(x, 5, { length: 4 })).toThrow(ArgumentError);
    expect(() => topk(x, 0)).toThrow(ArgumentError);
  });
});
