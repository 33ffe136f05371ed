// The embedded demo model (assets/lrqk-demo-model, trained by tools/train): its tokenizer, and,
// when its trained weights are in the checkout, a normal Hugging Face directory that lrqk loads on
// the CPU, shaped like the models LRQK targets, that retrieves a fact hidden in a short document —
// checked with held-out instances of @lrqk/eval's generators (seeds the trainer never used), full
// attention and LRQK, greedy decoding.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openEngine, type Engine } from '@lrqk/engine';
import { generateInstance, scoreRuler } from '@lrqk/eval';
import { loadTokenizer } from '@lrqk/tokenizers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findDemoModel, hasWeights } from '../src/commands/demo.ts';

const dir = findDemoModel();
const MB = 1e6;
const trained = hasWeights(dir);

describe('embedded demo model tokenizer', () => {
  it('is a 4096-token byte-level BPE with <s>/</s>, BOS prepended, digits one per token, lossless', async () => {
    const t = await loadTokenizer(dir);
    expect(t.vocabSize).toBe(4096);
    expect(t.bos).toEqual({ content: '<s>', id: 0 });
    expect(t.eos).toEqual({ content: '</s>', id: 1 });
    expect(t.pad).toEqual({ content: '<pad>', id: 2 });
    const text = 'One of the special magic numbers for quiet-harbor is: 4061937.\nCafé, naïve — 🙂';
    const ids = t.encode(text);
    expect(ids[0]).toBe(0);
    expect(t.decode(ids, { skipSpecialTokens: true })).toBe(text);
    const digits = t.encode(' 4061937', { addSpecialTokens: false }).map((id) => t.decode([id]));
    expect(digits).toEqual([' ', '4', '0', '6', '1', '9', '3', '7']);
  });
});

describe.runIf(trained)('embedded demo model weights', () => {
  it('are a Llama checkpoint with head_dim 128, GQA and a large rope_theta, within 40 MB', () => {
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(config['architectures']).toEqual(['LlamaForCausalLM']);
    expect(config['head_dim']).toBe(128);
    expect(config['num_key_value_heads']).toBeLessThan(config['num_attention_heads'] as number);
    expect(config['rope_theta']).toBeGreaterThanOrEqual(500_000);
    expect(statSync(join(dir, 'model.safetensors')).size).toBeLessThanOrEqual(40 * MB);
    for (const f of ['generation_config.json', 'README.md', 'training/train.log']) expect(statSync(join(dir, f)).isFile(), f).toBe(true);
  });

  describe('on the CPU', () => {
    let engine: Engine;
    beforeAll(async () => {
      engine = await openEngine(dir, { device: 'cpu' });
    });
    afterAll(async () => {
      await engine?.dispose();
    });

    it('load with the tokenizer', () => {
      expect(engine.tokenizer.vocabSize).toBe(engine.config.vocabSize);
      expect(engine.tokenizer.eosTokenIds).toContain(1);
    });

    // Held-out seeds: tools/train draws its instances from Python's RNG, never these. The task is
    // the one the model is trained for (MODEL_CARD): one number hidden in repeated filler text.
    const cases = [
      { task: 'niah_single_1', seed: 7001, method: 'full' as const },
      { task: 'niah_single_1', seed: 7002, method: 'full' as const },
      { task: 'niah_single_1', seed: 7003, method: 'lrqk' as const },
    ];
    for (const c of cases) {
      it(`retrieves the hidden number (${c.task} seed ${c.seed}, 1K tokens, ${c.method} attention)`, async () => {
        const inst = generateInstance(engine.tokenizer, c.task, 1024, 0, c.seed);
        const ids = engine.encodePrompt(inst.prompt);
        const backend = await engine.createBackend({
          method: c.method,
          ...(c.method === 'lrqk' ? { lrqk: { rank: 16, topK: 128, lite: 32 } } : {}),
          maxTokens: ids.length + 16,
        });
        try {
          const it = engine.generate(ids, { backend, maxTokens: 16, temperature: 0 });
          let step = await it.next();
          while (!step.done) step = await it.next();
          const text = step.value.text;
          expect(scoreRuler(inst.metric, text, inst.answers), `answer ${JSON.stringify(text)}, expected ${inst.answers.join(', ')}`).toBe(1);
        } finally {
          backend.dispose();
        }
      }, 60_000);
    }
  });
});
