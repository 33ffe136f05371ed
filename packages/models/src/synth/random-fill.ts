// Fast seeded random weights for synthetic checkpoints, written straight into the bytes of a
// bf16 / f16 / f32 tensor. An 8B checkpoint has 8·10⁹ values, so Box–Muller per value is too slow
// in JS; instead each 32-bit draw of xoshiro128** picks two entries of a 65,536-entry table of
// N(0, std) quantiles (already encoded in the target dtype). The result is a normal distribution
// quantized to 2¹⁶ levels and truncated at ±4.3σ — indistinguishable from N(0, std) for benchmarks.
// Streams are deterministic in (seed, tensor name) and do not depend on how the output is chunked,
// as long as chunks hold an even number of values.

export type FillDType = 'bf16' | 'f16' | 'f32';

/** Acklam's rational approximation of the standard normal inverse CDF (relative error < 1.2e-9). */
function normalQuantile(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** f32 → bf16 bits, round to nearest even. */
export function bf16Bits(x: number): number {
  f32[0] = x;
  const u = u32[0]!;
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

/** f32 → IEEE half bits, round to nearest (normal and subnormal range; no NaN/inf inputs here). */
export function f16Bits(x: number): number {
  f32[0] = x;
  const u = u32[0]!;
  const sign = (u >>> 16) & 0x8000;
  const exp = ((u >>> 23) & 0xff) - 127 + 15;
  const mant = u & 0x7fffff;
  if (exp >= 31) return sign | 0x7c00;
  if (exp <= 0) {
    if (exp < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - exp;
    return sign | ((m + (1 << (shift - 1))) >>> shift);
  }
  return (sign | (exp << 10) | (mant >>> 13)) + ((mant >>> 12) & 1);
}

const tables = new Map<string, Uint16Array | Float32Array>();

/** 65,536 N(0, std) quantiles in the target encoding (cached). */
function quantileTable(std: number, dtype: FillDType): Uint16Array | Float32Array {
  const key = `${dtype}:${std}`;
  let t = tables.get(key);
  if (!t) {
    const n = 65536;
    t = dtype === 'f32' ? new Float32Array(n) : new Uint16Array(n);
    for (let i = 0; i < n; i++) {
      const v = std * normalQuantile((i + 0.5) / n);
      t[i] = dtype === 'f32' ? v : dtype === 'bf16' ? bf16Bits(v) : f16Bits(v);
    }
    tables.set(key, t);
  }
  return t;
}

/** FNV-1a of a string, mixed with a seed: one independent stream per tensor. */
export function streamSeed(seed: number, name: string): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Fills byte buffers with N(0, std) values of one dtype from one xoshiro128** stream. */
export class NormalFiller {
  readonly dtype: FillDType;
  readonly #table: Uint16Array | Float32Array;
  #s0: number;
  #s1: number;
  #s2: number;
  #s3: number;

  constructor(std: number, dtype: FillDType, seed: number) {
    if (!(std > 0 && Number.isFinite(std))) throw new RangeError(`NormalFiller: std must be positive, got ${std}`);
    this.dtype = dtype;
    this.#table = quantileTable(std, dtype);
    // splitmix32 expands the seed into a state that is never all zero.
    let z = seed >>> 0;
    const next = () => {
      z = (z + 0x9e3779b9) >>> 0;
      let t = z;
      t = Math.imul(t ^ (t >>> 16), 0x85ebca6b);
      t = Math.imul(t ^ (t >>> 13), 0xc2b2ae35);
      return (t ^ (t >>> 16)) >>> 0;
    };
    this.#s0 = next();
    this.#s1 = next();
    this.#s2 = next();
    this.#s3 = next() | 1;
  }

  /** Fills `bytes` (a whole number of values, 4-byte aligned offset for f32) with fresh values. */
  fill(bytes: Uint8Array): void {
    const itemBytes = this.dtype === 'f32' ? 4 : 2;
    if (bytes.byteLength % itemBytes !== 0) throw new RangeError(`NormalFiller: ${bytes.byteLength} bytes is not a whole number of ${this.dtype} values`);
    const n = bytes.byteLength / itemBytes;
    const table = this.#table;
    const out =
      this.dtype === 'f32'
        ? new Float32Array(bytes.buffer, bytes.byteOffset, n)
        : new Uint16Array(bytes.buffer, bytes.byteOffset, n);
    let s0 = this.#s0;
    let s1 = this.#s1;
    let s2 = this.#s2;
    let s3 = this.#s3;
    for (let i = 0; i < n; i += 2) {
      // xoshiro128**
      const r = Math.imul(((Math.imul(s1, 5) << 7) | (Math.imul(s1, 5) >>> 25)), 9) >>> 0;
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      out[i] = table[r & 0xffff]!;
      if (i + 1 < n) out[i + 1] = table[r >>> 16]!;
    }
    this.#s0 = s0;
    this.#s1 = s1;
    this.#s2 = s2;
    this.#s3 = s3;
  }
}

/** Fills `bytes` with the constant `value` in `dtype` (norm weights 1, biases 0). */
export function fillConstant(bytes: Uint8Array, value: number, dtype: FillDType): void {
  if (dtype === 'f32') {
    new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).fill(value);
  } else {
    new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2).fill(dtype === 'bf16' ? bf16Bits(value) : f16Bits(value));
  }
}
