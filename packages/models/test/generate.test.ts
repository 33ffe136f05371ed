// Generation on a real (random-weight, HF-produced) checkpoint: greedy decoding reproduces HF's
// continuation through generate(); stop tokens, max tokens, cancellation and seeded sampling
// behave; the offload backend gives the same logits as full attention.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FullAttention, generate, loadModel, OffloadAttention, type AttentionBackend, type LlamaModel } from '../src/index.ts';
import { drain } from './helpers.ts';

const dir = join(import.meta.dirname, 'fixtures', 'hf', 'llama-gqa2');
const ref = JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8')) as { prompt: number[]; greedy_f32: number[] };
let model: LlamaModel;

function shape(m: LlamaModel) {
  const s = m.spec;
  return { layers: s.layers, heads: s.heads, kvHeads: s.kvHeads, headDim: s.headDim, maxTokens: 256, dtype: 'f32' as const, device: 'cpu' as const };
}

function run(backend: AttentionBackend, opts: Parameters<typeof generate>[3]) {
  return drain(generate(model, backend, ref.prompt, opts));
}

beforeAll(async () => {
  model = (await loadModel(dir, { device: 'cpu', dtype: 'f32' })).model;
});
afterAll(() => model.dispose());

describe('generate', () => {
  it('greedy reproduces the HF continuation; usage and finish reason', async () => {
    const backend = new FullAttention(shape(model));
    const { ids, result } = await run(backend, { maxTokens: 64 });
    expect(ids).toEqual(ref.greedy_f32);
    expect(result.finishReason).toBe('length');
    expect(result.decodePath).toBe('eager'); // no CUDA graph on the CPU
    expect(result.usage).toEqual({ promptTokens: ref.prompt.length, completionTokens: 64, totalTokens: ref.prompt.length + 64 });
    backend.dispose();
  });

  it('stops at a stop token (not included) and honours an AbortSignal', async () => {
    const backend = new FullAttention(shape(model));
    const stopAt = ref.greedy_f32.indexOf(ref.greedy_f32[5]!);
    const { ids, result } = await run(backend, { maxTokens: 64, stopTokenIds: [ref.greedy_f32[5]!] });
    expect(ids).toEqual(ref.greedy_f32.slice(0, stopAt));
    expect(result.finishReason).toBe('stop');
    backend.reset();
    const ac = new AbortController();
    const gen = generate(model, backend, ref.prompt, { maxTokens: 64, signal: ac.signal });
    await gen.next();
    await gen.next();
    ac.abort();
    let r = await gen.next();
    while (!r.done) r = await gen.next();
    expect(r.value.finishReason).toBe('abort');
    expect(r.value.usage.completionTokens).toBe(2);
    backend.dispose();
  });

  it('seeded sampling is reproducible and differs across seeds', async () => {
    const sample = async (seed: number) => {
      const backend = new FullAttention(shape(model));
      const { ids } = await run(backend, { maxTokens: 24, temperature: 1.5, topP: 0.95, seed });
      backend.dispose();
      return ids;
    };
    const a = await sample(7);
    expect(await sample(7)).toEqual(a);
    expect(await sample(8)).not.toEqual(a);
  });

  it('rejects bad parameters with clear errors', async () => {
    const backend = new FullAttention(shape(model));
    await expect(run(backend, { maxTokens: 4, topP: 2 })).rejects.toThrow(/topP/);
    await expect(run(backend, { maxTokens: -1 })).rejects.toThrow(/maxTokens/);
    backend.dispose();
  });

  it('offload attention (KV streamed from the host store) equals full attention', async () => {
    const full = new FullAttention(shape(model));
    const off = new OffloadAttention(shape(model));
    const a = await run(full, { maxTokens: 20 });
    const b = await run(off, { maxTokens: 20 });
    expect(b.ids).toEqual(a.ids);
    expect(off.stats().bytesHostToDevice).toBeGreaterThan(0);
    full.dispose();
    off.dispose();
  });
});
