import { NumericError } from '../errors.ts';
import { native } from '../native.ts';
import { Tensor } from '../tensor.ts';

declare module '../native.ts' {
  interface NativeAddon {
    choleskySolve(a: Tensor, rhs: Tensor, out: Tensor, info: Tensor, jitter: number): void;
  }
}

export interface CholeskySolveOptions {
  /** First relative diagonal jitter tried when A is not numerically positive definite (1e-6). */
  jitter?: number;
  out?: Tensor;
  /** (B) i32 per-matrix status: 0 ok, 1 solved with jitter, 2 failed. */
  info?: Tensor;
  /** Throw NumericError when a matrix could not be factored (default true; on CUDA one sync). */
  check?: boolean;
}

/** x = A⁻¹·rhs for batches of symmetric positive definite A (B, r, r) f32, rhs (B, r, m) f32. */
export function choleskySolve(a: Tensor, rhs: Tensor, opts: CholeskySolveOptions = {}): Tensor {
  const out = opts.out ?? Tensor.empty(rhs.shape, { dtype: 'f32', device: rhs.device });
  const info = opts.info ?? Tensor.empty([a.size(0)], { dtype: 'i32', device: a.device });
  try {
    native.choleskySolve(a, rhs, out, info, opts.jitter ?? 1e-6);
    if (opts.check ?? true) {
      const status = info.toArray();
      const bad = status.findIndex((s) => s === 2);
      if (bad >= 0) {
        throw new NumericError(`cholesky_solve: matrix ${bad} of ${status.length} is not positive definite even with jitter`, 'cholesky_solve', 'LRQK_NUMERIC');
      }
    }
  } finally {
    if (!opts.info) info.dispose();
  }
  return out;
}
