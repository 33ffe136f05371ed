import { native } from '../native.ts';
import type { Tensor } from '../tensor.ts';
import { outOrNew } from './common.ts';

declare module '../native.ts' {
  interface NativeAddon {
    binary(a: Tensor, b: Tensor, out: Tensor, kind: 'add' | 'mul', alpha: number): void;
    scale(x: Tensor, out: Tensor, s: number): void;
  }
}

/** a + b, with b broadcast over a's leading dims when its shape is a trailing part of a's. */
export function add(a: Tensor, b: Tensor, opts: { out?: Tensor } = {}): Tensor {
  const out = outOrNew(opts.out, a);
  native.binary(a, b, out, 'add', 1);
  return out;
}

/** a + alpha·b (same broadcasting as {@link add}). */
export function addScaled(a: Tensor, b: Tensor, alpha: number, opts: { out?: Tensor } = {}): Tensor {
  const out = outOrNew(opts.out, a);
  native.binary(a, b, out, 'add', alpha);
  return out;
}

/** a · b elementwise (same broadcasting as {@link add}). */
export function mul(a: Tensor, b: Tensor, opts: { out?: Tensor } = {}): Tensor {
  const out = outOrNew(opts.out, a);
  native.binary(a, b, out, 'mul', 1);
  return out;
}

/** x · s. */
export function scale(x: Tensor, s: number, opts: { out?: Tensor } = {}): Tensor {
  const out = outOrNew(opts.out, x);
  native.scale(x, out, s);
  return out;
}
