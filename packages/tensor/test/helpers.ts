// Shared by every op test: the backends to run on (CUDA only where a GPU is present, with the
// reason printed otherwise), seeded random data, output poisoning and tolerance checks against
// float64 references.
import { expect } from 'vitest';
import { backendInfo, fill, roundTo, Tensor, type Device, type FloatDType } from '../src/index.ts';

const info = backendInfo();
export const gpu = info.available;
/** Why CUDA tests are skipped here (empty when they run). */
export const gpuSkipReason = gpu ? '' : `no CUDA device: ${info.tried.join('; ')}`;
if (!gpu && !process.env.LRQK_QUIET_SKIP) {
  console.log(`[@lrqk/tensor tests] CUDA cases skipped — ${gpuSkipReason}`);
}

/** Backends to test; CUDA cases carry the skip reason in their name when skipped. */
export const devices: { device: Device; skip: boolean; label: string }[] = [
  { device: 'cpu', skip: false, label: 'cpu' },
  { device: 'cuda', skip: !gpu, label: gpu ? 'cuda' : `cuda (skipped: ${gpuSkipReason})` },
];

export const floatDTypes: FloatDType[] = ['f32', 'bf16', 'f16'];

/** Relative-to-scale tolerance per dtype for outputs of O(1) magnitude computed in f32. */
export const tol: Record<FloatDType, number> = { f32: 2e-5, bf16: 1.6e-2, f16: 2e-3 };

/** Deterministic PRNG (mulberry32) so failures are reproducible; the seed is in the test name. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples. */
export function randn(n: number, seed: number, scale = 1): Float64Array {
  const r = rng(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = Math.max(r(), 1e-12);
    out[i] = scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
  }
  return out;
}

/** A fresh seed per call (logged by callers) so every run draws new inputs. */
export function freshSeed(): number {
  return (Math.random() * 2 ** 31) | 0;
}

/** Data rounded to `dtype`, as the kernel will see it, so the reference gets the same inputs. */
export function quantize(data: Float64Array, dtype: FloatDType): Float64Array {
  return data.map((v) => roundTo(dtype, v));
}

/** Uploads f64 data as `dtype` on `device`. */
export function upload(data: Float64Array, shape: number[], dtype: FloatDType | 'i32' | 'i64', device: Device): Tensor {
  return Tensor.from(data, shape, { dtype, device });
}

/** An output buffer filled with NaN (or a sentinel for ints), so unwritten elements are caught. */
export function poisoned(shape: number[], dtype: FloatDType | 'i32' | 'i64', device: Device): Tensor {
  const t = Tensor.empty(shape, { dtype, device });
  fill(t, dtype === 'i32' || dtype === 'i64' ? -7777 : NaN);
  return t;
}

/**
 * Asserts max |got − want| ≤ tol · max(1, max|want|) and that nothing is NaN. Reports the worst
 * index for debugging.
 */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tolerance: number, what = ''): void {
  expect(got.length, `${what} length`).toBe(want.length);
  let scale = 1;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]!));
  let worst = 0;
  let worstAt = -1;
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    if (Number.isNaN(g) !== Number.isNaN(want[i]!)) {
      worst = Infinity;
      worstAt = i;
      break;
    }
    const d = Math.abs(g - want[i]!);
    if (d > worst) {
      worst = d;
      worstAt = i;
    }
  }
  const msg = `${what}: max abs err ${worst.toExponential(3)} at ${worstAt} (got ${got[worstAt]}, want ${want[worstAt]}), scale ${scale.toExponential(2)}, tol ${tolerance}`;
  expect(worst <= tolerance * scale, msg).toBe(true);
}
