// Response objects in the shapes of OpenAI's API (text_completion, chat.completion and their stream
// chunks), so the official clients parse them unchanged.
import { randomUUID } from 'node:crypto';
import type { JobResult, TokenLogProb } from './generation.ts';

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export type OpenAIFinishReason = 'stop' | 'length';

/** Identity shared by every object and chunk of one response. */
export interface ResponseIdentity {
  id: string;
  created: number;
  model: string;
}

export function newIdentity(prefix: 'cmpl' | 'chatcmpl', model: string): ResponseIdentity {
  return { id: `${prefix}-${randomUUID().replaceAll('-', '')}`, created: Math.floor(Date.now() / 1000), model };
}

export function usageOf(r: JobResult): Usage {
  return { prompt_tokens: r.usage.promptTokens, completion_tokens: r.usage.completionTokens, total_tokens: r.usage.totalTokens };
}

/** 'abort' never reaches a client as a finish reason (it becomes an error), so it maps to 'stop' defensively. */
export function finishReason(r: JobResult): OpenAIFinishReason {
  return r.finishReason === 'length' ? 'length' : 'stop';
}

function completionLogprobs(lp: readonly TokenLogProb[]) {
  const offsets: number[] = [];
  let at = 0;
  for (const t of lp) {
    offsets.push(at);
    at += t.token.length;
  }
  return { tokens: lp.map((t) => t.token), token_logprobs: lp.map((t) => t.logprob), top_logprobs: null, text_offset: offsets };
}

export function completionObject(idt: ResponseIdentity, r: JobResult) {
  return {
    ...idt,
    object: 'text_completion' as const,
    choices: [{ index: 0, text: r.text, logprobs: r.logprobs ? completionLogprobs(r.logprobs) : null, finish_reason: finishReason(r) }],
    usage: usageOf(r),
  };
}

export function completionChunk(idt: ResponseIdentity, text: string, finish: OpenAIFinishReason | null) {
  return { ...idt, object: 'text_completion' as const, choices: [{ index: 0, text, logprobs: null, finish_reason: finish }] };
}

export function chatObject(idt: ResponseIdentity, r: JobResult) {
  return {
    ...idt,
    object: 'chat.completion' as const,
    choices: [
      {
        index: 0,
        message: { role: 'assistant' as const, content: r.text, refusal: null },
        logprobs: r.logprobs ? { content: r.logprobs.map((t) => ({ ...t, top_logprobs: [] })), refusal: null } : null,
        finish_reason: finishReason(r),
      },
    ],
    usage: usageOf(r),
  };
}

export function chatChunk(idt: ResponseIdentity, delta: { role?: 'assistant'; content?: string }, finish: OpenAIFinishReason | null) {
  return { ...idt, object: 'chat.completion.chunk' as const, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] };
}

/** The last chunk before [DONE] when stream_options.include_usage is set: no choices, just usage. */
export function usageChunk(idt: ResponseIdentity, object: 'text_completion' | 'chat.completion.chunk', r: JobResult) {
  return { ...idt, object, choices: [], usage: usageOf(r) };
}
