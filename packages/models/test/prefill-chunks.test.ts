// Chunked prefill: a prompt fed in pieces gives the same logits and the same greedy continuation
// as HF transformers (reference.json) for every chunk size, with full attention and the offload
// baseline; each backend is told which chunk ends the prompt; backends that need the prompt whole
// get it whole; cancellation between chunks stops generation cleanly.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acceptsChunkedPrefill,
  FullAttention,
  generate,
  loadModel,
  OffloadAttention,
  prefill,
  type AttentionBackend,
  type AttentionStep,
  type LlamaModel,
  type PrefillStep,
} from '../src/index.ts';
import type { Tensor } from '@lrqk/tensor';
import { drain } from './helpers.ts';

const dir = join(import.meta.dirname, 'fixtures', 'hf', 'llama-gqa2');
const ref = JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8')) as { prompt: number[]; greedy_f32: number[] };
let model: LlamaModel;

function shape(m: LlamaModel) {
  const s = m.spec;
  return { layers: s.layers, heads: s.heads, kvHeads: s.kvHeads, headDim: s.headDim, maxTokens: 256, dtype: 'f32' as const, device: 'cpu' as const };
}

/** Delegates to a real backend under another name and records the steps it is given. */
class Recording implements AttentionBackend {
  readonly name: string;
  readonly inner: AttentionBackend;
  readonly steps: PrefillStep[] = [];
  constructor(name: string, inner: AttentionBackend) {
    this.name = name;
    this.inner = inner;
  }
  get length() {
    return this.inner.length;
  }
  forward(layer: number, q: Tensor, k: Tensor, v: Tensor, out: Tensor, step: AttentionStep): void {
    if (layer === 0) this.steps.push({ ...step });
    this.inner.forward(layer, q, k, v, out, step);
  }
  endStep(step: AttentionStep) {
    this.inner.endStep?.(step);
  }
  reset() {
    this.inner.reset();
  }
  stats() {
    return this.inner.stats();
  }
  dispose() {
    this.inner.dispose();
  }
}

function greedy(backend: AttentionBackend, chunk: number, maxTokens = 64) {
  return drain(generate(model, backend, ref.prompt, { maxTokens, prefillChunkTokens: chunk }));
}

beforeAll(async () => {
  model = (await loadModel(dir, { device: 'cpu', dtype: 'f32' })).model;
});
afterAll(() => model.dispose());

describe('chunked prefill', () => {
  it.each([1, 3, 5, 13, 14, 4096])('chunks of %i tokens: greedy continuation equals HF transformers (full attention)', async (chunk) => {
    const backend = new FullAttention(shape(model));
    const { ids } = await greedy(backend, chunk);
    expect(ids).toEqual(ref.greedy_f32);
    backend.dispose();
  });

  it('offload baseline with chunks of 4 tokens equals HF transformers', async () => {
    const backend = new OffloadAttention(shape(model));
    const { ids } = await greedy(backend, 4, 32);
    expect(ids).toEqual(ref.greedy_f32.slice(0, 32));
    backend.dispose();
  });

  it('last-position logits of a chunked prefill equal those of one pass', async () => {
    const a = new FullAttention(shape(model));
    const b = new FullAttention(shape(model));
    const whole = await prefill(model, a, ref.prompt, { chunkTokens: 4096 });
    const pieces = await prefill(model, b, ref.prompt, { chunkTokens: 4 });
    const x = whole.toFloat64Array();
    const y = pieces.toFloat64Array();
    let err = 0;
    let scale = 0;
    for (let i = 0; i < x.length; i++) {
      err = Math.max(err, Math.abs(x[i]! - y[i]!));
      scale = Math.max(scale, Math.abs(x[i]!));
    }
    expect(err).toBeLessThanOrEqual(1e-5 * Math.max(1, scale));
    expect(b.length).toBe(ref.prompt.length);
    for (const t of [whole, pieces]) t.dispose();
    a.dispose();
    b.dispose();
  });

  it('MLP row blocks (mlpChunkTokens) give the same logits as one block, for every position', () => {
    const a = new FullAttention(shape(model));
    const b = new FullAttention(shape(model));
    const whole = model.forward(ref.prompt, a, { allLogits: true });
    const blocks = model.forward(ref.prompt, b, { allLogits: true, mlpChunkTokens: 3 });
    const x = whole.toFloat64Array();
    const y = blocks.toFloat64Array();
    expect(y.length).toBe(ref.prompt.length * model.spec.vocabSize);
    let err = 0;
    for (let i = 0; i < x.length; i++) err = Math.max(err, Math.abs(x[i]! - y[i]!));
    expect(err).toBeLessThanOrEqual(1e-5);
    expect(() => model.forward([1], b, { mlpChunkTokens: 0 })).toThrow(/mlpChunkTokens/);
    for (const t of [whole, blocks]) t.dispose();
    a.dispose();
    b.dispose();
  });

  it('tells the backend which chunk ends the prompt, with chunk starts and sizes', async () => {
    const rec = new Recording('full', new FullAttention(shape(model)));
    await greedy(rec, 5, 3);
    const n = ref.prompt.length; // 14 → chunks 5, 5, 4, then 2 decode steps
    expect(rec.steps.map((s) => [s.start, s.tokens, s.last])).toEqual([
      [0, 5, false],
      [5, 5, false],
      [10, 4, true],
      [n, 1, true],
      [n + 1, 1, true],
    ]);
    rec.dispose();
  });

  it('a backend that does not declare chunked prefill gets the prompt whole', async () => {
    const rec = new Recording('lrqk', new FullAttention(shape(model)));
    expect(acceptsChunkedPrefill(rec)).toBe(false);
    const { ids } = await greedy(rec, 3, 8);
    expect(ids).toEqual(ref.greedy_f32.slice(0, 8));
    expect(rec.steps[0]).toMatchObject({ start: 0, tokens: ref.prompt.length, last: true });
    const declared = Object.assign(new Recording('custom', new FullAttention(shape(model))), { chunkedPrefill: true });
    expect(acceptsChunkedPrefill(declared)).toBe(true);
    rec.dispose();
    declared.dispose();
  });

  it('cancellation between chunks ends generation with finish reason abort and no tokens', async () => {
    const backend = new FullAttention(shape(model));
    const ac = new AbortController();
    const seen: number[] = [];
    const it = generate(model, backend, ref.prompt, {
      maxTokens: 8,
      prefillChunkTokens: 4,
      signal: ac.signal,
      onPrefill: (done) => {
        seen.push(done);
        if (done === 4) ac.abort();
      },
    });
    const r = await it.next();
    expect(r.done).toBe(true);
    expect(r.value).toMatchObject({ ids: [], finishReason: 'abort', usage: { completionTokens: 0 } });
    expect(seen).toEqual([0, 4]);
    backend.dispose();
  });

  it('rejects a bad chunk size', async () => {
    const backend = new FullAttention(shape(model));
    await expect(greedy(backend, 0, 1)).rejects.toThrow(/prefillChunkTokens/);
    backend.dispose();
  });
});
