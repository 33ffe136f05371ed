import type { DType } from '../dtype.ts';
import { native } from '../native.ts';
import { setContiguousImpl, Tensor } from '../tensor.ts';

declare module '../native.ts' {
  interface NativeAddon {
    copyStrided(dst: Tensor, src: Tensor): void;
  }
}

/**
 * dst ← src for same-shape tensors with any strides (src may broadcast with stride 0), converting
 * dtypes when they differ. Works host↔host, device↔device and pinned host↔device (the GPU reads or
 * writes mapped pinned memory directly; ordinary host memory cannot be mixed with the device).
 */
export function copyStrided(dst: Tensor, src: Tensor): Tensor {
  native.copyStrided(dst, src);
  return dst;
}

/** A copy of `x` converted to `dtype` (round to nearest even for floats, truncation for ints). */
export function cast(x: Tensor, dtype: DType, opts: { out?: Tensor } = {}): Tensor {
  const out = opts.out ?? Tensor.empty(x.shape, { dtype, device: x.device });
  native.copyStrided(out, x);
  return out;
}

setContiguousImpl((t) => {
  const out = Tensor.empty(t.shape, { dtype: t.dtype, device: t.device });
  native.copyStrided(out, t);
  return out;
});
