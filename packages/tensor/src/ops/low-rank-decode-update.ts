import { ArgumentError, NumericError } from '../errors.ts';
import { native } from '../native.ts';
import { Tensor } from '../tensor.ts';

declare module '../native.ts' {
  interface NativeAddon {
    lowRankDecodeUpdate(
      q: Tensor,
      k: Tensor,
      bQ: Tensor,
      bK: Tensor,
      kOmega: Tensor,
      aK: Tensor,
      slotMap: Tensor,
      litePos: Tensor,
      qHat: Tensor,
      kHat: Tensor,
      status: Tensor,
      delta: Tensor | null,
      iterations: Tensor | null,
      position: number,
      groupSize: number,
      queriesPerHead: number,
      lambda1: number,
      lambda2: number,
      maxIter: number,
      tol: number,
      eps: number,
      positionTensor?: Tensor,
      worstStatus?: Tensor,
      bMode?: number,
    ): void;
  }
}

/** Per-head status codes written by {@link lowRankDecodeUpdate}. */
export const LowRankDecodeStatus = { ok: 0, jitter: 1, failed: 2 } as const;

export interface LowRankDecodeUpdateArgs {
  /** (Hf·Gq, d) float: post-RoPE query of the new token; row b·Gq + g is query g of factor head b. */
  q: Tensor;
  /** (Hkv, d) float: its key. Factor head b uses row floor(b·Gq / groupSize). */
  k: Tensor;
  /** (Hf, r, d) f32, contiguous; updated in place. */
  bQ: Tensor;
  /** (Hf, r, d) f32, contiguous; updated in place. */
  bK: Tensor;
  /** (Hf, S, d) float, last dim contiguous, any strides on dims 0 and 1: the resident keys K_Ω. */
  kOmega: Tensor;
  /** (Hf, cap, r) float, last dim contiguous: A_K by position. Row `position` receives k̂. */
  aK: Tensor;
  /** (Hf, Kact) i32: position of resident row s < Kact (−1 = empty). */
  slotMap: Tensor;
  /** (L) i32: position of resident row Kact + j, shared by all heads. S = Kact + L. */
  litePos: Tensor;
  /** Position of the token being decoded; its A_K row reads as zero (not written yet). */
  position: number;
  /**
   * One i32 on q's device that replaces `position`, read when the op runs (a captured CUDA graph
   * follows it). On CUDA a value outside A_K's capacity writes no row.
   */
  positionTensor?: Tensor;
  /** G = H / Hkv. */
  groupSize: number;
  /** Gq: query vectors per factor head (1 per-query-head, G for group-shared factors). */
  queriesPerHead: number;
  /** Weight of (q̂·k̂ − q·k)². Default 1. */
  lambda1?: number;
  /** Weight of ‖q̂A_Ωᵀ − qK_Ωᵀ‖². Default 1. */
  lambda2?: number;
  /** Alternating iterations, at least 1 run. Default 2. */
  maxIter?: number;
  /** Per-head stop when mean((k̂ − k̂_new)²) < tol. Default 1e-2. */
  tol?: number;
  /** Added to the line-search denominator of the B updates. Default 1e-6. */
  eps?: number;
  /** (Hf·Gq, r) f32 output buffer. */
  qHat?: Tensor;
  /** (Hf, r) f32 output buffer. */
  kHat?: Tensor;
  /** (Hf) i32 output buffer: 0 ok, 1 jitter was needed, 2 a solve failed. */
  status?: Tensor;
  /** (Hf) f32, optional output: the last δ per head. */
  delta?: Tensor;
  /** (Hf) i32, optional output: iterations run per head. */
  iterations?: Tensor;
  /**
   * (Hf) i32, optional, updated in place to max(worstStatus, status): the worst status seen over
   * many calls, kept on the device (no read-back, so usable inside a captured graph).
   */
  worstStatus?: Tensor;
  /**
   * The B_Q, B_K update (C.3): `'inline'` (default) in this call; `'skip'` leaves B unchanged
   * (everything else as usual); `'only'` performs just that update, from the qHat, kHat and status
   * a `'skip'` call left (pass the same tensors), writing nothing else. Skip + only on another
   * stream takes the update off the decode step's critical path: only the next step needs it.
   */
  bUpdate?: 'inline' | 'skip' | 'only';
  /** Throw NumericError when any head failed (reads `status` back: one small sync). Default true. */
  check?: boolean;
}

export interface LowRankDecodeUpdateResult {
  qHat: Tensor;
  kHat: Tensor;
  status: Tensor;
  delta?: Tensor;
  iterations?: Tensor;
}

/**
 * LRQK's decode-step factor update (spec C.2 + C.3) for all factor heads of a layer in one launch:
 * the alternating closed-form solve for q̂ (per query) and k̂ (per head), one exact-line-search
 * gradient step on B_Q and B_K (in place), and k̂ written to A_K row `position`. Computes in f32;
 * runs on the tensors' device without host synchronisation unless `check` is set.
 * Limits: r ≤ 64, d ≤ 256, queriesPerHead ≤ 16, S ≤ 16384.
 */
export function lowRankDecodeUpdate(args: LowRankDecodeUpdateArgs): LowRankDecodeUpdateResult {
  const { q, bQ } = args;
  const hf = bQ.shape[0] ?? 0;
  const r = bQ.shape[1] ?? 0;
  const gq = args.queriesPerHead;
  const device = q.device;
  if (args.bUpdate === 'only' && !(args.qHat && args.kHat && args.status))
    throw new ArgumentError("low_rank_decode_update: bUpdate 'only' reads qHat, kHat and status: pass the tensors of the 'skip' call", 'low_rank_decode_update', 'LRQK_ARGUMENT');
  const qHat = args.qHat ?? Tensor.empty([hf * gq, r], { device });
  const kHat = args.kHat ?? Tensor.empty([hf, r], { device });
  const status = args.status ?? Tensor.empty([hf], { dtype: 'i32', device });
  native.lowRankDecodeUpdate(
    q,
    args.k,
    bQ,
    args.bK,
    args.kOmega,
    args.aK,
    args.slotMap,
    args.litePos,
    qHat,
    kHat,
    status,
    args.delta ?? null,
    args.iterations ?? null,
    args.position,
    args.groupSize,
    gq,
    args.lambda1 ?? 1,
    args.lambda2 ?? 1,
    args.maxIter ?? 2,
    args.tol ?? 1e-2,
    args.eps ?? 1e-6,
    args.positionTensor,
    args.worstStatus,
    { inline: 0, skip: 1, only: 2 }[args.bUpdate ?? 'inline'],
  );
  if ((args.check ?? true) && args.bUpdate !== 'only') {
    const codes = status.toArray();
    const failed = codes.flatMap((c, b) => (c === LowRankDecodeStatus.failed ? [b] : []));
    if (failed.length > 0) {
      throw new NumericError(
        `low_rank_decode_update: the r×r solve failed (not positive definite even with jitter) for factor head(s) ${failed.join(', ')}`,
        'low_rank_decode_update',
        'LRQK_NUMERIC',
      );
    }
  }
  const out: LowRankDecodeUpdateResult = { qHat, kHat, status };
  if (args.delta) out.delta = args.delta;
  if (args.iterations) out.iterations = args.iterations;
  return out;
}
