import { describe, expect, it } from 'vitest';
import { randomNormal, Tensor } from '../src/index.ts';
import { devices, floatDTypes, freshSeed, poisoned } from './helpers.ts';

describe.each(devices)('randomNormal on $label', ({ device, skip }) => {
  it.skipIf(skip)('moments of 2^17 + 1 samples are N(mean, std²)', () => {
    const seed = freshSeed();
    const n = 131073;
    const out = poisoned([n], 'f32', device);
    randomNormal(out, seed, { mean: 0.5, std: 2 });
    const x = out.toFloat64Array();
    const mean = x.reduce((a, b) => a + b, 0) / n;
    const varc = x.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
    const kurt = x.reduce((a, b) => a + ((b - mean) / Math.sqrt(varc)) ** 4, 0) / n;
    expect(Math.abs(mean - 0.5), `seed ${seed}`).toBeLessThan(0.03);
    expect(Math.abs(Math.sqrt(varc) - 2), `seed ${seed}`).toBeLessThan(0.03);
    expect(Math.abs(kurt - 3), `seed ${seed}`).toBeLessThan(0.1);
    expect(x.every(Number.isFinite)).toBe(true);
  });

  it.skipIf(skip)('same seed → same values (every dtype); different seed → different', () => {
    for (const dtype of floatDTypes) {
      const a = randomNormal(Tensor.empty([7, 5], { dtype, device }), 42).toArray();
      const b = randomNormal(Tensor.empty([7, 5], { dtype, device }), 42).toArray();
      const c = randomNormal(Tensor.empty([7, 5], { dtype, device }), 43).toArray();
      expect(a).toEqual(b);
      expect(a).not.toEqual(c);
    }
  });

  it.skipIf(skip)('matches the CPU stream (cross-backend determinism)', () => {
    const cpu = randomNormal(Tensor.empty([1001], { device: 'cpu' }), 2 ** 40 + 5).toFloat64Array();
    const here = randomNormal(Tensor.empty([1001], { device }), 2 ** 40 + 5).toFloat64Array();
    for (let i = 0; i < cpu.length; i++) expect(Math.abs(cpu[i]! - here[i]!)).toBeLessThan(1e-5);
  });

  it('rejects bad seeds', () => {
    expect(() => randomNormal(Tensor.empty([2]), -1)).toThrow(RangeError);
  });
});
