// The fidelity hooks of the LRQK backend (for `lrqk eval fidelity`): mass captured, top-k recall and
// hit rate per layer/head, checked against a brute-force float64 computation from the q/k the model
// hands the backend and the attended set read from the tier manager, on a tiny real checkpoint
// (GQA 2), for both layouts and both prompt paths, on every device.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendInfo, type Device, type Tensor } from '@lrqk/tensor';
import { LrqkAttention, loadModel, type AttentionBackend, type AttentionShape, type AttentionStep, type LlamaModel } from '../src/index.ts';

const dir = join(import.meta.dirname, 'fixtures', 'hf', 'llama-gqa2');
const PROMPT = [1, 17, 200, 45, 3, 99, 150, 7, 300, 12, 64, 5, 88, 230, 41, 9, 77, 123, 250, 31];
const K = 6;
const L = 4;

const gpu = backendInfo().available;
const devices: { device: Device; skip: boolean; label: string }[] = [
  { device: 'cpu', skip: false, label: 'cpu' },
  { device: 'cuda', skip: !gpu, label: gpu ? 'cuda' : `cuda (skipped: no CUDA device: ${backendInfo().tried.join('; ')})` },
];

/** Passes every call to an LRQK backend, keeping all keys and, at sparse steps, the brute-force fidelity. */
class BruteForce implements AttentionBackend {
  readonly name = 'brute-force';
  readonly keys: number[][][] = []; // [layer][position] → Hkv·D values
  readonly mass: Float64Array;
  readonly recall: Float64Array;
  readonly steps: Int32Array;
  readonly inner: LrqkAttention;
  readonly shape: AttentionShape;
  constructor(inner: LrqkAttention, shape: AttentionShape) {
    this.inner = inner;
    this.shape = shape;
    this.mass = new Float64Array(shape.layers * shape.heads);
    this.recall = new Float64Array(shape.layers * shape.heads);
    this.steps = new Int32Array(shape.layers);
  }
  get length(): number {
    return this.inner.length;
  }
  forward(layer: number, q: Tensor, k: Tensor, v: Tensor, out: Tensor, step: AttentionStep): void {
    const s = this.shape;
    const kv = k.contiguous().toFloat64Array();
    const rows = (this.keys[layer] ??= []);
    for (let t = 0; t < step.tokens; t++) rows[step.start + t] = Array.from(kv.subarray(t * s.kvHeads * s.headDim, (t + 1) * s.kvHeads * s.headDim));
    const qv = q.contiguous().toFloat64Array();
    this.inner.forward(layer, q, k, v, out, step);
    const n = step.start + step.tokens;
    if (step.tokens !== 1 || n <= K + L) return;
    // A sparse step: what did each query head attend, and what would exact attention weigh?
    const G = s.heads / s.kvHeads;
    const map = this.inner.kv.pool(layer).slotMap.toArray();
    const lite = this.inner.kv.lite(layer).positions;
    for (let h = 0; h < s.heads; h++) {
      const j = Math.floor(h / G);
      const logits = Array.from({ length: n }, (_, p) => {
        let dot = 0;
        for (let c = 0; c < s.headDim; c++) dot += qv[h * s.headDim + c]! * rows[p]![j * s.headDim + c]!;
        return dot / Math.sqrt(s.headDim);
      });
      const max = Math.max(...logits);
      const e = logits.map((x) => Math.exp(x - max));
      const z = e.reduce((a, b) => a + b, 0);
      const row = this.inner.options.layout === 'per-query-head' ? h : j;
      const attended = new Set([...map.slice(row * K, row * K + K), ...lite]);
      let mass = 0;
      for (const p of attended) mass += e[p]! / z;
      const top = logits.map((x, p) => [x, p] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, K);
      this.mass[layer * s.heads + h]! += mass;
      this.recall[layer * s.heads + h]! += top.filter(([, p]) => attended.has(p)).length / K;
    }
    this.steps[layer]!++;
  }
  endStep(step: AttentionStep): void {
    this.inner.endStep(step);
  }
  reset(): void {
    this.inner.reset();
  }
  stats() {
    return this.inner.stats();
  }
  dispose(): void {
    this.inner.dispose();
  }
}

function argmax(v: Float64Array): number {
  let b = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[b]!) b = i;
  return b;
}

describe.each(devices)('LRQK fidelity stats on $label', ({ device, skip }) => {
  let model: LlamaModel;
  let shape: AttentionShape;
  beforeAll(async () => {
    if (skip) return;
    model = (await loadModel(dir, { device, dtype: 'f32' })).model;
    const s = model.spec;
    shape = { layers: s.layers, heads: s.heads, kvHeads: s.kvHeads, headDim: s.headDim, maxTokens: 128, dtype: 'f32', device };
  });
  afterAll(() => model?.dispose());

  for (const layout of ['per-query-head', 'per-kv-head'] as const) {
    for (const prompt of [8, 20]) {
      it.skipIf(skip)(`${layout}, ${prompt}-token prompt: equals a brute-force float64 computation`, () => {
        const brute = new BruteForce(new LrqkAttention(shape, { topK: K, lite: L, rank: 4, layout, fidelity: true }), shape);
        try {
          let logits = model.forward(PROMPT.slice(0, prompt), brute);
          for (let step = 0; step < 20; step++) {
            const next = argmax(logits.toFloat64Array());
            logits.dispose();
            logits = model.forward([next], brute);
          }
          logits.dispose();
          const f = brute.stats().fidelity!;
          expect(f).toBeDefined();
          const steps = Math.min(20, prompt + 20 - (K + L)); // decode steps with n > K + L
          expect(f.steps).toBe(steps);
          expect(Array.from(brute.steps)).toEqual(new Array(shape.layers).fill(steps));
          expect([f.layers, f.heads]).toEqual([shape.layers, shape.heads]);
          for (let i = 0; i < shape.layers * shape.heads; i++) {
            const mass = brute.mass[i]! / steps;
            const recall = brute.recall[i]! / steps;
            expect(f.massCaptured[i]!, `mass [${i}]`).toBeCloseTo(mass, 4);
            // Near-equal logits may order differently in f32 and f64: at most one swap per head.
            expect(Math.abs(f.topkRecall[i]! - recall), `recall [${i}]`).toBeLessThanOrEqual(1 / (K * steps) + 1e-9);
            expect(f.massCaptured[i]).toBeGreaterThan(0);
            expect(f.massCaptured[i]).toBeLessThanOrEqual(1 + 1e-6);
          }
          // Not trivially exact: 10 of up to 40 tokens are attended.
          expect(Math.min(...f.massCaptured)).toBeLessThan(0.999);
          expect(Math.min(...f.topkRecall)).toBeLessThan(1);
          const kv = brute.inner.kv.stats();
          expect(Array.from(f.hitRate)).toEqual(kv.layers.map((l) => l.hits / (l.hits + l.misses)));
        } finally {
          brute.dispose();
        }
      });
    }
  }

  it.skipIf(skip)('off by default: no fidelity field, and NaN means before any sparse step', () => {
    const plain = new LrqkAttention(shape, { topK: K, lite: L, rank: 4 });
    const on = new LrqkAttention(shape, { topK: K, lite: L, rank: 4, fidelity: true });
    try {
      model.forward(PROMPT.slice(0, 5), plain).dispose();
      model.forward(PROMPT.slice(0, 5), on).dispose();
      expect(plain.stats().fidelity).toBeUndefined();
      const f = on.stats().fidelity!;
      expect(f.steps).toBe(0);
      expect(Number.isNaN(f.massCaptured[0]!)).toBe(true);
    } finally {
      plain.dispose();
      on.dispose();
    }
  });
});
