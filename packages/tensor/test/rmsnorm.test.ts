import { describe, expect, it } from 'vitest';
import { rmsnorm, ShapeError, DTypeError, Tensor } from '../src/index.ts';
import { devices, expectClose, floatDTypes, freshSeed, poisoned, quantize, randn, tol, upload } from './helpers.ts';
import { rmsnormRef } from './reference/rmsnorm.ts';

describe.each(devices)('rmsnorm on $label', ({ device, skip }) => {
  for (const dtype of floatDTypes) {
    for (const [rows, dim] of [[1, 1], [3, 7], [17, 128], [5, 4099], [2, 4096], [1, 8192], [3, 3584]] as const) {
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

  for (const dtype of floatDTypes) {
    for (const [rows, dim] of [[1, 5], [3, 4096], [2, 4099]] as const) {
      it.skipIf(skip)(`${dtype} rows=${rows} dim=${dim} with a residual: x += r in place, then the norm of the rounded sum`, () => {
        const seed = freshSeed();
        const x = quantize(randn(rows * dim, seed, 2), dtype);
        const r = quantize(randn(rows * dim, seed + 2), dtype);
        const w = quantize(randn(dim, seed + 1), dtype);
        const sum = quantize(Float64Array.from(x, (v, i) => v + r[i]!), dtype);
        const xt = upload(x, [rows, dim], dtype, device);
        const out = poisoned([rows, dim], dtype, device);
        rmsnorm(xt, upload(w, [dim], dtype, device), { eps: 1e-5, out, residual: upload(r, [rows, dim], dtype, device) });
        expectClose(xt.toFloat64Array(), sum, tol[dtype], `seed ${seed} x`);
        expectClose(out.toFloat64Array(), rmsnormRef(sum, w, rows, dim, 1e-5), tol[dtype] * 4, `seed ${seed} out`);
      });
    }
  }

  it.skipIf(skip)('rejects mismatched weight and dtype', () => {
    const x = Tensor.zeros([2, 8], { device });
    expect(() => rmsnorm(x, Tensor.zeros([7], { device }))).toThrow(ShapeError);
    expect(() => rmsnorm(x, Tensor.zeros([8], { device, dtype: 'bf16' }))).toThrow(DTypeError);
    expect(() => rmsnorm(x, Tensor.zeros([8], { device }), { residual: Tensor.zeros([2, 7], { device }) })).toThrow(ShapeError);
    expect(() => rmsnorm(x, Tensor.zeros([8], { device }), { residual: Tensor.zeros([2, 8], { device, dtype: 'bf16' }) })).toThrow(DTypeError);
  });
});
