// Perplexity with a sliding window, the same protocol for every attention method: each window of
// `length` tokens prefills its first length − D tokens and then feeds the last D tokens one at a
// time, as decode steps (where an approximate backend such as LRQK actually approximates); only
// those D tokens are scored. Windows advance by D, so every scored token has at least
// length − D tokens of context and none is scored twice. PPL = exp(Σ NLL / Σ tokens).
import { EvalError } from '../errors.ts';
import type { EvalEngine } from './engine-like.ts';
import type { MethodSpec } from './methods.ts';
import { pendingWeights, ProgressClock, type ProgressEvent } from './progress.ts';
import { resultKey, type ResultRecord, type ResultsLog, type RunHeader } from './results-log.ts';
import type { RunSummary } from './ruler-runner.ts';

/** What runPerplexity runs: methods × window lengths × windows. */
export interface PerplexityOptions {
  engine: EvalEngine;
  methods: readonly MethodSpec[];
  /** Window lengths in tokens. */
  lengths: readonly number[];
  /** Token ids of the whole text (BOS included when the model adds one). */
  ids: readonly number[];
  /** Names the text in results (the "task"), e.g. "wikitext2". */
  textName: string;
  /** Scored tokens per window, fed as decode steps (D). */
  decodeTokens: number;
  /** Evaluate only this many windows, evenly spaced over the text (default: all). */
  windows?: number;
  /** Prefill chunk (tokens). */
  chunkTokens?: number;
  log: ResultsLog;
  signal?: AbortSignal;
  onProgress?: (e: ProgressEvent) => void;
  onResult?: (r: ResultRecord) => void;
}

/** The header of a perplexity run. */
export function perplexityHeader(engine: Pick<EvalEngine, 'modelId'>, o: { textName: string; textTokens: number; decodeTokens: number; windows?: number }): RunHeader {
  return {
    type: 'header',
    kind: 'ppl',
    model: engine.modelId,
    settings: { text: o.textName, textTokens: o.textTokens, decodeTokens: o.decodeTokens, windows: o.windows ?? null },
  };
}

/**
 * Window starts for a text of n tokens: begin = j·D for every window that fits, or `windows` of
 * them evenly spaced (always including the first and the last).
 */
export function windowStarts(n: number, length: number, decodeTokens: number, windows?: number): number[] {
  if (!(decodeTokens >= 1 && decodeTokens < length)) throw new EvalError(`decode tokens per window must be in [1, ${length - 1}], got ${decodeTokens}`);
  if (n < length) throw new EvalError(`the text has ${n} tokens, fewer than the window length ${length}`);
  const all = Math.floor((n - length) / decodeTokens) + 1;
  if (windows === undefined || windows >= all) return Array.from({ length: all }, (_, j) => j * decodeTokens);
  if (windows === 1) return [0];
  return Array.from({ length: windows }, (_, i) => Math.round((i * (all - 1)) / (windows - 1)) * decodeTokens);
}

/** Scores every (length, window, method) not yet in the log, appending each result as it finishes. */
export async function runPerplexity(o: PerplexityOptions): Promise<RunSummary> {
  const longest = Math.max(...o.lengths);
  if (longest > o.engine.contextTokens) {
    throw new EvalError(`window length ${longest} exceeds the engine's context ${o.engine.contextTokens}; open it with a larger contextTokens (--context)`);
  }
  const plan = o.lengths.map((length) => ({ length, starts: windowStarts(o.ids.length, length, o.decodeTokens, o.windows) }));
  const keys = plan.flatMap((p) => p.starts.flatMap((_, i) => o.methods.map((m) => resultKey(m.label, p.length, o.textName, i))));
  const resumed = keys.filter((k) => o.log.has(k)).length;
  const clock = new ProgressClock(keys.length, resumed, pendingWeights(keys, (k) => o.log.has(k)));
  o.onProgress?.(clock.event());
  let completed = 0;
  const stopped = (): RunSummary => ({ completed, resumed, total: keys.length, aborted: true });
  for (const { length, starts } of plan) {
    for (const [index, begin] of starts.entries()) {
      const window = o.ids.slice(begin, begin + length);
      for (const m of o.methods) {
        if (o.log.has(resultKey(m.label, length, o.textName, index))) continue;
        if (o.signal?.aborted) return stopped();
        const backend = await o.engine.createBackend({ method: m.method, lrqk: m.lrqk, maxTokens: length });
        let logProbs: Float64Array;
        const t0 = performance.now();
        try {
          logProbs = await o.engine.tokenLogProbs(window, {
            backend,
            stepwiseFrom: length - o.decodeTokens,
            ...(o.chunkTokens !== undefined ? { chunkTokens: o.chunkTokens } : {}),
          });
        } finally {
          backend.dispose();
        }
        let nll = 0;
        for (let i = length - o.decodeTokens; i < length; i++) nll -= logProbs[i] as number;
        const record = o.log.append({
          method: m.label,
          length,
          task: o.textName,
          index,
          score: null,
          values: { nll, tokens: o.decodeTokens, ppl: Math.exp(nll / o.decodeTokens), begin, ms: performance.now() - t0 },
        });
        completed++;
        o.onResult?.(record);
        o.onProgress?.(clock.tick(record.key, record.length));
      }
    }
  }
  return { completed, resumed, total: keys.length, aborted: false };
}

/** exp(Σ NLL / Σ tokens) over records (the corpus perplexity, not a mean of window perplexities). */
export function corpusPerplexity(records: readonly Pick<ResultRecord, 'values'>[]): number {
  let nll = 0;
  let tokens = 0;
  for (const r of records) {
    nll += r.values['nll'] ?? 0;
    tokens += r.values['tokens'] ?? 0;
  }
  return tokens > 0 ? Math.exp(nll / tokens) : Number.NaN;
}
