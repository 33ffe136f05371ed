import { describe, expect, it } from 'vitest';
import { ArgumentError, sampleLogits, Tensor } from '../src/index.ts';
import { devices, freshSeed, poisoned, randn, rng } from './helpers.ts';

// Hand-checked case: logits ln([0.1, 0.4, 0.2, 0.3]) → p = [0.1, 0.4, 0.2, 0.3] (temperature 1).
const probs = [0.1, 0.4, 0.2, 0.3];
const logits = probs.map(Math.log);

function draw(device: 'cpu' | 'cuda', u: number, opts: Parameters<typeof sampleLogits>[2] = {}, lg = logits): number {
  const out = poisoned([1], 'i32', device);
  sampleLogits(Tensor.from(lg, [1, lg.length], { device }), Tensor.from([u], [1], { device }), { ...opts, out });
  return out.toArray()[0]!;
}

describe.each(devices)('sampleLogits on $label', ({ device, skip }) => {
  it.skipIf(skip)('inverse CDF in index order over the kept tokens', () => {
    // cumulative in index order: 0.1, 0.5, 0.7, 1.0
    expect([0, 0.09, 0.11, 0.49, 0.51, 0.69, 0.71, 0.999].map((u) => draw(device, u))).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
  });

  it.skipIf(skip)('top-k, top-p, min-p keep the right sets', () => {
    // top-k 2 keeps {1 (0.4), 3 (0.3)}: renormalised cumulative 4/7, 1.
    expect([0.1, 0.56, 0.58, 0.99].map((u) => draw(device, u, { topK: 2 }))).toEqual([1, 1, 3, 3]);
    // top-p 0.6 keeps 0.4 + 0.3 = 0.7 ≥ 0.6 → {1, 3}; top-p 0.35 keeps {1} only.
    expect([0.1, 0.99].map((u) => draw(device, u, { topP: 0.6 }))).toEqual([1, 3]);
    expect([0, 0.99].map((u) => draw(device, u, { topP: 0.35 }))).toEqual([1, 1]);
    // min-p 0.6: p ≥ 0.24 → {1, 3}; min-p 0.3: p ≥ 0.12 → {1, 2, 3}.
    expect([0.1, 0.99].map((u) => draw(device, u, { minP: 0.6 }))).toEqual([1, 3]);
    expect([0.05, 0.5, 0.99].map((u) => draw(device, u, { minP: 0.3 }))).toEqual([1, 2, 3]);
    // temperature 0 → argmax, ties to the lowest index
    expect(draw(device, 0.9, { temperature: 0 }, [1, 3, 3, 2])).toBe(1);
  });

  it.skipIf(skip)('empirical distribution with temperature over a large vocabulary', () => {
    const seed = freshSeed();
    const V = 20000;
    const lg = randn(V, seed, 1);
    lg[123] = 9;
    lg[14000] = 8.5;
    const T = 0.8;
    const n = 200;
    const r = rng(seed);
    // Stratified uniforms (one in each [k/n, (k+1)/n)): the share of draws below p123 is then
    // within 1/n of it for every seed, so the check below is exact rather than statistical.
    const us = Array.from({ length: n }, (_, k) => (k + r()) / n);
    const batch = Tensor.from(Array.from({ length: n }, () => Array.from(lg)).flat(), [n, V], { device });
    const ids = sampleLogits(batch, Tensor.from(us, [n], { device }), { temperature: T, topK: 2 }).toArray();
    const p123 = 1 / (1 + Math.exp((8.5 - 9) / T));
    const frac = ids.filter((i) => i === 123).length / n;
    expect(ids.every((i) => i === 123 || i === 14000)).toBe(true);
    expect(Math.abs(frac - p123), `seed ${seed}`).toBeLessThanOrEqual(1 / n + 1e-6);
    // Each draw is the inverse CDF at its uniform: u below p123 → 123 (index order 123 < 14000).
    ids.forEach((id, k) => expect(id).toBe(us[k]! < p123 - 1e-4 ? 123 : us[k]! > p123 + 1e-4 ? 14000 : id));
  });

  it.skipIf(skip)('bad parameters are ArgumentErrors', () => {
    expect(() => draw(device, 0.5, { topP: 0 })).toThrow(ArgumentError);
    expect(() => draw(device, 0.5, { temperature: -1 })).toThrow(ArgumentError);
  });
});
