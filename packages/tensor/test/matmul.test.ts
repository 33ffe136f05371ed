import { describe, expect, it } from 'vitest';
import {
  ArgumentError,
  blasInfo,
  DeviceError,
  DTypeError,
  fill,
  linear,
  matmul,
  ShapeError,
  Tensor,
  type Device,
  type FloatDType,
} from '../src/index.ts';
import { devices, expectClose, floatDTypes, freshSeed, gpu, poisoned, quantize, randn, tol, upload } from './helpers.ts';
import { dense, matmulRef } from './reference/matmul.ts';

/** Output tolerance: the dtype's, widened with √K for 16-bit outputs; f32 outputs of 16-bit inputs get a little slack. */
function mmTol(outDType: FloatDType, k: number, inDType: FloatDType = outDType): number {
  const grow = Math.max(1, Math.sqrt(k) / 16);
  if (outDType === 'f32') return inDType === 'f32' ? tol.f32 * grow : 5e-5 * grow;
  return tol[outDType] * grow;
}

/** A random tensor of `shape` and the float64 values it holds (already rounded to dtype). */
function rand(shape: number[], dtype: FloatDType, device: Device, seed: number, scale = 1): { t: Tensor; v: Float64Array } {
  const v = quantize(randn(shape.reduce((p, q) => p * q, 1), seed, scale), dtype);
  return { t: upload(v, shape, dtype, device), v };
}

/** Stored shape of an operand: [rows, cols] of the logical matrix, swapped when transposed. */
const stored = (rows: number, cols: number, trans: boolean): number[] => (trans ? [cols, rows] : [rows, cols]);

describe.each(devices)('matmul on $label', ({ device, skip }) => {
  const sizes: [number, number, number][] = [
    [1, 1, 1],
    [3, 7, 5],
    [17, 129, 33],
    [1, 129, 33],
    [3, 1, 5],
    [1, 7, 33],
    [64, 96, 80],
    [130, 260, 100],
  ];
  for (const dtype of floatDTypes) {
    for (const [transA, transB] of [[false, false], [false, true], [true, false], [true, true]] as const) {
      it.skipIf(skip)(`${dtype} transA=${transA} transB=${transB}, odd sizes`, () => {
        for (const [m, k, n] of sizes) {
          const seed = freshSeed();
          const a = rand(stored(m, k, transA), dtype, device, seed);
          const b = rand(stored(k, n, transB), dtype, device, seed + 1);
          const out = poisoned([m, n], dtype, device);
          matmul(a.t, b.t, { transA, transB, out });
          const want = matmulRef(dense(a.v, a.t, transA), dense(b.v, b.t, transB));
          expectClose(out.toFloat64Array(), want, mmTol(dtype, k), `M=${m} K=${k} N=${n} seed ${seed}`);
        }
      });
    }

    it.skipIf(skip)(`${dtype} bias, alpha and beta; beta = 0 never reads out`, () => {
      for (const [m, k, n] of [[5, 33, 17], [1, 64, 40], [40, 70, 9]] as const) {
        for (const transB of [false, true]) {
          const seed = freshSeed();
          const a = rand([m, k], dtype, device, seed);
          const b = rand(stored(k, n, transB), dtype, device, seed + 1);
          const bias = rand([n], dtype, device, seed + 2);
          const c0 = rand([m, n], dtype, device, seed + 3);
          matmul(a.t, b.t, { transB, bias: bias.t, alpha: -1.5, beta: 0.5, out: c0.t });
          const want = matmulRef(dense(a.v, a.t), dense(b.v, b.t, transB), { alpha: -1.5, beta: 0.5, c0: c0.v, bias: bias.v });
          expectClose(c0.t.toFloat64Array(), want, mmTol(dtype, k) * 2, `beta M=${m} K=${k} N=${n} transB=${transB} seed ${seed}`);

          const out = poisoned([m, n], dtype, device);
          matmul(a.t, b.t, { transB, bias: bias.t, alpha: 0.25, out });
          const want0 = matmulRef(dense(a.v, a.t), dense(b.v, b.t, transB), { alpha: 0.25, bias: bias.v });
          expectClose(out.toFloat64Array(), want0, mmTol(dtype, k) * 2, `beta=0 M=${m} K=${k} N=${n} seed ${seed}`);
        }
      }
    });

    if (dtype !== 'f32') {
      it.skipIf(skip)(`${dtype} inputs into an f32 output (outDType and out), with a ${dtype} bias`, () => {
        for (const [m, k, n] of [[1, 256, 77], [6, 129, 50], [33, 64, 65]] as const) {
          const seed = freshSeed();
          const a = rand([m, k], dtype, device, seed);
          const w = rand([n, k], dtype, device, seed + 1);
          const bias = rand([n], dtype, device, seed + 2);
          const got = matmul(a.t, w.t, { transB: true, bias: bias.t, outDType: 'f32' });
          expect(got.dtype).toBe('f32');
          const want = matmulRef(dense(a.v, a.t), dense(w.v, w.t, true), { bias: bias.v });
          expectClose(got.toFloat64Array(), want, mmTol('f32', k, dtype), `M=${m} K=${k} N=${n} seed ${seed}`);
          const out = poisoned([m, n], 'f32', device);
          matmul(a.t, w.t, { transB: true, bias: bias.t, out });
          expectClose(out.toFloat64Array(), want, mmTol('f32', k, dtype), `out M=${m} seed ${seed}`);
        }
      });
    }

    it.skipIf(skip)(`${dtype} batched: per-batch b, shared b, transposes`, () => {
      for (const [bt, m, k, n] of [[3, 5, 17, 9], [2, 1, 40, 33], [4, 17, 8, 3]] as const) {
        for (const [transA, transB] of [[false, false], [true, true], [false, true]] as const) {
          const seed = freshSeed();
          const a = rand([bt, ...stored(m, k, transA)], dtype, device, seed);
          const bb = rand([bt, ...stored(k, n, transB)], dtype, device, seed + 1);
          const out = poisoned([bt, m, n], dtype, device);
          matmul(a.t, bb.t, { transA, transB, out });
          let want = matmulRef(dense(a.v, a.t, transA), dense(bb.v, bb.t, transB));
          expectClose(out.toFloat64Array(), want, mmTol(dtype, k), `batched B=${bt} M=${m} seed ${seed}`);

          const shared = rand(stored(k, n, transB), dtype, device, seed + 2);
          const out2 = poisoned([bt, m, n], dtype, device);
          matmul(a.t, shared.t, { transA, transB, out: out2 });
          want = matmulRef(dense(a.v, a.t, transA), dense(shared.v, shared.t, transB));
          expectClose(out2.toFloat64Array(), want, mmTol(dtype, k), `shared b B=${bt} M=${m} seed ${seed}`);
        }
      }
    });
  }

  it.skipIf(skip)('strided views: row strides > K, offsets, strided out, transposed batch', () => {
    for (const dtype of floatDTypes) {
      const seed = freshSeed();
      const [m, k, n] = [7, 19, 11];
      // a: rows of 19 inside rows of 32, starting at column 5; b: (K, N) inside (K, 20) at column 3.
      const abig = rand([m + 2, 32], dtype, device, seed);
      const av = abig.t.slice(0, 1, 1 + m).slice(1, 5, 5 + k);
      const bbig = rand([k, 20], dtype, device, seed + 1);
      const bv = bbig.t.slice(1, 3, 3 + n);
      const obig = Tensor.empty([m + 1, 16], { dtype, device });
      fill(obig, 7);
      const ov = obig.slice(0, 1).slice(1, 2, 2 + n);
      matmul(av, bv, { out: ov });
      const want = matmulRef(dense(abig.v, av), dense(bbig.v, bv));
      expectClose(ov.toFloat64Array(), want, mmTol(dtype, k), `strided ${dtype} seed ${seed}`);
      // Everything outside the out view is untouched.
      const all = obig.toFloat64Array();
      for (let i = 0; i < all.length; i++) {
        const r = Math.floor(i / 16), c = i % 16;
        if (!(r >= 1 && c >= 2 && c < 2 + n)) expect(all[i], `outside out view at ${r},${c}`).toBe(7);
      }

      // Batched operands that are transposes of (M, B, K) / (N, B, K) buffers: batch stride K,
      // row stride B·K; out (B, M, N) a transposed view of an (M, B, N) buffer.
      const bt = 3;
      const ab = rand([m, bt, k], dtype, device, seed + 2);
      const wb = rand([n, bt, k], dtype, device, seed + 3);
      const aT = ab.t.transpose(0, 1);
      const wT = wb.t.transpose(0, 1);
      const ob = poisoned([m, bt, n], dtype, device);
      const oT = ob.transpose(0, 1);
      matmul(aT, wT, { transB: true, out: oT });
      const wantB = matmulRef(dense(ab.v, aT), dense(wb.v, wT, true));
      expectClose(oT.toFloat64Array(), wantB, mmTol(dtype, k), `transposed batch ${dtype} seed ${seed}`);
    }
  });

  it.skipIf(skip)('batch stride 0 broadcasts a or b over the batch', () => {
    for (const dtype of floatDTypes) {
      const seed = freshSeed();
      const [bt, m, k, n] = [4, 6, 13, 10];
      const a = rand([m, k], dtype, device, seed);
      const a3 = new Tensor(a.t.storage, dtype, [bt, m, k], [0, k, 1], 0);
      const b = rand([bt, k, n], dtype, device, seed + 1);
      const out = poisoned([bt, m, n], dtype, device);
      matmul(a3, b.t, { out });
      expectClose(out.toFloat64Array(), matmulRef(dense(a.v, a3), dense(b.v, b.t)), mmTol(dtype, k), `a bcast ${dtype} seed ${seed}`);

      const x = rand([bt, m, k], dtype, device, seed + 2);
      const w = rand([n, k], dtype, device, seed + 3);
      const w3 = new Tensor(w.t.storage, dtype, [bt, n, k], [0, k, 1], 0);
      const out2 = poisoned([bt, m, n], dtype, device);
      matmul(x.t, w3, { transB: true, out: out2 });
      expectClose(out2.toFloat64Array(), matmulRef(dense(x.v, x.t), dense(w.v, w3, true)), mmTol(dtype, k), `b bcast ${dtype} seed ${seed}`);
      // Unfoldable batch (out rows not evenly spaced across batches) over a shared b.
      const obig = poisoned([bt, m + 1, n], dtype, device);
      const ov = obig.slice(1, 0, m);
      matmul(x.t, w.t, { transB: true, out: ov });
      expectClose(ov.toFloat64Array(), matmulRef(dense(x.v, x.t), dense(w.v, w.t, true)), mmTol(dtype, k), `unfolded ${dtype} seed ${seed}`);
    }
  });

  it.skipIf(skip)('M == 1 with transposed b (GEMV path) agrees with the general path and the reference', () => {
    // [N, K, weight row stride, weight column offset]: aligned 16-byte rows; odd K; padded rows;
    // a weight view starting one element in (misaligned rows); and each CUDA kernel shape of
    // matmul_gemv.cuh's pick_config (K ≥ 8192: 1 × 16; N ≤ 8192: 1 × 8; more rows: 2 × 8).
    const cases: [number, number, number, number][] = [
      [7, 12296, 12296, 0],
      [9001, 136, 136, 0],
      [300, 1024, 1024, 0],
      [37, 1001, 1001, 0],
      [129, 2056, 2064, 8],
      [65, 520, 528, 1],
      [5, 8, 8, 0],
    ];
    for (const dtype of floatDTypes) {
      for (const [n, k, ld, off] of cases) {
        const seed = freshSeed();
        // 12 rows: above the CPU's small-M GEMV threshold, so `general` takes the blocked GEMM.
        const x3 = rand([12, k], dtype, device, seed);
        const wbig = rand([n, ld + off], dtype, device, seed + 1, 0.5);
        const w = wbig.t.slice(1, off, off + k);
        const bias = rand([n], dtype, device, seed + 2);
        const x1 = x3.t.slice(0, 0, 1);
        const gemv = poisoned([1, n], dtype, device);
        matmul(x1, w, { transB: true, bias: bias.t, out: gemv });
        const general = matmul(x3.t, w, { transB: true, bias: bias.t });
        const want = matmulRef(dense(x3.v, x1), dense(wbig.v, w, true), { bias: bias.v });
        const t = mmTol(dtype, k);
        expectClose(gemv.toFloat64Array(), want, t, `gemv ${dtype} N=${n} K=${k} seed ${seed}`);
        expectClose(gemv.toFloat64Array(), general.toFloat64Array().subarray(0, n), t, `gemv vs general ${dtype} N=${n} K=${k} seed ${seed}`);
        // alpha, beta and an f32 output through the same path.
        if (dtype !== 'f32') {
          const c0 = rand([1, n], 'f32', device, seed + 3);
          matmul(x1, w, { transB: true, alpha: 2, beta: -1, out: c0.t });
          const w2 = matmulRef(dense(x3.v, x1), dense(wbig.v, w, true), { alpha: 2, beta: -1, c0: c0.v });
          expectClose(c0.t.toFloat64Array(), w2, mmTol('f32', k, dtype), `gemv f32 out ${dtype} N=${n} seed ${seed}`);
        }
      }
    }
  });

  it.skipIf(skip)('M == 1 without transposes, and K == 0 (out = beta·out + bias)', () => {
    for (const dtype of floatDTypes) {
      const seed = freshSeed();
      const [k, n] = [517, 1100];
      const x = rand([1, k], dtype, device, seed);
      const b = rand([k, n], dtype, device, seed + 1);
      const out = poisoned([1, n], dtype, device);
      matmul(x.t, b.t, { out });
      expectClose(out.toFloat64Array(), matmulRef(dense(x.v, x.t), dense(b.v, b.t)), mmTol(dtype, k), `x·B ${dtype} seed ${seed}`);

      const a0 = Tensor.empty([3, 0], { dtype, device });
      const b0 = Tensor.empty([0, 4], { dtype, device });
      const bias = rand([4], dtype, device, seed + 2);
      const c0 = rand([3, 4], dtype, device, seed + 3);
      matmul(a0, b0, { bias: bias.t, beta: 2, out: c0.t });
      const want = Float64Array.from(c0.v, (v, i) => 2 * v + bias.v[i % 4]!);
      expectClose(c0.t.toFloat64Array(), want, tol[dtype] * 2, `K=0 ${dtype}`);
      const p = poisoned([3, 4], dtype, device);
      matmul(a0, b0, { out: p });
      expect(p.toArray()).toEqual(new Array(12).fill(0));
    }
  });

  it.skipIf(skip)('linear: leading dims, 1-D x, bias, f32 logits, non-collapsible x', () => {
    for (const dtype of floatDTypes) {
      const seed = freshSeed();
      const [inF, outF] = [48, 20];
      const x = rand([2, 3, inF], dtype, device, seed);
      const w = rand([outF, inF], dtype, device, seed + 1);
      const bias = rand([outF], dtype, device, seed + 2);
      const y = linear(x.t, w.t, bias.t);
      expect(y.shape).toEqual([2, 3, outF]);
      expect(y.dtype).toBe(dtype);
      const x2 = { data: x.v, batch: 1, rows: 6, cols: inF };
      const want = matmulRef(x2, dense(w.v, w.t, true), { bias: bias.v });
      expectClose(y.toFloat64Array(), want, mmTol(dtype, inF), `linear ${dtype} seed ${seed}`);

      const y1 = linear(x.t.select(0, 1).select(0, 2), w.t);
      expect(y1.shape).toEqual([outF]);
      const want1 = matmulRef({ data: x.v.subarray(5 * inF, 6 * inF), batch: 1, rows: 1, cols: inF }, dense(w.v, w.t, true));
      expectClose(y1.toFloat64Array(), want1, mmTol(dtype, inF), `linear 1-D ${dtype} seed ${seed}`);

      if (dtype !== 'f32') {
        const logits = poisoned([2, 3, outF], 'f32', device);
        linear(x.t, w.t, bias.t, { out: logits });
        expectClose(logits.toFloat64Array(), want, mmTol('f32', inF, dtype), `logits ${dtype} seed ${seed}`);
      }

      // (3, 2, in) viewed as (2, 3, in) by a transpose: leading dims do not collapse → copied.
      const xt = x.t.view([3, 2, inF]).transpose(0, 1);
      const yt = linear(xt, w.t, bias.t);
      expect(yt.shape).toEqual([2, 3, outF]);
      const rows = new Float64Array(6 * inF);
      for (let i = 0; i < 2; i++)
        for (let j = 0; j < 3; j++) rows.set(x.v.subarray((j * 2 + i) * inF, (j * 2 + i + 1) * inF), (i * 3 + j) * inF);
      const wantT = matmulRef({ data: rows, batch: 1, rows: 6, cols: inF }, dense(w.v, w.t, true), { bias: bias.v });
      expectClose(yt.toFloat64Array(), wantT, mmTol(dtype, inF), `linear transposed x ${dtype} seed ${seed}`);
    }
  });

  it.skipIf(skip)('rejects mismatched shapes with ShapeError', () => {
    const z = (shape: number[], dtype: FloatDType = 'f32') => Tensor.zeros(shape, { dtype, device });
    expect(() => matmul(z([3, 4]), z([5, 6]))).toThrow(ShapeError);
    expect(() => matmul(z([3, 4]), z([6, 5]), { transB: true })).toThrow(ShapeError);
    expect(() => matmul(z([3, 4]), z([2, 4, 5]))).toThrow(ShapeError); // 2-D a, 3-D b
    expect(() => matmul(z([2, 3, 4]), z([3, 4, 5]))).toThrow(ShapeError); // batch mismatch
    expect(() => matmul(z([4]), z([4, 5]))).toThrow(ShapeError);
    expect(() => matmul(z([3, 4]), z([4, 5]), { out: z([3, 6]) })).toThrow(ShapeError);
    expect(() => matmul(z([2, 3, 4]), z([4, 5]), { out: z([3, 5]) })).toThrow(ShapeError);
    expect(() => matmul(z([3, 4]), z([4, 5]), { bias: z([4]) })).toThrow(ShapeError);
    expect(() => matmul(z([4, 3]).transpose(0, 1), z([4, 5]))).toThrow(ShapeError); // last dim not contiguous
    const base = z([3, 4]);
    expect(() => matmul(new Tensor(base.storage, 'f32', [3, 4], [2, 1], 0), z([4, 5]))).toThrow(ShapeError); // overlapping rows
    expect(() => matmul(z([2, 3, 4]), z([4, 5]), { out: new Tensor(z([3, 5]).storage, 'f32', [2, 3, 5], [0, 5, 1], 0) })).toThrow(ShapeError);
    expect(() => linear(z([2, 4]), z([5, 3]))).toThrow(ShapeError);
    expect(() => linear(z([2, 4]), z([3, 4]), undefined, { out: z([2, 4]) })).toThrow(ShapeError);
  });

  it.skipIf(skip)('rejects mismatched dtypes with DTypeError, beta without out with ArgumentError', () => {
    const z = (shape: number[], dtype: 'f32' | 'bf16' | 'f16' | 'i32' = 'f32') => Tensor.zeros(shape, { dtype, device });
    expect(() => matmul(z([3, 4], 'bf16'), z([4, 5]))).toThrow(DTypeError);
    expect(() => matmul(z([3, 4], 'bf16'), z([4, 5], 'bf16'), { out: z([3, 5], 'f16') })).toThrow(DTypeError);
    expect(() => matmul(z([3, 4], 'i32'), z([4, 5], 'i32'))).toThrow(DTypeError);
    expect(() => matmul(z([3, 4], 'bf16'), z([4, 5], 'bf16'), { out: z([3, 5], 'f32'), outDType: 'bf16' })).toThrow(DTypeError);
    expect(() => matmul(z([3, 4]), z([4, 5]), { bias: z([5], 'i32') })).toThrow(DTypeError);
    expect(() => matmul(z([3, 4]), z([4, 5]), { beta: 1 })).toThrow(ArgumentError);
  });

  it.skipIf(skip || device !== 'cuda')('rejects operands on different devices with DeviceError', () => {
    const onGpu = Tensor.zeros([3, 4], { device: 'cuda' });
    const onCpu = Tensor.zeros([4, 5], { device: 'cpu' });
    expect(() => matmul(onGpu, onCpu)).toThrow(DeviceError);
    expect(() => matmul(onGpu, Tensor.zeros([4, 5], { device: 'cuda' }), { out: Tensor.zeros([3, 5]) })).toThrow(DeviceError);
    expect(() => matmul(onGpu, Tensor.zeros([4, 5], { device: 'cuda' }), { bias: Tensor.zeros([5]) })).toThrow(DeviceError);
  });
});

describe('blasInfo', () => {
  it('reports what was tried, and cuBLAS loaded where a GPU is present', () => {
    const info = blasInfo();
    expect(typeof info.loaded).toBe('boolean');
    expect(Array.isArray(info.tried)).toBe(true);
    expect(info.tried.length).toBeGreaterThan(0);
    if (gpu) {
      expect(info.loaded, info.tried.join('; ')).toBe(true);
      expect(info.path).toMatch(/cublas/);
    } else if (!info.loaded) {
      expect(info.error).toBeTruthy();
    }
  });
});
