import { native } from '../native.ts';
import { Tensor } from '../tensor.ts';

declare module '../native.ts' {
  interface NativeAddon {
    indexRows(table: Tensor, rows: Tensor, indices: Tensor, scatter: boolean, groupSize: number, skipNegative: boolean, checkBounds: boolean): void;
  }
}

export interface IndexRowsOptions {
  /** Batch b of the indices uses table batch floor(b / groupSize) (GQA: query head → KV head). */
  groupSize?: number;
  /** Negative indices leave their row untouched instead of being out of range. */
  skipNegative?: boolean;
  /** Check indices (on CUDA this costs one small synchronous copy). Default true. */
  checkBounds?: boolean;
}

/**
 * Gathers rows: out[b, j] = src[b / groupSize, indices[b, j]] for src (Bs, N, W) and indices
 * (B, M), or out[j] = src[indices[j]] for src (N, W) and indices (M). src may be pinned host
 * memory while indices and out are on the device: the GPU reads the rows straight over PCIe.
 */
export function indexSelect(src: Tensor, indices: Tensor, opts: IndexRowsOptions & { out?: Tensor } = {}): Tensor {
  const batched = indices.ndim === 2;
  const W = src.size(-1);
  const shape = batched ? [indices.size(0), indices.size(1), W] : [indices.size(0), W];
  const device = indices.device;
  const out = opts.out ?? Tensor.empty(shape, { dtype: src.dtype, device });
  native.indexRows(src, out, indices, false, opts.groupSize ?? 1, opts.skipNegative ?? false, opts.checkBounds ?? true);
  return out;
}

/** Scatters rows: dst[b / groupSize, indices[b, j]] = src[b, j] (the inverse of indexSelect). */
export function indexCopy(dst: Tensor, indices: Tensor, src: Tensor, opts: IndexRowsOptions = {}): Tensor {
  native.indexRows(dst, src, indices, true, opts.groupSize ?? 1, opts.skipNegative ?? false, opts.checkBounds ?? true);
  return dst;
}
