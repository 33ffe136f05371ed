import type { Device, FloatDType } from '@lrqk/tensor';

/**
 * Slot layout on the device. `per-query-head` keeps one slot buffer and one selection per query
 * head (the LRQK reference; KV rows are duplicated across a GQA group). `per-kv-head` keeps one
 * per KV head, shared by the group's query heads: G× less slot memory and PCIe traffic.
 */
export type KvLayout = 'per-query-head' | 'per-kv-head';

export interface KvTierConfig {
  layers: number;
  /** Query heads (H). */
  heads: number;
  /** KV heads (Hkv); H must be a multiple. */
  kvHeads: number;
  headDim: number;
  /** Active (selected) slots per head: LRQK's top-k. */
  activeSlots: number;
  /** Recency ("lite") slots per head: LRQK's L. */
  liteSlots: number;
  /** Host store capacity in tokens (grows ×1.5 when exceeded). */
  capacityTokens: number;
  dtype: FloatDType;
  layout: KvLayout;
  /** Where the slots live: 'cuda' for real work, 'cpu' to run the same logic on the host. */
  device: Device;
}

/** Validated config plus derived sizes. */
export interface ResolvedKvTierConfig extends KvTierConfig {
  groupSize: number;
  /** Heads that own slot buffers (H or Hkv, by layout). */
  slotHeads: number;
  /** Slots per head: activeSlots + liteSlots. */
  slotsPerHead: number;
  /** Bytes of one K‖V row of one head. */
  rowBytes: number;
}

const bytesOf = { f32: 4, f16: 2, bf16: 2 } as const;

export class KvConfigError extends Error {
  override name = 'KvConfigError';
}

export function resolveConfig(c: KvTierConfig): ResolvedKvTierConfig {
  const ints: [keyof KvTierConfig, number][] = [
    ['layers', 1],
    ['heads', 1],
    ['kvHeads', 1],
    ['headDim', 1],
    ['activeSlots', 1],
    ['liteSlots', 1],
    ['capacityTokens', 1],
  ];
  for (const [k, min] of ints) {
    const v = c[k] as number;
    if (!Number.isInteger(v) || v < min) throw new KvConfigError(`${k} must be an integer ≥ ${min}, got ${v}`);
  }
  if (c.heads % c.kvHeads !== 0) throw new KvConfigError(`heads (${c.heads}) must be a multiple of kvHeads (${c.kvHeads})`);
  if (c.activeSlots > 8192) throw new KvConfigError(`activeSlots ≤ 8192 (got ${c.activeSlots})`);
  const groupSize = c.heads / c.kvHeads;
  const slotHeads = c.layout === 'per-query-head' ? c.heads : c.kvHeads;
  return {
    ...c,
    groupSize,
    slotHeads,
    slotsPerHead: c.activeSlots + c.liteSlots,
    rowBytes: 2 * c.headDim * bytesOf[c.dtype],
  };
}
