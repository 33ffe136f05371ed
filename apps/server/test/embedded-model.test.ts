// The embedded demo model (assets/lrqk-demo-model: a trained Llama with its own trained BPE
// tokenizer) served over HTTP, when its weights are in the checkout: the openai client gets exactly
// what the engine generates, with full attention and with LRQK in its approximate regime; the
// model id is the directory name; chat needs a chat template, so it is a 400 when there is none.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openEngine, type Engine } from '@lrqk/engine';
import { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start, type Running } from './helpers.ts';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'assets', 'lrqk-demo-model');
const MODEL = 'lrqk-demo-model';
const hasWeights = existsSync(join(dir, 'config.json')) && (existsSync(join(dir, 'model.safetensors')) || existsSync(join(dir, 'model.safetensors.index.json')));

let engine: Engine;
let s: Running;

describe.runIf(hasWeights)('the embedded demo model over HTTP', () => {
  beforeAll(async () => {
    engine = await openEngine(dir, { device: 'cpu', contextTokens: 2048 });
    s = await start(engine);
  });
  afterAll(async () => {
    await s?.server.close({ graceMs: 500 });
    await engine?.dispose();
  });

  /** What the engine itself generates (greedy). */
  async function direct(prompt: string, attention: Parameters<Engine['createBackend']>[0], maxTokens: number): Promise<string> {
    const backend = await engine.createBackend(attention);
    try {
      const gen = engine.generate(engine.encodePrompt(prompt), { backend, maxTokens, temperature: 0 });
      let step = await gen.next();
      while (!step.done) step = await gen.next();
      return step.value.text;
    } finally {
      backend.dispose();
    }
  }

  it('serves the engine’s own greedy text, full attention and LRQK (prompt longer than topK + lite)', async () => {
    expect((await s.client.models.list()).data.map((m) => m.id)).toEqual([MODEL]);
    // A passkey in a haystack, grown until LRQK (topK 256 + lite 32) has to select.
    const noise = 'The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again. ';
    let prompt = '';
    for (let n = 4; engine.encodePrompt(prompt).length <= 400; n += 4) {
      prompt = `${noise.repeat(n)}The pass key is 71432. Remember it. ${noise.repeat(n / 2)}What is the pass key? The pass key is`;
    }
    const full = await s.client.completions.create({ model: MODEL, prompt, max_tokens: 8, temperature: 0 });
    expect(full.choices[0]!.text).toBe(await direct(prompt, { method: 'full' }, 8));
    const lrqk = { rank: 16, topK: 256, lite: 32 };
    const approx = await s.client.completions.create({ model: MODEL, prompt, max_tokens: 8, temperature: 0, attention: 'lrqk', lrqk } as never);
    expect((approx as { choices: { text: string }[] }).choices[0]!.text).toBe(await direct(prompt, { method: 'lrqk', lrqk }, 8));
  });

  it('chat follows the model’s template, or is a 400 when it has none', async () => {
    const request = s.client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hello' }], max_tokens: 4, temperature: 0 });
    if (engine.tokenizer.hasChatTemplate) {
      expect((await request).choices[0]!.message.role).toBe('assistant');
    } else {
      const error = await request.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(APIError);
      expect((error as APIError).code).toBe('no_chat_template');
    }
  });
});
