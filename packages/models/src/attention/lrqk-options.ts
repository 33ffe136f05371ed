import type { KvLayout } from '@lrqk/kv-cache';
import type { DeviceInit, GroupScore } from '@lrqk/lowrank/device';

/** LRQK hyperparameters (defaults follow the paper: r=32, k=2048, L=64, 2 iterations, tol 1e-2). */
export interface LrqkOptions {
  rank: number;
  topK: number;
  lite: number;
  /** Prefill iterations (max_iter[0]) and decode iterations (max_iter[1]). */
  iterations: [number, number];
  tol: [number, number];
  /** λ_Q, λ_K, λ1, λ2. */
  lambdas: [number, number, number, number];
  layout: KvLayout;
  /**
   * How a KV group's proxy scores are combined in the shared layout: `max` (default) keeps a key
   * that one query head needs; `sum` lets the other heads' scores cancel it.
   */
  groupScore: GroupScore;
  /** Starting factors of the prefill factorization (spec B.4): seeded `randn`, `top` or `topcol`. */
  init: DeviceInit;
  /** Seed of the `randn` init (per layer: seed·1000 + layer). */
  seed: number;
  /** Reference compatibility: exclude position p−L from candidates (spec G.3). */
  candidateOffByOne: boolean;
  /**
   * Measure attention fidelity at every sparse decode step (exact attention over all cached keys,
   * kept in an extra device copy of K): slow, for evaluation; reported as `stats().fidelity`.
   */
  fidelity: boolean;
  /**
   * CUDA graph decode: tokens one captured graph serves before it is captured again. Its proxy
   * scores cover the candidates up to that far, so a longer span reads more of A_K every step.
   */
  graphSpan: number;
}

export const defaultLrqkOptions: LrqkOptions = {
  rank: 32,
  topK: 2048,
  lite: 64,
  iterations: [2, 2],
  tol: [1e-2, 1e-2],
  lambdas: [1, 1, 1, 1],
  layout: 'per-kv-head',
  groupScore: 'max',
  init: 'randn',
  seed: 0,
  candidateOffByOne: false,
  fidelity: false,
  graphSpan: 8192,
};

export function resolveLrqkOptions(o: Partial<LrqkOptions> = {}): LrqkOptions {
  const r = { ...defaultLrqkOptions, ...o };
  for (const [name, v] of [['rank', r.rank], ['topK', r.topK], ['lite', r.lite], ['graphSpan', r.graphSpan]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`lrqk: ${name} must be a positive integer, got ${v}`);
  }
  const [itPrefill, itDecode] = r.iterations;
  if (!Number.isInteger(itPrefill) || itPrefill < 0 || !Number.isInteger(itDecode) || itDecode < 1) {
    throw new RangeError(`lrqk: iterations must be [prefill ≥ 0, decode ≥ 1] integers, got [${r.iterations.join(', ')}]`);
  }
  if (!r.tol.every((t) => Number.isFinite(t) && t >= 0)) throw new RangeError(`lrqk: tol must be two finite numbers ≥ 0, got [${r.tol.join(', ')}]`);
  if (!r.lambdas.every((l) => Number.isFinite(l) && l > 0)) throw new RangeError(`lrqk: lambdas must be four finite numbers > 0, got [${r.lambdas.join(', ')}]`);
  if (!Number.isSafeInteger(r.seed) || r.seed < 0) throw new RangeError(`lrqk: seed must be a non-negative integer, got ${r.seed}`);
  if (r.init !== 'randn' && r.init !== 'top' && r.init !== 'topcol') throw new RangeError(`lrqk: init must be 'randn', 'top' or 'topcol', got '${String(r.init)}'`);
  if (r.groupScore !== 'max' && r.groupScore !== 'sum') throw new RangeError(`lrqk: groupScore must be 'max' or 'sum', got '${String(r.groupScore)}'`);
  if (r.layout !== 'per-query-head' && r.layout !== 'per-kv-head') throw new RangeError(`lrqk: layout must be 'per-query-head' or 'per-kv-head', got '${String(r.layout)}'`);
  if (r.rank > 64) throw new RangeError(`lrqk: rank ≤ 64 supported, got ${r.rank}`);
  return r;
}
