// Runs an admitted generation and answers: one JSON object, or server-sent events (one chunk per
// piece of text, a final chunk with the finish reason, an optional usage chunk, then `[DONE]`).
// A client that disconnects ends the request's scope, which stops the decode loop after the
// current token; the job then disposes its backend. Timeouts and shutdown become an error object
// (before streaming) or an error event (during streaming).
import type { Context } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import type { Logger } from 'pino';
import { toApiError, type ApiError } from '../errors.ts';
import type { GenerationJob, JobResult } from '../generation.ts';
import { errorResponse } from '../http.ts';
import { endedError, type RequestScope } from '../lifetime.ts';
import type { GenerationPlan } from '../params.ts';
import { chatChunk, chatObject, completionChunk, completionObject, finishReason, usageChunk, type ResponseIdentity } from '../responses.ts';

export type Endpoint = 'completions' | 'chat';

export interface RespondContext {
  endpoint: Endpoint;
  identity: ResponseIdentity;
  plan: GenerationPlan;
  job: GenerationJob;
  scope: RequestScope;
  timeoutMs: number;
  keepAliveMs: number;
  logger: Logger;
}

export async function respond(c: Context, r: RespondContext): Promise<Response> {
  return r.plan.stream ? respondStream(c, r) : respondJson(c, r);
}

async function respondJson(c: Context, r: RespondContext): Promise<Response> {
  try {
    const it = r.job.run();
    let step = await it.next();
    while (!step.done) step = await it.next();
    const reason = r.scope.reason;
    if (reason !== null) return errorResponse(c, endedError(reason, r.timeoutMs));
    return c.json(r.endpoint === 'chat' ? chatObject(r.identity, step.value) : completionObject(r.identity, step.value));
  } finally {
    r.job.close();
    r.scope.dispose();
  }
}

function respondStream(c: Context, r: RespondContext): Response {
  return streamSSE(c, async (stream) => {
    stream.onAbort(() => r.scope.end('client_gone'));
    // Comments keep proxies and clients from timing out while nothing else is sent (queue, prefill).
    const keepAlive = setInterval(() => void stream.write(': keep-alive\n\n'), r.keepAliveMs);
    try {
      const result = await streamTokens(stream, r);
      const reason = r.scope.reason;
      if (reason === 'client_gone' || stream.aborted) return;
      if (reason !== null) {
        await sendError(stream, endedError(reason, r.timeoutMs));
        return;
      }
      await sendJson(stream, r.endpoint === 'chat' ? chatChunk(r.identity, {}, finishReason(result)) : completionChunk(r.identity, '', finishReason(result)));
      if (r.plan.includeUsage) await sendJson(stream, usageChunk(r.identity, r.endpoint === 'chat' ? 'chat.completion.chunk' : 'text_completion', result));
      await stream.writeSSE({ data: '[DONE]' });
    } catch (error) {
      const apiError = toApiError(error);
      if (apiError.status >= 500) r.logger.error({ err: error }, 'generation failed while streaming');
      if (!stream.aborted) await sendError(stream, apiError);
    } finally {
      clearInterval(keepAlive);
      r.job.close();
      r.scope.dispose();
    }
  });
}

async function streamTokens(stream: SSEStreamingApi, r: RespondContext): Promise<JobResult> {
  if (r.endpoint === 'chat') await sendJson(stream, chatChunk(r.identity, { role: 'assistant', content: '' }, null));
  const it = r.job.run();
  for (;;) {
    const step = await it.next();
    if (step.done) return step.value;
    const text = step.value.text;
    if (text === '') continue; // an incomplete UTF-8 sequence: its text comes with a later token
    await sendJson(stream, r.endpoint === 'chat' ? chatChunk(r.identity, { content: text }, null) : completionChunk(r.identity, text, null));
  }
}

function sendJson(stream: SSEStreamingApi, value: unknown): Promise<void> {
  return stream.writeSSE({ data: JSON.stringify(value) });
}

/** An `error` object in a data event: the official clients raise it as an APIError. */
function sendError(stream: SSEStreamingApi, error: ApiError): Promise<void> {
  return sendJson(stream, error.body);
}
