// Every error path through the official client or raw fetch: 401 without the API key, 400 for
// malformed JSON / wrong types / unsupported parameters / context overflow, 404 for unknown
// models and routes, 413 for huge bodies, 429 with Retry-After when the queue is full, 504 on the
// per-request timeout — and after each, the server still answers and no KV cache is left alive.
import OpenAI, { APIError } from 'openai';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CONTEXT_TOKENS, MODEL, eventually, post, useFixtureServers, type Running } from './helpers.ts';

const { fixture, server } = useFixtureServers();

/** The server answers a real completion and holds no cache afterwards. */
async function stillHealthy(s: Running): Promise<void> {
  const r = await s.client.completions.create({ model: MODEL, prompt: 'still there?', max_tokens: 2, temperature: 0 });
  expect(r.choices[0]!.finish_reason).toBe('length');
  await eventually(() => s.server.backends.totals().live === 0 && s.server.queue.running === 0, 5_000, 'caches freed');
}

async function expectApiError(p: Promise<unknown>, status: number, code: string, param?: string | null): Promise<APIError> {
  const error = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, 'the call should have failed').toBeInstanceOf(APIError);
  const e = error as APIError;
  expect(e.status).toBe(status);
  expect(e.code).toBe(code);
  if (param !== undefined) expect(e.param).toBe(param);
  expect(typeof e.message).toBe('string');
  return e;
}

describe('authentication', () => {
  it('401 without the Bearer key or with a wrong one; 200 with it; /health stays open', async () => {
    const s = await server({ apiKey: 'sk-test-key' });
    const noKey = await fetch(`${s.url}/v1/models`);
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toMatchObject({ error: { type: 'authentication_error', code: 'invalid_api_key' } });
    const wrong = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: 'sk-wrong', maxRetries: 0 });
    const e = await expectApiError(wrong.completions.create({ model: MODEL, prompt: 'x', max_tokens: 1 }), 401, 'invalid_api_key');
    expect(e).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((await s.client.models.list()).data[0]!.id).toBe(MODEL);
    expect((await fetch(`${s.url}/health`)).status).toBe(200);
    await stillHealthy(s);
  });
});

describe('bad requests', () => {
  let s: Running;
  beforeAll(async () => {
    s = await server({ maxBodyBytes: 64 * 1024 });
  });
  afterEach(async () => {
    await stillHealthy(s);
  });

  it('malformed JSON → 400 invalid_json', async () => {
    for (const body of ['{"model": "tiny', 'not json at all', '', '[1, 2, 3]', 'null']) {
      const res = await post(s.url, '/v1/completions', body);
      expect(res.status, body).toBe(400);
      const json = (await res.json()) as { error: { type: string; code: string; message: string } };
      expect(json.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_json' });
    }
  });

  it('wrong types and out-of-range values → 400 naming the parameter', async () => {
    const cases: Array<[unknown, string]> = [
      [{ model: MODEL, prompt: 'x', temperature: 'hot' }, 'temperature'],
      [{ model: MODEL, prompt: 'x', temperature: 3 }, 'temperature'],
      [{ model: MODEL, prompt: 'x', max_tokens: -1 }, 'max_tokens'],
      [{ model: MODEL, prompt: 'x', max_tokens: 1.5 }, 'max_tokens'],
      [{ model: MODEL, prompt: 'x', top_p: 0 }, 'top_p'],
      [{ model: MODEL, prompt: 42 }, 'prompt'],
      [{ model: MODEL }, 'prompt'],
      [{ prompt: 'x' }, 'model'],
      [{ model: MODEL, prompt: 'x', stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop'],
      [{ model: MODEL, prompt: 'x', attention: 'magic' }, 'attention'],
      [{ model: MODEL, prompt: 'x', attention: 'lrqk', lrqk: { rank: 1000 } }, 'lrqk.rank'],
      [{ model: MODEL, prompt: 'x', attention: 'lrqk', lrqk: { rnak: 8 } }, 'lrqk'],
      [{ model: MODEL, prompt: [999_999_999] }, 'prompt'],
    ];
    for (const [body, param] of cases) {
      const res = await post(s.url, '/v1/completions', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const json = (await res.json()) as { error: { type: string; param: string | null; message: string } };
      expect(json.error.type).toBe('invalid_request_error');
      expect(json.error.param, JSON.stringify(body)).toBe(param);
    }
    const chatCases: Array<[unknown, string]> = [
      [{ model: MODEL, messages: [] }, 'messages'],
      [{ model: MODEL, messages: 'hello' }, 'messages'],
      [{ model: MODEL, messages: [{ role: 'wizard', content: 'x' }] }, 'messages.0.role'],
      [{ model: MODEL, messages: [{ role: 'user', content: 5 }] }, 'messages.0.content'],
      [{ model: MODEL, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] }, 'messages.0.content.0'],
      [{ model: MODEL, messages: [{ role: 'user', content: 'x' }], max_completion_tokens: 'many' }, 'max_completion_tokens'],
      [{ model: MODEL, messages: [{ role: 'user', content: 'x' }], stream: 'yes' }, 'stream'],
    ];
    for (const [body, param] of chatCases) {
      const res = await post(s.url, '/v1/chat/completions', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(((await res.json()) as { error: { param: string } }).error.param, JSON.stringify(body)).toBe(param);
    }
  });

  it('parameters the server cannot honour → 400 unsupported_parameter (never silently ignored)', async () => {
    const base = { model: MODEL, messages: [{ role: 'user' as const, content: 'x' }], max_tokens: 2 };
    await expectApiError(s.client.chat.completions.create({ ...base, n: 2 }), 400, 'unsupported_parameter', 'n');
    await expectApiError(s.client.chat.completions.create({ ...base, presence_penalty: 0.5 }), 400, 'unsupported_parameter', 'presence_penalty');
    await expectApiError(s.client.chat.completions.create({ ...base, top_logprobs: 3, logprobs: true }), 400, 'unsupported_parameter', 'top_logprobs');
    await expectApiError(s.client.completions.create({ model: MODEL, prompt: 'x', max_tokens: 2, echo: true }), 400, 'unsupported_parameter', 'echo');
    await expectApiError(s.client.completions.create({ model: MODEL, prompt: ['a', 'b'], max_tokens: 2 }), 400, 'unsupported_parameter', 'prompt');
    await expectApiError(s.client.completions.create({ model: MODEL, prompt: 'x', max_tokens: 2, logprobs: 2 }), 400, 'unsupported_parameter', 'logprobs');
    await expectApiError(s.client.completions.create({ model: MODEL, prompt: 'x', max_tokens: 2, best_of: 3 }), 400, 'unsupported_parameter', 'best_of');
    await expectApiError(s.client.completions.create({ model: MODEL, prompt: 'x', max_tokens: 2, logit_bias: { '5': 10 } }), 400, 'unsupported_parameter', 'logit_bias');
    await expectApiError(s.client.chat.completions.create({ ...base, logprobs: true, stream: true }), 400, 'unsupported_parameter', 'logprobs');
    await expectApiError(s.client.chat.completions.create({ ...base, response_format: { type: 'json_object' } }), 400, 'unsupported_parameter', 'response_format');
    await expectApiError(
      s.client.chat.completions.create({ ...base, tools: [{ type: 'function', function: { name: 'f', parameters: {} } }] }),
      400,
      'unsupported_parameter',
      'tools',
    );
    await expectApiError(s.client.chat.completions.create({ ...base, attention: 'full', lrqk: { rank: 4 } } as typeof base), 400, 'invalid_parameter', 'lrqk');
    // Defaults that clients send routinely are accepted.
    const ok = await s.client.chat.completions.create({ ...base, n: 1, presence_penalty: 0, frequency_penalty: 0, temperature: 0 });
    expect(ok.choices).toHaveLength(1);
  });

  it('unknown model → 404 model_not_found; unknown route → 404', async () => {
    const e = await expectApiError(s.client.completions.create({ model: 'gpt-9', prompt: 'x', max_tokens: 1 }), 404, 'model_not_found', 'model');
    expect(e).toBeInstanceOf(OpenAI.NotFoundError);
    await expectApiError(s.client.models.retrieve('gpt-9'), 404, 'model_not_found');
    const res = await fetch(`${s.url}/v1/embeddings`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { type: 'not_found_error' } });
  });

  it('prompt + max_tokens over the context → 400 context_length_exceeded', async () => {
    const e = await expectApiError(
      s.client.completions.create({ model: MODEL, prompt: 'hello', max_tokens: CONTEXT_TOKENS }),
      400,
      'context_length_exceeded',
      'max_tokens',
    );
    expect(e).toBeInstanceOf(OpenAI.BadRequestError);
    expect(e.message).toContain(`maximum context length is ${CONTEXT_TOKENS} tokens`);
    // A prompt that alone fills the context blames the prompt.
    const long = 'word '.repeat(CONTEXT_TOKENS + 10);
    await expectApiError(s.client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: long }] }), 400, 'context_length_exceeded', 'messages');
    // Exactly at the limit is accepted.
    const ids = fixture().engine.encodePrompt('hello');
    const ok = await s.client.completions.create({ model: MODEL, prompt: 'hello', max_tokens: CONTEXT_TOKENS - ids.length, temperature: 0, stop: ['\u0000never'] });
    expect(ok.usage!.total_tokens).toBeLessThanOrEqual(CONTEXT_TOKENS);
  });

  it('odd and hostile inputs get a 4xx, never a crash', async () => {
    const deep = `{"model":"${MODEL}","prompt":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const cases: Array<[string, string, RequestInit]> = [
      ['deeply nested JSON', '/v1/completions', { method: 'POST', body: deep }],
      ['invalid UTF-8', '/v1/completions', { method: 'POST', body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) }],
      ['NUL bytes', '/v1/completions', { method: 'POST', body: `{"model":"${MODEL}","prompt":"\u0000","max_tokens":1e400}` }],
      ['huge max_tokens', '/v1/completions', { method: 'POST', body: JSON.stringify({ model: MODEL, prompt: 'x', max_tokens: 1e20 }) }],
      ['unsafe seed', '/v1/completions', { method: 'POST', body: JSON.stringify({ model: MODEL, prompt: 'x', seed: 2 ** 60 }) }],
      ['negative token id', '/v1/completions', { method: 'POST', body: JSON.stringify({ model: MODEL, prompt: [-1] }) }],
      ['empty token list', '/v1/completions', { method: 'POST', body: JSON.stringify({ model: MODEL, prompt: [] }) }],
      ['empty stop string', '/v1/completions', { method: 'POST', body: JSON.stringify({ model: MODEL, prompt: 'x', stop: [''] }) }],
      ['GET on a POST route', '/v1/completions', { method: 'GET' }],
      ['no body', '/v1/chat/completions', { method: 'POST' }],
      ['form body', '/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'model=x&messages=y' }],
    ];
    for (const [what, path, init] of cases) {
      const res = await fetch(`${s.url}${path}`, init);
      expect(res.status, what).toBeGreaterThanOrEqual(400);
      expect(res.status, what).toBeLessThan(500);
      const json = (await res.json()) as { error: { message: string; type: string } };
      expect(typeof json.error.message, what).toBe('string');
    }
  });

  it('huge bodies → 413, announced or streamed', async () => {
    const huge = JSON.stringify({ model: MODEL, prompt: 'x'.repeat(200 * 1024) });
    const res = await post(s.url, '/v1/completions', huge);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: 'request_too_large' } });
    // Chunked upload with no Content-Length: counted as it arrives.
    const bytes = new TextEncoder().encode(huge);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 16 * 1024) controller.enqueue(bytes.subarray(i, i + 16 * 1024));
        controller.close();
      },
    });
    const chunked = await fetch(`${s.url}/v1/completions`, { method: 'POST', body, duplex: 'half' } as RequestInit);
    expect(chunked.status).toBe(413);
  });
});

describe('queue and timeouts', () => {
  it('a full queue answers 429 with Retry-After; the admitted requests complete', async () => {
    const s = await server({ maxConcurrent: 1, maxQueue: 1 });
    const body = { model: MODEL, prompt: 'busy', max_tokens: 40, temperature: 0 };
    const results = await Promise.all(Array.from({ length: 5 }, () => post(s.url, '/v1/completions', body)));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((x) => x === 200).length).toBeGreaterThanOrEqual(2);
    expect(statuses.filter((x) => x === 429).length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((x) => x === 200 || x === 429)).toBe(true);
    for (const r of results) {
      const json = (await r.json()) as { error?: { type: string; code: string } };
      if (r.status !== 429) continue;
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(json.error).toMatchObject({ type: 'rate_limit_error', code: 'queue_full' });
    }
    await stillHealthy(s);
  });

  it('the openai client sees 429 as RateLimitError', async () => {
    const s = await server({ maxConcurrent: 1, maxQueue: 0 });
    const slow = s.client.completions.create({ model: MODEL, prompt: 'slow', max_tokens: 60, temperature: 0 });
    await eventually(() => s.server.queue.running === 1, 5_000, 'the first request to start');
    const e = await expectApiError(s.client.completions.create({ model: MODEL, prompt: 'x', max_tokens: 1 }), 429, 'queue_full');
    expect(e).toBeInstanceOf(OpenAI.RateLimitError);
    expect((await slow).choices[0]!.finish_reason).toBe('length');
    await stillHealthy(s);
  });

  it('the per-request timeout answers 504 (JSON) or an error event (stream) and frees the cache', async () => {
    const s = await server({ requestTimeoutMs: 150 });
    const body = { model: MODEL, prompt: 'never finishes in time', max_tokens: CONTEXT_TOKENS - 20, temperature: 0 };
    const e = await expectApiError(s.client.completions.create(body), 504, 'request_timeout');
    expect(e).toBeInstanceOf(OpenAI.InternalServerError);
    await eventually(() => s.server.backends.totals().live === 0, 5_000, 'cache freed after timeout');
    const stream = await s.client.completions.create({ ...body, stream: true });
    const error = await (async () => {
      try {
        for await (const _ of stream);
      } catch (err) {
        return err;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).code).toBe('request_timeout');
    await eventually(() => s.server.backends.totals().live === 0, 5_000, 'cache freed after streamed timeout');
    // A short request still fits in the same server.
    await stillHealthy(s);
  });
});
