/**
 * @lrqk/kv-cache — a KV tier manager for sparse decode attention: full-precision K/V of every
 * token in pinned host memory, a device slot pool per head (active slots + a ring of recent
 * tokens), GPU-side hit/miss against the previous selection, and transfer of only the missing
 * rows. Usable on its own: give it K/V and selections; it knows nothing of models.
 *
 * @packageDocumentation
 */
export { KvTierManager, type SlotView } from './tier-manager.ts';
export { HostKvStore } from './host-store.ts';
export { SlotPool } from './slot-pool.ts';
export { KvConfigError, resolveConfig, type KvLayout, type KvTierConfig, type ResolvedKvTierConfig } from './config.ts';
export type { KvLayerStats, KvStats } from './stats.ts';
