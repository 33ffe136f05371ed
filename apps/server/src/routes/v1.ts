// /v1/models, /v1/completions and /v1/chat/completions: parse and validate, tokenize, check the
// context, admit into the queue, then respond (JSON or SSE).
import type { ChatMessage } from '@lrqk/engine';
import { resolveLrqkOptions } from '@lrqk/models';
import { Hono, type Context } from 'hono';
import type { Logger } from 'pino';
import { ApiError, badRequest } from '../errors.ts';
import { GenerationJob, tokenBudget, type JobDeps } from '../generation.ts';
import { errorResponse, readBody } from '../http.ts';
import { RequestScope } from '../lifetime.ts';
import { chatPlan, completionPlan, type GenerationPlan, type PlanDefaults } from '../params.ts';
import { newIdentity } from '../responses.ts';
import { chatRequestSchema, completionRequestSchema, type ChatRequest, type CompletionRequest } from '../schemas.ts';
import { respond, type Endpoint } from './respond.ts';

export interface V1Options {
  deps: JobDeps;
  modelName: string;
  defaults: PlanDefaults;
  timeoutMs: number;
  keepAliveMs: number;
  /** Aborts when the server's grace period is over (in-flight requests are cancelled). */
  shutdown: AbortSignal;
  logger: Logger;
  /** Seconds since the epoch when the model was loaded (the `created` of /v1/models). */
  createdAt: number;
}

export function v1Routes(o: V1Options): Hono {
  const app = new Hono();
  const { engine } = o.deps;
  const modelCard = () => ({ id: o.modelName, object: 'model', created: o.createdAt, owned_by: 'lrqk', max_model_len: engine.contextTokens });

  app.get('/models', (c) => c.json({ object: 'list', data: [modelCard()] }));
  app.get('/models/:id{.+}', (c) =>
    c.req.param('id') === o.modelName ? c.json(modelCard()) : errorResponse(c, modelNotFound(c.req.param('id'), o.modelName)),
  );

  app.post('/completions', async (c) => {
    const body = await readBody(c, completionRequestSchema);
    const plan = completionPlan(body, o.defaults);
    checkModel(body.model, o.modelName);
    const promptIds = completionPrompt(body, engine.tokenizer.vocabSize, (t) => engine.encodePrompt(t));
    return run(c, 'completions', promptIds, plan, 'prompt');
  });

  app.post('/chat/completions', async (c) => {
    const body = await readBody(c, chatRequestSchema);
    const plan = chatPlan(body, o.defaults);
    checkModel(body.model, o.modelName);
    if (!engine.tokenizer.hasChatTemplate) throw badRequest(`the model ${o.modelName} has no chat template (use /v1/completions)`, 'messages', 'no_chat_template');
    const messages = chatMessages(body);
    let promptIds: number[];
    try {
      promptIds = engine.encodeChat(messages, { addGenerationPrompt: true, ...(body.chat_template_kwargs ? { variables: body.chat_template_kwargs } : {}) });
    } catch (error) {
      throw badRequest(`the chat template failed on these messages: ${(error as Error).message}`, 'messages', 'chat_template_error');
    }
    return run(c, 'chat', promptIds, plan, 'messages');
  });

  async function run(c: Context, endpoint: Endpoint, promptIds: number[], plan: GenerationPlan, promptParam: string): Promise<Response> {
    if (promptIds.length === 0) throw badRequest('the prompt is empty (no tokens)', promptParam, 'empty_prompt');
    const maxTokens = tokenBudget(engine, promptIds.length, plan, promptParam);
    if (plan.attention.lrqk) {
      try {
        resolveLrqkOptions(plan.attention.lrqk);
      } catch (error) {
        throw badRequest(`lrqk: ${(error as Error).message}`, 'lrqk', 'invalid_parameter');
      }
    }
    const scope = new RequestScope({ timeoutMs: o.timeoutMs, client: c.req.raw.signal, shutdown: o.shutdown });
    let slot: Promise<() => void>;
    try {
      slot = GenerationJob.enqueue(o.deps, scope);
    } catch (error) {
      scope.dispose();
      throw error;
    }
    const identity = newIdentity(endpoint === 'chat' ? 'chatcmpl' : 'cmpl', o.modelName);
    return respond(c, { deps: o.deps, endpoint, identity, promptIds, plan, maxTokens, slot, scope, timeoutMs: o.timeoutMs, keepAliveMs: o.keepAliveMs, logger: o.logger });
  }

  return app;
}

function modelNotFound(requested: string, served: string): ApiError {
  return new ApiError(404, 'not_found_error', `The model \`${requested}\` does not exist (this server serves \`${served}\`)`, { param: 'model', code: 'model_not_found' });
}

function checkModel(requested: string, served: string): void {
  if (requested !== served) throw modelNotFound(requested, served);
}

/** The prompt as token ids: text is encoded (with BOS handling); ids are range-checked. */
function completionPrompt(body: CompletionRequest, vocabSize: number, encode: (text: string) => number[]): number[] {
  const p = body.prompt;
  if (typeof p === 'string') return encode(p);
  if (p.length === 0) throw badRequest('prompt must not be an empty list', 'prompt', 'empty_prompt');
  if (p.length > 1 && (typeof p[0] === 'string' || Array.isArray(p[0]))) {
    throw badRequest(`batched prompts are not supported (got ${p.length}); send one prompt per request`, 'prompt', 'unsupported_parameter');
  }
  const first = p[0]!;
  if (typeof first === 'string') return encode(first);
  const ids = (Array.isArray(first) ? first : p) as number[];
  const bad = ids.findIndex((id) => id >= vocabSize);
  if (bad >= 0) throw badRequest(`prompt token id ${ids[bad]} at index ${bad} is outside the vocabulary [0, ${vocabSize})`, 'prompt', 'invalid_token_id');
  return ids;
}

/** Messages for the chat template: text parts joined, `developer` treated as `system`. */
function chatMessages(body: ChatRequest): ChatMessage[] {
  return body.messages.map((m, i) => {
    let content = m.content;
    if (Array.isArray(content)) {
      const parts = content;
      const other = parts.findIndex((part) => part.type !== 'text' || typeof part.text !== 'string');
      if (other >= 0) throw badRequest(`only text content parts are supported (got ${parts[other]!.type})`, `messages.${i}.content.${other}`, 'unsupported_content');
      content = parts.map((part) => part.text as string).join('');
    }
    return { ...m, role: m.role === 'developer' ? 'system' : m.role, content: content ?? '' };
  });
}
