import type { KvLayout } from '@lrqk/kv-cache';

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
  /** How a KV group's proxy scores are combined in the shared layout (sum = one GEMV). */
  groupScore: 'sum';
  seed: number;
  /** Reference compatibility: exclude position p−L from candidates (spec G.3). */
  candidateOffByOne: boolean;
}

export const defaultLrqkOptions: LrqkOptions = {
  rank: 32,
  topK: 2048,
  lite: 64,
  iterations: [2, 2],
  tol: [1e-2, 1e-2],
  lambdas: [1, 1, 1, 1],
  layout: 'per-kv-head',
  groupScore: 'sum',
  seed: 0,
  candidateOffByOne: false,
};

export function resolveLrqkOptions(o: Partial<LrqkOptions> = {}): LrqkOptions {
  const r = { ...defaultLrqkOptions, ...o };
  for (const [name, v] of [['rank', r.rank], ['topK', r.topK], ['lite', r.lite]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`lrqk: ${name} must be a positive integer, got ${v}`);
  }
  if (r.rank > 64) throw new RangeError(`lrqk: rank ≤ 64 supported, got ${r.rank}`);
  return r;
}
