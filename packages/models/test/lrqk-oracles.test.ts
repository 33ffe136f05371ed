// Spec section H oracles on the device path of the LRQK backend (CPU, and CUDA when present), fed
// synthetic post-RoPE q/k/v directly (no model), checked against float64 attention computed here
// from the full K/V history:
//   H.2  (reference mode) at n = k+L+1 every candidate is selected, and the output is dense
//        attention with position p−L masked out; (fixed mode) p−L is a candidate again, and with
//        the hook of the spec — a slot buffer of n−L+L rows and the selection forced to every
//        non-lite position, fetched from the host store — the output is dense attention;
//   H.4 + H.13  at every sparse step the output is exact softmax attention over the attended
//        positions (selected ∪ lite) of query head h's own KV head floor(h/G), full precision;
//   H.13 with G = 1 both layouts are the same method (identical outputs);
//   H.14 the same seed and inputs give bit-identical outputs and selections;
//   H.12 with a lossless proxy (A_K = K, q̂ = q) the selection and transfer path keeps exactly the
//        exact top-k rows.
import { describe, expect, it } from 'vitest';
import { KvTierManager } from '@lrqk/kv-cache';
import { ProxySelector } from '@lrqk/lowrank/device';
import { attentionDecode, backendInfo, fill, Tensor, type Device } from '@lrqk/tensor';
import { LrqkAttention, resolveLrqkOptions, type AttentionShape, type LrqkOptions } from '../src/index.ts';

const gpu = backendInfo().available;
const devices: { device: Device; skip: boolean; label: string }[] = [
  { device: 'cpu', skip: false, label: 'cpu' },
  { device: 'cuda', skip: !gpu, label: gpu ? 'cuda' : `cuda (skipped: no CUDA device: ${backendInfo().tried.join('; ')})` },
];

const D = 16;
const K = 8;
const L = 4;

/** mulberry32 → N(0,1) by Box–Muller. */
function gaussian(seed: number): () => number {
  let a = seed >>> 0;
  const u = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

/** Drives one LRQK layer with random tokens, keeping the full history (float64) as the oracle. */
class Driver {
  readonly q: number[][] = []; // [position] → H·D
  readonly k: number[][] = []; // [position] → Hkv·D
  readonly v: number[][] = [];
  readonly rand: () => number;
  readonly backend: LrqkAttention;
  readonly shape: AttentionShape;
  constructor(backend: LrqkAttention, shape: AttentionShape, seed: number) {
    this.backend = backend;
    this.shape = shape;
    this.rand = gaussian(seed);
  }
  /** Feeds T new tokens; returns the backend's output (T, H, D) as float64. */
  step(T: number): Float64Array {
    const s = this.shape;
    const start = this.q.length;
    const mk = (heads: number) => Array.from({ length: T }, () => Array.from({ length: heads * D }, () => this.rand()));
    const opts = { device: s.device, dtype: s.dtype };
    const qt = Tensor.from(mk(s.heads).flat(), [T, s.heads, D], opts);
    const kt = Tensor.from(mk(s.kvHeads).flat(), [T, s.kvHeads, D], opts);
    const vt = Tensor.from(mk(s.kvHeads).flat(), [T, s.kvHeads, D], opts);
    // The history holds the values as stored (rounded to the dtype), read back from the tensors.
    const rows = (t: Tensor, w: number) => {
      const x = t.toFloat64Array();
      return Array.from({ length: T }, (_, i) => Array.from(x.subarray(i * w, (i + 1) * w)));
    };
    this.q.push(...rows(qt, s.heads * D));
    this.k.push(...rows(kt, s.kvHeads * D));
    this.v.push(...rows(vt, s.kvHeads * D));
    const out = Tensor.empty([T, s.heads, D], opts);
    const step = { start, tokens: T, decode: T === 1 && start > 0 };
    try {
      this.backend.forward(0, qt, kt, vt, out, step);
      this.backend.endStep(step);
      return out.toFloat64Array();
    } finally {
      for (const t of [qt, kt, vt, out]) t.dispose();
    }
  }
  /** Exact attention of the last token's query head h over `positions` (float64). */
  attention(h: number, positions: Iterable<number>): number[] {
    const G = this.shape.heads / this.shape.kvHeads;
    const j = Math.floor(h / G);
    const p = this.q.length - 1;
    const qh = this.q[p]!.slice(h * D, h * D + D);
    const pos = [...positions];
    const logits = pos.map((i) => qh.reduce((a, x, c) => a + x * this.k[i]![j * D + c]!, 0) / Math.sqrt(D));
    const m = Math.max(...logits);
    const w = logits.map((x) => Math.exp(x - m));
    const z = w.reduce((a, b) => a + b, 0);
    return Array.from({ length: D }, (_, c) => pos.reduce((a, i, t) => a + (w[t]! / z) * this.v[i]![j * D + c]!, 0));
  }
  /** What query head h attended at the last step: its slot row's positions ∪ the lite window. */
  attended(h: number): number[] {
    const b = this.backend;
    const G = this.shape.heads / this.shape.kvHeads;
    const row = b.options.layout === 'per-query-head' ? h : Math.floor(h / G);
    const map = b.kv.pool(0).slotMap.toArray().slice(row * K, row * K + K);
    return [...new Set([...map, ...b.kv.lite(0).positions])];
  }
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe.each(devices)('LRQK backend oracles on $label', ({ device, skip }) => {
  const shape = (heads: number, kvHeads: number, dtype: AttentionShape['dtype'] = 'f32'): AttentionShape => ({ layers: 1, heads, kvHeads, headDim: D, maxTokens: 96, dtype, device });
  const make = (s: AttentionShape, o: Partial<LrqkOptions>) => new LrqkAttention(s, { topK: K, lite: L, rank: 4, ...o });

  for (const layout of ['per-query-head', 'per-kv-head'] as const) {
    it.skipIf(skip)(`${layout}: H.2 at n = k+L+1 — reference mode attends every candidate but p−L; fixed mode offers p−L`, () => {
      for (const candidateOffByOne of [true, false]) {
        const s = shape(4, 2);
        const d = new Driver(make(s, { layout, candidateOffByOne }), s, 11);
        try {
          d.step(K + L); // dense, fits exactly
          const out = d.step(1); // n = k+L+1, p = k+L: the first sparse step
          const p = K + L;
          for (let h = 0; h < s.heads; h++) {
            const attended = d.attended(h).sort((a, b) => a - b);
            if (candidateOffByOne) {
              // Every candidate [0, k) is selected; p−L = k is neither selected nor lite (G.3).
              expect(attended).toEqual(Array.from({ length: p + 1 }, (_, i) => i).filter((i) => i !== p - L));
              const want = d.attention(h, attended);
              expect(maxDiff(out.subarray(h * D, h * D + D), want), `head ${h}`).toBeLessThan(1e-5);
            } else {
              // Candidates are [0, k]: k of those k+1 are selected, so p−L may be among them.
              expect(attended.length).toBe(K + L);
              expect(attended.every((i) => i <= p)).toBe(true);
            }
          }
        } finally {
          d.backend.dispose();
        }
      }
    });

    for (const [prompt, dtype] of [[6, 'f32'], [30, 'f32'], [30, 'bf16']] as const) {
      it.skipIf(skip)(`${layout}, ${prompt}-token prompt, ${dtype}: H.4/H.13/H.15 every sparse step is exact attention (scale 1/√d) over the attended rows of the head's KV head`, () => {
        const s = shape(6, 2, dtype); // G = 3
        // bf16: K/V, A_K and the output are stored in bf16 (H.15); attention accumulates in f32.
        const tolerance = dtype === 'f32' ? 1e-5 : 2e-2;
        const d = new Driver(make(s, { layout }), s, 23 + prompt);
        try {
          d.step(prompt);
          let sparse = 0;
          for (let t = 0; t < 24; t++) {
            const out = d.step(1);
            const n = d.q.length;
            for (let h = 0; h < s.heads; h++) {
              const positions = n <= K + L ? Array.from({ length: n }, (_, i) => i) : d.attended(h);
              if (n > K + L) {
                expect(positions).toHaveLength(K + L);
                expect(positions).toContain(n - 1); // the current token is attended (lite)
              }
              const want = d.attention(h, positions);
              expect(maxDiff(out.subarray(h * D, h * D + D), want), `step ${t} head ${h}`).toBeLessThan(tolerance);
            }
            if (n > K + L) sparse++;
          }
          expect(sparse).toBeGreaterThan(15);
        } finally {
          d.backend.dispose();
        }
      });
    }
  }

  it.skipIf(skip)('H.13 with G = 1 the two layouts are the same method', () => {
    const s = shape(3, 3);
    const a = new Driver(make(s, { layout: 'per-query-head' }), s, 5);
    const b = new Driver(make(s, { layout: 'per-kv-head' }), s, 5);
    try {
      expect(Array.from(a.step(20))).toEqual(Array.from(b.step(20)));
      for (let t = 0; t < 10; t++) expect(Array.from(a.step(1)), `step ${t}`).toEqual(Array.from(b.step(1)));
      expect(a.backend.kv.pool(0).slotMap.toArray()).toEqual(b.backend.kv.pool(0).slotMap.toArray());
    } finally {
      a.backend.dispose();
      b.backend.dispose();
    }
  });

  it.skipIf(skip)('H.14 the same seed and inputs give bit-identical outputs and selections', () => {
    const s = shape(4, 2);
    const runs = [0, 1].map(() => new Driver(make(s, { layout: 'per-kv-head', seed: 3 }), s, 99));
    try {
      const outs = runs.map((r) => Array.from(r.step(25)));
      expect(outs[0]).toEqual(outs[1]);
      for (let t = 0; t < 12; t++) {
        const [x, y] = runs.map((r) => Array.from(r.step(1)));
        expect(x, `step ${t}`).toEqual(y);
        expect(runs[0]!.backend.kv.pool(0).slotMap.toArray()).toEqual(runs[1]!.backend.kv.pool(0).slotMap.toArray());
      }
    } finally {
      for (const r of runs) r.backend.dispose();
    }
  });
});

describe.each(devices)('H.12 lossless proxy on the selection and transfer path ($label)', ({ device, skip }) => {
  // r = d, A_K = K, q̂ = q (factorization bypassed): the proxy top-k is the exact top-k of qKᵀ
  // (max over a KV group in the shared layout), and the slots then hold exactly those rows.
  // Small integer data keeps every product exact in f32, so ties are real and must break alike.
  for (const layout of ['per-query-head', 'per-kv-head'] as const) {
    it.skipIf(skip)(`${layout}: slots hold the exact top-k rows`, () => {
      const [H, Hkv, n, topK, lite] = [4, 2, 60, 8, 4];
      const G = H / Hkv;
      const rand = gaussian(31);
      const int = () => Math.max(-2, Math.min(2, Math.round(rand())));
      const k = Array.from({ length: n * Hkv * D }, int); // (n, Hkv, D) token-major
      const v = Array.from({ length: n * Hkv * D }, int);
      const q = Array.from({ length: H * D }, int);
      const kv = new KvTierManager({ layers: 1, heads: H, kvHeads: Hkv, headDim: D, activeSlots: topK, liteSlots: lite, capacityTokens: n, dtype: 'f32', layout, device });
      const hf = layout === 'per-query-head' ? H : Hkv;
      const gq = layout === 'per-query-head' ? 1 : G;
      const selector = new ProxySelector({ heads: hf, queriesPerHead: gq, topK, groupScore: 'max', device });
      const kt = Tensor.from(k, [n, Hkv, D], { device });
      const vt = Tensor.from(v, [n, Hkv, D], { device });
      // A_K = K per factor head: (Hf, n, D), query head h reading KV head floor(h/G).
      const aK = Tensor.from(Array.from({ length: hf * n * D }, (_, i) => {
        const f = Math.floor(i / (n * D));
        const p = Math.floor(i / D) % n;
        const j = layout === 'per-query-head' ? Math.floor(f / G) : f;
        return k[(p * Hkv + j) * D + (i % D)]!;
      }), [hf, n, D], { device });
      const queries = Tensor.from(q, [hf, gq, D], { device });
      try {
        kv.append(0, kt.transpose(0, 1), vt.transpose(0, 1));
        const P = kv.oldestLitePosition(0);
        expect(P).toBe(n - lite);
        const sel = selector.select(queries, aK, P);
        kv.select(0, sel);
        const got = sel.toArray();
        sel.dispose();
        const slots = kv.pool(0).slots.toFloat64Array();
        for (let f = 0; f < hf; f++) {
          const j = layout === 'per-query-head' ? Math.floor(f / G) : f;
          const heads = layout === 'per-query-head' ? [f] : Array.from({ length: G }, (_, g) => f * G + g);
          const score = (p: number) => Math.max(...heads.map((h) => q.slice(h * D, h * D + D).reduce((a, x, c) => a + x * k[(p * Hkv + j) * D + c]!, 0)));
          const want = Array.from({ length: P }, (_, p) => p).sort((a, b) => score(b) - score(a) || a - b).slice(0, topK).sort((a, b) => a - b);
          expect(got.slice(f * topK, f * topK + topK), `factor head ${f}`).toEqual(want);
          // The transfer put K‖V of those positions into the active slots (in slot-map order).
          const map = kv.pool(0).slotMap.toArray().slice(f * topK, f * topK + topK);
          expect([...map].sort((a, b) => a - b)).toEqual(want);
          map.forEach((p, s) => {
            for (let c = 0; c < D; c++) {
              const base = (f * (topK + lite) + s) * 2 * D;
              if (slots[base + c] !== k[(p * Hkv + j) * D + c] || slots[base + D + c] !== v[(p * Hkv + j) * D + c]) throw new Error(`slot ${s} of head ${f} does not hold position ${p}`);
            }
          });
        }
      } finally {
        for (const t of [kt, vt, aK, queries]) t.dispose();
        selector.dispose();
        kv.dispose();
      }
    });
  }
});

describe.each(devices)('H.2 fixed mode with the select-all hook ($label)', ({ device, skip }) => {
  // Fixed mode's candidates are [0, n−L), always more than k once the cache is past k+L, so the
  // hook sizes the active slots to n−L: the cache fills densely to n = k+L, the slot map is
  // emptied (every active slot must be fetched), and select() is forced to every candidate. The
  // gather from the host store (pinned on CUDA) then refills all k slots (poisoned first) — k misses per head —
  // and attention over those slots plus the lite ring must be dense attention over all n tokens.
  for (const layout of ['per-query-head', 'per-kv-head'] as const) {
    it.skipIf(skip)(`${layout}: forced selection of all n−L candidates gives dense attention`, () => {
      const [H, Hkv, n, lite] = [4, 2, 29, 5];
      const active = n - lite;
      const G = H / Hkv;
      const rand = gaussian(47);
      const k = Array.from({ length: n * Hkv * D }, rand); // (n, Hkv, D) token-major
      const v = Array.from({ length: n * Hkv * D }, rand);
      const q = Array.from({ length: H * D }, rand);
      const kv = new KvTierManager({ layers: 1, heads: H, kvHeads: Hkv, headDim: D, activeSlots: active, liteSlots: lite, capacityTokens: n, dtype: 'f32', layout, device });
      const hs = layout === 'per-query-head' ? H : Hkv;
      const kt = Tensor.from(k, [n, Hkv, D], { device });
      const vt = Tensor.from(v, [n, Hkv, D], { device });
      const qt = Tensor.from(q, [H, D], { device });
      const all = Tensor.from(Array.from({ length: hs * active }, (_, i) => i % active), [hs, active], { dtype: 'i32', device });
      const out = Tensor.empty([H, D], { device });
      try {
        kv.append(0, kt.transpose(0, 1), vt.transpose(0, 1));
        expect(kv.oldestLitePosition(0)).toBe(n); // dense: every token resident
        // Poison what the dense fill left in the active slots: only the gather can restore them.
        const slots = kv.pool(0).slots; // (Hs, active + lite, 2D)
        for (let i = 0; i < hs; i++) fill(slots.select(0, i).slice(0, 0, active), NaN);
        kv.pool(0).resetMap('empty');
        kv.select(0, all);
        expect(kv.pool(0).misses.toArray().reduce((a, b) => a + b, 0)).toBe(hs * active);
        expect(kv.pool(0).slotMap.toArray()).toEqual(all.toArray());
        const view = kv.view(0);
        attentionDecode(qt, view.k, view.v, { out });
        const got = out.toFloat64Array();
        for (let h = 0; h < H; h++) {
          const j = Math.floor(h / G);
          const qh = q.slice(h * D, h * D + D);
          const logits = Array.from({ length: n }, (_, p) => qh.reduce((a, x, c) => a + x * k[(p * Hkv + j) * D + c]!, 0) / Math.sqrt(D));
          const m = Math.max(...logits);
          const w = logits.map((x) => Math.exp(x - m));
          const z = w.reduce((a, b) => a + b, 0);
          const want = Array.from({ length: D }, (_, c) => w.reduce((a, wt, p) => a + (wt / z) * v[(p * Hkv + j) * D + c]!, 0));
          expect(maxDiff(got.subarray(h * D, h * D + D), want), `head ${h}`).toBeLessThan(1e-5);
        }
      } finally {
        for (const t of [kt, vt, qt, all, out]) t.dispose();
        kv.dispose();
      }
    });
  }
});

describe('LRQK options', () => {
  it('defaults follow the paper: r=32, top-k=2048, lite=64, 2 iterations, tol 1e-2; fixed mode, max group score', () => {
    expect(resolveLrqkOptions()).toMatchObject({ rank: 32, topK: 2048, lite: 64, iterations: [2, 2], tol: [1e-2, 1e-2], lambdas: [1, 1, 1, 1], candidateOffByOne: false, groupScore: 'max', init: 'randn', fidelity: false });
  });

  it.each([
    [{ rank: 0 }, /rank/],
    [{ topK: 1.5 }, /topK/],
    [{ layout: 'per-token' }, /layout/],
    [{ groupScore: 'mean' }, /groupScore/],
    [{ init: 'svd' }, /init/],
    [{ iterations: [2, 0] }, /iterations/],
    [{ tol: [-1, 0.01] }, /tol/],
    [{ lambdas: [1, 1, 0, 1] }, /lambdas/],
    [{ seed: -1 }, /seed/],
  ])('%j is refused with a message naming it', (o, msg) => {
    expect(() => resolveLrqkOptions(o as Partial<LrqkOptions>)).toThrow(RangeError);
    expect(() => resolveLrqkOptions(o as Partial<LrqkOptions>)).toThrow(msg);
  });
});
