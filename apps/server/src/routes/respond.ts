// Runs a queued generation and answers: one JSON object, or server-sent events (one chunk per
// piece of text, a final chunk with the finish reason, an optional usage chunk, then `[DONE]`).
// A streamed response starts at once — its headers go out and keep-alive comments flow while the
// request waits for its slot — so clients' header timeouts do not fire on a long queue. A client
// that disconnects ends the request's scope, which takes it out of the queue or stops the decode
// loop after the current token; the job then disposes its backend. Timeouts and shutdown become
// an error object (JSON) or an error event (stream).
import type { Context } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import type { Logger } from 'pino';
import { toApiError, type ApiError } from '../errors.ts';
import { GenerationJob, type JobDeps, type JobResult } from '../generation.ts';
import { errorResponse } from '../http.ts';
import { endedError, RequestEnded, type RequestScope } from '../lifetime.ts';
import type { GenerationPlan } from '../params.ts';
import { chatChunk, chatObject, completionChunk, completionObject, finishReason, usageChunk, type ResponseIdentity } from '../responses.ts';

export type Endpoint = 'completions' | 'chat';

export interface RespondContext {
  deps: JobDeps;
  endpoint: Endpoint;
  identity: ResponseIdentity;
  promptIds: readonly number[];
  plan: GenerationPlan;
  maxTokens: number;
  /** From GenerationJob.enqueue. */
  slot: Promise<() => void>;
  scope: RequestScope;
  timeoutMs: number;
  keepAliveMs: number;
  logger: Logger;
}

export async function respond(c: Context, r: RespondContext): Promise<Response> {
  return r.plan.stream ? respondStream(c, r) : respondJson(c, r);
}

function startJob(r: RespondContext): Promise<GenerationJob> {
  return GenerationJob.start(r.deps, r.slot, r.promptIds, r.plan, r.maxTokens, r.scope);
}

/** The error to report for a request cut short (null when the client is gone: nobody listens). */
function endedReport(r: RespondContext): ApiError | null {
  const reason = r.scope.reason;
  if (reason === null) return null;
  r.deps.metrics.rejected(reason);
  return reason === 'client_gone' ? null : endedError(reason, r.timeoutMs);
}

async function respondJson(c: Context, r: RespondContext): Promise<Response> {
  let job: GenerationJob | undefined;
  try {
    job = await startJob(r);
    const it = job.run();
    let step = await it.next();
    while (!step.done) step = await it.next();
    if (r.scope.reason !== null) return errorResponse(c, endedReport(r) ?? endedError('client_gone', r.timeoutMs));
    return c.json(r.endpoint === 'chat' ? chatObject(r.identity, step.value) : completionObject(r.identity, step.value));
  } catch (error) {
    if (error instanceof RequestEnded) return errorResponse(c, endedReport(r) ?? endedError(error.reason, r.timeoutMs));
    throw error;
  } finally {
    job?.close();
    r.scope.dispose();
  }
}

function respondStream(c: Context, r: RespondContext): Response {
  return streamSSE(c, async (stream) => {
    stream.onAbort(() => r.scope.end('client_gone'));
    // Comments keep proxies and clients from timing out while nothing else is sent (queue, prefill).
    const keepAlive = setInterval(() => void stream.write(': keep-alive\n\n'), r.keepAliveMs);
    // A client that stops reading without disconnecting would block our writes (backpressure) and
    // keep its backend alive past a timeout or shutdown: a second after the scope ends, abort the
    // stream, which fails the pending write and lets the loop see the abort.
    let finished = false;
    const onEnd = () => setTimeout(() => finished || stream.abort(), 1_000).unref();
    r.scope.signal.addEventListener('abort', onEnd, { once: true });
    let job: GenerationJob | undefined;
    try {
      await stream.write(': queued\n\n');
      job = await startJob(r);
      const result = await streamTokens(stream, job, r);
      const ended = endedReport(r);
      if (ended !== null) await sendError(stream, ended);
      if (r.scope.reason !== null || stream.aborted) return;
      await sendJson(stream, r.endpoint === 'chat' ? chatChunk(r.identity, {}, finishReason(result)) : completionChunk(r.identity, '', finishReason(result)));
      if (r.plan.includeUsage) await sendJson(stream, usageChunk(r.identity, r.endpoint === 'chat' ? 'chat.completion.chunk' : 'text_completion', result));
      await stream.writeSSE({ data: '[DONE]' });
    } catch (error) {
      if (error instanceof RequestEnded) {
        const ended = endedReport(r);
        if (ended !== null && !stream.aborted) await sendError(stream, ended);
        return;
      }
      const apiError = toApiError(error);
      if (apiError.status >= 500) r.logger.error({ err: error }, 'generation failed while streaming');
      if (!stream.aborted) await sendError(stream, apiError);
    } finally {
      finished = true;
      r.scope.signal.removeEventListener('abort', onEnd);
      clearInterval(keepAlive);
      job?.close();
      r.scope.dispose();
    }
  });
}

async function streamTokens(stream: SSEStreamingApi, job: GenerationJob, r: RespondContext): Promise<JobResult> {
  if (r.endpoint === 'chat') await sendJson(stream, chatChunk(r.identity, { role: 'assistant', content: '' }, null));
  const it = job.run();
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
