// Per-step invariants of the layer state machine: H.3 (selection), H.4 (slot consistency), H.5
// (CPU store contiguity, flush every L steps), H.6 (hit/miss accounting), H.7 (miss-slot pairing),
// H.11(d) (A_K row p = k̂).
import { describe, expect, it } from 'vitest';
import { row, updateSlots, type CompatOptions, type LrqkLayerConfig } from '../src/index.ts';
import { Driver, expectClose, range } from './helpers.ts';

const base: LrqkLayerConfig = { heads: 4, kvHeads: 2, headDim: 8, rank: 3, topK: 6, lite: 3 };
const modes: [string, CompatOptions][] = [
  ['fixed', {}],
  ['reference', { candidateOffByOne: true, shortBranchAtKPlusL: true }],
];
const N0 = 20;
const STEPS = 25;

/** Runs prefill + decode steps, checking every invariant after each step. */
function runChecked(config: LrqkLayerConfig, seed: number, n0: number): Driver {
  const drv = new Driver(config, seed);
  const { heads, topK: k, lite: L, headDim: d } = config;
  const refMode = config.compat?.candidateOffByOne === true;
  const pre = drv.step(n0);
  const long = pre.prefill!.branch === 'long';
  let bytes = 0;
  let misses = 0;
  let hits = 0;
  let sparse = 0;
  for (let t = 1; t <= STEPS; t++) {
    const before = range(0, heads).map((h) => drv.layer.activePositions(h));
    const res = drv.step(1);
    const p = res.firstPosition;
    const lite = drv.layer.litePositions;
    const cpuLen = drv.layer.cpuStoreLength;
    // H.5: contiguity; a flush exactly every L steps after a long prefill.
    if (long) {
      expect(cpuLen).toBe(n0 + L * Math.floor(t / L));
      expect(res.decode!.flushed).toBe(t % L === 0);
    }
    for (let j = 0; j < config.kvHeads; j++) {
      for (let i = 0; i < cpuLen; i++) expect(drv.layer.cpuStoreRow(j, i)).toEqual(drv.historyRow(j, i));
    }
    // The lite window is always the L most recent positions once full.
    if (drv.layer.length > k + L - 1) expect([...lite].sort((a, b) => a - b)).toEqual(range(p - L + 1, p + 1));
    for (let h = 0; h < heads; h++) {
      const kv = drv.kv(h);
      // H.11(d): row p of A_K is the returned k̂.
      expect(row(drv.layer.aK(h), p)).toEqual(res.decode!.kHat[h]);
      // H.4: every slot holds the full-precision row of its position (of KV head kv(h)).
      const ws = drv.layer.workingSet(h);
      expect(ws.positions.slice(ws.positions.length - L)).toEqual(lite);
      ws.positions.forEach((pos, s) => {
        if (pos < 0) return;
        expect(ws.keys.data.slice(s * d, (s + 1) * d)).toEqual(drv.keys[kv]!.row(pos));
        expect(ws.values.data.slice(s * d, (s + 1) * d)).toEqual(drv.values[kv]!.row(pos));
      });
    }
    if (res.kind !== 'decode-sparse') continue;
    sparse++;
    const end = res.decode!.candidateEnd!;
    expect(end).toBe(refMode ? p - L : p - L + 1);
    expect(res.decode!.oldestLite).toBe(p - L + 1);
    for (const sel of res.decode!.heads) {
      const h = sel.head;
      // H.3: exactly k distinct positions below candidate_end, disjoint from lite, all in the store.
      expect(sel.selected.length).toBe(k);
      expect(new Set(sel.selected).size).toBe(k);
      for (const pos of sel.selected) {
        expect(pos).toBeLessThan(end);
        expect(pos).toBeLessThan(cpuLen);
        expect(lite.includes(pos)).toBe(false);
      }
      if (refMode) expect(sel.selected.includes(p - L)).toBe(false);
      // H.7: the slot map is the reference pairing applied to the previous slot map.
      const want = updateSlots(before[h]!, sel.selected);
      expect(sel.slots).toEqual(want.slots);
      expect(drv.layer.activePositions(h)).toEqual(want.slots);
      // H.6: #misses = |S_new \ S_old| = |S_old \ S_new|.
      const oldSet = new Set(before[h]);
      const newSet = new Set(sel.selected);
      const fresh = sel.selected.filter((x) => !oldSet.has(x)).length;
      const stale = before[h]!.filter((x) => !newSet.has(x)).length;
      expect(sel.missPositions.length).toBe(fresh);
      expect(sel.missPositions.length).toBe(stale);
      expect(sel.hits).toBe(k - fresh);
      if (fresh === 0) expect(sel.missSlots).toEqual([]);
      misses += fresh;
      hits += k - fresh;
      bytes += fresh * 2 * d * 2;
    }
  }
  const stats = drv.layer.stats;
  expect(stats).toMatchObject({ decodeSteps: STEPS, sparseSteps: sparse, hits, misses, bytes });
  if (long) expect(stats.flushes).toBe(Math.floor(STEPS / L));
  expect(stats.flushBytes).toBe(stats.flushes * L * config.kvHeads * 2 * d * 2);
  return drv;
}

describe.each(modes)('layer invariants (%s mode)', (_name, compat) => {
  it('long prefill: H.3–H.7 and H.11(d) hold at every step', () => {
    const drv = runChecked({ ...base, compat }, 31, N0);
    expect(drv.layer.stats.misses).toBeGreaterThan(0);
    expect(drv.layer.stats.hits).toBeGreaterThan(0);
  });

  it('short prefill: invariants hold through the dense phase into the sparse one', () => {
    const drv = runChecked({ ...base, compat }, 32, base.topK + 1);
    expect(drv.layer.stats.sparseSteps).toBe(STEPS - (base.topK + base.lite - (base.topK + 1)));
  });

  it('GQA with G = 4 and MHA (G = 1) keep the same invariants', () => {
    runChecked({ ...base, heads: 4, kvHeads: 1, compat }, 33, N0);
    runChecked({ ...base, heads: 2, kvHeads: 2, compat }, 34, N0);
  });

  it('long prefill: initial slots are the top-k of the last prompt query over [0, n0−L)', () => {
    const drv = new Driver({ ...base, compat }, 35);
    const pre = drv.step(N0);
    expect(pre.prefill!.branch).toBe('long');
    expect(drv.layer.litePositions).toEqual(range(N0 - base.lite, N0));
    expect(drv.layer.litePointer).toBe(0);
    expect(drv.layer.cpuStoreLength).toBe(N0);
    for (const [h, sel] of pre.prefill!.selections.entries()) {
      expect(sel.length).toBe(base.topK);
      expect(Math.max(...sel)).toBeLessThan(N0 - base.lite);
      expect(drv.layer.activePositions(h)).toEqual(sel);
    }
  });
});

describe('H.6 transfer modes', () => {
  it('no-hit/miss ("all") and hit/miss pick the same sets and give the same outputs; "all" keeps slots sorted and moves k rows', () => {
    const a = new Driver(base, 41);
    const b = new Driver({ ...base, transfer: 'all' }, 41);
    a.step(N0);
    b.step(N0);
    for (let t = 0; t < STEPS; t++) {
      const ra = a.step(1);
      const rb = b.step(a.lastBlock!);
      for (let h = 0; h < base.heads; h++) {
        expectClose(rb.outputs[h]!.data, ra.outputs[h]!.data, 1e-13, `head ${h} step ${t}`);
        const sa = ra.decode!.heads[h]!;
        const sb = rb.decode!.heads[h]!;
        expect(sb.selected).toEqual(sa.selected);
        expect(sb.slots).toEqual(sa.selected);
        expect(sb.missPositions.length).toBe(base.topK);
      }
    }
    expect(b.layer.stats.misses).toBe(STEPS * base.heads * base.topK);
    expect(b.layer.stats.bytes).toBe(b.layer.stats.misses * 2 * base.headDim * 2);
    expect(a.layer.stats.misses).toBeLessThan(b.layer.stats.misses);
  });

  it('bytesPerElement scales the byte counts', () => {
    const drv = new Driver({ ...base, bytesPerElement: 4 }, 42);
    drv.step(N0);
    for (let t = 0; t < 6; t++) drv.step(1);
    const s = drv.layer.stats;
    expect(s.bytes).toBe(s.misses * 2 * base.headDim * 4);
    expect(s.prefillStoreBytes).toBe(N0 * base.kvHeads * 2 * base.headDim * 4);
  });
});
