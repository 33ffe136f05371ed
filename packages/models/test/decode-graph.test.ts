// Decode through a captured CUDA graph (LlamaDecodeGraph): the device-driven step body
// (decodeStepOnDevice: position and length read from tensors, the new K/V row scattered into the
// cache) gives forward()'s logits on the CPU, and on a GPU the replayed graph gives the eager
// decode's logits step after step, inside generate() too. head_dim 128, as the graph's attention
// kernels need; random weights written by synthesizeCheckpoint.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KvLayout } from '@lrqk/kv-cache';
import { backendInfo, Tensor } from '@lrqk/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FullAttention, generate, loadModel, LrqkAttention, modelPreset, OffloadAttention, synthesizeCheckpoint, type AttentionBackend, type LlamaDecodeGraph, type LlamaModel } from '../src/index.ts';
import { drain } from './helpers.ts';

const gpu = backendInfo().available;
const skipGpu = gpu ? '' : ` (skipped: no CUDA device: ${backendInfo().tried.join('; ')})`;
let root: string;
let dir: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lrqk-graph-'));
  dir = join(root, 'model');
  const p = modelPreset('llama-3.2-1b');
  await synthesizeCheckpoint(dir, {
    config: p.config,
    overrides: { num_hidden_layers: 2, hidden_size: 256, intermediate_size: 512, num_attention_heads: 4, num_key_value_heads: 2, head_dim: 128, vocab_size: 512 },
    seed: 7,
  });
});
afterAll(() => rm(root, { recursive: true, force: true }));

function full(m: LlamaModel, maxTokens: number): FullAttention {
  const s = m.spec;
  return new FullAttention({ layers: s.layers, heads: s.heads, kvHeads: s.kvHeads, headDim: s.headDim, maxTokens, dtype: m.dtype, device: m.device });
}

/** LRQK with K + L = 12 slots (so a 37-token prompt is sparse at once) and a short graph span. */
function lrqk(m: LlamaModel, maxTokens: number, layout: KvLayout = 'per-kv-head'): LrqkAttention & { graphHorizonFor(length: number): number } {
  const s = m.spec;
  const b = new LrqkAttention(
    { layers: s.layers, heads: s.heads, kvHeads: s.kvHeads, headDim: s.headDim, maxTokens, dtype: m.dtype, device: m.device },
    { rank: 4, topK: 8, lite: 4, graphSpan: 16, layout },
  );
  // On the CPU graphHorizon() is undefined (no graphs); the horizon a capture would use.
  return Object.assign(b, { graphHorizonFor: (length: number) => Math.min(maxTokens, length + 16) });
}

function argmax(t: Tensor): number {
  const v = t.toFloat32Array();
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[best]!) best = i;
  return best;
}

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(a[i]!));
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
  }
  return diff / scale;
}

const prompt = Array.from({ length: 37 }, (_, i) => (i * 131 + 7) % 512);

/**
 * After the prompt on both backends, `steps` decode steps: `a` through forward(), `b` through
 * decodeStepOnDevice with position and length in (CPU) tensors and endStep(); the logits must
 * agree to 1e-5, and `check` runs after every step.
 */
function deviceStepsAgainstForward(model: LlamaModel, a: AttentionBackend, b: AttentionBackend, steps: number, horizon: (pos: number) => number, check = () => {}): void {
  model.forward(prompt, a).dispose();
  model.forward(prompt, b).dispose();
  expect(model.prepareRope(64)).toBe(true);
  let token = 5;
  for (let pos = prompt.length; pos < prompt.length + steps; pos++) {
    const want = model.forward([token], a, { start: pos });
    const got = Tensor.empty([1, model.spec.vocabSize]);
    const ids = Tensor.from([token], [1], { dtype: 'i32' });
    const p = Tensor.from([pos], [1], { dtype: 'i32' });
    const len = Tensor.from([pos + 1], [1], { dtype: 'i32' });
    model.decodeStepOnDevice(ids, { position: p, length: len, horizon: horizon(pos) }, b, got);
    b.endStep?.({ start: pos, tokens: 1, decode: true });
    expect(maxRelDiff(want.toFloat32Array(), got.toFloat32Array()), `position ${pos}`).toBeLessThan(1e-5);
    check();
    token = argmax(want);
    for (const t of [want, got, ids, p, len]) t.dispose();
  }
  expect(b.length).toBe(a.length);
}

/** Loads the test model, makes two backends with `make`, runs `body` on them, and frees all three. */
async function withPair<B extends AttentionBackend>(
  opts: { device: 'cpu' | 'cuda'; dtype: 'f32' | 'bf16' },
  make: (model: LlamaModel) => B,
  body: (model: LlamaModel, a: B, b: B) => void,
): Promise<void> {
  const { model } = await loadModel(dir, opts);
  const a = make(model);
  const b = make(model);
  try {
    body(model, a, b);
  } finally {
    a.dispose();
    b.dispose();
    model.dispose();
  }
}

describe('decode step driven by device tensors (CPU)', () => {
  it('gives forward() logits step after step; no graph on the CPU', () =>
    withPair({ device: 'cpu', dtype: 'f32' }, (m) => full(m, 64), (model, a, b) => {
      expect(model.decodeStepper(b)).toBeUndefined();
      deviceStepsAgainstForward(model, a, b, 6, () => 64);
    }));

  it('LRQK: the device-driven sparse step gives the eager sparse step (logits, slots, counters)', () =>
    withPair({ device: 'cpu', dtype: 'f32' }, (m) => lrqk(m, 64), (model, a, b) => {
      // 37 prompt tokens > K + L = 12: every layer is sparse after the prompt.
      deviceStepsAgainstForward(model, a, b, 8, (pos) => b.graphHorizonFor(pos), () => {
        for (let l = 0; l < model.spec.layers; l++) {
          expect(b.kv.lite(l)).toEqual(a.kv.lite(l));
          expect(b.kv.pool(l).slotMap.toArray()).toEqual(a.kv.pool(l).slotMap.toArray());
        }
      });
      const [sa, sb] = [a.stats(), b.stats()];
      expect(sb.hits).toBe(sa.hits);
      expect(sb.misses).toBe(sa.misses);
      expect(sb.bytesDeviceToHost).toBe(sa.bytesDeviceToHost);
    }));

  it('refuses a backend without forwardGraphDecode', async () => {
    const { model } = await loadModel(dir, { device: 'cpu', dtype: 'f32' });
    const s = model.spec;
    const off: AttentionBackend = new OffloadAttention({ layers: s.layers, heads: s.heads, kvHeads: s.kvHeads, headDim: s.headDim, maxTokens: 64, dtype: 'f32', device: 'cpu' });
    const t = () => Tensor.zeros([1], { dtype: 'i32' });
    try {
      expect(() => model.decodeStepOnDevice(t(), { position: t(), length: t(), horizon: 64 }, off, Tensor.empty([1, s.vocabSize]))).toThrow(/forwardGraphDecode/);
    } finally {
      off.dispose();
      model.dispose();
    }
  });
});

/**
 * Feeds the prompt and one eager step (as generate() does) to both backends, then decodes `steps`
 * more tokens, `a` eagerly and `b` through model.decodeStepper(b), each step's logits agreeing
 * within `tolerance`. Returns the graph (the caller disposes it) and the next token.
 */
function graphAgainstEager(model: LlamaModel, a: AttentionBackend, b: AttentionBackend, steps: number, tolerance: number): { graph: LlamaDecodeGraph; token: number } {
  model.forward(prompt, a).dispose();
  model.forward(prompt, b).dispose();
  let token = 3;
  model.forward([token], a, { start: prompt.length }).dispose();
  model.forward([token], b, { start: prompt.length }).dispose();
  const graph = model.decodeStepper(b);
  if (graph === undefined) throw new Error('no decode graph for this backend');
  try {
    for (let pos = prompt.length + 1; pos <= prompt.length + steps; pos++) {
      const want = model.forward([token], a, { start: pos });
      const got = graph.step(token, pos);
      expect(maxRelDiff(want.toFloat32Array(), got.toFloat32Array()), `position ${pos}`).toBeLessThan(tolerance);
      token = argmax(want);
      want.dispose();
      got.dispose();
    }
  } catch (e) {
    graph.dispose();
    throw e;
  }
  return { graph, token };
}

/**
 * generate()'s greedy ids over `backend` (freed after), with CUDA graphs on or off
 * (LRQK_CUDA_GRAPHS=0), checking that the decode path taken is the one asked for.
 */
async function generatedIds(model: LlamaModel, backend: AttentionBackend, graphs: boolean, promptIds: number[], maxTokens: number): Promise<number[]> {
  const prev = process.env['LRQK_CUDA_GRAPHS'];
  if (!graphs) process.env['LRQK_CUDA_GRAPHS'] = '0';
  try {
    const { ids, result } = await drain(generate(model, backend, promptIds, { maxTokens }));
    expect(result.decodePath).toBe(graphs ? 'cuda-graph' : 'eager');
    return ids;
  } finally {
    backend.dispose();
    if (prev === undefined) delete process.env['LRQK_CUDA_GRAPHS'];
    else process.env['LRQK_CUDA_GRAPHS'] = prev;
  }
}

describe(`decode through a captured CUDA graph${skipGpu}`, () => {
  for (const dtype of ['f32', 'bf16'] as const) {
    it.skipIf(!gpu)(`${dtype}: replayed steps give the eager decode's logits`, () =>
      withPair({ device: 'cuda', dtype }, (m) => full(m, 128), (model, a, b) => {
        const { graph, token } = graphAgainstEager(model, a, b, 39, dtype === 'f32' ? 1e-4 : 2e-2);
        try {
          expect(() => graph.step(token, 3)).toThrow(/not the cache length/);
        } finally {
          graph.dispose();
        }
      }));
  }

  for (const layout of ['per-kv-head', 'per-query-head'] as const) {
    it.skipIf(!gpu)(`LRQK (${layout}): replayed and re-captured sparse steps give the eager steps' logits and counters`, () =>
      withPair({ device: 'cuda', dtype: 'f32' }, (m) => lrqk(m, 128, layout), (model, a, b) => {
        const s = model.spec;
        const { graph } = graphAgainstEager(model, a, b, 49, 1e-4);
        try {
          // 49 graph steps over a 16-token span: captured again at least twice.
          expect(graph.captures).toBeGreaterThanOrEqual(3);
          for (let l = 0; l < s.layers; l++) expect(b.kv.pool(l).slotMap.toArray()).toEqual(a.kv.pool(l).slotMap.toArray());
          const [sa, sb] = [a.stats(), b.stats()];
          expect([sb.hits, sb.misses, sb.bytesHostToDevice, sb.bytesDeviceToHost]).toEqual([sa.hits, sa.misses, sa.bytesHostToDevice, sa.bytesDeviceToHost]);
        } finally {
          graph.dispose();
        }
      }));
  }

  it.skipIf(!gpu)('generate() with LRQK: the graph takes over once every layer is sparse; same greedy tokens as eager decode', async () => {
    const { model } = await loadModel(dir, { device: 'cuda', dtype: 'f32' });
    const run = (graphs: boolean, promptIds: number[]) => generatedIds(model, lrqk(model, 128), graphs, promptIds, 40);
    try {
      // Sparse from the prompt on (37 > K + L = 12), and dense for the first steps (6 tokens).
      for (const promptIds of [prompt, prompt.slice(0, 6)]) expect(await run(true, promptIds)).toEqual(await run(false, promptIds));
    } finally {
      model.dispose();
    }
  });

  it.skipIf(!gpu)('generate(): graph decode and eager decode give the same greedy tokens; capacity errors stay clear', async () => {
    const { model } = await loadModel(dir, { device: 'cuda', dtype: 'f32' });
    const run = (graphs: boolean, maxTokens: number, capacity: number) => generatedIds(model, full(model, capacity), graphs, prompt, maxTokens);
    try {
      const eager = await run(false, 48, 128);
      const graphed = await run(true, 48, 128);
      expect(graphed).toEqual(eager);
      await expect(run(true, 48, prompt.length + 10)).rejects.toThrow(/past the cache capacity of 47 tokens/);
    } finally {
      model.dispose();
    }
  });
});
