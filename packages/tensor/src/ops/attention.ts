import { ArgumentError, ShapeError } from '../errors.ts';
import { native } from '../native.ts';
import type { Tensor } from '../tensor.ts';
import { outOrNew } from './common.ts';

declare module '../native.ts' {
  interface NativeAddon {
    attentionPrefill(q: Tensor, k: Tensor, v: Tensor, out: Tensor, scale: number, causal: boolean, window: number): void;
    attentionDecode(q: Tensor, k: Tensor, v: Tensor, out: Tensor, scale: number, length: number, lengthTensor?: Tensor): void;
  }
}

export interface AttentionPrefillOptions {
  /** Mask keys after each query's position. Default true. */
  causal?: boolean;
  /** Applied to q·k before the softmax. Default 1/sqrt(D). */
  scale?: number;
  /** (H, Tq, D) output; may be a strided view with a contiguous last dim (e.g. token-major). */
  out?: Tensor;
  /** Mistral-style sliding window: a query at position p sees only keys at positions > p - w. */
  slidingWindow?: number;
}

export interface AttentionDecodeOptions {
  /** Applied to q·k before the softmax. Default 1/sqrt(D). */
  scale?: number;
  /**
   * Number of leading K/V rows to attend (default: all S rows). A tensor holding one i32 is read
   * when the op runs — on CUDA by the kernel itself, so a captured {@link CudaGraph} replays the op
   * for whatever length the tensor then holds (the kernel clamps it to [1, S]).
   */
  length?: number | Tensor;
  /** (H, D) or (H, 1, D) output. */
  out?: Tensor;
}

function headDim(t: Tensor, op: string, what: string): number {
  if (t.ndim < 2) throw new ShapeError(`${op}: ${what} must be at least 2-D, got [${t.shape.join(',')}]`, op, 'LRQK_SHAPE');
  return t.size(-1);
}

function defaultScale(d: number): number {
  return d > 0 ? 1 / Math.sqrt(d) : 1;
}

/**
 * Softmax attention of a chunk of queries over a KV range (flash-style: no Tq×Tk matrix).
 *
 * Layout: head-major views q (H, Tq, D), k and v (Hkv, Tk, D) with any strides on the first two
 * dims and stride 1 on the last, so token-major caches (T, Hkv, D) pass as `.transpose(0, 1)`.
 * GQA: query head h reads KV head floor(h / (H / Hkv)). Query i sits at absolute position
 * Tk - Tq + i (chunked prefill over a past KV); causal masking and the sliding window use those
 * positions. f32 accumulation; q, k, v and out share one float dtype; 1 <= D <= 256 (the CUDA
 * tensor-core path covers bf16/f16 with D in {64, 128, 256}; other cases take a simple kernel).
 * Returns out, (H, Tq, D).
 */
export function attentionPrefill(q: Tensor, k: Tensor, v: Tensor, opts: AttentionPrefillOptions = {}): Tensor {
  const op = 'attentionPrefill';
  if (q.ndim !== 3) throw new ShapeError(`${op}: q must be (H, Tq, D), got [${q.shape.join(',')}]`, op, 'LRQK_SHAPE');
  const w = opts.slidingWindow;
  if (w !== undefined && !(Number.isInteger(w) && w >= 1)) {
    throw new ArgumentError(`${op}: slidingWindow must be a positive integer, got ${w}`, op, 'LRQK_ARGUMENT');
  }
  const out = outOrNew(opts.out, q, q.shape);
  native.attentionPrefill(q, k, v, out, opts.scale ?? defaultScale(q.size(2)), opts.causal ?? true, w ?? 0);
  return out;
}

/**
 * Attention of one query per head over the first `length` rows of a KV buffer (no mask).
 *
 * q (H, D) or (H, 1, D); k and v (Hk, S, D) with any strides on the first two dims and stride 1
 * on the last, where Hk divides H: Hk = Hkv for a shared (GQA) cache, Hk = H for per-query-head
 * slot buffers. Returns out, (H, D) unless `opts.out` is given.
 */
export function attentionDecode(q: Tensor, k: Tensor, v: Tensor, opts: AttentionDecodeOptions = {}): Tensor {
  const op = 'attentionDecode';
  const d = headDim(q, op, 'q');
  const given = opts.length;
  const lengthTensor = typeof given === 'object' ? given : undefined;
  const len = typeof given === 'number' ? given : k.ndim === 3 ? k.size(1) : 0;
  if (!Number.isInteger(len)) throw new ArgumentError(`${op}: length must be an integer, got ${len}`, op, 'LRQK_ARGUMENT');
  const out = outOrNew(opts.out, q, [q.size(0), d]);
  native.attentionDecode(q, k, v, out, opts.scale ?? defaultScale(d), len, lengthTensor);
  return out;
}
