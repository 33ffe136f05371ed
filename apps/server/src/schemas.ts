// Request bodies of /v1/completions and /v1/chat/completions, validated with zod. Unknown fields are
// ignored (clients send many optional ones); known fields are type- and range-checked, and the
// parameters this server cannot honour (n > 1, penalties, echo, tools, …) are refused by name in
// params.ts rather than silently ignored. Extension fields: `attention`, `lrqk`, `top_k`, `min_p`,
// `repetition_penalty`, `ignore_eos`, `chat_template_kwargs` (the last five as in vLLM).
import { z } from 'zod';

const int = () => z.number().int();

/** Per-request LRQK parameters (names as in @lrqk/models' LrqkOptions). Strict: a typo is an error. */
export const lrqkSchema = z.strictObject({
  rank: int().min(1).max(64).optional(),
  topK: int().min(1).optional(),
  lite: int().min(1).optional(),
  /** One number for both phases, or [prefill, decode]. */
  iterations: z.union([int().min(1).max(100), z.tuple([int().min(1).max(100), int().min(1).max(100)])]).optional(),
  tol: z.union([z.number().positive(), z.tuple([z.number().positive(), z.number().positive()])]).optional(),
  layout: z.enum(['per-query-head', 'per-kv-head']).optional(),
});
export type LrqkRequest = z.infer<typeof lrqkSchema>;

/** Fields shared by both endpoints. */
const common = {
  model: z.string().min(1),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  seed: int().nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  n: int().min(1).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  logit_bias: z.record(z.string(), z.number()).nullish(),
  user: z.string().nullish(),
  // Extensions.
  attention: z.enum(['full', 'offload', 'lrqk']).nullish(),
  lrqk: lrqkSchema.nullish(),
  /** vLLM convention: -1 or 0 disables. */
  top_k: int().min(-1).nullish(),
  min_p: z.number().min(0).max(1).nullish(),
  repetition_penalty: z.number().gt(0).nullish(),
  /** vLLM's: keep generating past EOS tokens (benchmarks). */
  ignore_eos: z.boolean().nullish(),
};

const tokenIds = z.array(int().min(0)).min(1);

export const completionRequestSchema = z.object({
  ...common,
  prompt: z.union([z.string(), z.array(z.string()), tokenIds, z.array(tokenIds)]),
  max_tokens: int().min(0).nullish(),
  /** Completions' logprobs is the number of alternatives per token (0 = just the chosen token). */
  logprobs: int().min(0).max(5).nullish(),
  echo: z.boolean().nullish(),
  suffix: z.string().nullish(),
  best_of: int().min(1).nullish(),
});
export type CompletionRequest = z.infer<typeof completionRequestSchema>;

const contentPart = z.looseObject({ type: z.string(), text: z.string().optional() });

/** A chat message; extra fields (name, tool_call_id, …) pass through to the template. */
export const chatMessageSchema = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z.union([z.string(), z.array(contentPart), z.null()]).optional(),
  name: z.string().optional(),
});

export const chatRequestSchema = z.object({
  ...common,
  messages: z.array(chatMessageSchema).min(1),
  max_tokens: int().min(0).nullish(),
  max_completion_tokens: int().min(0).nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: int().min(0).max(20).nullish(),
  tools: z.array(z.unknown()).nullish(),
  tool_choice: z.unknown().optional(),
  response_format: z.looseObject({ type: z.string() }).nullish(),
  chat_template_kwargs: z.record(z.string(), z.unknown()).nullish(),
});
export type ChatRequest = z.infer<typeof chatRequestSchema>;
