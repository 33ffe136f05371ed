// A model directory ready to generate: checkpoint (on the chosen device), tokenizer and a factory of
// attention backends sized for the engine's context. The CLI, the server, the evaluation and the
// demo all open models through here, so loading, context checks and stop tokens behave the same.
import { basename, resolve } from 'node:path';
import {
  createAttention,
  generate,
  loadModel,
  loadModelConfig,
  type AttentionBackend,
  type AttentionMethod,
  type AttentionStats,
  type ComputeDType,
  type GeneratedToken,
  type GenerationResult,
  type LlamaModel,
  type LrqkOptions,
  type ModelConfig,
  type SamplingParams,
} from '@lrqk/models';
import { resolveDevice, type Device } from '@lrqk/tensor';
import { loadTokenizer, type ChatMessage, type ChatTemplateOptions, type Tokenizer } from '@lrqk/tokenizers';
import { ContextLengthError, EngineError } from './errors.ts';
import { tokenLogProbs } from './log-probs.ts';

/** Default context when neither the caller nor a small max_position_embeddings bounds it. */
const DEFAULT_CONTEXT_TOKENS = 32_768;

export interface OpenEngineOptions {
  /** 'auto' (default) picks CUDA when a GPU is usable, else the CPU. */
  device?: Device | 'auto';
  /** Compute dtype (default bf16 on CUDA, f32 on the CPU). */
  dtype?: ComputeDType;
  /**
   * Largest prompt + generated tokens a request may use; backends are sized for it. Default:
   * min(max_position_embeddings, 32768).
   */
  contextTokens?: number;
  /** Weight loading progress: bytes read of the checkpoint's total. */
  onProgress?: (doneBytes: number, totalBytes: number) => void;
  /**
   * Tokens of KV the memory check assumes on the compute device (default: contextTokens, as full
   * attention needs). Set it lower when only `lrqk` or `offload` will run: their KV lives in host
   * memory and the device holds top-k + lite rows per head.
   */
  deviceKvTokens?: number;
  /** Prompt tokens per prefill step (bounds activation memory; default 4096). */
  prefillChunkTokens?: number;
}

/** Which attention method a request uses, with LRQK's parameters when it is `lrqk`. */
export interface AttentionChoice {
  method: AttentionMethod;
  lrqk?: Partial<LrqkOptions>;
  /** Size the backend for this many tokens instead of the engine's whole context. */
  maxTokens?: number;
}

export interface EngineGenerateOptions extends SamplingParams {
  backend: AttentionBackend;
  maxTokens: number;
  /** Stop strings (the stop text itself is not returned). */
  stop?: readonly string[];
  /** Default: the model's EOS ids (generation_config.json / tokenizer_config.json). */
  stopTokenIds?: readonly number[];
  signal?: AbortSignal;
  onPrefill?: (doneTokens: number, totalTokens: number) => void;
  /** Prompt tokens per prefill step (default: the engine's, 4096 unless opened otherwise). */
  prefillChunkTokens?: number;
}

/** The decode loop's result plus what the attention backend reports (hits, bytes moved, memory). */
export interface EngineResult extends GenerationResult {
  attention: AttentionStats;
}

export class Engine implements AsyncDisposable {
  readonly dir: string;
  /** Directory basename: the id the server reports in /v1/models. */
  readonly modelId: string;
  readonly config: ModelConfig;
  readonly tokenizer: Tokenizer;
  readonly model: LlamaModel;
  readonly device: Device;
  readonly dtype: ComputeDType;
  readonly contextTokens: number;
  readonly prefillChunkTokens: number | undefined;
  #disposed = false;

  constructor(parts: {
    dir: string;
    config: ModelConfig;
    tokenizer: Tokenizer;
    model: LlamaModel;
    device: Device;
    dtype: ComputeDType;
    contextTokens: number;
    prefillChunkTokens?: number;
  }) {
    this.dir = parts.dir;
    this.modelId = basename(parts.dir);
    this.config = parts.config;
    this.tokenizer = parts.tokenizer;
    this.model = parts.model;
    this.device = parts.device;
    this.dtype = parts.dtype;
    this.contextTokens = parts.contextTokens;
    this.prefillChunkTokens = parts.prefillChunkTokens;
  }

  /** Token ids of a plain-text prompt, with the tokenizer's own special tokens (e.g. BOS). */
  encodePrompt(text: string): number[] {
    return this.tokenizer.encode(text, { addSpecialTokens: true });
  }

  /** Token ids of a conversation rendered with the model's chat template. */
  encodeChat(messages: readonly ChatMessage[], options: ChatTemplateOptions = { addGenerationPrompt: true }): number[] {
    return this.tokenizer.encodeChat(messages, options);
  }

  /** Throws ContextLengthError when prompt + new tokens exceed `limit` (default: the engine's context). */
  checkContext(promptTokens: number, maxNewTokens: number, limit = this.contextTokens): void {
    if (promptTokens + maxNewTokens > limit) throw new ContextLengthError(promptTokens, maxNewTokens, limit);
  }

  /** A fresh attention backend for one sequence. The caller disposes it. */
  async createBackend(choice: AttentionChoice): Promise<AttentionBackend> {
    this.#checkOpen();
    const maxTokens = choice.maxTokens ?? this.contextTokens;
    if (!(Number.isInteger(maxTokens) && maxTokens >= 1 && maxTokens <= this.contextTokens)) {
      throw new RangeError(`createBackend: maxTokens must be an integer in [1, ${this.contextTokens}], got ${maxTokens}`);
    }
    const s = this.model.spec;
    return createAttention(
      choice.method,
      {
        layers: s.layers,
        heads: s.heads,
        kvHeads: s.kvHeads,
        headDim: s.headDim,
        maxTokens,
        dtype: this.dtype,
        device: this.device,
        ...(s.slidingWindow !== undefined ? { slidingWindow: s.slidingWindow } : {}),
      },
      choice.lrqk ?? {},
    );
  }

  /**
   * Generates from prompt ids on an empty backend. Yields tokens as they are chosen; the return
   * value has the text, finish reason, usage, timing and the backend's statistics.
   */
  async *generate(promptIds: readonly number[], opts: EngineGenerateOptions): AsyncGenerator<GeneratedToken, EngineResult, void> {
    this.#checkOpen();
    this.checkContext(promptIds.length, opts.maxTokens);
    const { backend, stop, stopTokenIds, ...rest } = opts;
    const chunk = rest.prefillChunkTokens ?? this.prefillChunkTokens;
    const result = yield* generate(this.model, backend, promptIds, {
      ...rest,
      ...(chunk !== undefined ? { prefillChunkTokens: chunk } : {}),
      stopTokenIds: stopTokenIds ?? this.tokenizer.eosTokenIds,
      ...(stop !== undefined && stop.length > 0 ? { stopStrings: stop } : {}),
      decoder: this.tokenizer,
    });
    return { ...result, attention: backend.stats() };
  }

  /**
   * log p(ids[i] | ids[<i]) for every i ≥ 1 (entry 0 is NaN). Tokens before `stepwiseFrom` go through
   * in chunks of `chunkTokens` (prefill); from `stepwiseFrom` on, one at a time, as in generation —
   * which is what an approximate backend such as LRQK must see to be measured honestly.
   */
  tokenLogProbs(ids: readonly number[], opts: { backend: AttentionBackend; chunkTokens?: number; stepwiseFrom?: number }): Float64Array {
    this.#checkOpen();
    this.checkContext(ids.length, 0);
    const chunk = opts.chunkTokens ?? 2048;
    const from = Math.min(opts.stepwiseFrom ?? ids.length, ids.length);
    return tokenLogProbs(this.model, opts.backend, ids, chunk, from);
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  /** Frees the weights. Idempotent. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    this.model.dispose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }

  #checkOpen(): void {
    if (this.#disposed) throw new EngineError(`engine for ${this.dir} has been disposed`);
  }
}

/** Opens a local Hugging Face model directory (config.json, safetensors, tokenizer files). */
export async function openEngine(dir: string, opts: OpenEngineOptions = {}): Promise<Engine> {
  const abs = resolve(dir);
  const tokenizer = await loadTokenizer(abs);
  const device = resolveDevice(opts.device ?? 'auto');
  // The config is read again by loadModel; reading it first gives the context default.
  const config = await loadModelConfig(abs);
  const contextTokens = opts.contextTokens ?? Math.min(config.maxPositionEmbeddings, DEFAULT_CONTEXT_TOKENS);
  if (!(Number.isInteger(contextTokens) && contextTokens >= 1)) throw new RangeError(`openEngine: contextTokens must be a positive integer, got ${contextTokens}`);
  const loaded = await loadModel(abs, {
    device,
    contextTokens,
    ...(opts.dtype !== undefined ? { dtype: opts.dtype } : {}),
    ...(opts.onProgress !== undefined ? { onProgress: opts.onProgress } : {}),
    ...(opts.deviceKvTokens !== undefined ? { deviceKvTokens: opts.deviceKvTokens } : {}),
    ...(opts.prefillChunkTokens !== undefined ? { prefillChunkTokens: opts.prefillChunkTokens } : {}),
  });
  if (tokenizer.vocabSize > loaded.config.vocabSize) {
    loaded.model.dispose();
    throw new EngineError(
      `${abs}: the tokenizer has ${tokenizer.vocabSize} tokens but the model's vocab_size is ${loaded.config.vocabSize}; tokenizer and checkpoint do not belong together`,
    );
  }
  return new Engine({
    dir: abs,
    config: loaded.config,
    tokenizer,
    model: loaded.model,
    device,
    dtype: loaded.model.dtype,
    contextTokens,
    ...(opts.prefillChunkTokens !== undefined ? { prefillChunkTokens: opts.prefillChunkTokens } : {}),
  });
}
