// The OpenAI-compatible endpoints through the official `openai` client against a real server on
// loopback: non-streaming and streaming completions and chat, usage, stop strings, seeds,
// logprobs, per-request attention methods, /v1/models, /health and /metrics. The reference for
// every generated text is the engine itself, called directly with the same parameters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTEXT_TOKENS, MODEL, metricValue, openFixture, start, type Fixture, type Running } from './helpers.ts';

let fx: Fixture;
let srv: Running;

beforeAll(async () => {
  fx = await openFixture();
  srv = await start(fx.engine);
});
afterAll(async () => {
  await srv?.server.close({ graceMs: 1_000 });
  await fx?.dispose();
});

/** Greedy text straight from the engine (full attention), the reference for the server's answers. */
async function reference(promptIds: number[], maxTokens: number, extra: { temperature?: number; seed?: number; stop?: string[] } = {}) {
  const backend = await fx.engine.createBackend({ method: 'full' });
  try {
    const gen = fx.engine.generate(promptIds, { backend, maxTokens, temperature: extra.temperature ?? 0, seed: extra.seed ?? 0, ...(extra.stop ? { stop: extra.stop } : {}) });
    let step = await gen.next();
    while (!step.done) step = await gen.next();
    return step.value;
  } finally {
    backend.dispose();
  }
}

describe('completions', () => {
  it('non-streaming: text, finish reason and usage match the engine', async () => {
    const prompt = 'The quick brown fox';
    const r = await srv.client.completions.create({ model: MODEL, prompt, max_tokens: 12, temperature: 0 });
    const ref = await reference(fx.engine.encodePrompt(prompt), 12);
    expect(r.object).toBe('text_completion');
    expect(r.model).toBe(MODEL);
    expect(r.choices).toHaveLength(1);
    expect(r.choices[0]!.text).toBe(ref.text);
    expect(r.choices[0]!.finish_reason).toBe(ref.finishReason === 'length' ? 'length' : 'stop');
    expect(r.usage).toEqual({ prompt_tokens: ref.usage.promptTokens, completion_tokens: ref.usage.completionTokens, total_tokens: ref.usage.totalTokens });
    expect(r.usage!.prompt_tokens).toBe(fx.engine.encodePrompt(prompt).length);
  });

  it('streaming: chunks concatenate to the non-streaming text, then a usage chunk and [DONE]', async () => {
    const body = { model: MODEL, prompt: 'Once upon a time', max_tokens: 10, temperature: 0 } as const;
    const whole = await srv.client.completions.create(body);
    const stream = await srv.client.completions.create({ ...body, stream: true, stream_options: { include_usage: true } });
    let text = '';
    const finishes: (string | null)[] = [];
    let usage: unknown = null;
    for await (const chunk of stream) {
      expect(chunk.object).toBe('text_completion');
      if (chunk.usage) usage = chunk.usage;
      for (const c of chunk.choices) {
        text += c.text;
        finishes.push(c.finish_reason);
      }
    }
    expect(text).toBe(whole.choices[0]!.text);
    expect(finishes.at(-1)).toBe(whole.choices[0]!.finish_reason);
    expect(finishes.slice(0, -1).every((f) => f === null)).toBe(true);
    expect(usage).toEqual(whole.usage);
  });

  it('raw SSE ends with data: [DONE]', async () => {
    const res = await fetch(`${srv.url}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, prompt: 'abc', max_tokens: 3, temperature: 0, stream: true }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const events = (await res.text()).split('\n\n').filter((e) => e.startsWith('data: '));
    expect(events.at(-1)).toBe('data: [DONE]');
    expect(events.length).toBeGreaterThanOrEqual(2);
  });

  it('token-id prompts give the same answer as the text they encode', async () => {
    const ids = fx.engine.encodePrompt('Hello there');
    const a = await srv.client.completions.create({ model: MODEL, prompt: ids, max_tokens: 6, temperature: 0 });
    const b = await srv.client.completions.create({ model: MODEL, prompt: 'Hello there', max_tokens: 6, temperature: 0 });
    expect(a.choices[0]!.text).toBe(b.choices[0]!.text);
  });

  it('seeded sampling is reproducible and matches the engine with the same seed', async () => {
    const body = { model: MODEL, prompt: 'Seeds', max_tokens: 8, temperature: 1, top_p: 0.9, seed: 1234 };
    const a = await srv.client.completions.create(body);
    const b = await srv.client.completions.create(body);
    expect(a.choices[0]!.text).toBe(b.choices[0]!.text);
    const backend = await fx.engine.createBackend({ method: 'full' });
    try {
      const gen = fx.engine.generate(fx.engine.encodePrompt('Seeds'), { backend, maxTokens: 8, temperature: 1, topP: 0.9, seed: 1234 });
      let step = await gen.next();
      while (!step.done) step = await gen.next();
      expect(a.choices[0]!.text).toBe(step.value.text);
    } finally {
      backend.dispose();
    }
  });

  it('the vLLM sampling extensions (top_k, min_p, repetition_penalty) reach the sampler', async () => {
    const prompt = 'Sampling knobs';
    const r = await srv.client.completions.create({ model: MODEL, prompt, max_tokens: 8, temperature: 0.9, seed: 99, top_k: 5, min_p: 0.01, repetition_penalty: 1.3 } as never);
    const backend = await fx.engine.createBackend({ method: 'full' });
    try {
      const gen = fx.engine.generate(fx.engine.encodePrompt(prompt), { backend, maxTokens: 8, temperature: 0.9, seed: 99, topK: 5, minP: 0.01, repetitionPenalty: 1.3 });
      let step = await gen.next();
      while (!step.done) step = await gen.next();
      expect((r as { choices: { text: string }[] }).choices[0]!.text).toBe(step.value.text);
      // The knobs matter here: without them the same seed samples something else.
      const plain = await srv.client.completions.create({ model: MODEL, prompt, max_tokens: 8, temperature: 0.9, seed: 99 });
      expect(plain.choices[0]!.text).not.toBe(step.value.text);
    } finally {
      backend.dispose();
    }
  });

  it('stop strings end the text before the stop string, with finish_reason stop', async () => {
    const free = await reference(fx.engine.encodePrompt('Stop here'), 12);
    // A stop string taken from the middle of the free-running output must cut it there.
    const cut = Math.floor(free.text.length / 2);
    const stop = free.text.slice(cut, cut + 2);
    const r = await srv.client.completions.create({ model: MODEL, prompt: 'Stop here', max_tokens: 12, temperature: 0, stop: [stop] });
    expect(r.choices[0]!.finish_reason).toBe('stop');
    expect(r.choices[0]!.text).toBe(free.text.slice(0, free.text.indexOf(stop)));
  });

  it('logprobs=0 returns the chosen tokens with log-probabilities that sum like the engine rescoring', async () => {
    const prompt = 'Log probs';
    const r = await srv.client.completions.create({ model: MODEL, prompt, max_tokens: 5, temperature: 0, logprobs: 0 });
    const lp = r.choices[0]!.logprobs!;
    expect(lp.tokens).toHaveLength(5);
    expect(lp.tokens!.join('')).toBe(r.choices[0]!.text);
    // Independent check: full attention, every token in one prefill pass.
    const ids = fx.engine.encodePrompt(prompt);
    const ref = await reference(ids, 5);
    const backend = await fx.engine.createBackend({ method: 'full' });
    try {
      const all = fx.engine.tokenLogProbs([...ids, ...ref.ids], { backend });
      lp.token_logprobs!.forEach((v, i) => expect(v).toBeCloseTo(all[ids.length + i]!, 4));
    } finally {
      backend.dispose();
    }
    for (const v of lp.token_logprobs!) expect(v).toBeLessThanOrEqual(0);
  });
});

describe('chat completions', () => {
  const messages = [
    { role: 'system' as const, content: 'You are terse.' },
    { role: 'user' as const, content: 'Say something.' },
  ];

  it('non-streaming: the prompt is the model chat template, the text matches the engine', async () => {
    const r = await srv.client.chat.completions.create({ model: MODEL, messages, max_completion_tokens: 8, temperature: 0 });
    const promptIds = fx.engine.encodeChat(messages, { addGenerationPrompt: true });
    // The Qwen3 template really ran: <|im_start|>assistant opens the generation prompt.
    expect(fx.engine.tokenizer.decode(promptIds)).toContain('<|im_start|>assistant\n');
    const ref = await reference(promptIds, 8);
    expect(r.object).toBe('chat.completion');
    expect(r.choices[0]!.message.role).toBe('assistant');
    expect(r.choices[0]!.message.content).toBe(ref.text);
    expect(r.usage!.prompt_tokens).toBe(promptIds.length);
    expect(r.usage!.completion_tokens).toBe(ref.usage.completionTokens);
  });

  it('streaming: role first, content deltas equal the non-streaming message, usage at the end', async () => {
    const whole = await srv.client.chat.completions.create({ model: MODEL, messages, max_tokens: 8, temperature: 0 });
    const stream = await srv.client.chat.completions.create({ model: MODEL, messages, max_tokens: 8, temperature: 0, stream: true, stream_options: { include_usage: true } });
    let content = '';
    let role: string | undefined;
    let finish: string | null = null;
    let usage: unknown;
    for await (const chunk of stream) {
      expect(chunk.object).toBe('chat.completion.chunk');
      if (chunk.usage) usage = chunk.usage;
      for (const c of chunk.choices) {
        role ??= c.delta.role;
        content += c.delta.content ?? '';
        if (c.finish_reason) finish = c.finish_reason;
      }
    }
    expect(role).toBe('assistant');
    expect(content).toBe(whole.choices[0]!.message.content);
    expect(finish).toBe(whole.choices[0]!.finish_reason);
    expect(usage).toEqual(whole.usage);
  });

  it('text content parts are joined; logprobs: true gives one entry per token', async () => {
    const r = await srv.client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Say ' }, { type: 'text', text: 'something.' }] }],
      max_tokens: 4,
      temperature: 0,
      logprobs: true,
    });
    const plain = await srv.client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Say something.' }], max_tokens: 4, temperature: 0 });
    expect(r.choices[0]!.message.content).toBe(plain.choices[0]!.message.content);
    const lp = r.choices[0]!.logprobs!.content!;
    expect(lp).toHaveLength(r.usage!.completion_tokens);
    expect(lp.map((t) => t.token).join('')).toBe(r.choices[0]!.message.content);
    for (const t of lp) expect(t.logprob).toBeLessThanOrEqual(0);
  });

  it('attention method and LRQK parameters per request (extension fields)', async () => {
    const base = { model: MODEL, messages, max_tokens: 6, temperature: 0 };
    const full = await srv.client.chat.completions.create({ ...base, attention: 'full' } as typeof base);
    const offload = await srv.client.chat.completions.create({ ...base, attention: 'offload' } as typeof base);
    // The sequence fits in topK + lite slots, where LRQK attends densely and exactly.
    const lrqk = await srv.client.chat.completions.create({ ...base, attention: 'lrqk', lrqk: { rank: 8, topK: 64, lite: 16, iterations: 2, layout: 'per-query-head' } } as typeof base);
    expect(offload.choices[0]!.message.content).toBe(full.choices[0]!.message.content);
    expect(lrqk.choices[0]!.message.content).toBe(full.choices[0]!.message.content);
  });

  it('LRQK in its approximate regime (prompt longer than topK + lite) runs and reports hits', async () => {
    const long = 'alpha beta gamma delta '.repeat(20);
    const r = await srv.client.completions.create({ model: MODEL, prompt: long, max_tokens: 8, temperature: 0, attention: 'lrqk', lrqk: { rank: 4, topK: 16, lite: 8 } } as never);
    expect(r.usage!.prompt_tokens).toBeGreaterThan(24);
    expect(r.usage!.completion_tokens).toBe(8);
    const metrics = await (await fetch(`${srv.url}/metrics`)).text();
    const rate = metricValue(metrics, 'lrqk:kv_cache_hit_rate');
    expect(rate).toBeGreaterThan(0);
    expect(rate).toBeLessThanOrEqual(1);
  });
});

describe('models, health, metrics', () => {
  it('/v1/models lists the model with its context length', async () => {
    const list = await srv.client.models.list();
    expect(list.data.map((m) => m.id)).toEqual([MODEL]);
    const one = await srv.client.models.retrieve(MODEL);
    expect(one).toMatchObject({ id: MODEL, object: 'model', owned_by: 'lrqk', max_model_len: CONTEXT_TOKENS });
  });

  it('/health answers ok', async () => {
    const res = await fetch(`${srv.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', model: MODEL });
  });

  it('/metrics is Prometheus text with request counts, latencies, queue, cache and GPU memory', async () => {
    await srv.client.completions.create({ model: MODEL, prompt: 'count me', max_tokens: 3, temperature: 0 });
    const res = await fetch(`${srv.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    for (const name of [
      'lrqk:time_to_first_token_seconds_count',
      'lrqk:time_per_output_token_seconds_count',
      'lrqk:e2e_request_latency_seconds_count',
      'lrqk:avg_generation_throughput_toks_per_s',
      'lrqk:num_requests_waiting',
      'lrqk:num_requests_running',
      'lrqk:kv_cache_hit_rate',
      'lrqk:kv_cache_live_backends',
      'lrqk:generation_tokens_total',
    ]) {
      expect(Number.isFinite(metricValue(text, name)), name).toBe(true);
    }
    expect(metricValue(text, 'lrqk:time_to_first_token_seconds_count')).toBeGreaterThan(0);
    expect(metricValue(text, 'lrqk:generation_tokens_total')).toBeGreaterThanOrEqual(3);
    expect(metricValue(text, 'lrqk:http_requests_total', 'endpoint="/v1/completions",status="200"')).toBeGreaterThan(0);
    expect(metricValue(text, 'lrqk:request_success_total', 'finished_reason="length"')).toBeGreaterThan(0);
    expect(Number.isFinite(metricValue(text, 'lrqk:gpu_memory_bytes', 'kind="allocated"'))).toBe(true);
    expect(metricValue(text, 'lrqk:kv_cache_live_backends')).toBe(0);
  });
});
