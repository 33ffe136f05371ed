/** Element types supported by @lrqk/tensor. */
export type DType = 'f32' | 'f16' | 'bf16' | 'i32' | 'i64' | 'u8';
/** Floating-point element types. */
export type FloatDType = 'f32' | 'f16' | 'bf16';
/** Index element types. */
export type IndexDType = 'i32' | 'i64';

/** Bytes per element. */
export function dtypeBytes(dtype: DType): number {
  switch (dtype) {
    case 'f32':
    case 'i32':
      return 4;
    case 'f16':
    case 'bf16':
      return 2;
    case 'i64':
      return 8;
    case 'u8':
      return 1;
  }
}

export function isFloatDType(dtype: DType): dtype is FloatDType {
  return dtype === 'f32' || dtype === 'f16' || dtype === 'bf16';
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Rounds an f32 value to bf16 bits (round to nearest even). */
export function f32ToBf16Bits(v: number): number {
  f32[0] = v;
  const u = u32[0]!;
  if ((u & 0x7fffffff) > 0x7f800000) return ((u >>> 16) | 0x40) & 0xffff;
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

export function bf16BitsToF32(h: number): number {
  u32[0] = (h & 0xffff) << 16;
  return f32[0]!;
}

/** Rounds an f32 value to IEEE half bits (round to nearest even). */
export function f32ToF16Bits(v: number): number {
  f32[0] = v;
  const u = u32[0]!;
  const sign = (u >>> 16) & 0x8000;
  const au = u & 0x7fffffff;
  if (au > 0x7f800000) return sign | 0x7e00;
  if (au >= 0x477ff000) return sign | 0x7c00;
  if (au < 0x38800000) {
    if (au < 0x33000000) return sign;
    const man = (au & 0x7fffff) | 0x800000;
    const shift = 126 - (au >>> 23);
    const half = 1 << (shift - 1);
    const rem = man & ((1 << shift) - 1);
    let r = man >>> shift;
    if (rem > half || (rem === half && r & 1)) r++;
    return sign | r;
  }
  let r = au - 0x38000000;
  const rem = r & 0x1fff;
  r >>>= 13;
  if (rem > 0x1000 || (rem === 0x1000 && r & 1)) r++;
  return sign | r;
}

export function f16BitsToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const man = h & 0x3ff;
  if (exp === 0) return sign * man * 2 ** -24;
  if (exp === 31) return man ? NaN : sign * Infinity;
  return sign * (1 + man / 1024) * 2 ** (exp - 15);
}

/** Value after a round trip through `dtype` (what a kernel storing `v` in that dtype keeps). */
export function roundTo(dtype: FloatDType, v: number): number {
  if (dtype === 'bf16') return bf16BitsToF32(f32ToBf16Bits(v));
  if (dtype === 'f16') return f16BitsToF32(f32ToF16Bits(v));
  return Math.fround(v);
}

/** Encodes numbers into the raw bytes of `dtype`. */
export function encode(dtype: DType, data: ArrayLike<number>): ArrayBufferView {
  const n = data.length;
  switch (dtype) {
    case 'f32':
      return data instanceof Float32Array ? data : Float32Array.from(data);
    case 'i32':
      return data instanceof Int32Array ? data : Int32Array.from(data);
    case 'u8':
      return data instanceof Uint8Array ? data : Uint8Array.from(data);
    case 'i64': {
      const out = new BigInt64Array(n);
      for (let i = 0; i < n; i++) out[i] = BigInt(Math.trunc(data[i]!));
      return out;
    }
    case 'bf16':
    case 'f16': {
      const out = new Uint16Array(n);
      const conv = dtype === 'bf16' ? f32ToBf16Bits : f32ToF16Bits;
      for (let i = 0; i < n; i++) out[i] = conv(data[i]!);
      return out;
    }
  }
}

/** Decodes raw bytes of `dtype` into f64 numbers (int64 must fit in 2^53). */
export function decode(dtype: DType, buf: ArrayBuffer): Float64Array {
  switch (dtype) {
    case 'f32':
      return Float64Array.from(new Float32Array(buf));
    case 'i32':
      return Float64Array.from(new Int32Array(buf));
    case 'u8':
      return Float64Array.from(new Uint8Array(buf));
    case 'i64': {
      const src = new BigInt64Array(buf);
      const out = new Float64Array(src.length);
      for (let i = 0; i < src.length; i++) out[i] = Number(src[i]!);
      return out;
    }
    case 'bf16':
    case 'f16': {
      const src = new Uint16Array(buf);
      const out = new Float64Array(src.length);
      const conv = dtype === 'bf16' ? bf16BitsToF32 : f16BitsToF32;
      for (let i = 0; i < src.length; i++) out[i] = conv(src[i]!);
      return out;
    }
  }
}
