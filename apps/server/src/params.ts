// From a validated request body to what the engine is asked to do: sampling, stop strings, token
// budget, attention method. Parameters this server cannot honour are refused with a 400 that names
// them, never silently ignored.
import type { AttentionChoice, LrqkOptions } from '@lrqk/engine';
import type { z } from 'zod';
import { badRequest, type ApiError } from './errors.ts';
import type { ChatRequest, CompletionRequest, LrqkRequest } from './schemas.ts';

/** Everything about a request except its prompt. */
export interface GenerationPlan {
  /** New tokens to generate at most; null = whatever the context leaves after the prompt. */
  maxTokens: number | null;
  temperature: number;
  topP?: number;
  topK?: number;
  minP?: number;
  repetitionPenalty?: number;
  seed: number;
  stop: string[];
  attention: AttentionChoice;
  stream: boolean;
  includeUsage: boolean;
  /** Return the log-probability of each generated token. */
  logprobs: boolean;
  /** Generate past the model's EOS tokens (stop strings still apply). */
  ignoreEos: boolean;
}

/** Server-wide defaults a request may override. */
export interface PlanDefaults {
  attention: AttentionChoice;
  /** max_tokens of /v1/completions when the request gives none (OpenAI: 16). */
  completionMaxTokens: number;
}

/** The first zod issue as an OpenAI-style 400 naming the offending parameter. */
export function validationError(error: z.ZodError): ApiError {
  const issue = error.issues[0]!;
  const param = issue.path.map(String).join('.') || null;
  return badRequest(param ? `${param}: ${issue.message}` : issue.message, param, 'invalid_parameter');
}

function lrqkOptions(r: LrqkRequest): Partial<LrqkOptions> {
  const o: Partial<LrqkOptions> = {};
  if (r.rank !== undefined) o.rank = r.rank;
  if (r.topK !== undefined) o.topK = r.topK;
  if (r.lite !== undefined) o.lite = r.lite;
  if (r.layout !== undefined) o.layout = r.layout;
  if (r.iterations !== undefined) o.iterations = typeof r.iterations === 'number' ? [r.iterations, r.iterations] : r.iterations;
  if (r.tol !== undefined) o.tol = typeof r.tol === 'number' ? [r.tol, r.tol] : r.tol;
  return o;
}

type Common = CompletionRequest | ChatRequest;

function unsupported(body: Common): void {
  if (body.n != null && body.n !== 1) throw badRequest('only n=1 is supported', 'n', 'unsupported_parameter');
  if (body.presence_penalty) throw badRequest('presence_penalty is not supported (use repetition_penalty)', 'presence_penalty', 'unsupported_parameter');
  if (body.frequency_penalty) throw badRequest('frequency_penalty is not supported (use repetition_penalty)', 'frequency_penalty', 'unsupported_parameter');
  if (body.logit_bias && Object.keys(body.logit_bias).length > 0) throw badRequest('logit_bias is not supported', 'logit_bias', 'unsupported_parameter');
}

function commonPlan(body: Common, maxTokens: number | null, logprobs: boolean, defaults: PlanDefaults): GenerationPlan {
  unsupported(body);
  const method = body.attention ?? defaults.attention.method;
  const attention: AttentionChoice = { method };
  if (method === 'lrqk') attention.lrqk = { ...defaults.attention.lrqk, ...(body.lrqk ? lrqkOptions(body.lrqk) : {}) };
  else if (body.lrqk) throw badRequest(`lrqk parameters need "attention": "lrqk" (this request uses ${method})`, 'lrqk', 'invalid_parameter');
  const plan: GenerationPlan = {
    maxTokens,
    temperature: body.temperature ?? 1,
    // Without a seed every request samples differently, as OpenAI's API does.
    seed: body.seed ?? Math.floor(Math.random() * 2 ** 32),
    stop: body.stop == null ? [] : typeof body.stop === 'string' ? [body.stop] : body.stop,
    attention,
    stream: body.stream ?? false,
    includeUsage: body.stream_options?.include_usage ?? false,
    logprobs,
    ignoreEos: body.ignore_eos ?? false,
  };
  if (plan.stop.some((s) => s === '')) throw badRequest('stop strings must not be empty', 'stop', 'invalid_parameter');
  if (body.top_p != null) plan.topP = body.top_p;
  if (body.top_k != null && body.top_k > 0) plan.topK = body.top_k;
  if (body.min_p != null) plan.minP = body.min_p;
  if (body.repetition_penalty != null) plan.repetitionPenalty = body.repetition_penalty;
  if (logprobs && plan.stream) throw badRequest('logprobs are not supported with stream: true', 'logprobs', 'unsupported_parameter');
  return plan;
}

export function completionPlan(body: CompletionRequest, defaults: PlanDefaults): GenerationPlan {
  if (body.echo) throw badRequest('echo is not supported', 'echo', 'unsupported_parameter');
  if (body.suffix) throw badRequest('suffix is not supported', 'suffix', 'unsupported_parameter');
  if (body.best_of != null && body.best_of !== 1) throw badRequest('only best_of=1 is supported', 'best_of', 'unsupported_parameter');
  if (body.logprobs != null && body.logprobs > 0) {
    throw badRequest('only logprobs=0 (the chosen tokens) is supported; alternatives are not computed', 'logprobs', 'unsupported_parameter');
  }
  return commonPlan(body, body.max_tokens ?? defaults.completionMaxTokens, body.logprobs != null, defaults);
}

export function chatPlan(body: ChatRequest, defaults: PlanDefaults): GenerationPlan {
  if (body.tools && body.tools.length > 0) throw badRequest('tools are not supported', 'tools', 'unsupported_parameter');
  if (body.response_format && body.response_format.type !== 'text') {
    throw badRequest(`response_format ${body.response_format.type} is not supported (only text)`, 'response_format', 'unsupported_parameter');
  }
  if (body.top_logprobs) throw badRequest('only top_logprobs=0 is supported; alternatives are not computed', 'top_logprobs', 'unsupported_parameter');
  return commonPlan(body, body.max_completion_tokens ?? body.max_tokens ?? null, body.logprobs === true, defaults);
}
