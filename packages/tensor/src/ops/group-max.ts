import { ShapeError } from '../errors.ts';
import { native } from '../native.ts';
import { Tensor } from '../tensor.ts';

declare module '../native.ts' {
  interface NativeAddon {
    groupMax(x: Tensor, out: Tensor): void;
  }
}

/**
 * out[b, n] = max over g of x[b, g, n] for x (B, G, N) with a contiguous last dim (any strides on
 * dims 0 and 1: e.g. G proxy-score rows per KV group). NaN is ignored; a column of all NaN gives
 * NaN. Output (B, N), x's dtype; runs on x's device without host synchronisation.
 */
export function groupMax(x: Tensor, opts: { out?: Tensor } = {}): Tensor {
  if (x.ndim !== 3) throw new ShapeError(`group_max: x must be (B, G, N), got [${x.shape.join(',')}]`, 'group_max', 'LRQK_SHAPE');
  const out = opts.out ?? Tensor.empty([x.size(0), x.size(2)], { dtype: x.dtype, device: x.device });
  native.groupMax(x, out);
  return out;
}
