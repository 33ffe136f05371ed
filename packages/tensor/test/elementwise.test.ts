import { describe, expect, it } from 'vitest';
import {
  add,
  addScaled,
  argmax,
  DTypeError,
  embedding,
  IndexOutOfRangeError,
  mul,
  scale,
  ShapeError,
  siluMul,
  siluMulFused,
  softmax,
  Tensor,
} from '../src/index.ts';
import { devices, expectClose, floatDTypes, freshSeed, poisoned, quantize, randn, rng, tol, upload } from './helpers.ts';
import { argmaxRef, silu, softmaxRef } from './reference/elementwise.ts';

describe.each(devices)('elementwise ops on $label', ({ device, skip }) => {
  for (const dtype of floatDTypes) {
    it.skipIf(skip)(`${dtype}: add/addScaled/mul with broadcast, scale, in place`, () => {
      const seed = freshSeed();
      const [T, D] = [7, 33];
      const a = quantize(randn(T * D, seed), dtype);
      const b = quantize(randn(D, seed + 1), dtype);
      const full = quantize(randn(T * D, seed + 2), dtype);
      const at = upload(a, [T, D], dtype, device);
      const check = (got: Tensor, f: (i: number) => number, what: string) =>
        expectClose(got.toFloat64Array(), Float64Array.from({ length: T * D }, (_, i) => f(i)), tol[dtype], `${what} seed ${seed}`);
      check(add(at, upload(b, [D], dtype, device), { out: poisoned([T, D], dtype, device) }), (i) => a[i]! + b[i % D]!, 'add');
      check(addScaled(at, upload(full, [T, D], dtype, device), -0.5, { out: poisoned([T, D], dtype, device) }), (i) => a[i]! - 0.5 * full[i]!, 'addScaled');
      check(mul(at, upload(b, [D], dtype, device), { out: poisoned([T, D], dtype, device) }), (i) => a[i]! * b[i % D]!, 'mul');
      check(scale(at, 3, { out: poisoned([T, D], dtype, device) }), (i) => 3 * a[i]!, 'scale');
      add(at, upload(full, [T, D], dtype, device), { out: at });
      check(at, (i) => a[i]! + full[i]!, 'in-place add');
    });

    it.skipIf(skip)(`${dtype}: siluMul and siluMulFused`, () => {
      const seed = freshSeed();
      const [T, I] = [5, 37];
      const g = quantize(randn(T * I, seed, 2), dtype);
      const u = quantize(randn(T * I, seed + 1), dtype);
      const want = Float64Array.from({ length: T * I }, (_, k) => silu(g[k]!) * u[k]!);
      const out = siluMul(upload(g, [T, I], dtype, device), upload(u, [T, I], dtype, device), { out: poisoned([T, I], dtype, device) });
      expectClose(out.toFloat64Array(), want, tol[dtype], `siluMul seed ${seed}`);
      const gu = new Float64Array(T * 2 * I);
      for (let t = 0; t < T; t++)
        for (let i = 0; i < I; i++) {
          gu[t * 2 * I + i] = g[t * I + i]!;
          gu[t * 2 * I + I + i] = u[t * I + i]!;
        }
      const fused = siluMulFused(upload(gu, [T, 2 * I], dtype, device), { out: poisoned([T, I], dtype, device) });
      expectClose(fused.toFloat64Array(), want, tol[dtype], `siluMulFused seed ${seed}`);
    });

    it.skipIf(skip)(`${dtype}: softmax (temperature, long rows) and argmax (ties → lowest)`, () => {
      const seed = freshSeed();
      for (const [rows, n] of [[3, 1], [4, 129], [2, 70001]] as const) {
        const x = quantize(randn(rows * n, seed, 3), dtype);
        const out = softmax(upload(x, [rows, n], dtype, device), { temperature: 0.7, out: poisoned([rows, n], 'f32', device) });
        expectClose(out.toFloat64Array(), softmaxRef(x, rows, n, 0.7), 1e-5, `softmax ${rows}x${n} seed ${seed}`);
        const idx = argmax(upload(x, [rows, n], dtype, device), { out: poisoned([rows], 'i64', device) });
        expect(idx.toArray()).toEqual(argmaxRef(x, rows, n));
      }
      const ties = upload(Float64Array.from([1, 5, 5, -1, NaN, 2, NaN, 2]), [2, 4], dtype, device);
      expect(argmax(ties).toArray()).toEqual([1, 1]);
    });

    it.skipIf(skip)(`${dtype}: embedding rows; out-of-range ids throw`, () => {
      const seed = freshSeed();
      const [V, D] = [11, 9];
      const w = quantize(randn(V * D, seed), dtype);
      const r = rng(seed);
      const ids = Array.from({ length: 13 }, () => Math.floor(r() * V));
      for (const idt of ['i32', 'i64'] as const) {
        const out = embedding(upload(w, [V, D], dtype, device), Tensor.from(ids, [13], { dtype: idt, device }), { out: poisoned([13, D], dtype, device) });
        expect(out.toArray()).toEqual(ids.flatMap((id) => Array.from(w.slice(id * D, id * D + D))));
      }
      expect(() => embedding(upload(w, [V, D], dtype, device), Tensor.from([0, V], [2], { dtype: 'i32', device }))).toThrow(IndexOutOfRangeError);
      expect(() => embedding(upload(w, [V, D], dtype, device), Tensor.from([-1], [1], { dtype: 'i64', device }))).toThrow(IndexOutOfRangeError);
    });
  }

  it.skipIf(skip)('errors name the problem', () => {
    const a = Tensor.zeros([4, 6], { device });
    expect(() => add(a, Tensor.zeros([4], { device }))).toThrow(ShapeError);
    expect(() => add(a, Tensor.zeros([6], { device, dtype: 'bf16' }))).toThrow(DTypeError);
    expect(() => siluMulFused(Tensor.zeros([2, 5], { device }))).toThrow(ShapeError);
    expect(() => argmax(a, { out: Tensor.zeros([4], { device }) })).toThrow(DTypeError);
  });
});
