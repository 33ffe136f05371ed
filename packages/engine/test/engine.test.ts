import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FullAttention } from '@lrqk/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContextLengthError, EngineError, openEngine, type Engine } from '../src/index.ts';
import { writeTinyModel } from '../src/testing.ts';

let root: string;
let engine: Engine;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lrqk-engine-'));
  await writeTinyModel(join(root, 'tiny'), { seed: 7 });
  engine = await openEngine(join(root, 'tiny'), { device: 'cpu', contextTokens: 512 });
});
afterAll(async () => {
  await engine?.dispose();
  await rm(root, { recursive: true, force: true });
});

/** float64 log-softmax of a logits row at `id`. */
function logSoftmaxAt(row: Float32Array, id: number): number {
  let max = -Infinity;
  for (const x of row) max = Math.max(max, x);
  let sum = 0;
  for (const x of row) sum += Math.exp(x - max);
  return row[id]! - max - Math.log(sum);
}

describe('openEngine', () => {
  it('loads checkpoint, tokenizer and config together', () => {
    expect(engine.modelId).toBe('tiny');
    expect(engine.device).toBe('cpu');
    expect(engine.dtype).toBe('f32');
    expect(engine.contextTokens).toBe(512);
    expect(engine.config.vocabSize).toBe(258);
    expect(engine.encodePrompt('ab')).toEqual([256, 97, 98]);
    expect(engine.encodeChat([{ role: 'user', content: 'hi' }])).toEqual(engine.tokenizer.encode('<s>user: hi\nassistant:', { addSpecialTokens: false }));
  });

  it('refuses a tokenizer that does not match the checkpoint', async () => {
    const dir = join(root, 'mismatch');
    await writeTinyModel(dir);
    const cfg = JSON.parse(await (await import('node:fs/promises')).readFile(join(dir, 'config.json'), 'utf8'));
    cfg.vocab_size = 100;
    await writeFile(join(dir, 'config.json'), JSON.stringify(cfg));
    await expect(openEngine(dir, { device: 'cpu' })).rejects.toThrow(/embed_tokens.*258/);
  });

  it('names the missing file of a directory that is not a model', async () => {
    await expect(openEngine(join(root, 'nope'), { device: 'cpu' })).rejects.toThrow(/nope\/tokenizer\.json/);
  });
});

describe('generate', () => {
  it('is deterministic, reports usage and attention stats, and stops at max tokens', async () => {
    const run = async () => {
      const backend = await engine.createBackend({ method: 'full', maxTokens: 64 });
      try {
        const gen = engine.generate(engine.encodePrompt('hello'), { backend, maxTokens: 5, temperature: 0.8, seed: 3, stopTokenIds: [] });
        const streamed: number[] = [];
        for (;;) {
          const r = await gen.next();
          if (r.done) return { streamed, result: r.value };
          streamed.push(r.value.id);
        }
      } finally {
        backend.dispose();
      }
    };
    const a = await run();
    const b = await run();
    expect(a.result.ids).toEqual(b.result.ids);
    expect(a.streamed).toEqual(a.result.ids);
    expect(a.result.ids).toHaveLength(5);
    expect(a.result.finishReason).toBe('length');
    expect(a.result.usage).toEqual({ promptTokens: 6, completionTokens: 5, totalTokens: 11 });
    // On the CPU the cache counts as host memory; on CUDA as device memory.
    expect(a.result.attention.deviceBytes + a.result.attention.hostBytes).toBeGreaterThan(0);
  });

  it('throws ContextLengthError before doing any work', async () => {
    const backend = await engine.createBackend({ method: 'full', maxTokens: 16 });
    try {
      const gen = engine.generate(new Array(500).fill(97), { backend, maxTokens: 100 });
      const err = await gen.next().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ContextLengthError);
      expect((err as ContextLengthError).contextTokens).toBe(512);
      expect((err as Error).message).toMatch(/600 > the context limit of 512/);
    } finally {
      backend.dispose();
    }
  });

  it('rejects a backend larger than the context', async () => {
    await expect(engine.createBackend({ method: 'full', maxTokens: 513 })).rejects.toThrow(RangeError);
  });
});

describe('tokenLogProbs', () => {
  it('equals log-softmax of full-sequence logits, whether chunked or stepwise', () => {
    const ids = engine.encodePrompt('The quick brown fox jumps over the lazy dog.');
    const s = engine.model.spec;
    const shape = { layers: s.layers, heads: s.heads, kvHeads: s.kvHeads, headDim: s.headDim, maxTokens: 64, dtype: 'f32' as const, device: 'cpu' as const };
    const ref = new FullAttention(shape);
    const logits = engine.model.forward(ids, ref, { start: 0, allLogits: true });
    const rows = logits.toFloat32Array();
    logits.dispose();
    ref.dispose();
    const V = engine.config.vocabSize;
    for (const opts of [{ chunkTokens: 4096 }, { chunkTokens: 5 }, { chunkTokens: 7, stepwiseFrom: 20 }]) {
      const backend = new FullAttention(shape);
      const lp = engine.tokenLogProbs(ids, { backend, ...opts });
      backend.dispose();
      expect(Number.isNaN(lp[0])).toBe(true);
      for (let i = 1; i < ids.length; i++) {
        expect(lp[i]).toBeCloseTo(logSoftmaxAt(rows.subarray((i - 1) * V, i * V), ids[i]!), 4);
      }
    }
  });
});

describe('dispose', () => {
  it('is idempotent and later calls fail clearly', async () => {
    const e = await openEngine(join(root, 'tiny'), { device: 'cpu', contextTokens: 64 });
    await e.dispose();
    await e.dispose();
    await expect(e.createBackend({ method: 'full' })).rejects.toBeInstanceOf(EngineError);
  });
});
