// The LRQK backend inside a real model (an HF-produced random-weight Llama checkpoint):
//  H.1 while every token fits in K + L slots, LRQK decoding equals full attention;
//  H.3 after it outgrows them, every step's selection has K distinct positions below the
//      candidate end, disjoint from the lite window; hits + misses add up (H.6);
//  both the short-prompt path (factorized when the sequence first outgrows the slots) and the
//  long-prompt path (factorized at prefill), for both slot layouts, on every device.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendInfo, type Device } from '@lrqk/tensor';
import { FullAttention, LrqkAttention, loadModel, type AttentionShape, type LlamaModel } from '../src/index.ts';

const dir = join(import.meta.dirname, 'fixtures', 'hf', 'llama-gqa2');
const PROMPT = [1, 17, 200, 45, 3, 99, 150, 7, 300, 12, 64, 5, 88, 230, 41, 9, 77, 123, 250, 31];

const gpu = backendInfo().available;
const devices: { device: Device; skip: boolean; label: string }[] = [
  { device: 'cpu', skip: false, label: 'cpu' },
  { device: 'cuda', skip: !gpu, label: gpu ? 'cuda' : `cuda (skipped: no CUDA device: ${backendInfo().tried.join('; ')})` },
];

describe.each(devices)('LRQK backend in a model on $label', ({ device, skip }) => {
  let model: LlamaModel;
  let shape: AttentionShape;
  beforeAll(async () => {
    if (skip) return;
    model = (await loadModel(dir, { device, dtype: 'f32' })).model;
    const s = model.spec;
    shape = { layers: s.layers, heads: s.heads, kvHeads: s.kvHeads, headDim: s.headDim, maxTokens: 256, dtype: 'f32', device };
  });
  afterAll(() => model?.dispose());

  function argmax(v: Float64Array): number {
    let b = 0;
    for (let i = 1; i < v.length; i++) if (v[i]! > v[b]!) b = i;
    return b;
  }

  for (const layout of ['per-kv-head', 'per-query-head'] as const) {
    it.skipIf(skip)(`${layout}: equals full attention while n ≤ K + L (H.1)`, () => {
      const full = new FullAttention(shape);
      const lrqk = new LrqkAttention(shape, { topK: 32, lite: 8, rank: 4, layout });
      try {
        let a = model.forward(PROMPT.slice(0, 6), full);
        let b = model.forward(PROMPT.slice(0, 6), lrqk);
        for (let step = 0; step < 30; step++) {
          const av = a.toFloat64Array();
          const bv = b.toFloat64Array();
          let worst = 0;
          for (let i = 0; i < av.length; i++) worst = Math.max(worst, Math.abs(av[i]! - bv[i]!));
          expect(worst, `step ${step}`).toBeLessThan(1e-4);
          const next = argmax(av);
          a.dispose();
          b.dispose();
          a = model.forward([next], full);
          b = model.forward([next], lrqk);
        }
        a.dispose();
        b.dispose();
        expect(lrqk.length).toBe(36);
      } finally {
        full.dispose();
        lrqk.dispose();
      }
    });

    for (const prompt of [8, 20]) {
      it.skipIf(skip)(`${layout}, ${prompt}-token prompt: sparse decoding keeps the selection invariants (H.3, H.6)`, () => {
        const K = 6;
        const L = 4;
        const lrqk = new LrqkAttention(shape, { topK: K, lite: L, rank: 4, layout });
        try {
          let logits = model.forward(PROMPT.slice(0, prompt), lrqk);
          let n = prompt;
          let sparseSteps = 0;
          for (let step = 0; step < 25; step++) {
            const v = logits.toFloat64Array();
            expect(v.every(Number.isFinite)).toBe(true);
            logits.dispose();
            logits = model.forward([argmax(v)], lrqk);
            n++;
            if (n <= K + L) continue;
            sparseSteps++;
            for (let l = 0; l < shape.layers; l++) {
              const end = lrqk.kv.oldestLitePosition(l);
              const lite = new Set(lrqk.kv.lite(l).positions);
              const map = lrqk.kv.pool(l).slotMap.toArray();
              const heads = layout === 'per-query-head' ? shape.heads : shape.kvHeads;
              for (let h = 0; h < heads; h++) {
                const sel = map.slice(h * K, h * K + K);
                expect(new Set(sel).size, `layer ${l} head ${h} distinct`).toBe(K);
                for (const p of sel) {
                  expect(p).toBeGreaterThanOrEqual(0);
                  expect(p).toBeLessThan(end);
                  expect(lite.has(p)).toBe(false);
                  expect(p).toBeLessThan(lrqk.kv.store(l).length);
                }
              }
            }
          }
          logits.dispose();
          expect(sparseSteps).toBeGreaterThan(10);
          const st = lrqk.stats();
          const heads = layout === 'per-query-head' ? shape.heads : shape.kvHeads;
          const selections = lrqk.kv.stats().selections;
          expect(st.hits! + st.misses!).toBe(selections * heads * K);
          expect(st.bytesHostToDevice).toBe(st.misses! * 2 * shape.headDim * 4);
          // Decode solves are reported (well-conditioned here: none failed).
          expect(st.solveFailedHeads).toBe(0);
          expect(st.solveJitterHeads).toBeGreaterThanOrEqual(0);
        } finally {
          lrqk.dispose();
        }
      });
    }
  }
});
