// EOS handling on a fixture whose <|im_end|> embedding is scaled up (so the model sometimes ends
// its answer): a request that meets EOS reports finish_reason "stop" (streaming and not) and never
// shows the EOS text; the same request with ignore_eos runs to max_tokens.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEngine, type Engine } from '@lrqk/engine';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { writeFixtureModel } from './fixture-model.ts';
import { start, type Running } from './helpers.ts';

const MODEL = 'eos-qwen3';
const MAX = 12;
let root: string;
let engine: Engine;
let s: Running;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lrqk-server-eos-'));
  engine = await openEngine(await writeFixtureModel(join(root, MODEL), { eosScale: 16 }), { device: 'cpu', contextTokens: 256 });
  s = await start(engine);
});
afterAll(async () => {
  await s?.server.close({ graceMs: 500 });
  await engine?.dispose();
  await rm(root, { recursive: true, force: true });
});

/** A prompt whose greedy continuation meets EOS after at least one token (found with the engine). */
async function promptThatStops(): Promise<{ prompt: string; tokens: number }> {
  for (const prompt of ['xyz', 'hi there', 'Hello', 'The cat', 'Once upon', 'abc def', 'q', 'one two three']) {
    const backend = await engine.createBackend({ method: 'full' });
    try {
      const gen = engine.generate(engine.encodePrompt(prompt), { backend, maxTokens: MAX, temperature: 0 });
      let step = await gen.next();
      while (!step.done) step = await gen.next();
      if (step.value.finishReason === 'stop' && step.value.ids.length >= 1) return { prompt, tokens: step.value.ids.length };
    } finally {
      backend.dispose();
    }
  }
  throw new Error('no candidate prompt meets EOS; raise eosScale');
}

it('EOS ends a completion with finish_reason stop; ignore_eos generates past it', async () => {
  const { prompt, tokens } = await promptThatStops();
  const r = await s.client.completions.create({ model: MODEL, prompt, max_tokens: MAX, temperature: 0 });
  expect(r.choices[0]!.finish_reason).toBe('stop');
  expect(r.usage!.completion_tokens).toBe(tokens);
  expect(r.choices[0]!.text).not.toContain('<|im_end|>');

  const stream = await s.client.completions.create({ model: MODEL, prompt, max_tokens: MAX, temperature: 0, stream: true });
  let last: string | null = null;
  let text = '';
  for await (const chunk of stream) {
    for (const c of chunk.choices) {
      text += c.text;
      if (c.finish_reason) last = c.finish_reason;
    }
  }
  expect(last).toBe('stop');
  expect(text).toBe(r.choices[0]!.text);

  const body = { model: MODEL, prompt, max_tokens: MAX, temperature: 0, ignore_eos: true };
  const past = await s.client.completions.create(body as typeof body & { stream?: false });
  expect(past.choices[0]!.finish_reason).toBe('length');
  expect(past.usage!.completion_tokens).toBe(MAX);
  expect(past.choices[0]!.text.startsWith(r.choices[0]!.text)).toBe(true);
});
