import type { FloatDType } from '../dtype.ts';
import { ArgumentError, DTypeError, ShapeError } from '../errors.ts';
import { native } from '../native.ts';
import { Tensor } from '../tensor.ts';
import { emptyLike } from './common.ts';

/** What the CUDA backend found when it looked for cuBLAS (loaded at run time, never linked). */
export interface BlasInfo {
  /** True once libcublas was loaded and has every entry point the addon calls. */
  loaded: boolean;
  /** The library file that was loaded. */
  path?: string;
  /** Each candidate tried, in order, with its outcome. */
  tried: string[];
  /** Why cuBLAS is unusable, when it is. */
  error?: string;
  /** major·10000 + minor·100 + patch, when the library reports it. */
  version?: number;
}

declare module '../native.ts' {
  interface NativeAddon {
    matmul(a: Tensor, b: Tensor, out: Tensor, bias: Tensor | null, transA: boolean, transB: boolean, alpha: number, beta: number): void;
    blasInfo(): BlasInfo;
  }
}

export interface MatmulOptions {
  /** `a` is stored (K, M) (or (B, K, M)) and used transposed. */
  transA?: boolean;
  /** `b` is stored (N, K) (or (B, N, K)) and used transposed — e.g. an (out, in) weight. */
  transB?: boolean;
  /** (N), added to every output row; any float dtype. */
  bias?: Tensor;
  /** Scales a·b. Default 1. */
  alpha?: number;
  /** Scales the existing `out` (which must then be given). Default 0: `out` is not read. */
  beta?: number;
  /** (M, N) or (B, M, N), dtype = input dtype or f32; may be a strided view with a contiguous last dim. */
  out?: Tensor;
  /** Dtype of a new output: the input dtype (default) or f32. */
  outDType?: FloatDType;
}

function fail(msg: string): never {
  throw new ShapeError(`matmul: ${msg}`, 'matmul', 'LRQK_SHAPE');
}

/**
 * `out = alpha · op(a) @ op(b) + beta · out + bias`, accumulated in f32.
 *
 * a: (M, K) or batched (B, M, K) — (K, M) / (B, K, M) with `transA`; b: (K, N) shared by the
 * batch or (B, K, N) — (N, K) / (B, N, K) with `transB`. A 2-D `a` with a 3-D `b` is an error.
 * a and b share a float dtype. Every operand needs a contiguous last dim; other strides are
 * free (row strides larger than the row, e.g. slices of a bigger buffer; batch strides of any
 * value, 0 broadcasting one matrix over the batch). CUDA: cuBLAS (f32 compute), and a dedicated
 * memory-bound kernel for M == 1 with `transB` (batch-1 decode).
 */
export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  if (a.ndim < 2 || a.ndim > 3) fail(`a must be 2-D or 3-D, got [${a.shape.join(',')}]`);
  if (b.ndim < 2 || b.ndim > 3) fail(`b must be 2-D or 3-D, got [${b.shape.join(',')}]`);
  const beta = opts.beta ?? 0;
  let out = opts.out;
  if (out && opts.outDType && out.dtype !== opts.outDType) {
    throw new DTypeError(`matmul: out is ${out.dtype} but outDType is ${opts.outDType}`, 'matmul', 'LRQK_DTYPE');
  }
  if (!out) {
    if (beta !== 0) throw new ArgumentError('matmul: beta != 0 needs opts.out (the values it scales)', 'matmul', 'LRQK_ARGUMENT');
    const m = opts.transA ? a.size(-1) : a.size(-2);
    const n = opts.transB ? b.size(-2) : b.size(-1);
    out = emptyLike(a, a.ndim === 3 ? [a.size(0), m, n] : [m, n], opts.outDType ?? a.dtype);
  }
  native.matmul(a, b, out, opts.bias ?? null, opts.transA ?? false, opts.transB ?? false, opts.alpha ?? 1, beta);
  return out;
}

/**
 * `x` viewed as (rows, last) without copying when its leading dims collapse into one stride;
 * undefined when they do not.
 */
function rowsView(x: Tensor): Tensor | undefined {
  const last = x.size(-1);
  if (x.ndim === 1) return new Tensor(x.storage, x.dtype, [1, last], [last, x.strides[0]!], x.offset);
  const rows = x.shape.slice(0, -1).reduce((p, q) => p * q, 1);
  let stride: number | undefined; // stride of the innermost leading dim with more than one element
  let span = 0;
  for (let d = x.ndim - 2; d >= 0; d--) {
    const size = x.shape[d]!;
    if (size === 1) continue;
    if (stride === undefined) {
      stride = x.strides[d]!;
      span = stride * size;
    } else {
      if (x.strides[d] !== span) return undefined;
      span *= size;
    }
  }
  return new Tensor(x.storage, x.dtype, [rows, last], [stride ?? last, x.strides[x.ndim - 1]!], x.offset);
}

/**
 * HF `nn.Linear`: `x @ weightᵀ + bias`. x: (..., in) — any leading dims; weight: (out, in);
 * bias: (out). Returns (..., out). `opts.out` may be f32 when x/weight are bf16/f16 (logits).
 * Leading dims of x that do not collapse into one stride are copied first.
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor, opts: { out?: Tensor } = {}): Tensor {
  if (x.ndim < 1) fail('linear: x must have at least 1 dim');
  if (weight.ndim !== 2) fail(`linear: weight must be (out, in), got [${weight.shape.join(',')}]`);
  const outShape = [...x.shape.slice(0, -1), weight.size(0)];
  let out = opts.out;
  if (out && (out.ndim !== outShape.length || out.shape.some((d, i) => d !== outShape[i]))) {
    fail(`linear: out [${out.shape.join(',')}] must be [${outShape.join(',')}]`);
  }
  out ??= emptyLike(x, outShape, x.dtype);
  const out2 = rowsView(out);
  if (!out2) fail('linear: out must be a view whose leading dims collapse into one stride');
  let x2 = rowsView(x);
  let copy: Tensor | undefined;
  if (!x2) {
    copy = x.contiguous();
    x2 = rowsView(copy)!;
  }
  try {
    matmul(x2, weight, { transB: true, ...(bias ? { bias } : {}), out: out2 });
  } finally {
    copy?.dispose();
  }
  return out;
}

/** Whether cuBLAS could be loaded (tries once, on first call, if no GEMM has yet), and from where. */
export function blasInfo(): BlasInfo {
  return native.blasInfo();
}
