// Cancellation and shutdown: a client that goes away (streaming, non-streaming, or while queued)
// stops its generation and frees its cache; close({ graceMs }) lets in-flight requests finish
// within the grace period and cancels them after it (error event / 503), then refuses connections.
import OpenAI, { APIError } from 'openai';
import { describe, expect, it } from 'vitest';
import { CONTEXT_TOKENS, MODEL, eventually, metricValue, post, start, useFixtureServers, type Running } from './helpers.ts';

const { fixture, server } = useFixtureServers();

/** Long enough that it is still running when the test acts on it (a few hundred tokens). */
const LONG = { model: MODEL, prompt: 'a long story', max_tokens: CONTEXT_TOKENS - 16, temperature: 0 };

async function metrics(s: Running): Promise<string> {
  return (await fetch(`${s.url}/metrics`)).text();
}

describe('client disconnects', () => {
  it('a streaming client that aborts stops the generation and frees its cache', async () => {
    const s = await server();
    const stream = await s.client.completions.create({ ...LONG, stream: true });
    let chunks = 0;
    for await (const _ of stream) {
      if (++chunks === 3) break; // leaving the loop aborts the HTTP request
    }
    await eventually(() => s.server.backends.totals().live === 0 && s.server.queue.running === 0, 5_000, 'cache freed');
    const m = await metrics(s);
    expect(metricValue(m, 'lrqk:request_success_total', 'finished_reason="abort"')).toBe(1);
    // Stopped early: far fewer tokens than asked for were generated.
    expect(metricValue(m, 'lrqk:generation_tokens_total')).toBeLessThan(LONG.max_tokens / 2);
  });

  it('a non-streaming client that disconnects stops the generation and frees its cache', async () => {
    const s = await server();
    const controller = new AbortController();
    const aborted = fetch(`${s.url}/v1/completions`, { method: 'POST', body: JSON.stringify(LONG), signal: controller.signal }).catch((e: unknown) => e);
    await eventually(() => s.server.queue.running === 1, 5_000, 'request running');
    await new Promise((r) => setTimeout(r, 50)); // a few tokens in
    controller.abort();
    expect(await aborted).toBeInstanceOf(Error);
    await eventually(() => s.server.backends.totals().live === 0 && s.server.queue.running === 0, 5_000, 'cache freed');
    const m = await metrics(s);
    expect(metricValue(m, 'lrqk:request_success_total', 'finished_reason="abort"')).toBe(1);
    expect(metricValue(m, 'lrqk:generation_tokens_total')).toBeLessThan(LONG.max_tokens / 2);
    // The server goes on serving.
    expect((await post(s.url, '/v1/completions', { model: MODEL, prompt: 'next', max_tokens: 2 })).status).toBe(200);
  });

  it('a queued client that disconnects leaves the queue without taking a slot', async () => {
    const s = await server({ maxConcurrent: 1, maxQueue: 4 });
    const running = s.client.completions.create({ ...LONG, max_tokens: 60 });
    await eventually(() => s.server.queue.running === 1, 5_000, 'first request running');
    const controller = new AbortController();
    const queued = s.client.completions.create({ model: MODEL, prompt: 'queued', max_tokens: 2 }, { signal: controller.signal }).catch((e: unknown) => e);
    await eventually(() => s.server.queue.waiting === 1, 5_000, 'second request queued');
    controller.abort();
    expect(await queued).toBeInstanceOf(OpenAI.APIUserAbortError);
    await eventually(() => s.server.queue.waiting === 0, 5_000, 'queue emptied');
    expect(s.server.backends.totals().created).toBe(1); // the aborted one never got a backend
    expect((await running).choices[0]!.finish_reason).toBe('length');
    await eventually(() => s.server.backends.totals().live === 0, 5_000, 'cache freed');
  });
});

describe('streaming while queued', () => {
  it('a queued stream gets its headers at once, then its tokens when its turn comes', async () => {
    const s = await server({ maxConcurrent: 1, maxQueue: 2, keepAliveMs: 20 });
    const first = s.client.completions.create({ ...LONG, max_tokens: 40 });
    await eventually(() => s.server.queue.running === 1, 5_000, 'first request running');
    const res = await post(s.url, '/v1/completions', { model: MODEL, prompt: 'waiting', max_tokens: 3, temperature: 0, stream: true });
    expect(res.status).toBe(200);
    expect(s.server.queue.waiting).toBe(1); // headers came while still queued
    const text = await res.text();
    expect(text.startsWith(': queued')).toBe(true);
    expect(text).toContain(': keep-alive'); // comments flowed while it waited (every 20 ms here)
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    await first;
    await eventually(() => s.server.backends.totals().live === 0, 5_000, 'caches freed');
  });

  it('a queued stream whose client leaves frees its place', async () => {
    const s = await server({ maxConcurrent: 1, maxQueue: 2 });
    const first = s.client.completions.create({ ...LONG, max_tokens: 40 });
    await eventually(() => s.server.queue.running === 1, 5_000, 'first request running');
    const controller = new AbortController();
    const res = await fetch(`${s.url}/v1/completions`, { method: 'POST', body: JSON.stringify({ model: MODEL, prompt: 'leaving', max_tokens: 3, stream: true }), signal: controller.signal });
    expect(s.server.queue.waiting).toBe(1);
    controller.abort();
    await res.text().catch(() => '');
    await eventually(() => s.server.queue.waiting === 0, 5_000, 'queue emptied');
    await first;
    expect(s.server.backends.totals().created).toBe(1);
  });
});

describe('graceful shutdown', () => {
  it('in-flight requests finish within the grace period; then connections are refused', async () => {
    const s = await start(fixture().engine);
    const inFlight = s.client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'finish me' }], max_tokens: 30, temperature: 0 });
    await eventually(() => s.server.queue.running === 1, 5_000, 'request running');
    const closed = s.server.close({ graceMs: 20_000 });
    // While draining, anything new (here through the app directly) is refused with a 503.
    const late = await s.server.app.request('/v1/models');
    expect(late.status).toBe(503);
    expect(await late.json()).toMatchObject({ error: { code: 'server_shutting_down' } });
    expect((await s.server.app.request('/health')).status).toBe(503);
    await closed;
    const r = await inFlight;
    expect(r.choices[0]!.finish_reason).toBe('length');
    expect(r.usage!.completion_tokens).toBe(30);
    expect(s.server.backends.totals().live).toBe(0);
    await expect(fetch(`${s.url}/health`)).rejects.toThrow();
  });

  it('after the grace period, streams get an error event, JSON requests a 503, and close() resolves', async () => {
    const s = await start(fixture().engine, { maxConcurrent: 2 });
    const stream = await s.client.completions.create({ ...LONG, stream: true });
    const json = post(s.url, '/v1/completions', LONG);
    const it = stream[Symbol.asyncIterator]();
    await it.next(); // the stream is producing tokens
    await eventually(() => s.server.queue.running === 2, 5_000, 'both running');
    const t0 = performance.now();
    await s.server.close({ graceMs: 50 });
    expect(performance.now() - t0).toBeLessThan(5_000);
    const error = await (async () => {
      try {
        for (;;) if ((await it.next()).done) return null;
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).code).toBe('server_shutting_down');
    const res = await json;
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { code: 'server_shutting_down' } });
    expect(s.server.backends.totals().live).toBe(0);
    expect(s.server.inFlight).toBe(0);
  });
});
