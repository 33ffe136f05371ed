import { describe, expect, it } from 'vitest';
import { choleskySolve, NumericError, ShapeError, Tensor } from '../src/index.ts';
import { devices, expectClose, freshSeed, poisoned, randn } from './helpers.ts';
import { solveRef } from './reference/select.ts';

function spd(r: number, seed: number, cond = 1): Float64Array {
  const g = randn(r * r, seed);
  const a = new Float64Array(r * r);
  for (let i = 0; i < r; i++)
    for (let j = 0; j < r; j++) {
      let s = 0;
      for (let k = 0; k < r; k++) s += g[i * r + k]! * g[j * r + k]!;
      a[i * r + j] = s / r + (i === j ? cond : 0);
    }
  return a;
}

describe.each(devices)('choleskySolve on $label', ({ device, skip }) => {
  for (const [B, r, m] of [[1, 1, 1], [3, 5, 7], [8, 32, 128], [2, 128, 3]] as const) {
    it.skipIf(skip)(`B=${B} r=${r} m=${m}`, () => {
      const seed = freshSeed();
      const A = new Float64Array(B * r * r);
      for (let b = 0; b < B; b++) A.set(spd(r, seed + b), b * r * r);
      A.forEach((v, i) => (A[i] = Math.fround(v)));
      const R = randn(B * r * m, seed + 100).map(Math.fround);
      const info = poisoned([B], 'i32', device);
      const x = choleskySolve(Tensor.from(A, [B, r, r], { device }), Tensor.from(R, [B, r, m], { device }), { out: poisoned([B, r, m], 'f32', device), info });
      const want = new Float64Array(B * r * m);
      for (let b = 0; b < B; b++) want.set(solveRef(A.subarray(b * r * r, (b + 1) * r * r), R.subarray(b * r * m, (b + 1) * r * m), r, m), b * r * m);
      expectClose(x.toFloat64Array(), want, 2e-4, `seed ${seed}`);
      expect(info.toArray()).toEqual(new Array(B).fill(0));
    });
  }

  it.skipIf(skip)('semidefinite matrices are solved with jitter (info 1); indefinite ones throw NumericError', () => {
    // rank-1 PSD 3×3 → needs jitter
    const v = [1, 2, 3];
    const psd = v.flatMap((a) => v.map((b) => a * b));
    const info = Tensor.empty([1], { dtype: 'i32', device });
    const x = choleskySolve(Tensor.from(psd, [1, 3, 3], { device }), Tensor.from([1, 2, 3], [1, 3, 1], { device }), { info });
    expect(info.toArray()).toEqual([1]);
    expect(x.toArray().every(Number.isFinite)).toBe(true);
    const neg = [-1, 0, 0, 0, -2, 0, 0, 0, -3];
    expect(() => choleskySolve(Tensor.from(neg, [1, 3, 3], { device }), Tensor.from([1, 2, 3], [1, 3, 1], { device }))).toThrow(NumericError);
    expect(() => choleskySolve(Tensor.zeros([1, 3, 2], { device }), Tensor.zeros([1, 3, 1], { device }))).toThrow(ShapeError);
  });
});
