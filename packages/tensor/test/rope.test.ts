import { describe, expect, it } from 'vitest';
import { IndexOutOfRangeError, rope, ropeInvFreq, ropeTable, ShapeError, Tensor } from '../src/index.ts';
import { devices, expectClose, floatDTypes, freshSeed, poisoned, quantize, randn, tol, upload } from './helpers.ts';
import { ropeRef } from './reference/elementwise.ts';

// Independent float64 derivations of HF's formulas (the implementation rounds through f32 as
// torch does, so comparisons allow f32 rounding).
const f64Default = (base: number, dim: number) => Array.from({ length: dim / 2 }, (_, i) => 1 / base ** ((2 * i) / dim));

describe('ropeInvFreq', () => {
  const close = (got: ArrayLike<number>, want: number[]) => {
    expect(got.length).toBe(want.length);
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!) / Math.abs(want[i]!)).toBeLessThan(3e-7);
  };

  it('default (Llama-2/Mistral θ=1e6, d=128) and linear', () => {
    close(ropeInvFreq({ headDim: 128, ropeTheta: 1e6 }).invFreq, f64Default(1e6, 128));
    close(ropeInvFreq({ headDim: 128, ropeTheta: 1e4, ropeScaling: { type: 'linear', factor: 4 } }).invFreq, f64Default(1e4, 128).map((v) => v / 4));
  });

  it('llama3 with Llama-3.1-8B settings: high frequencies kept, low divided by 8, smooth in between', () => {
    const { invFreq, attentionScaling } = ropeInvFreq({
      headDim: 128,
      ropeTheta: 500000,
      ropeScaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 },
    });
    const base = f64Default(500000, 128);
    const want = base.map((v) => {
      const wave = (2 * Math.PI) / v;
      if (wave < 8192 / 4) return v;
      if (wave > 8192) return v / 8;
      const s = (8192 / wave - 1) / (4 - 1);
      return (1 - s) * (v / 8) + s * v;
    });
    close(invFreq, want);
    expect(attentionScaling).toBe(1);
    expect(invFreq[0]).toBeCloseTo(1, 6); // highest frequency untouched
    expect(invFreq[63]! / base[63]!).toBeCloseTo(1 / 8, 6); // lowest divided by the factor
  });

  it('dynamic NTK raises the base only past the original length', () => {
    const cfg = { headDim: 64, ropeTheta: 10000, maxPositionEmbeddings: 2048, ropeScaling: { type: 'dynamic', factor: 2 } };
    close(ropeInvFreq(cfg, 1000).invFreq, f64Default(10000, 64));
    const b = 10000 * ((2 * 8192) / 2048 - 1) ** (64 / 62);
    close(ropeInvFreq(cfg, 8192).invFreq, f64Default(b, 64));
  });

  it('yarn: ramp between the correction dims, attention factor 0.1·ln(s)+1', () => {
    const dim = 128;
    const base = 1e6;
    const { invFreq, attentionScaling } = ropeInvFreq({ headDim: dim, ropeTheta: base, maxPositionEmbeddings: 131072, ropeScaling: { type: 'yarn', factor: 4, original_max_position_embeddings: 32768 } });
    const factor = 131072 / 32768;
    expect(attentionScaling).toBeCloseTo(0.1 * Math.log(factor) + 1, 12);
    const corr = (rot: number) => (dim * Math.log(32768 / (rot * 2 * Math.PI))) / (2 * Math.log(base));
    const lo = Math.max(Math.floor(corr(32)), 0);
    const hi = Math.min(Math.ceil(corr(1)), dim - 1);
    const want = f64Default(base, dim).map((v, i) => {
      const ramp = Math.min(1, Math.max(0, (i - lo) / (hi - lo)));
      const extra = 1 - ramp;
      return (v / factor) * (1 - extra) + v * extra;
    });
    close(invFreq, want);
  });

  it('refuses unknown types and missing fields', () => {
    expect(() => ropeInvFreq({ headDim: 64, ropeTheta: 1e4, ropeScaling: { type: 'longrope' } })).toThrow(/not supported/);
    expect(() => ropeInvFreq({ headDim: 64, ropeTheta: 1e4, ropeScaling: { type: 'llama3', factor: 8 } })).toThrow(/low_freq_factor/);
  });
});

describe.each(devices)('rope on $label', ({ device, skip }) => {
  for (const dtype of floatDTypes) {
    it.skipIf(skip)(`${dtype}: strided token-major views, partial rotary, in place`, () => {
      const seed = freshSeed();
      const [T, H, D, rotary] = [6, 3, 16, 12];
      const { invFreq } = ropeInvFreq({ headDim: D, ropeTheta: 10000, partialRotaryFactor: rotary / D });
      const table = ropeTable(invFreq, 64, 1, { device });
      const cos = table.cos.toFloat64Array();
      const sin = table.sin.toFloat64Array();
      const pos = [0, 5, 63, 7, 7, 1];
      const x = quantize(randn(T * H * D, seed), dtype);
      const want = ropeRef(x, T, H, D, pos, cos, sin, rotary / 2);
      // x lives inside a wider (T, H+2, D) buffer: a strided view.
      const wide = new Float64Array(T * (H + 2) * D);
      for (let t = 0; t < T; t++) wide.set(x.subarray(t * H * D, (t + 1) * H * D), (t * (H + 2) + 1) * D);
      const buf = upload(wide, [T, H + 2, D], dtype, device);
      const view = buf.slice(1, 1, H + 1);
      const posT = Tensor.from(pos, [T], { dtype: 'i32', device });
      const out = rope(view, posT, table, { out: poisoned([T, H, D], dtype, device) });
      expectClose(out.toFloat64Array(), want, tol[dtype] * 2, `seed ${seed}`);
      rope(view, posT, table, { out: view });
      expectClose(view.contiguous().toFloat64Array(), want, tol[dtype] * 2, `in place seed ${seed}`);
    });
  }

  it.skipIf(skip)('position outside the table throws; table wider than head_dim is refused', () => {
    const table = ropeTable(ropeInvFreq({ headDim: 8, ropeTheta: 10000 }).invFreq, 4, 1, { device });
    const x = Tensor.zeros([1, 1, 8], { device });
    expect(() => rope(x, Tensor.from([4], [1], { dtype: 'i32', device }), table)).toThrow(IndexOutOfRangeError);
    expect(() => rope(Tensor.zeros([1, 1, 6], { device }), Tensor.from([0], [1], { dtype: 'i32', device }), table)).toThrow(ShapeError);
  });
});
