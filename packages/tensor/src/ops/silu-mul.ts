import { native } from '../native.ts';
import type { Tensor } from '../tensor.ts';
import { outOrNew } from './common.ts';

declare module '../native.ts' {
  interface NativeAddon {
    siluMul(gate: Tensor, up: Tensor | null, out: Tensor): void;
  }
}

/** silu(gate) · up (the Llama MLP activation), computed in f32. */
export function siluMul(gate: Tensor, up: Tensor, opts: { out?: Tensor } = {}): Tensor {
  const out = outOrNew(opts.out, gate);
  native.siluMul(gate, up, out);
  return out;
}

/** silu(gate) · up for a fused (…, 2I) gate‖up tensor → (…, I). */
export function siluMulFused(gateUp: Tensor, opts: { out?: Tensor } = {}): Tensor {
  const shape = [...gateUp.shape];
  shape[shape.length - 1] = Math.floor((shape[shape.length - 1] ?? 0) / 2);
  const out = outOrNew(opts.out, gateUp, shape);
  native.siluMul(gateUp, null, out);
  return out;
}
