// The decode loop: prefill the prompt, then one token at a time until a stop token, a stop string,
// max tokens, or cancellation. Streams tokens as an async iterator and reports usage.
import type { Tensor } from '@lrqk/tensor';
import type { AttentionBackend } from '../attention/backend.ts';
import { chooseToken, SeededRandom, validateSampling, type SamplingParams } from './sampling.ts';

/** What the loop needs of a model. */
export interface CausalLM {
  forward(ids: ArrayLike<number>, backend: AttentionBackend, opts?: { start?: number }): Tensor;
}

/** What the loop needs of a tokenizer (for stop strings and streamed text). */
export interface TextDecoder {
  decode(ids: readonly number[]): string;
}

export interface GenerateOptions extends SamplingParams {
  maxTokens: number;
  stopTokenIds?: readonly number[];
  stopStrings?: readonly string[];
  signal?: AbortSignal;
  decoder?: TextDecoder;
  /** Called during prefill with tokens done so far (prompt processed in one pass: 0 → n). */
  onPrefill?: (done: number, total: number) => void;
}

export type FinishReason = 'stop' | 'length' | 'abort';

export interface GeneratedToken {
  id: number;
  /** Text completed by this token (UTF-8 safe; may be empty). */
  text: string;
}

export interface GenerationResult {
  ids: number[];
  text: string;
  finishReason: FinishReason;
  usage: { promptTokens: number; completionTokens: number; totalTokens: number };
  timing: { prefillMs: number; decodeMs: number; msPerToken: number };
}

/**
 * Generates from `promptIds`. Yields each token; the iterator's return value is the result.
 * The backend must be empty (reset) on entry.
 */
export async function* generate(
  model: CausalLM,
  backend: AttentionBackend,
  promptIds: readonly number[],
  opts: GenerateOptions,
): AsyncGenerator<GeneratedToken, GenerationResult, void> {
  validateSampling(opts);
  if (promptIds.length === 0) throw new RangeError('generate: empty prompt');
  if (!(Number.isInteger(opts.maxTokens) && opts.maxTokens >= 0)) throw new RangeError(`generate: maxTokens must be a non-negative integer`);
  const rng = new SeededRandom(opts.seed ?? 0);
  const stopIds = new Set(opts.stopTokenIds ?? []);
  const stops = opts.stopStrings ?? [];
  const seen = new Set<number>(opts.repetitionPenalty ? promptIds : []);
  const out: number[] = [];
  let emitted = '';
  let finish: FinishReason = 'length';
  const t0 = performance.now();
  opts.onPrefill?.(0, promptIds.length);
  let logits = model.forward(promptIds, backend, { start: 0 });
  opts.onPrefill?.(promptIds.length, promptIds.length);
  const t1 = performance.now();
  try {
    while (out.length < opts.maxTokens) {
      if (opts.signal?.aborted) {
        finish = 'abort';
        break;
      }
      const id = chooseToken(logits, opts, rng, seen);
      logits.dispose();
      if (stopIds.has(id)) {
        finish = 'stop';
        break;
      }
      out.push(id);
      seen.add(id);
      let text = '';
      if (opts.decoder) {
        const full = opts.decoder.decode(out);
        // Hold back an incomplete UTF-8 sequence (U+FFFD at the end) until the next token.
        const safe = full.endsWith('\uFFFD') ? full.slice(0, -1) : full;
        const stopAt = stops.length ? Math.min(...stops.map((s) => (safe.indexOf(s) >= 0 ? safe.indexOf(s) : Infinity))) : Infinity;
        if (stopAt !== Infinity) {
          text = safe.slice(emitted.length, Math.max(emitted.length, stopAt));
          emitted += text;
          if (text) yield { id, text };
          finish = 'stop';
          break;
        }
        if (safe.length > emitted.length && safe.startsWith(emitted)) {
          text = safe.slice(emitted.length);
          emitted = safe;
        }
      }
      yield { id, text };
      if (out.length >= opts.maxTokens) break;
      // Let cancellation and other work in the event loop through between tokens.
      await new Promise<void>((r) => setImmediate(r));
      logits = model.forward([id], backend, { start: promptIds.length + out.length - 1 });
    }
  } finally {
    if (!logits.disposed) logits.dispose();
  }
  const t2 = performance.now();
  return {
    ids: out,
    text: emitted,
    finishReason: finish,
    usage: { promptTokens: promptIds.length, completionTokens: out.length, totalTokens: promptIds.length + out.length },
    timing: { prefillMs: t1 - t0, decodeMs: t2 - t1, msPerToken: out.length > 1 ? (t2 - t1) / (out.length - 1) : 0 },
  };
}
