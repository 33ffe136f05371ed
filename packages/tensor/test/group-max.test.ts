import { describe, expect, it } from 'vitest';
import { groupMax, ShapeError, Tensor } from '../src/index.ts';
import { devices, floatDTypes, freshSeed, poisoned, quantize, randn, upload } from './helpers.ts';
import { groupMaxRef } from './reference/group-max.ts';

describe.each(devices)('groupMax on $label', ({ device, skip }) => {
  for (const dtype of floatDTypes) {
    for (const [B, G, N] of [[1, 1, 1], [3, 4, 17], [8, 4, 5003], [2, 7, 1000]] as const) {
      it.skipIf(skip)(`${dtype} B=${B} G=${G} N=${N}: equals the float64 reference (NaN ignored)`, () => {
        const seed = freshSeed();
        const x = quantize(randn(B * G * N, seed), dtype);
        if (N > 10) {
          x[5] = NaN; // one NaN in a column: ignored
          for (let g = 0; g < G; g++) x[g * N + 7] = NaN; // a column of all NaN of batch 0: NaN
        }
        const out = poisoned([B, N], dtype, device);
        groupMax(upload(x, [B, G, N], dtype, device), { out });
        const want = groupMaxRef(x, B, G, N);
        const got = out.toArray();
        for (let i = 0; i < B * N; i++) {
          if (Number.isNaN(want[i]!)) expect(Number.isNaN(got[i]!), `seed ${seed} i ${i}`).toBe(G > 0);
          else if (got[i] !== want[i]) throw new Error(`seed ${seed}: out[${i}] = ${got[i]}, want ${want[i]}`);
        }
      });
    }
  }

  it.skipIf(skip)('strided x: a (G, B, N+10) buffer seen as (B, G, N) with a slice of the positions', () => {
    const seed = freshSeed();
    const [B, G, N] = [3, 4, 50];
    const data = randn(G * B * (N + 10), seed);
    const buf = Tensor.from(data, [G, B, N + 10], { device });
    const got = groupMax(buf.transpose(0, 1).slice(2, 10, N + 10)).toArray();
    const dense = new Float64Array(B * G * N);
    for (let b = 0; b < B; b++) for (let g = 0; g < G; g++) for (let n = 0; n < N; n++) dense[(b * G + g) * N + n] = Math.fround(data[(g * B + b) * (N + 10) + 10 + n]!);
    expect(got).toEqual(Array.from(groupMaxRef(dense, B, G, N)));
  });

  it.skipIf(skip)('bad shapes are ShapeErrors naming the op', () => {
    const x = Tensor.zeros([2, 3, 8], { device });
    expect(() => groupMax(x, { out: Tensor.zeros([2, 7], { device }) })).toThrow(ShapeError);
    expect(() => groupMax(Tensor.zeros([2, 8], { device }))).toThrow(/group_max/);
    expect(() => groupMax(x.transpose(1, 2))).toThrow(/contiguous/);
  });
});
