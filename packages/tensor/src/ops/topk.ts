import type { IndexDType } from '../dtype.ts';
import { native } from '../native.ts';
import { Tensor } from '../tensor.ts';

declare module '../native.ts' {
  interface NativeAddon {
    topk(x: Tensor, values: Tensor, indices: Tensor, k: number, length: number, largest: boolean, sort: number, lengthTensor?: Tensor, lengthOffset?: number): void;
  }
}

export interface TopkOptions {
  /** Largest (default) or smallest values. */
  largest?: boolean;
  /** Output order: by value (default), by ascending index, or unspecified. */
  sorted?: 'value' | 'index' | 'none';
  indexDType?: IndexDType;
  outValues?: Tensor;
  outIndices?: Tensor;
  /** Only the first `length` columns are candidates (default: all). */
  length?: number;
  /**
   * A one-element i32 tensor on x's device: the candidate count is its value + `lengthOffset`,
   * read when the op runs (so a captured CUDA graph follows it), clamped to [k, length].
   */
  lengthTensor?: Tensor;
  /** Added to `lengthTensor`'s value. Default 0. */
  lengthOffset?: number;
}

/**
 * The k largest (or smallest) entries of each row of x (rows, n), exactly, with equal values
 * ordered by lower index first, so results are reproducible and identical on CPU and GPU. NaN
 * ranks below every number. Rows may be a strided view; k ≤ 4096.
 */
export function topk(x: Tensor, k: number, opts: TopkOptions = {}): { values: Tensor; indices: Tensor } {
  const rows = x.ndim === 2 ? x.size(0) : 1;
  const x2 = x.ndim === 1 ? new Tensor(x.storage, x.dtype, [1, x.size(0)], [x.size(0), x.strides[0]!], x.offset) : x;
  const values = opts.outValues ?? Tensor.empty([rows, k], { dtype: x.dtype, device: x.device });
  const indices = opts.outIndices ?? Tensor.empty([rows, k], { dtype: opts.indexDType ?? 'i32', device: x.device });
  const sort = opts.sorted === 'index' || opts.sorted === 'none' ? 1 : 0;
  native.topk(x2, values, indices, k, opts.length ?? x2.size(1), opts.largest ?? true, sort, opts.lengthTensor, opts.lengthOffset ?? 0);
  return { values, indices };
}
