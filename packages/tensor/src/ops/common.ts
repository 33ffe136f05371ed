import type { DType } from '../dtype.ts';
import { Tensor } from '../tensor.ts';

/** A new tensor on the same device as `like` (host, not pinned, for CPU tensors). */
export function emptyLike(like: Tensor, shape: readonly number[] = like.shape, dtype: DType = like.dtype): Tensor {
  return Tensor.empty(shape, { dtype, device: like.device });
}

/** `opts.out` when given (the caller's buffer), else a new tensor like `like`. */
export function outOrNew(out: Tensor | undefined, like: Tensor, shape?: readonly number[], dtype?: DType): Tensor {
  return out ?? emptyLike(like, shape, dtype);
}
