// The decode loop: prefill the prompt, then one token at a time until a stop token, a stop string,
// max tokens, or cancellation. Streams tokens as an async iterator and reports usage.
import { synchronize, type Tensor } from '@lrqk/tensor';
import type { AttentionBackend } from '../attention/backend.ts';
import { chooseToken, SeededRandom, validateSampling, type SamplingParams } from './sampling.ts';

/** A model's fast decode path (LlamaDecodeGraph): one token at the backend's length → (1, V) logits. */
export interface DecodeStepper {
  step(token: number, position: number): Tensor;
  dispose(): void;
}

/** What the loop needs of a model: forward with a start position and the prompt's-last-chunk flag. */
export interface CausalLM {
  forward(ids: ArrayLike<number>, backend: AttentionBackend, opts?: { start?: number; last?: boolean }): Tensor;
  /**
   * Optional faster decode for this backend (undefined when there is none); asked once, after the
   * first eager decode step. Its steps must produce the logits forward() would.
   */
  decodeStepper?(backend: AttentionBackend): DecodeStepper | undefined;
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
  /** Called during prefill with prompt tokens done so far (0, then after each chunk). */
  onPrefill?: (done: number, total: number) => void;
  /**
   * Prompt tokens per forward call during prefill (default 4096), which bounds activation memory
   * (the MLP's (T, 2·intermediate) buffer dominates: 4096 tokens of Llama-3.1-8B are 470 MB in bf16)
   * independently of the prompt's length. Backends that cannot take a prompt in pieces get it whole.
   */
  prefillChunkTokens?: number;
}

/** Default prompt chunk of prefill (tokens). */
export const DEFAULT_PREFILL_CHUNK_TOKENS = 4096;

/**
 * Whether a backend accepts a prompt in several forward calls. Full attention and the offload
 * baseline do (attention over the stored past + the chunk, causal). LRQK factorizes the prompt's
 * Q/K when its first chunk outgrows its slots, so it gets the prompt whole until it declares
 * `chunkedPrefill: true` (and then it is told the prompt's last chunk by `AttentionStep.last`).
 */
export function acceptsChunkedPrefill(backend: AttentionBackend): boolean {
  const declared = (backend as { chunkedPrefill?: unknown }).chunkedPrefill;
  if (typeof declared === 'boolean') return declared;
  return backend.name === 'full' || backend.name === 'offload';
}

/**
 * Runs `promptIds` through `model` in chunks of `chunkTokens` (or whole, for backends that need it)
 * starting at position 0; returns the last chunk's logits (1, V). The caller disposes them.
 */
export async function prefill(
  model: CausalLM,
  backend: AttentionBackend,
  promptIds: readonly number[],
  opts: { chunkTokens?: number; onChunk?: (done: number, total: number) => void; signal?: AbortSignal } = {},
): Promise<Tensor> {
  const chunkTokens = opts.chunkTokens ?? DEFAULT_PREFILL_CHUNK_TOKENS;
  if (!(Number.isInteger(chunkTokens) && chunkTokens >= 1)) throw new RangeError(`prefillChunkTokens must be a positive integer, got ${chunkTokens}`);
  const n = promptIds.length;
  if (n === 0) throw new RangeError('prefill: empty prompt');
  const chunk = acceptsChunkedPrefill(backend) ? chunkTokens : n;
  let logits: Tensor | undefined;
  try {
    for (let start = 0; start < n; start += chunk) {
      const end = Math.min(n, start + chunk);
      logits?.dispose();
      logits = undefined;
      logits = model.forward(promptIds.slice(start, end), backend, { start, last: end === n });
      opts.onChunk?.(end, n);
      if (end < n) {
        // Between chunks: let progress output and cancellation through.
        await new Promise<void>((r) => setImmediate(r));
        opts.signal?.throwIfAborted();
      }
    }
  } catch (e) {
    logits?.dispose();
    throw e;
  }
  return logits!;
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
  /** How decode steps after the first ran: replaying a captured CUDA graph, or op by op. */
  decodePath: 'cuda-graph' | 'eager';
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
  let logits: Tensor;
  try {
    logits = await prefill(model, backend, promptIds, {
      ...(opts.prefillChunkTokens !== undefined ? { chunkTokens: opts.prefillChunkTokens } : {}),
      ...(opts.onPrefill !== undefined ? { onChunk: opts.onPrefill } : {}),
      ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
    });
  } catch (e) {
    // Cancelled during prefill: nothing generated.
    if (opts.signal?.aborted && e === opts.signal.reason) {
      const t = performance.now() - t0;
      return {
        ids: [],
        text: '',
        finishReason: 'abort',
        usage: { promptTokens: promptIds.length, completionTokens: 0, totalTokens: promptIds.length },
        timing: { prefillMs: t, decodeMs: 0, msPerToken: 0 },
        decodePath: 'eager',
      };
    }
    throw e;
  }
  // The first token reads the logits back (a sync) anyway; syncing here puts the device's prefill
  // work into prefillMs instead of the first decode step.
  if (logits.device === 'cuda') synchronize();
  const t1 = performance.now();
  let stepper: DecodeStepper | undefined;
  let eagerSteps = 0;
  // Whether to ask for a stepper again later: a backend may only be ready for graphs once the
  // sequence is long enough (LRQK: once every layer is sparse).
  let askAgain = true;
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
      const position = promptIds.length + out.length - 1;
      // The first decode step runs eagerly (creating lazy library state), then the model may offer
      // a captured-graph path for the rest.
      if (stepper === undefined && askAgain && eagerSteps >= 1 && model.decodeStepper !== undefined) {
        stepper = model.decodeStepper(backend);
        askAgain = stepper === undefined && backend.forwardGraphDecode !== undefined && backend.graphHorizon?.(position) === undefined;
      }
      if (stepper !== undefined) {
        logits = stepper.step(id, position);
      } else {
        logits = model.forward([id], backend, { start: position });
        eagerSteps++;
      }
    }
  } finally {
    if (!logits.disposed) logits.dispose();
    stepper?.dispose();
  }
  const t2 = performance.now();
  return {
    ids: out,
    text: emitted,
    finishReason: finish,
    usage: { promptTokens: promptIds.length, completionTokens: out.length, totalTokens: promptIds.length + out.length },
    timing: { prefillMs: t1 - t0, decodeMs: t2 - t1, msPerToken: out.length > 1 ? (t2 - t1) / (out.length - 1) : 0 },
    decodePath: stepper !== undefined ? 'cuda-graph' : 'eager',
  };
}
