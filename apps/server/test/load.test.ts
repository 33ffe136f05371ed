// A bounded concurrent load test: 200 requests, 16 at a time, mixing completions and chat,
// streaming and not, through the official client against a server that runs 2 at once and queues
// 12 more (so a few of the 16 clients are always over the limit). Every answer must be a success
// or a 429; afterwards no KV cache is alive (every backend created was disposed), device memory
// is back where it started, and the server still answers.
import { memoryStats } from '@lrqk/tensor';
import OpenAI from 'openai';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MODEL, eventually, metricValue, openFixture, start, type Fixture, type Running } from './helpers.ts';

const REQUESTS = 200;
const CLIENTS = 16;
const MAX_TOKENS = 4;

let fx: Fixture;
let s: Running;

beforeAll(async () => {
  fx = await openFixture();
  s = await start(fx.engine, { maxConcurrent: 2, maxQueue: 12 });
});
afterAll(async () => {
  await s?.server.close({ graceMs: 1_000 });
  await fx?.dispose();
});

/** One request of the mix; resolves with the completion tokens it reported. */
async function one(i: number): Promise<number> {
  const prompt = `request ${i}: ${'lorem ipsum '.repeat(i % 7)}`;
  const stream = i % 2 === 1;
  // A few sampled requests: sampling over the 151 669-token vocabulary costs ~25 ms a token on the CPU.
  const temperature = i % 16 === 2 || i % 16 === 3 ? 0.7 : 0;
  if (i % 4 < 2) {
    if (!stream) return (await s.client.completions.create({ model: MODEL, prompt, max_tokens: MAX_TOKENS, temperature })).usage!.completion_tokens;
    let tokens = -1;
    for await (const c of await s.client.completions.create({ model: MODEL, prompt, max_tokens: MAX_TOKENS, temperature, stream: true, stream_options: { include_usage: true } })) {
      if (c.usage) tokens = c.usage.completion_tokens;
    }
    return tokens;
  }
  const messages = [{ role: 'user' as const, content: prompt }];
  if (!stream) return (await s.client.chat.completions.create({ model: MODEL, messages, max_tokens: MAX_TOKENS, temperature, seed: i })).usage!.completion_tokens;
  let tokens = -1;
  for await (const c of await s.client.chat.completions.create({ model: MODEL, messages, max_tokens: MAX_TOKENS, temperature, seed: i, stream: true, stream_options: { include_usage: true } })) {
    if (c.usage) tokens = c.usage.completion_tokens;
  }
  return tokens;
}

it(`${REQUESTS} requests, ${CLIENTS} at a time: only successes and 429s, no leaked caches, still answering`, async () => {
  const memoryBefore = memoryStats().allocatedBytes;
  let next = 0;
  let ok = 0;
  let rateLimited = 0;
  const failures: unknown[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < REQUESTS) {
        const i = next++;
        try {
          const tokens = await one(i);
          // EOS may end a sampled answer early; never more than asked for.
          expect(tokens).toBeGreaterThanOrEqual(0);
          expect(tokens).toBeLessThanOrEqual(MAX_TOKENS);
          ok++;
        } catch (e) {
          if (e instanceof OpenAI.RateLimitError) rateLimited++;
          else failures.push(e);
        }
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  console.log(`load: ${ok} ok, ${rateLimited} × 429, ${failures.length} other in ${seconds.toFixed(1)} s (${(REQUESTS / seconds).toFixed(0)} req/s)`);
  expect(failures).toEqual([]);
  expect(ok + rateLimited).toBe(REQUESTS);
  expect(ok).toBeGreaterThan(0);

  await eventually(() => s.server.inFlight === 0 && s.server.queue.running === 0 && s.server.queue.waiting === 0, 5_000, 'idle');
  const totals = s.server.backends.totals();
  expect(totals.live).toBe(0);
  expect(totals.created).toBe(ok); // one backend per admitted request, each disposed
  expect(totals.hostBytes + totals.deviceBytes).toBe(0);
  expect(memoryStats().allocatedBytes).toBe(memoryBefore);
  const m = await (await fetch(`${s.url}/metrics`)).text();
  expect(metricValue(m, 'lrqk:kv_cache_live_backends')).toBe(0);
  expect(metricValue(m, 'lrqk:request_rejected_total', 'reason="queue_full"') || 0).toBe(rateLimited);
  expect(metricValue(m, 'lrqk:e2e_request_latency_seconds_count')).toBe(ok);

  const after = await s.client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'still there?' }], max_tokens: 2, temperature: 0 });
  expect(after.choices[0]!.message.role).toBe('assistant');
  expect((await fetch(`${s.url}/health`)).status).toBe(200);
});
