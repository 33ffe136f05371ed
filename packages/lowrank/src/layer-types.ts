// Configuration, inputs and results of the per-layer reference state machine (layer-reference.ts).
import type { DecodeUpdateOptions } from './decode-update.ts';
import { LowRankArgumentError } from './errors.ts';
import type { FactorizeOptions, Factors } from './factorize.ts';
import type { Mat } from './mat.ts';
import type { CompatOptions, PrefillBranch } from './select.ts';

/** Oracle hooks (spec H.2, H.12). */
export interface LrqkHooks {
  /** Select every candidate [0, candidate_end) instead of the top-k (active region grows). */
  readonly forceAllCandidates?: boolean;
  /** Bypass the factorization: r = d, A_K = K, B_Q = B_K = I, q̂ = q, k̂ = k. */
  readonly losslessProxy?: boolean;
}

/**
 * How misses move: `hit-miss` (default, D.2) fetches only S_new \ S_old into the stale slots;
 * `all` (D.4 "no hit/miss") fetches every selected row each step and keeps slots sorted.
 */
export type TransferMode = 'hit-miss' | 'all';

/** Configuration of one layer (batch 1). */
export interface LrqkLayerConfig {
  /** Query heads H. */
  readonly heads: number;
  /** KV heads H_kv (H must be a multiple); query head h reads KV head floor(h / (H/H_kv)). */
  readonly kvHeads: number;
  /** Head dimension d. */
  readonly headDim: number;
  /** Rank r (1 ≤ r ≤ min(d, k); r = d with the lossless-proxy hook). */
  readonly rank: number;
  /** Top-k k (≥ 1). */
  readonly topK: number;
  /** Lite window L (≥ 1). */
  readonly lite: number;
  readonly prefill?: Omit<FactorizeOptions, 'rank' | 'observer'>;
  readonly decode?: Omit<DecodeUpdateOptions, 'observer'>;
  readonly compat?: CompatOptions;
  readonly transfer?: TransferMode;
  /** Bytes per stored element for transfer statistics (default 2, bf16). */
  readonly bytesPerElement?: number;
  readonly hooks?: LrqkHooks;
}

/**
 * New tokens for every head, post-RoPE: `q[h]` (m×d) for the H query heads, `k[j]`, `v[j]` (m×d)
 * for the H_kv KV heads. Decoding takes m = 1.
 */
export interface TokenBlock {
  readonly q: readonly Mat[];
  readonly k: readonly Mat[];
  readonly v: readonly Mat[];
}

/** `pending → collecting → decoding` (B.1). */
export type LayerPhase = 'pending' | 'collecting' | 'decoding';

/**
 * What a step did: `collect` (buffered, n < k, dense), `prefill` (factorized, dense output),
 * `decode-dense` (full-cache path, n ≤ k+L), `decode-sparse` (selection + lite).
 */
export type StepKind = 'collect' | 'prefill' | 'decode-dense' | 'decode-sparse';

/** One head's selection at a sparse decode step (or at the long-branch prefill). */
export interface HeadSelection {
  readonly head: number;
  /** The new selection S_new, ascending. */
  readonly selected: readonly number[];
  /** Slot map after the step (slot s → position). */
  readonly slots: readonly number[];
  readonly hits: number;
  /** Slots written from the CPU store and the positions written there (aligned). */
  readonly missSlots: readonly number[];
  readonly missPositions: readonly number[];
  /** Positions that lost their slot. */
  readonly evicted: readonly number[];
}

/** Details of a prefill. */
export interface PrefillInfo {
  readonly n0: number;
  readonly branch: Exclude<PrefillBranch, 'collect'>;
  /** Per-head factors; undefined with the lossless-proxy hook. */
  readonly factors: readonly Factors[] | undefined;
  /** Initial active positions per head (ascending). */
  readonly selections: readonly (readonly number[])[];
}

/** Details of a decode step. */
export interface DecodeInfo {
  /** Position p of the decoded token. */
  readonly position: number;
  /** Whether this step flushed the lite window to the CPU store. */
  readonly flushed: boolean;
  /** Per head: q̂ (before the B update) and k̂ (the new A_K row p). */
  readonly qHat: readonly Float64Array[];
  readonly kHat: readonly Float64Array[];
  /** Sparse steps only: lite_pos[lite_ptr] after the write, and the candidate end used. */
  readonly oldestLite: number | undefined;
  readonly candidateEnd: number | undefined;
  /** Sparse steps only: per-head selection and hit/miss diff. */
  readonly heads: readonly HeadSelection[];
}

/** Result of {@link LrqkLayerReference.step}. */
export interface LayerStepResult {
  readonly kind: StepKind;
  /** Absolute position of the first token of the block. */
  readonly firstPosition: number;
  /** Attention output per query head (m×d). */
  readonly outputs: readonly Mat[];
  readonly prefill: PrefillInfo | undefined;
  readonly decode: DecodeInfo | undefined;
}

/** Cumulative statistics of a layer. Hits and misses are summed over query heads (D.3). */
export interface LayerStats {
  readonly decodeSteps: number;
  readonly sparseSteps: number;
  readonly hits: number;
  readonly misses: number;
  /** CPU→GPU bytes of miss rows: misses · 2d · bytesPerElement. */
  readonly bytes: number;
  readonly flushes: number;
  /** GPU→CPU bytes of lite flushes: L · H_kv · 2d · bytesPerElement each. */
  readonly flushBytes: number;
  /** Rows written to the CPU store at prefill: rows · H_kv · 2d · bytesPerElement. */
  readonly prefillStoreBytes: number;
}

/** A layer config with every default filled in. */
export interface ResolvedLayerConfig extends LrqkLayerConfig {
  readonly groupSize: number;
  readonly compat: CompatOptions;
  readonly transfer: TransferMode;
  readonly bytesPerElement: number;
  readonly hooks: LrqkHooks;
}

/** The KV head read by query head `head` under GQA: floor(head / groupSize). */
export function kvHeadOf(head: number, groupSize: number): number {
  return Math.floor(head / groupSize);
}

/** Validates a layer config and fills defaults. */
export function resolveLayerConfig(c: LrqkLayerConfig): ResolvedLayerConfig {
  const ints: [string, number, number][] = [
    ['heads', c.heads, 1],
    ['kvHeads', c.kvHeads, 1],
    ['headDim', c.headDim, 1],
    ['rank', c.rank, 1],
    ['topK', c.topK, 1],
    ['lite', c.lite, 1],
  ];
  for (const [name, v, min] of ints) {
    if (!Number.isInteger(v) || v < min) throw new LowRankArgumentError(`LrqkLayerReference: ${name} must be an integer ≥ ${min}, got ${v}`);
  }
  if (c.heads % c.kvHeads !== 0) throw new LowRankArgumentError(`LrqkLayerReference: heads ${c.heads} is not a multiple of kvHeads ${c.kvHeads}`);
  const hooks = c.hooks ?? {};
  if (hooks.losslessProxy === true) {
    if (c.rank !== c.headDim) {
      throw new LowRankArgumentError(`LrqkLayerReference: the lossless-proxy hook needs rank = headDim, got ${c.rank} and ${c.headDim}`);
    }
  } else if (c.rank > c.headDim || c.rank > c.topK) {
    // The factorization runs on n0 ≥ k rows and needs r ≤ min(n0, d).
    throw new LowRankArgumentError(`LrqkLayerReference: rank ${c.rank} must be ≤ headDim ${c.headDim} and ≤ topK ${c.topK}`);
  }
  const transfer = c.transfer ?? 'hit-miss';
  if (transfer !== 'hit-miss' && transfer !== 'all') throw new LowRankArgumentError(`LrqkLayerReference: unknown transfer mode ${String(transfer)}`);
  const bytesPerElement = c.bytesPerElement ?? 2;
  if (!(bytesPerElement > 0)) throw new LowRankArgumentError(`LrqkLayerReference: bytesPerElement must be > 0, got ${bytesPerElement}`);
  return { ...c, groupSize: c.heads / c.kvHeads, compat: c.compat ?? {}, transfer, bytesPerElement, hooks };
}
