import { describe, expect, it } from 'vitest';
import { rmsnorm, ShapeError, DTypeError, Tensor } from '../src/index.ts';
import { devices, expectClose, floatDTypes, freshSeed, poisoned, quantize, randn, tol, upload } from './helpers.ts';
import { rmsnormRef } from './reference/rmsnorm.ts';

describe.each(devices)('rmsnorm on $label', ({ device, skip }) => {
  for (const dtype of floatDTypes) {
    for (const [rows, dim] of [[1, 1], [3, 7], [17, 128], [5, 4099]] as const) {
      it.skipIf(skip)(`${dtype} rows=${rows} dim=${dim}`, () => {
        const seed = freshSeed();
        const x = quantize(randn(rows * dim, seed, 2), dtype);
        const w = quantize(randn(dim, seed + 1), dtype);
        const out = poisoned([rows, dim], dtype, device);
        rmsnorm(upload(x, [rows, dim], dtype, device), upload(w, [dim], dtype, device), { eps: 1e-5, out });
        expectClose(out.toFloat64Array(), rmsnormRef(x, w, rows, dim, 1e-5), tol[dtype] * 4, `seed ${seed}`);
      });
    }
  }

  it.skipIf(skip)('rejects mismatched weight and dtype', () => {
    const x = Tensor.zeros([2, 8], { device });
    expect(() => rmsnorm(x, Tensor.zeros([7], { device }))).toThrow(ShapeError);
    expect(() => rmsnorm(x, Tensor.zeros([8], { device, dtype: 'bf16' }))).toThrow(DTypeError);
  });
});
