import { describe, expect, it } from 'vitest';
import { DeviceError, indexCopy, indexSelect, IndexOutOfRangeError, ShapeError, Tensor } from '../src/index.ts';
import { devices, freshSeed, poisoned, randn, rng } from './helpers.ts';

describe.each(devices)('indexSelect / indexCopy on $label', ({ device, skip }) => {
  for (const dtype of ['bf16', 'f32', 'i32'] as const) {
    for (const group of [1, 4, 7]) {
      it.skipIf(skip)(`${dtype} batched gather/scatter, groupSize ${group}, strided out, skipNegative`, () => {
        const seed = freshSeed();
        const r = rng(seed);
        const [Bs, N, W, M] = [2, 50, dtype === 'bf16' ? 256 : 9, 13];
        const B = Bs * group;
        const src = randn(Bs * N * W, seed).map((v) => (dtype === 'i32' ? Math.round(v * 100) : v));
        const srcT = Tensor.from(src, [Bs, N, W], { dtype, device });
        const srcVals = srcT.toFloat64Array();
        const idx = Array.from({ length: B * M }, () => (r() < 0.2 ? -1 : Math.floor(r() * N)));
        const idxT = Tensor.from(idx, [B, M], { dtype: 'i32', device });
        // out is a view (B, M, W) inside a (B, M + 3, W) buffer prefilled with a sentinel.
        const buf = Tensor.from(new Array(B * (M + 3) * W).fill(-5), [B, M + 3, W], { dtype, device });
        const out = buf.slice(1, 1, M + 1);
        indexSelect(srcT, idxT, { out, groupSize: group, skipNegative: true });
        const got = buf.toFloat64Array();
        for (let b = 0; b < B; b++)
          for (let j = 0; j < M; j++)
            for (let w = 0; w < W; w++) {
              const g = got[(b * (M + 3) + j + 1) * W + w]!;
              const i = idx[b * M + j]!;
              const want = i < 0 ? -5 : srcVals[(Math.floor(b / group) * N + i) * W + w]!;
              if (g !== want) throw new Error(`seed ${seed}: gather mismatch b=${b} j=${j} w=${w}: ${g} vs ${want}`);
            }
        // Scatter back the gathered rows into a fresh table (group 1 so targets are unique).
        const uniq = Array.from({ length: Bs * M }, (_, i) => (i % M) * 3 % N);
        const dst = Tensor.from(new Array(Bs * N * W).fill(0), [Bs, N, W], { dtype, device });
        const rowsT = Tensor.from(randn(Bs * M * W, seed + 9).map((v) => (dtype === 'i32' ? Math.round(v) : v)), [Bs, M, W], { dtype, device });
        indexCopy(dst, Tensor.from(uniq, [Bs, M], { dtype: 'i64', device }), rowsT);
        const d = dst.toFloat64Array();
        const rv = rowsT.toFloat64Array();
        for (let b = 0; b < Bs; b++)
          for (let j = 0; j < M; j++)
            for (let w = 0; w < W; w++) expect(d[(b * N + uniq[b * M + j]!) * W + w]).toBe(rv[(b * M + j) * W + w]);
      });
    }
  }

  it.skipIf(skip)('2-D form, bounds and shape errors', () => {
    const src = Tensor.from([1, 2, 3, 4, 5, 6], [3, 2], { device });
    expect(indexSelect(src, Tensor.from([2, 0], [2], { dtype: 'i32', device }), { out: poisoned([2, 2], 'f32', device) }).toArray()).toEqual([5, 6, 1, 2]);
    expect(() => indexSelect(src, Tensor.from([3], [1], { dtype: 'i32', device }))).toThrow(IndexOutOfRangeError);
    expect(() => indexSelect(src, Tensor.from([-1], [1], { dtype: 'i32', device }))).toThrow(IndexOutOfRangeError);
    expect(() => indexSelect(src, Tensor.from([0], [1], { dtype: 'i32', device }), { out: Tensor.zeros([2, 2], { device }) })).toThrow(ShapeError);
  });

  it.skipIf(skip || device !== 'cuda')('pinned host table with device indices/out; ordinary host memory refused', () => {
    const seed = freshSeed();
    const store = Tensor.from(randn(1000 * 128, seed), [1000, 128], { dtype: 'bf16', device: 'cpu', pinned: true });
    expect(store.memory).toBe('pinned');
    const idx = Array.from({ length: 64 }, (_, i) => (i * 37) % 1000);
    const out = indexSelect(store, Tensor.from(idx, [64], { dtype: 'i32', device: 'cuda' }));
    expect(out.device).toBe('cuda');
    const s = store.toFloat64Array();
    expect(out.toArray()).toEqual(idx.flatMap((i) => Array.from(s.subarray(i * 128, i * 128 + 128))));
    const back = Tensor.zeros([1000, 128], { dtype: 'bf16', device: 'cpu', pinned: true });
    indexCopy(back, Tensor.from(idx, [64], { dtype: 'i32', device: 'cuda' }), out);
    expect(back.toFloat64Array().subarray(idx[5]! * 128, idx[5]! * 128 + 128)).toEqual(s.subarray(idx[5]! * 128, idx[5]! * 128 + 128));
    const hostStore = Tensor.zeros([10, 8], { dtype: 'bf16' });
    expect(() => indexSelect(hostStore, Tensor.from([1], [1], { dtype: 'i32', device: 'cuda' }))).toThrow(DeviceError);
  });
});
