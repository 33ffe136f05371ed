// Oracles H.1 (dense equivalence while n ≤ k+L, incl. collecting) and H.2 (the sparse path equals
// dense attention when every candidate is selected; reference mode masks p−L at n = k+L+1).
import { describe, expect, it } from 'vitest';
import type { CompatOptions, LayerStepResult, LrqkLayerConfig } from '../src/index.ts';
import { Driver, expectClose, range } from './helpers.ts';

const base: LrqkLayerConfig = { heads: 4, kvHeads: 2, headDim: 8, rank: 3, topK: 6, lite: 3 };
const modes: [string, CompatOptions][] = [
  ['fixed', {}],
  ['reference', { candidateOffByOne: true, shortBranchAtKPlusL: true }],
];
const TOL = 1e-12;

/** Every output row equals dense attention over positions allowed(p) of the history. */
function expectDense(drv: Driver, res: LayerStepResult, allowed: (p: number) => number[] = (p) => range(0, p + 1)): void {
  const m = res.outputs[0]!.rows;
  for (let h = 0; h < drv.layer.config.heads; h++) {
    for (let i = 0; i < m; i++) {
      const p = res.firstPosition + i;
      const want = drv.attendHistory(h, drv.lastQuery(h, i), allowed(p));
      expectClose(res.outputs[h]!.data.subarray(i * 8, (i + 1) * 8), want, TOL, `head ${h} position ${p} (${res.kind})`);
    }
  }
}

describe.each(modes)('H.1 dense equivalence while n ≤ k+L (%s mode)', (_name, compat) => {
  const config = { ...base, compat };
  const { topK: k, lite: L } = base;

  it('short prompt: collecting (one and several tokens per step), prefill at n = k, dense decode to k+L', () => {
    const drv = new Driver(config, 11);
    const kinds: string[] = [];
    for (const m of [2, 1, 2]) {
      const res = drv.step(m);
      kinds.push(res.kind);
      expectDense(drv, res);
    }
    expect(drv.layer.phase).toBe('collecting');
    const pre = drv.step(1); // n = 6 = k
    expect(pre.kind).toBe('prefill');
    expect(pre.prefill!.branch).toBe('short');
    expectDense(drv, pre);
    while (drv.layer.length < k + L) {
      const res = drv.step(1);
      expect(res.kind).toBe('decode-dense');
      expectDense(drv, res);
    }
    expect(kinds).toEqual(['collect', 'collect', 'collect']);
    expect(drv.layer.length).toBe(k + L);
    expect(drv.layer.cpuStoreLength).toBe(k + L); // the lite window was flushed at n = k+L
  });

  it.each([k, k + 1, k + L - 1])('prompt of %i tokens (short branch) decodes densely up to k+L', (n0) => {
    const drv = new Driver(config, 12 + n0);
    const pre = drv.step(n0);
    expect(pre.kind).toBe('prefill');
    expect(pre.prefill!.branch).toBe('short');
    expectDense(drv, pre);
    expect(drv.layer.cpuStoreLength).toBe(k);
    expect(drv.layer.litePointer).toBe(n0 - k);
    while (drv.layer.length < k + L) expectDense(drv, drv.step(1));
  });

  it('a prompt that jumps from collecting past k prefills the whole buffer', () => {
    const drv = new Driver(config, 19);
    expectDense(drv, drv.step(4));
    const res = drv.step(4); // n = 8 ≥ k
    expect(res.kind).toBe('prefill');
    expect(res.prefill!.n0).toBe(8);
    expectDense(drv, res);
    expect(drv.layer.aK(0).rows).toBe(8);
  });
});

describe('H.2 sparse path = dense with every candidate selected', () => {
  it.each([
    ['long prompt', 20],
    ['short prompt', 7],
  ])('fixed mode, forced all candidates, %s: every step equals dense attention', (_label, n0) => {
    const drv = new Driver({ ...base, hooks: { forceAllCandidates: true } }, 21);
    expectDense(drv, drv.step(n0));
    for (let t = 0; t < 15; t++) {
      const res = drv.step(1);
      expectDense(drv, res);
      if (res.kind === 'decode-sparse') {
        const p = res.firstPosition;
        expect(res.decode!.candidateEnd).toBe(p - base.lite + 1);
        for (const sel of res.decode!.heads) expect(sel.selected).toEqual(range(0, p - base.lite + 1));
      }
    }
    expect(drv.results.filter((r) => r.kind === 'decode-sparse').length).toBeGreaterThan(5);
  });

  it('reference mode, forced all candidates: equals dense attention with p−L masked', () => {
    const drv = new Driver({ ...base, compat: { candidateOffByOne: true }, hooks: { forceAllCandidates: true } }, 22);
    drv.step(20);
    for (let t = 0; t < 10; t++) {
      const res = drv.step(1);
      const p = res.firstPosition;
      expectDense(drv, res, () => range(0, p + 1).filter((x) => x !== p - base.lite));
    }
  });

  it('reference mode without hooks at n = k+L+1 selects all k candidates yet masks p−L (G.3)', () => {
    const { topK: k, lite: L } = base;
    const drv = new Driver({ ...base, compat: { candidateOffByOne: true, shortBranchAtKPlusL: true } }, 23);
    drv.step(k + 1);
    while (drv.layer.length < k + L) drv.step(1);
    const res = drv.step(1);
    expect(drv.layer.length).toBe(k + L + 1);
    expect(res.kind).toBe('decode-sparse');
    const p = res.firstPosition;
    expect(res.decode!.candidateEnd).toBe(k);
    for (const sel of res.decode!.heads) expect(sel.selected).toEqual(range(0, k));
    expectDense(drv, res, () => range(0, p + 1).filter((x) => x !== p - L));
    // …and the mask matters: unmasked dense attention is different.
    const full = drv.attendHistory(0, drv.lastQuery(0), range(0, p + 1));
    const diff = Math.max(...full.map((v, i) => Math.abs(v - res.outputs[0]!.data[i]!)));
    expect(diff).toBeGreaterThan(1e-6);
    // Fixed mode at the same point has k+1 candidates, so position p−L is a candidate.
    const fixed = new Driver(base, 23);
    fixed.step(k + 1);
    while (fixed.layer.length < k + L) fixed.step(1);
    expect(fixed.step(1).decode!.candidateEnd).toBe(k + 1);
  });
});
