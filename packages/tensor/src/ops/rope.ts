import { native } from '../native.ts';
import { Tensor } from '../tensor.ts';
import type { Device } from '../runtime.ts';

declare module '../native.ts' {
  interface NativeAddon {
    rope(x: Tensor, positions: Tensor, cos: Tensor, sin: Tensor, out: Tensor, checkBounds: boolean): void;
  }
}

/** A cos/sin table: (positions, rotaryDim/2) f32 each. */
export interface RopeTable {
  cos: Tensor;
  sin: Tensor;
}

/**
 * Builds the table as HF transformers does in f32: angle = f32(pos · invFreq_f32),
 * cos = f32(f32(cos angle) · attentionScaling) — so long-position angles match HF bit for bit.
 */
export function ropeTable(invFreq: ArrayLike<number>, maxPositions: number, attentionScaling = 1, opts: { device?: Device | 'auto' } = {}): RopeTable {
  const half = invFreq.length;
  const cos = new Float32Array(maxPositions * half);
  const sin = new Float32Array(maxPositions * half);
  const inv = Float32Array.from(invFreq);
  const sc = Math.fround(attentionScaling);
  for (let p = 0; p < maxPositions; p++) {
    for (let i = 0; i < half; i++) {
      const angle = Math.fround(p * inv[i]!);
      cos[p * half + i] = Math.fround(Math.fround(Math.cos(angle)) * sc);
      sin[p * half + i] = Math.fround(Math.fround(Math.sin(angle)) * sc);
    }
  }
  const device = opts.device ?? 'cpu';
  return { cos: Tensor.from(cos, [maxPositions, half], { device }), sin: Tensor.from(sin, [maxPositions, half], { device }) };
}

/**
 * Rotary embedding in HF's rotate_half layout on x (T, H, D) — views with any strides on the
 * first two dims are fine, and `out: x` rotates in place. positions: (T) i32/i64.
 */
export function rope(x: Tensor, positions: Tensor, table: RopeTable, opts: { out?: Tensor; checkBounds?: boolean } = {}): Tensor {
  const out = opts.out ?? Tensor.empty(x.shape, { dtype: x.dtype, device: x.device });
  native.rope(x, positions, table.cos, table.sin, out, opts.checkBounds ?? true);
  return out;
}
