// One greedy generation on a fresh backend, with the numbers an evaluation records.
import type { EngineResult } from '@lrqk/engine';
import type { EvalEngine } from './engine-like.ts';
import type { MethodSpec } from './methods.ts';

export interface GenerationOutcome {
  text: string;
  aborted: boolean;
  values: Record<string, number>;
  result: EngineResult;
}

export interface GenerateWithOptions {
  maxNewTokens: number;
  signal?: AbortSignal;
  /** Stop strings (e.g. "\n" for LongBench's samsum). */
  stop?: readonly string[];
  /** LRQK options added to the method's (e.g. `{ fidelity: true }`). */
  extraLrqk?: Record<string, unknown>;
}

/** Runs greedy decoding after `promptIds` with a fresh backend of `method`; disposes the backend. */
export async function generateWith(engine: EvalEngine, method: MethodSpec, promptIds: readonly number[], o: GenerateWithOptions): Promise<GenerationOutcome> {
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
    let step = await it.next();
    while (!step.done) step = await it.next();
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
    return { text: r.text, aborted: r.finishReason === 'abort', values, result: r };
  } finally {
    backend.dispose();
  }
}
