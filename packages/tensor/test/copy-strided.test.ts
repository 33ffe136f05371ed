import { describe, expect, it } from 'vitest';
import { cast, copyStrided, DeviceError, ShapeError, Tensor, roundTo, type DType } from '../src/index.ts';
import { devices, freshSeed, randn } from './helpers.ts';
import { indices, stridedGet } from './reference/strided.ts';

function expectStridedCopy(dst: Tensor, src: Tensor, srcData: Float64Array, srcStrides: number[], srcOffset: number, dtype: DType): void {
  const got = dst.toFloat64Array();
  let f = 0;
  for (const idx of indices(src.shape)) {
    const want = stridedGet(srcData, srcStrides, srcOffset, idx);
    const w = dtype === 'i32' || dtype === 'i64' ? Math.trunc(want) : roundTo(dtype === 'f32' || dtype === 'bf16' || dtype === 'f16' ? dtype : 'f32', want);
    if (got[f] !== w) throw new Error(`mismatch at ${idx}: got ${got[f]} want ${w}`);
    f++;
  }
}

describe.each(devices)('copyStrided / cast / contiguous on $label', ({ device, skip }) => {
  it.skipIf(skip)('transposed and sliced views, every float dtype, into contiguous outputs', () => {
    for (const dtype of ['f32', 'bf16', 'f16'] as const) {
      const seed = freshSeed();
      const base = randn(5 * 7 * 9, seed);
      const t = Tensor.from(base, [5, 7, 9], { dtype, device });
      const data = t.toFloat64Array();
      const view = t.slice(1, 2, 6).transpose(0, 2); // (9, 4, 5), strides (1, 9, 63), offset 18
      const out = Tensor.empty(view.shape, { dtype, device });
      copyStrided(out, view);
      expectStridedCopy(out, view, data, [...view.strides], view.offset, dtype);
      const c = view.contiguous();
      expect(c.isContiguous()).toBe(true);
      expect(c.toArray()).toEqual(out.toArray());
    }
  });

  it.skipIf(skip)('dtype conversions round to nearest even', () => {
    const seed = freshSeed();
    const x = Tensor.from(randn(37, seed, 3), [37], { dtype: 'f32', device });
    const xs = x.toFloat64Array();
    for (const dt of ['bf16', 'f16'] as const) {
      const y = cast(x, dt);
      expect(y.dtype).toBe(dt);
      expect(y.toArray()).toEqual(Array.from(xs, (v) => roundTo(dt, v)));
    }
    expect(cast(Tensor.from([1.7, -2.2, 3], [3], { device }), 'i32').toArray()).toEqual([1, -2, 3]);
    expect(cast(Tensor.from([5, -6], [2], { dtype: 'i64', device }), 'f32').toArray()).toEqual([5, -6]);
  });

  it.skipIf(skip)('broadcast source (stride 0) and writes into a strided destination', () => {
    const src = Tensor.from([1, 2, 3], [3], { device });
    const b = new Tensor(src.storage, 'f32', [4, 3], [0, 1], 0);
    const big = Tensor.zeros([4, 8], { device });
    copyStrided(big.slice(1, 2, 5), b);
    expect(big.toArray()).toEqual([0, 0, 1, 2, 3, 0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 0]);
    // 16-byte-aligned row path: bf16 rows of 8 elements inside rows of 16.
    const rows = Tensor.from(Array.from({ length: 6 * 16 }, (_, i) => i), [6, 16], { dtype: 'bf16', device });
    const half = Tensor.empty([6, 8], { dtype: 'bf16', device });
    copyStrided(half, rows.slice(1, 8, 16));
    expect(half.toArray()).toEqual(Array.from({ length: 48 }, (_, i) => Math.floor(i / 8) * 16 + 8 + (i % 8)));
  });

  it.skipIf(skip)('rejects shape mismatch and broadcasting destinations', () => {
    const a = Tensor.zeros([2, 3], { device });
    expect(() => copyStrided(a, Tensor.zeros([3, 2], { device }))).toThrow(ShapeError);
    const src = Tensor.zeros([1], { device });
    expect(() => copyStrided(new Tensor(src.storage, 'f32', [4], [0], 0), Tensor.zeros([4], { device }))).toThrow(ShapeError);
  });

  it.skipIf(skip || device !== 'cuda')('pinned host ↔ device both ways; ordinary host memory is refused', () => {
    const pinned = Tensor.from(Array.from({ length: 24 }, (_, i) => i), [4, 6], { dtype: 'bf16', device: 'cpu', pinned: true });
    expect(pinned.memory).toBe('pinned');
    const dev = Tensor.empty([6, 4], { dtype: 'bf16', device: 'cuda' });
    copyStrided(dev, pinned.transpose(0, 1));
    expect(dev.toArray()).toEqual(pinned.transpose(0, 1).contiguous().toArray());
    const back = Tensor.zeros([4, 6], { dtype: 'bf16', device: 'cpu', pinned: true });
    copyStrided(back.transpose(0, 1), dev);
    expect(back.toArray()).toEqual(pinned.toArray());
    expect(() => copyStrided(dev, Tensor.zeros([6, 4], { dtype: 'bf16' }))).toThrow(DeviceError);
  });
});

