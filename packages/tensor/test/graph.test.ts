// CUDA graphs and the device-side decode length they rely on: attentionDecode reading its row
// count from a tensor (CPU and CUDA, against the float64 reference), and captureGraph replaying
// captured work — with graph-owned scratch memory — for values written between replays.
import { describe, expect, it } from 'vitest';
import {
  attentionDecode,
  captureGraph,
  CudaUnavailableError,
  fill,
  isCapturing,
  scale,
  Tensor,
  TensorError,
  type FloatDType,
} from '../src/index.ts';
import { devices, expectClose, freshSeed, gpu, gpuSkipReason, quantize, randn, upload } from './helpers.ts';
import { attentionRef } from './reference/attention.ts';

const attnTol: Record<FloatDType, number> = { f32: 3e-5, bf16: 2e-2, f16: 3e-3 };

/** q (H, D), token-major K/V caches (S, Hk, D) whose rows at and past `valid` are NaN. */
function decodeInputs(h: number, hk: number, s: number, d: number, valid: number, dtype: FloatDType, device: 'cpu' | 'cuda', seed: number) {
  const q = quantize(randn(h * d, seed), dtype);
  const k = quantize(randn(s * hk * d, seed + 1), dtype);
  const v = quantize(randn(s * hk * d, seed + 2), dtype);
  k.fill(NaN, valid * hk * d);
  v.fill(NaN, valid * hk * d);
  /** Head-major (Hk, n, D) copy of the first n rows, for the reference. */
  const head = (x: Float64Array, n: number) => {
    const r = new Float64Array(hk * n * d);
    for (let j = 0; j < n; j++) for (let g = 0; g < hk; g++) r.set(x.subarray((j * hk + g) * d, (j * hk + g + 1) * d), (g * n + j) * d);
    return r;
  };
  const want = (n: number) =>
    attentionRef(q, head(k, n), head(v, n), { heads: h, kvHeads: hk, tq: 1, tk: n, dim: d, causal: false, scale: 1 / Math.sqrt(d), window: 0 });
  return {
    q: upload(q, [h, d], dtype, device),
    k: upload(k, [s, hk, d], dtype, device).transpose(0, 1),
    v: upload(v, [s, hk, d], dtype, device).transpose(0, 1),
    want,
  };
}

describe.each(devices)('attentionDecode with a length tensor on $label', ({ device, skip }) => {
  const cases: { dtype: FloatDType; h: number; hk: number; d: number; s: number; lengths: number[] }[] = [
    { dtype: 'bf16', h: 8, hk: 2, d: 128, s: 1000, lengths: [1, 17, 333, 1000] },
    { dtype: 'f16', h: 7, hk: 7, d: 64, s: 257, lengths: [2, 129, 257] },
    { dtype: 'f32', h: 4, hk: 1, d: 128, s: 301, lengths: [1, 150, 300] },
  ];
  for (const c of cases) {
    it.skipIf(skip)(`${c.dtype} H=${c.h} Hk=${c.hk} D=${c.d} capacity ${c.s}, lengths ${c.lengths.join('/')}`, () => {
      const seed = freshSeed();
      const maxLen = Math.max(...c.lengths);
      const x = decodeInputs(c.h, c.hk, c.s, c.d, maxLen, c.dtype, device, seed);
      for (const n of c.lengths) {
        const length = Tensor.from([n], [1], { dtype: 'i32', device });
        const out = Tensor.empty([c.h, c.d], { dtype: c.dtype, device });
        fill(out, NaN);
        attentionDecode(x.q, x.k, x.v, { out, length });
        expectClose(out.toFloat64Array(), x.want(n), attnTol[c.dtype], `seed ${seed} length ${n}`);
      }
    });
  }

  it.skipIf(skip)('rejects a length tensor of the wrong dtype, size or device', () => {
    const x = decodeInputs(2, 1, 9, 64, 9, 'f32', device, 1);
    expect(() => attentionDecode(x.q, x.k, x.v, { length: Tensor.from([3], [1], { dtype: 'f32', device }) })).toThrow(/lengthTensor/);
    expect(() => attentionDecode(x.q, x.k, x.v, { length: Tensor.from([3, 4], [2], { dtype: 'i32', device }) })).toThrow(/one element/);
    const other = device === 'cpu' ? (gpu ? 'cuda' : undefined) : 'cpu';
    if (other) expect(() => attentionDecode(x.q, x.k, x.v, { length: Tensor.from([3], [1], { dtype: 'i32', device: other }) })).toThrow(/same device/);
    if (device === 'cpu') expect(() => attentionDecode(x.q, x.k, x.v, { length: Tensor.from([10], [1], { dtype: 'i32' }) })).toThrow(/length 10/);
  });
});

describe(gpu ? 'captureGraph on cuda' : `captureGraph on cuda (skipped: ${gpuSkipReason})`, () => {
  it.skipIf(!gpu)('replays a captured decode for lengths written between replays, with graph-owned scratch', () => {
    const seed = freshSeed();
    const [h, hk, d, s] = [32, 8, 128, 4099];
    const x = decodeInputs(h, hk, s, d, s, 'bf16', 'cuda', seed);
    const length = Tensor.from([1], [1], { dtype: 'i32', device: 'cuda' });
    const out = Tensor.empty([h, d], { dtype: 'bf16', device: 'cuda' });
    const graph = captureGraph(() => {
      expect(isCapturing()).toBe(true);
      // An intermediate allocated and freed inside the capture (graph-owned memory), and the
      // decode's own split scratch.
      const q2 = scale(x.q, 1);
      attentionDecode(q2, x.k, x.v, { out, length });
      q2.dispose();
    });
    expect(isCapturing()).toBe(false);
    try {
      for (const n of [1, 2, 77, 1024, 4099, 300]) {
        length.copyFrom(Tensor.from([n], [1], { dtype: 'i32' }));
        fill(out, NaN);
        graph.replay();
        expectClose(out.toFloat64Array(), x.want(n), attnTol.bf16, `seed ${seed} length ${n}`);
      }
    } finally {
      graph.dispose();
    }
    expect(graph.disposed).toBe(true);
    expect(() => graph.replay()).toThrow(/disposed/);
  });

  it.skipIf(!gpu)('a throw inside the capture discards it and leaves the stream usable', () => {
    expect(() =>
      captureGraph(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(isCapturing()).toBe(false);
    // A synchronizing read while capturing is refused by CUDA; the capture is discarded.
    const t = Tensor.from([1, 2, 3], [3], { device: 'cuda' });
    expect(() => captureGraph(() => void t.toArray())).toThrow(TensorError);
    expect(isCapturing()).toBe(false);
    expect(t.toArray()).toEqual([1, 2, 3]);
    const y = scale(t, 2);
    expect(y.toArray()).toEqual([2, 4, 6]);
  });
});

describe.runIf(!gpu)('captureGraph without a GPU', () => {
  it('says CUDA is unavailable', () => {
    expect(() => captureGraph(() => {})).toThrow(CudaUnavailableError);
    expect(isCapturing()).toBe(false);
  });
});
