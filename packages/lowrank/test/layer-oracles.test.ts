// Oracles H.12 (lossless proxy = exact top-k), H.13 (GQA mapping), H.14 (determinism), the G.9
// compat switch, and argument validation of the layer reference.
import { describe, expect, it } from 'vitest';
import {
  dot,
  LowRankArgumentError,
  LowRankStateError,
  LrqkLayerReference,
  mat,
  Rng,
  selectTopK,
  type CompatOptions,
  type LrqkLayerConfig,
  type TokenBlock,
} from '../src/index.ts';
import { Driver, randomBlock, range } from './helpers.ts';

describe.each([
  ['fixed', {}],
  ['reference', { candidateOffByOne: true }],
] as [string, CompatOptions][])('H.12 lossless proxy (%s mode)', (_name, compat) => {
  it('top-k by proxy equals top-k of the exact logits qKᵀ over the candidates', () => {
    const config: LrqkLayerConfig = { heads: 2, kvHeads: 1, headDim: 6, rank: 6, topK: 5, lite: 3, compat, hooks: { losslessProxy: true } };
    const drv = new Driver(config, 51);
    const n0 = 20;
    const exactTopK = (h: number, q: Float64Array, end: number): number[] =>
      selectTopK(range(0, end).map((i) => dot(q, drv.keys[drv.kv(h)]!.row(i))), config.topK);
    const pre = drv.step(n0);
    expect(pre.prefill!.factors).toBeUndefined();
    for (let h = 0; h < 2; h++) {
      expect(pre.prefill!.selections[h]).toEqual(exactTopK(h, drv.lastQuery(h, n0 - 1), n0 - config.lite));
    }
    for (let t = 0; t < 20; t++) {
      const res = drv.step(1);
      for (const sel of res.decode!.heads) {
        expect(sel.selected).toEqual(exactTopK(sel.head, drv.lastQuery(sel.head), res.decode!.candidateEnd!));
      }
      expect(res.decode!.qHat[0]).toEqual(drv.lastQuery(0));
    }
    expect(drv.layer.aK(1).data).toEqual(drv.keys[0]!.toMat().data);
    expect(drv.layer.bK(0).data).toEqual(mat(6, 6, Float64Array.from(range(0, 36), (i) => (i % 7 === 0 ? 1 : 0))).data);
  });
});

describe('H.13 GQA mapping', () => {
  const gqa: LrqkLayerConfig = { heads: 4, kvHeads: 2, headDim: 8, rank: 3, topK: 6, lite: 3 };

  it('a GQA layer equals an MHA layer (G = 1) fed the repeated KV heads, bit for bit', () => {
    const a = new Driver(gqa, 61);
    const b = new Driver({ ...gqa, kvHeads: 4 }, 61);
    const repeat = (blk: TokenBlock): TokenBlock => ({
      q: blk.q,
      k: range(0, 4).map((h) => blk.k[Math.floor(h / 2)]!),
      v: range(0, 4).map((h) => blk.v[Math.floor(h / 2)]!),
    });
    a.step(20);
    b.step(repeat(a.lastBlock!));
    let groupDiffers = false;
    for (let t = 0; t < 20; t++) {
      const ra = a.step(1);
      const rb = b.step(repeat(a.lastBlock!));
      for (let h = 0; h < 4; h++) {
        expect(rb.outputs[h]!.data).toEqual(ra.outputs[h]!.data);
        expect(rb.decode!.heads[h]!.slots).toEqual(ra.decode!.heads[h]!.slots);
      }
      if (ra.decode!.heads[0]!.selected.join() !== ra.decode!.heads[1]!.selected.join()) groupDiffers = true;
    }
    for (let h = 0; h < 4; h++) expect(b.layer.aK(h).data).toEqual(a.layer.aK(h).data);
    expect(b.layer.stats.misses).toBe(a.layer.stats.misses);
    expect(b.layer.stats.flushBytes).toBe(2 * a.layer.stats.flushBytes); // the store is per KV head
    expect(groupDiffers).toBe(true); // heads sharing a KV head select independently
  });

  it('query head h only reads KV head floor(h/G): changing KV head 1 leaves heads 0, 1 unchanged', () => {
    // tol = 0 keeps every head's iteration count fixed, so heads do not couple through the stop rule.
    const config = { ...gqa, prefill: { tol: 0 }, decode: { tol: 0 } };
    const a = new Driver(config, 62);
    const b = new Driver(config, 62);
    const rng = new Rng(7);
    const alter = (blk: TokenBlock): TokenBlock => {
      const other = randomBlock(rng, 4, 2, 8, blk.q[0]!.rows);
      return { q: blk.q, k: [blk.k[0]!, other.k[1]!], v: [blk.v[0]!, other.v[1]!] };
    };
    a.step(20);
    b.step(alter(a.lastBlock!));
    for (let t = 0; t < 12; t++) {
      const ra = a.step(1);
      const rb = b.step(alter(a.lastBlock!));
      for (const h of [0, 1]) expect(rb.outputs[h]!.data).toEqual(ra.outputs[h]!.data);
      for (const h of [2, 3]) expect(rb.outputs[h]!.data).not.toEqual(ra.outputs[h]!.data);
    }
  });
});

describe('H.14 determinism', () => {
  const config: LrqkLayerConfig = { heads: 2, kvHeads: 1, headDim: 8, rank: 3, topK: 6, lite: 3, prefill: { seed: 3 } };

  it('the same seed and tokens reproduce every output and selection exactly', () => {
    const a = new Driver(config, 71);
    const b = new Driver(config, 71);
    a.step(20);
    b.step(a.lastBlock!);
    for (let t = 0; t < 10; t++) {
      const ra = a.step(1);
      const rb = b.step(a.lastBlock!);
      expect(rb.outputs.map((o) => Array.from(o.data))).toEqual(ra.outputs.map((o) => Array.from(o.data)));
      expect(rb.decode!.heads).toEqual(ra.decode!.heads);
    }
    expect(b.layer.stats).toEqual(a.layer.stats);
  });

  it('a different randn seed changes the factors; top/topcol init ignore the seed', () => {
    const run = (prefill: LrqkLayerConfig['prefill']): Float64Array => {
      const d = new Driver({ ...config, prefill }, 72);
      d.step(20);
      return d.layer.aK(0).data;
    };
    expect(run({ seed: 1 })).not.toEqual(run({ seed: 2 }));
    expect(run({ seed: 1, init: 'top' })).toEqual(run({ seed: 2, init: 'top' }));
    expect(run({ seed: 1, init: 'topcol' })).toEqual(run({ seed: 2, init: 'topcol' }));
  });
});

describe('G.9 prefill of exactly k+L tokens', () => {
  const config: LrqkLayerConfig = { heads: 2, kvHeads: 1, headDim: 8, rank: 3, topK: 6, lite: 3 };

  it('fixed mode takes the long branch and decodes', () => {
    const drv = new Driver(config, 81);
    expect(drv.step(9).prefill!.branch).toBe('long');
    expect(drv.step(1).kind).toBe('decode-sparse');
  });

  it('reference compat takes the short branch and fails at the first decode step like the reference', () => {
    const drv = new Driver({ ...config, compat: { shortBranchAtKPlusL: true } }, 82);
    expect(drv.step(9).prefill!.branch).toBe('short');
    expect(drv.layer.litePointer).toBe(3);
    expect(() => drv.step(1)).toThrow(LowRankStateError);
  });
});

describe('layer validation', () => {
  const ok: LrqkLayerConfig = { heads: 2, kvHeads: 1, headDim: 8, rank: 3, topK: 6, lite: 3 };

  it('rejects bad configs', () => {
    for (const bad of [
      { ...ok, heads: 3, kvHeads: 2 },
      { ...ok, rank: 9 },
      { ...ok, rank: 7, topK: 6, headDim: 8 },
      { ...ok, lite: 0 },
      { ...ok, topK: 0 },
      { ...ok, hooks: { losslessProxy: true } },
      { ...ok, bytesPerElement: 0 },
    ]) {
      expect(() => new LrqkLayerReference(bad)).toThrow(LowRankArgumentError);
    }
  });

  it('rejects bad token blocks and multi-token decode steps', () => {
    const layer = new LrqkLayerReference(ok);
    const rng = new Rng(9);
    expect(() => layer.step(randomBlock(rng, 1, 1, 8, 2))).toThrow(LowRankArgumentError);
    expect(() => layer.step(randomBlock(rng, 2, 1, 7, 2))).toThrow(LowRankArgumentError);
    const nan = randomBlock(rng, 2, 1, 8, 2);
    nan.k[0]!.data[0] = NaN;
    expect(() => layer.step(nan)).toThrow(LowRankArgumentError);
    expect(() => layer.bQ(0)).toThrow(LowRankStateError);
    expect(() => layer.aK(5)).toThrow(LowRankArgumentError);
    layer.step(randomBlock(rng, 2, 1, 8, 12));
    expect(layer.phase).toBe('decoding');
    expect(() => layer.step(randomBlock(rng, 2, 1, 8, 2))).toThrow(LowRankArgumentError);
    expect(layer.bQ(1).rows).toBe(3);
  });
});
