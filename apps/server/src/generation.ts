// One generation from admission to cleanup: wait for a queue slot, create the request's own
// attention backend (sized for prompt + max tokens), run the engine's decode loop, optionally
// rescore the output for logprobs, and — whatever happens — dispose every backend and release
// the slot exactly once. Routes drive it; it knows nothing of HTTP bodies.
import type { FinishReason, GeneratedToken } from '@lrqk/models';
import type { BackendTracker, TrackedBackend } from './backends.ts';
import type { ServedEngine } from './engine.ts';
import { ApiError, badRequest } from './errors.ts';
import type { RequestScope } from './lifetime.ts';
import type { ServerMetrics } from './metrics.ts';
import type { GenerationPlan } from './params.ts';
import type { RequestQueue } from './queue.ts';

export interface JobDeps {
  engine: ServedEngine;
  queue: RequestQueue;
  backends: BackendTracker;
  metrics: ServerMetrics;
}

/** Log-probability of one generated token (OpenAI's shape of a chat logprobs entry). */
export interface TokenLogProb {
  token: string;
  logprob: number;
  bytes: number[];
}

export interface JobResult {
  text: string;
  ids: number[];
  finishReason: FinishReason;
  usage: { promptTokens: number; completionTokens: number; totalTokens: number };
  /** Present when the plan asked for logprobs. */
  logprobs?: TokenLogProb[];
}

/**
 * Checks the token budget and returns the max new tokens to use. `param` names the field blamed
 * in the 400 (the prompt field when the prompt alone is too long).
 */
export function tokenBudget(engine: ServedEngine, promptTokens: number, plan: GenerationPlan, promptParam: string): number {
  const limit = engine.contextTokens;
  const maxTokens = plan.maxTokens ?? limit - promptTokens;
  // With no max_tokens the prompt must leave room for at least one new token.
  if (promptTokens + maxTokens > limit || maxTokens < 0 || (plan.maxTokens === null && maxTokens === 0)) {
    const asked = plan.maxTokens ?? 0;
    const message =
      `This model's maximum context length is ${limit} tokens. However, you requested ${promptTokens + asked} tokens ` +
      `(${promptTokens} in the prompt, ${asked} for the completion). Please reduce the prompt or the completion length ` +
      `(the server's context is set by lrqk serve --context).`;
    throw badRequest(message, plan.maxTokens === null || promptTokens >= limit ? promptParam : 'max_tokens', 'context_length_exceeded');
  }
  return maxTokens;
}

export class GenerationJob {
  readonly #deps: JobDeps;
  readonly #promptIds: readonly number[];
  readonly #plan: GenerationPlan;
  readonly #maxTokens: number;
  readonly #scope: RequestScope;
  readonly #release: () => void;
  readonly #queueSeconds: number;
  readonly #tracked: TrackedBackend[] = [];
  #closed = false;

  private constructor(deps: JobDeps, promptIds: readonly number[], plan: GenerationPlan, maxTokens: number, scope: RequestScope, release: () => void, queueSeconds: number) {
    this.#deps = deps;
    this.#promptIds = promptIds;
    this.#plan = plan;
    this.#maxTokens = maxTokens;
    this.#scope = scope;
    this.#release = release;
    this.#queueSeconds = queueSeconds;
  }

  /**
   * Takes a queue slot for the request, or throws a 429 ApiError (with Retry-After) at once when
   * the queue is full. The returned promise resolves with the slot's release function when the
   * request's turn comes, or rejects with the scope's RequestEnded when it ends while waiting.
   */
  static enqueue(deps: JobDeps, scope: RequestScope): Promise<() => void> {
    if (!deps.queue.hasRoom) {
      deps.metrics.rejected('queue_full');
      const retryAfter = retryAfterSeconds(deps);
      const message = `the server is busy: ${deps.queue.running} running, ${deps.queue.waiting} waiting (queue limit ${deps.queue.maxQueue}); retry in ${retryAfter} s`;
      throw new ApiError(429, 'rate_limit_error', message, { code: 'queue_full', headers: { 'Retry-After': String(retryAfter) } });
    }
    return deps.queue.acquire(scope.signal);
  }

  /**
   * Waits for the slot of `enqueue` and creates the request's backend. Throws a 400 when the
   * backend refuses the attention parameters, or the scope's RequestEnded when the request ends
   * while waiting (the slot, if it came, is released).
   */
  static async start(deps: JobDeps, slot: Promise<() => void>, promptIds: readonly number[], plan: GenerationPlan, maxTokens: number, scope: RequestScope): Promise<GenerationJob> {
    const release = await slot;
    const job = new GenerationJob(deps, promptIds, plan, maxTokens, scope, release, (performance.now() - scope.arrivalMs) / 1000);
    try {
      await job.#newBackend(promptIds.length + maxTokens);
    } catch (error) {
      job.close();
      if (error instanceof RangeError) throw badRequest(`attention: ${error.message}`, plan.attention.method === 'lrqk' ? 'lrqk' : 'attention', 'invalid_parameter');
      throw error;
    }
    return job;
  }

  async #newBackend(tokens: number): Promise<TrackedBackend> {
    const choice = { ...this.#plan.attention, maxTokens: Math.max(1, tokens) };
    const tracked = this.#deps.backends.track(await this.#deps.engine.createBackend(choice));
    this.#tracked.push(tracked);
    if (this.#closed) {
      // close() ran while the backend was being created: do not let it outlive the request.
      tracked.dispose();
      throw this.#scope.signal.reason ?? new Error('generation closed');
    }
    return tracked;
  }

  /**
   * Runs the decode loop, yielding tokens; the return value is the whole result. Closes the job
   * when done (also when the consumer stops early or an error is thrown).
   */
  async *run(): AsyncGenerator<GeneratedToken, JobResult, void> {
    const { engine, metrics } = this.#deps;
    const plan = this.#plan;
    try {
      const gen = engine.generate(this.#promptIds, {
        backend: this.#tracked[0]!.backend,
        maxTokens: this.#maxTokens,
        temperature: plan.temperature,
        seed: plan.seed,
        ...(plan.topP !== undefined ? { topP: plan.topP } : {}),
        ...(plan.topK !== undefined ? { topK: plan.topK } : {}),
        ...(plan.minP !== undefined ? { minP: plan.minP } : {}),
        ...(plan.repetitionPenalty !== undefined ? { repetitionPenalty: plan.repetitionPenalty } : {}),
        stop: plan.stop,
        ...(plan.ignoreEos ? { stopTokenIds: [] } : {}),
        signal: this.#scope.signal,
      });
      let firstMs: number | null = null;
      let lastMs = 0;
      for (;;) {
        const step = await gen.next();
        if (step.done) {
          const r = step.value;
          const result: JobResult = { text: r.text, ids: r.ids, finishReason: r.finishReason, usage: r.usage };
          if (plan.logprobs && r.finishReason !== 'abort') result.logprobs = await this.#logprobs(r.ids);
          const now = performance.now();
          metrics.finished({
            finishReason: r.finishReason,
            promptTokens: r.usage.promptTokens,
            completionTokens: r.usage.completionTokens,
            ttftSeconds: firstMs === null ? null : (firstMs - this.#scope.arrivalMs) / 1000,
            tpotSeconds: firstMs !== null && r.ids.length > 1 ? (lastMs - firstMs) / 1000 / (r.ids.length - 1) : null,
            e2eSeconds: (now - this.#scope.arrivalMs) / 1000,
            queueSeconds: this.#queueSeconds,
          });
          return result;
        }
        lastMs = performance.now();
        firstMs ??= lastMs;
        metrics.token();
        yield step.value;
      }
    } finally {
      this.close();
    }
  }

  /** Rescores the output with a fresh backend: log p(token | everything before), as generation saw it (decode steps). */
  async #logprobs(ids: readonly number[]): Promise<TokenLogProb[]> {
    if (ids.length === 0) return [];
    const all = [...this.#promptIds, ...ids];
    const tracked = await this.#newBackend(all.length);
    try {
      const lp = this.#deps.engine.tokenLogProbs(all, { backend: tracked.backend, stepwiseFrom: this.#promptIds.length });
      const tokenizer = this.#deps.engine.tokenizer;
      return ids.map((id, i) => {
        const token = tokenizer.decode([id]);
        return { token, logprob: lp[this.#promptIds.length + i]!, bytes: [...Buffer.from(token, 'utf8')] };
      });
    } finally {
      tracked.dispose();
    }
  }

  /** Disposes every backend of the request and releases its slot. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      for (const t of this.#tracked) t.dispose();
    } finally {
      this.#release();
    }
  }
}

/** Seconds until a slot is likely free: the queue ahead × mean latency / concurrency, at least 1. */
function retryAfterSeconds(deps: JobDeps): number {
  const mean = deps.metrics.meanLatencySeconds() ?? 1;
  const ahead = deps.queue.waiting + deps.queue.running;
  return Math.min(600, Math.max(1, Math.ceil((ahead * mean) / deps.queue.maxConcurrent)));
}
