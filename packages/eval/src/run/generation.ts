// One greedy generation on a fresh backend, with the numbers an evaluation records.
import type { EngineResult } from '@lrqk/engine';
import { EvalError } from '../errors.ts';
import type { EvalEngine } from './engine-like.ts';
import type { MethodSpec } from './methods.ts';

/** The generated text and what it cost. */
export interface GenerationOutcome {
  text: string;
  aborted: boolean;
  values: Record<string, number>;
  result: EngineResult;
  /**
   * With `trackHitRate`: the hit rate of each decode step (hits / (hits + misses) of the rows it
   * needed), null for steps that moved no rows (dense steps). Step i produced token i + 1.
   */
  stepHitRate?: (number | null)[];
}

/** How generateWith decodes. */
export interface GenerateWithOptions {
  maxNewTokens: number;
  signal?: AbortSignal;
  /** Stop strings (e.g. "\n" for LongBench's samsum). */
  stop?: readonly string[];
  /** LRQK options added to the method's (e.g. `{ fidelity: true }`). */
  extraLrqk?: Record<string, unknown>;
  /** Read the backend's hit/miss counters after every token (a device read per step: for fidelity runs). */
  trackHitRate?: boolean;
  /** Names the item in errors (e.g. its result key). */
  label?: string;
}

/**
 * Runs greedy decoding after `promptIds` with a fresh backend of `method`; disposes the backend.
 * Failures (out of memory at a length, a bad LRQK option) name the item and the method.
 */
export async function generateWith(engine: EvalEngine, method: MethodSpec, promptIds: readonly number[], o: GenerateWithOptions): Promise<GenerationOutcome> {
  try {
    return await generateOnce(engine, method, promptIds, o);
  } catch (error) {
    if (o.signal?.aborted) throw error;
    const what = o.label ?? `${method.label} on ${promptIds.length} prompt tokens`;
    throw new EvalError(`${what}: ${(error as Error).message}`, { cause: error });
  }
}

async function generateOnce(engine: EvalEngine, method: MethodSpec, promptIds: readonly number[], o: GenerateWithOptions): Promise<GenerationOutcome> {
  const backend = await engine.createBackend({
    method: method.method,
    lrqk: { ...method.lrqk, ...(o.extraLrqk ?? {}) },
    maxTokens: promptIds.length + o.maxNewTokens,
  });
  try {
    const it = engine.generate(promptIds, {
      backend,
      maxTokens: o.maxNewTokens,
      temperature: 0,
      seed: 0,
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.stop && o.stop.length > 0 ? { stop: o.stop } : {}),
    });
    const stepHitRate: (number | null)[] = [];
    let last: { hits: number; misses: number } | undefined;
    let step = await it.next();
    while (!step.done) {
      if (o.trackHitRate) {
        const a = backend.stats();
        const now = { hits: a.hits ?? 0, misses: a.misses ?? 0 };
        if (last !== undefined) {
          const moved = now.hits - last.hits + (now.misses - last.misses);
          stepHitRate.push(moved > 0 ? (now.hits - last.hits) / moved : null);
        }
        last = now;
      }
      step = await it.next();
    }
    const r = step.value;
    const a = r.attention;
    const values: Record<string, number> = {
      promptTokens: r.usage.promptTokens,
      generatedTokens: r.usage.completionTokens,
      prefillMs: r.timing.prefillMs,
      decodeMs: r.timing.decodeMs,
      msPerToken: r.timing.msPerToken,
      deviceBytes: a.deviceBytes,
      hostBytes: a.hostBytes,
    };
    if (a.hits !== undefined && a.misses !== undefined) {
      values['hits'] = a.hits;
      values['misses'] = a.misses;
      if (a.hits + a.misses > 0) values['hitRate'] = a.hits / (a.hits + a.misses);
    }
    if (a.bytesHostToDevice !== undefined) values['bytesHostToDevice'] = a.bytesHostToDevice;
    if (a.extraPrefillMs !== undefined) values['extraPrefillMs'] = a.extraPrefillMs;
    return { text: r.text, aborted: r.finishReason === 'abort', values, result: r, ...(o.trackHitRate ? { stepHitRate } : {}) };
  } finally {
    backend.dispose();
  }
}
