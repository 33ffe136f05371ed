import { describe, expect, it } from 'vitest';
import {
  ArgumentError,
  attentionDecode,
  attentionPrefill,
  DeviceError,
  DTypeError,
  fill,
  ShapeError,
  Tensor,
  type Device,
  type FloatDType,
} from '../src/index.ts';
import { devices, expectClose, floatDTypes, freshSeed, quantize, randn, tol, upload } from './helpers.ts';
import { attentionRef } from './reference/attention.ts';

// How a head-major (N0, N1, D) operand is laid out in memory.
//   contig:     a contiguous (N0, N1, D) tensor
//   token:      a token-major (N1, N0, D) buffer passed as .transpose(0, 1)
//   padded:     token-major with a NaN head on each side, (N1, N0 + 2, D) sliced then transposed
//   misaligned: contiguous but one element past the start of its storage (forces CUDA fallbacks)
type Layout = 'contig' | 'token' | 'padded' | 'misaligned';

interface Placed {
  t: Tensor;
  base: Tensor;
  /** The view's elements in head-major order, read through the base buffer. */
  read(): Float64Array;
  /** Elements of the base buffer outside the view (must stay NaN when poisoned). */
  outside(): Float64Array;
}

function viewIndices(t: Tensor, baseOffset: number): number[] {
  const idx: number[] = [];
  const [n0, n1, n2] = t.ndim === 3 ? t.shape : [t.shape[0]!, 1, t.shape[1]!];
  const [s0, s1, s2] = t.ndim === 3 ? t.strides : [t.strides[0]!, 0, t.strides[1]!];
  for (let a = 0; a < n0!; a++)
    for (let b = 0; b < n1!; b++) for (let c = 0; c < n2!; c++) idx.push(t.offset - baseOffset + a * s0! + b * s1! + c * s2!);
  return idx;
}

/** Places head-major data (or NaN poison when data is null) as an (n0, n1, d) view. */
function place(data: Float64Array | null, n0: number, n1: number, d: number, dtype: FloatDType, device: Device, layout: Layout): Placed {
  const n = n0 * n1 * d;
  const src = data ?? new Float64Array(n).fill(NaN);
  let base: Tensor;
  let t: Tensor;
  if (layout === 'contig') {
    base = upload(src, [n0, n1, d], dtype, device);
    t = base;
  } else if (layout === 'misaligned') {
    const buf = new Float64Array(n + 1).fill(NaN);
    buf.set(src, 1);
    base = upload(buf, [n + 1], dtype, device);
    t = base.slice(0, 1).view([n0, n1, d]);
  } else {
    const pad = layout === 'padded' ? 1 : 0;
    const w = n0 + 2 * pad;
    const buf = new Float64Array(n1 * w * d).fill(NaN);
    for (let a = 0; a < n0; a++)
      for (let b = 0; b < n1; b++)
        for (let c = 0; c < d; c++) buf[(b * w + a + pad) * d + c] = src[(a * n1 + b) * d + c]!;
    base = upload(buf, [n1, w, d], dtype, device);
    t = (pad ? base.slice(1, pad, pad + n0) : base).transpose(0, 1);
  }
  const inView = viewIndices(t, base.offset);
  return {
    t,
    base,
    read: () => {
      const all = base.toFloat64Array();
      return Float64Array.from(inView, (i) => all[i]!);
    },
    outside: () => {
      const all = base.toFloat64Array();
      const seen = new Set(inView);
      return all.filter((_, i) => !seen.has(i));
    },
  };
}

interface PrefillCase {
  h: number;
  hkv: number;
  tq: number;
  tk: number;
  d: number;
  causal: boolean;
  window?: number;
  scale?: number;
  layout: Layout;
}

const prefillCases: PrefillCase[] = [
  { h: 2, hkv: 2, tq: 1, tk: 1, d: 64, causal: true, layout: 'contig' },
  { h: 4, hkv: 1, tq: 1, tk: 29, d: 128, causal: true, layout: 'token' },
  { h: 7, hkv: 1, tq: 3, tk: 3, d: 64, causal: true, layout: 'contig' },
  { h: 4, hkv: 4, tq: 3, tk: 53, d: 128, causal: false, layout: 'padded' },
  { h: 8, hkv: 2, tq: 37, tk: 37, d: 64, causal: true, layout: 'token' },
  { h: 7, hkv: 7, tq: 37, tk: 87, d: 128, causal: true, layout: 'padded' },
  { h: 14, hkv: 2, tq: 37, tk: 60, d: 64, causal: false, layout: 'contig', scale: 0.5 },
  { h: 4, hkv: 1, tq: 37, tk: 80, d: 64, causal: true, window: 9, layout: 'token' },
  { h: 2, hkv: 1, tq: 5, tk: 40, d: 128, causal: false, window: 17, layout: 'contig' },
  { h: 3, hkv: 3, tq: 37, tk: 45, d: 8, causal: true, layout: 'contig' },
  { h: 4, hkv: 1, tq: 20, tk: 33, d: 80, causal: true, layout: 'token' },
  { h: 2, hkv: 1, tq: 19, tk: 70, d: 256, causal: true, layout: 'padded' },
  { h: 4, hkv: 4, tq: 37, tk: 50, d: 64, causal: true, layout: 'misaligned' },
  // Several query blocks and key tiles of the CUDA tile kernel, diagonal off tile boundaries.
  { h: 4, hkv: 1, tq: 200, tk: 301, d: 128, causal: true, layout: 'token' },
  { h: 2, hkv: 2, tq: 150, tk: 400, d: 64, causal: true, window: 70, layout: 'padded' },
  { h: 2, hkv: 1, tq: 130, tk: 130, d: 256, causal: false, layout: 'contig' },
  // D = 128 over several 128-row blocks and 128-key tiles (the wgmma kernel on sm_90a): ragged
  // ends, GQA, queries after a prefix, a window edge inside tiles, no mask.
  { h: 4, hkv: 1, tq: 333, tk: 333, d: 128, causal: true, layout: 'contig' },
  { h: 2, hkv: 2, tq: 200, tk: 517, d: 128, causal: true, window: 150, layout: 'token' },
  { h: 3, hkv: 1, tq: 129, tk: 300, d: 128, causal: false, layout: 'padded', scale: 0.2 },
];

function describeCase(c: PrefillCase): string {
  return `H=${c.h} Hkv=${c.hkv} Tq=${c.tq} Tk=${c.tk} D=${c.d}${c.causal ? ' causal' : ''}${c.window ? ` window=${c.window}` : ''}${c.scale ? ` scale=${c.scale}` : ''} ${c.layout}`;
}

// bf16/f16 kernels round P to the input dtype before P·V (as FlashAttention does).
const attnTol: Record<FloatDType, number> = { f32: tol.f32 * 4, bf16: tol.bf16 * 2, f16: tol.f16 * 2 };

describe.each(devices)('attentionPrefill on $label', ({ device, skip }) => {
  // On CUDA, bf16 / f16 at D = 128 run twice: the default kernel (wgmma on sm_90a) and the
  // mma.sync one (LRQK_PREFILL_KERNEL=mma, read by the addon at each call).
  const kernels = (c: PrefillCase, dtype: FloatDType) => (device === 'cuda' && c.d === 128 && dtype !== 'f32' ? ['default', 'mma'] : ['default']);
  const checkPrefill = (dtype: FloatDType, c: PrefillCase) => {
    const seed = freshSeed();
    const q = quantize(randn(c.h * c.tq * c.d, seed), dtype);
    const k = quantize(randn(c.hkv * c.tk * c.d, seed + 1), dtype);
    const v = quantize(randn(c.hkv * c.tk * c.d, seed + 2), dtype);
    const out = place(null, c.h, c.tq, c.d, dtype, device, c.layout);
    attentionPrefill(
      place(q, c.h, c.tq, c.d, dtype, device, c.layout).t,
      place(k, c.hkv, c.tk, c.d, dtype, device, c.layout).t,
      place(v, c.hkv, c.tk, c.d, dtype, device, c.layout).t,
      { causal: c.causal, out: out.t, ...(c.scale ? { scale: c.scale } : {}), ...(c.window ? { slidingWindow: c.window } : {}) },
    );
    const want = attentionRef(q, k, v, {
      heads: c.h, kvHeads: c.hkv, tq: c.tq, tk: c.tk, dim: c.d, causal: c.causal,
      scale: c.scale ?? 1 / Math.sqrt(c.d), window: c.window ?? 0,
    });
    expectClose(out.read(), want, attnTol[dtype], `seed ${seed}`);
    expect(out.outside().every(Number.isNaN), `seed ${seed}: wrote outside the out view`).toBe(true);
  };
  for (const dtype of floatDTypes) {
    for (const c of prefillCases) {
      for (const kernel of kernels(c, dtype)) {
        it.skipIf(skip)(`${dtype} ${describeCase(c)}${kernel === 'mma' ? ' (mma.sync kernel)' : ''}`, () => {
          if (kernel === 'mma') process.env.LRQK_PREFILL_KERNEL = 'mma';
          try {
            checkPrefill(dtype, c);
          } finally {
            delete process.env.LRQK_PREFILL_KERNEL;
          }
        });
      }
    }
  }

  it.skipIf(skip)('returns a new (H, Tq, D) tensor with the default causal mask and scale', () => {
    const seed = freshSeed();
    const [h, tq, tk, d] = [2, 5, 9, 64];
    const q = quantize(randn(h * tq * d, seed), 'bf16');
    const k = quantize(randn(h * tk * d, seed + 1), 'bf16');
    const v = quantize(randn(h * tk * d, seed + 2), 'bf16');
    const out = attentionPrefill(upload(q, [h, tq, d], 'bf16', device), upload(k, [h, tk, d], 'bf16', device), upload(v, [h, tk, d], 'bf16', device));
    expect(out.shape).toEqual([h, tq, d]);
    expect(out.dtype).toBe('bf16');
    expect(out.device).toBe(device);
    const want = attentionRef(q, k, v, { heads: h, kvHeads: h, tq, tk, dim: d, causal: true, scale: 1 / Math.sqrt(d), window: 0 });
    expectClose(out.toFloat64Array(), want, attnTol.bf16, `seed ${seed}`);
  });

  it.skipIf(skip)('rejects bad shapes, dtypes and options', () => {
    const t = (shape: number[], dtype: FloatDType = 'f32') => Tensor.zeros(shape, { device, dtype });
    const q = t([4, 3, 8]);
    const kv = t([2, 5, 8]);
    expect(() => attentionPrefill(q, t([3, 5, 8]), t([3, 5, 8]))).toThrow(ShapeError); // H % Hkv != 0
    expect(() => attentionPrefill(q, t([2, 5, 16]), t([2, 5, 16]))).toThrow(ShapeError); // D mismatch
    expect(() => attentionPrefill(q, kv, t([2, 6, 8]))).toThrow(ShapeError); // k/v mismatch
    expect(() => attentionPrefill(q, t([2, 2, 8]), t([2, 2, 8]))).toThrow(ShapeError); // Tk < Tq
    expect(() => attentionPrefill(q, kv, kv, { out: t([4, 3, 7]) })).toThrow(ShapeError);
    expect(() => attentionPrefill(t([4, 3, 300]), t([2, 5, 300]), t([2, 5, 300]))).toThrow(ShapeError); // D > 256
    expect(() => attentionPrefill(t([4, 3, 0]), t([2, 5, 0]), t([2, 5, 0]))).toThrow(ShapeError); // D = 0
    expect(() => attentionPrefill(t([12, 8]), kv, kv)).toThrow(ShapeError); // not 3-D
    expect(() => attentionPrefill(q, t([2, 8, 5]).transpose(1, 2), kv)).toThrow(ShapeError); // last stride != 1
    expect(() => attentionPrefill(q, kv, t([2, 5, 8], 'bf16'))).toThrow(DTypeError);
    expect(() => attentionPrefill(q, kv, kv, { out: t([4, 3, 8], 'f16') })).toThrow(DTypeError);
    const overlapping = new Tensor(t([3, 8]).storage, 'f32', [4, 3, 8], [0, 8, 1]);
    expect(() => attentionPrefill(q, kv, kv, { out: overlapping })).toThrow(ShapeError);
    expect(() => attentionPrefill(q, kv, kv, { slidingWindow: 0 })).toThrow(ArgumentError);
    expect(() => attentionPrefill(q, kv, kv, { slidingWindow: 2.5 })).toThrow(ArgumentError);
    expect(() => attentionPrefill(q, kv, kv, { scale: NaN })).toThrow(ArgumentError);
    const idx = Tensor.zeros([4, 3, 8], { device, dtype: 'i32' });
    expect(() => attentionPrefill(idx, kv, kv)).toThrow(DTypeError);
    if (device === 'cuda') expect(() => attentionPrefill(q, Tensor.zeros([2, 5, 8]), kv)).toThrow(DeviceError);
  });
});

interface DecodeCase {
  h: number;
  hk: number;
  s: number;
  length: number;
  d: number;
  layout: Layout;
  q3?: boolean; // q and out as (H, 1, D)
}

const decodeCases: DecodeCase[] = [
  { h: 4, hk: 4, s: 1, length: 1, d: 64, layout: 'contig' },
  { h: 4, hk: 1, s: 37, length: 30, d: 128, layout: 'contig' },
  { h: 7, hk: 1, s: 50, length: 50, d: 64, layout: 'token', q3: true },
  { h: 14, hk: 2, s: 90, length: 77, d: 128, layout: 'padded' },
  { h: 6, hk: 6, s: 120, length: 101, d: 128, layout: 'padded' }, // per-query-head slots (Hk = H)
  { h: 3, hk: 3, s: 40, length: 33, d: 8, layout: 'contig' },
  { h: 4, hk: 2, s: 45, length: 44, d: 72, layout: 'token' },
  { h: 4, hk: 1, s: 64, length: 60, d: 256, layout: 'contig' },
  { h: 2, hk: 2, s: 30, length: 29, d: 64, layout: 'misaligned' },
  // Long enough for several CUDA splits plus the combine kernel.
  { h: 8, hk: 2, s: 3000, length: 2711, d: 128, layout: 'token' },
  { h: 16, hk: 16, s: 2112, length: 2049, d: 64, layout: 'padded' },
  { h: 12, hk: 1, s: 1500, length: 1500, d: 128, layout: 'contig' }, // G = 12: two head groups
  // Few splits per group: on sm_90 the splits merge inside a thread-block cluster.
  { h: 40, hk: 40, s: 700, length: 613, d: 128, layout: 'padded' },
  { h: 32, hk: 32, s: 2112, length: 2112, d: 128, layout: 'contig' }, // LRQK's per-query-head slots
];

describe.each(devices)('attentionDecode on $label', ({ device, skip }) => {
  // On CUDA the tensor-core path (bf16 / f16) also runs with the splits merged by the combine
  // kernel instead of inside a thread-block cluster (LRQK_DECODE_CLUSTER=0, read at each call).
  const merges = (dtype: FloatDType) => (device === 'cuda' && dtype !== 'f32' ? ['default', 'combine'] : ['default']);
  const checkDecode = (dtype: FloatDType, c: DecodeCase) => {
    const seed = freshSeed();
    const q = quantize(randn(c.h * c.d, seed), dtype);
    // Rows at and past `length` hold NaN: they must never be read.
    const kFull = quantize(randn(c.hk * c.s * c.d, seed + 1), dtype);
    const vFull = quantize(randn(c.hk * c.s * c.d, seed + 2), dtype);
    for (let hh = 0; hh < c.hk; hh++) {
      kFull.fill(NaN, (hh * c.s + c.length) * c.d, (hh + 1) * c.s * c.d);
      vFull.fill(NaN, (hh * c.s + c.length) * c.d, (hh + 1) * c.s * c.d);
    }
    const used = (full: Float64Array) => {
      const r = new Float64Array(c.hk * c.length * c.d);
      for (let hh = 0; hh < c.hk; hh++) r.set(full.subarray(hh * c.s * c.d, (hh * c.s + c.length) * c.d), hh * c.length * c.d);
      return r;
    };
    let qt = upload(q, [c.h, c.d], dtype, device);
    const out = place(null, c.h, 1, c.d, dtype, device, 'contig');
    let outT = out.t.view([c.h, c.d]);
    if (c.q3) {
      qt = qt.view([c.h, 1, c.d]);
      outT = out.t;
    }
    const ret = attentionDecode(
      qt,
      place(kFull, c.hk, c.s, c.d, dtype, device, c.layout).t,
      place(vFull, c.hk, c.s, c.d, dtype, device, c.layout).t,
      { length: c.length, out: outT },
    );
    expect(ret).toBe(outT);
    const want = attentionRef(q, used(kFull), used(vFull), {
      heads: c.h, kvHeads: c.hk, tq: 1, tk: c.length, dim: c.d, causal: false, scale: 1 / Math.sqrt(c.d), window: 0,
    });
    expectClose(out.read(), want, attnTol[dtype], `seed ${seed}`);
  };
  for (const dtype of floatDTypes) {
    for (const c of decodeCases) {
      for (const merge of merges(dtype)) {
        it.skipIf(skip)(`${dtype} H=${c.h} Hk=${c.hk} S=${c.s} length=${c.length} D=${c.d} ${c.layout}${c.q3 ? ' (H,1,D)' : ''}${merge === 'combine' ? ' (combine kernel)' : ''}`, () => {
          if (merge === 'combine') process.env.LRQK_DECODE_CLUSTER = '0';
          try {
            checkDecode(dtype, c);
          } finally {
            delete process.env.LRQK_DECODE_CLUSTER;
          }
        });
      }
    }
  }

  it.skipIf(skip)('defaults: length = S, scale = 1/sqrt(D), out (H, D)', () => {
    const seed = freshSeed();
    const [h, s, d] = [4, 21, 64];
    const q = quantize(randn(h * d, seed, 2), 'f16');
    const k = quantize(randn(h * s * d, seed + 1), 'f16');
    const v = quantize(randn(h * s * d, seed + 2), 'f16');
    const out = attentionDecode(upload(q, [h, 1, d], 'f16', device), upload(k, [h, s, d], 'f16', device), upload(v, [h, s, d], 'f16', device));
    expect(out.shape).toEqual([h, d]);
    const want = attentionRef(q, k, v, { heads: h, kvHeads: h, tq: 1, tk: s, dim: d, causal: false, scale: 1 / Math.sqrt(d), window: 0 });
    expectClose(out.toFloat64Array(), want, attnTol.f16, `seed ${seed}`);
  });

  it.skipIf(skip)('explicit scale', () => {
    const seed = freshSeed();
    const [h, s, d] = [2, 300, 128];
    const q = quantize(randn(h * d, seed), 'bf16');
    const k = quantize(randn(h * s * d, seed + 1), 'bf16');
    const v = quantize(randn(h * s * d, seed + 2), 'bf16');
    const out = Tensor.empty([h, d], { dtype: 'bf16', device });
    fill(out, NaN);
    attentionDecode(upload(q, [h, d], 'bf16', device), upload(k, [h, s, d], 'bf16', device), upload(v, [h, s, d], 'bf16', device), { scale: 0.3, out });
    const want = attentionRef(q, k, v, { heads: h, kvHeads: h, tq: 1, tk: s, dim: d, causal: false, scale: 0.3, window: 0 });
    expectClose(out.toFloat64Array(), want, attnTol.bf16, `seed ${seed}`);
  });

  it.skipIf(skip)('rejects bad shapes, dtypes and lengths', () => {
    const t = (shape: number[], dtype: FloatDType = 'f32') => Tensor.zeros(shape, { device, dtype });
    const q = t([4, 8]);
    const kv = t([2, 5, 8]);
    expect(() => attentionDecode(q, t([3, 5, 8]), t([3, 5, 8]))).toThrow(ShapeError); // H % Hk != 0
    expect(() => attentionDecode(q, t([2, 5, 16]), t([2, 5, 16]))).toThrow(ShapeError); // D mismatch
    expect(() => attentionDecode(q, kv, t([2, 4, 8]))).toThrow(ShapeError);
    expect(() => attentionDecode(q, kv, kv, { length: 6 })).toThrow(ShapeError);
    expect(() => attentionDecode(q, kv, kv, { length: 0 })).toThrow(ShapeError);
    expect(() => attentionDecode(q, kv, kv, { length: 2.5 })).toThrow(ArgumentError);
    expect(() => attentionDecode(t([4, 2, 8]), kv, kv)).toThrow(ShapeError); // (H, 2, D)
    expect(() => attentionDecode(t([8]), kv, kv)).toThrow(ShapeError);
    expect(() => attentionDecode(q, kv, kv, { out: t([4, 7]) })).toThrow(ShapeError);
    expect(() => attentionDecode(q, t([2, 5, 8, 1]), kv)).toThrow(ShapeError);
    expect(() => attentionDecode(q, kv, t([2, 5, 8], 'bf16'))).toThrow(DTypeError);
    expect(() => attentionDecode(t([4, 8], 'f16'), t([2, 5, 8], 'f16'), t([2, 5, 8], 'f16'), { out: t([4, 8]) })).toThrow(DTypeError);
    if (device === 'cuda') expect(() => attentionDecode(q, Tensor.zeros([2, 5, 8]), kv)).toThrow(DeviceError);
  });
});
