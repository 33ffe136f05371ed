/** Base class of every error @lrqk/tensor throws; `op` names the operation that failed. */
export class TensorError extends Error {
  readonly op: string;
  readonly code: string;
  constructor(message: string, op: string, code: string) {
    super(message);
    this.name = new.target.name;
    this.op = op;
    this.code = code;
  }
}
/** Wrong shape, or a view outside its storage. */
export class ShapeError extends TensorError {}
/** Wrong element type. */
export class DTypeError extends TensorError {}
/** An index outside its range. */
export class IndexOutOfRangeError extends TensorError {}
/** Device or host memory exhausted. */
export class OutOfMemoryError extends TensorError {}
/** A CUDA call failed. */
export class CudaError extends TensorError {}
/** CUDA was requested but is not compiled in or no usable device exists. */
export class CudaUnavailableError extends TensorError {}
/** Tensors on different devices, or an op given a device it cannot use. */
export class DeviceError extends TensorError {}
/** A malformed argument. */
export class ArgumentError extends TensorError {}
/** A numerical failure (e.g. a matrix that is not positive definite). */
export class NumericError extends TensorError {}

const byCode: Record<string, new (m: string, op: string, code: string) => TensorError> = {
  LRQK_SHAPE: ShapeError,
  LRQK_DTYPE: DTypeError,
  LRQK_INDEX: IndexOutOfRangeError,
  LRQK_OOM: OutOfMemoryError,
  LRQK_CUDA: CudaError,
  LRQK_CUDA_UNAVAILABLE: CudaUnavailableError,
  LRQK_DEVICE: DeviceError,
  LRQK_ARGUMENT: ArgumentError,
  LRQK_UNSUPPORTED: ArgumentError,
  LRQK_NUMERIC: NumericError,
};

/** Converts an error thrown by the addon into its typed class. */
export function fromNative(err: unknown): unknown {
  if (err instanceof TensorError || !(err instanceof Error)) return err;
  const e = err as Error & { code?: unknown; op?: unknown };
  if (typeof e.code !== 'string' || !e.code.startsWith('LRQK_')) return err;
  const Cls = byCode[e.code] ?? TensorError;
  return new Cls(e.message, typeof e.op === 'string' ? e.op : 'native', e.code);
}
