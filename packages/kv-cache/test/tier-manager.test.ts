// Oracles 4–6 of the LRQK spec for the tier manager alone: slot contents always equal the store
// at the slot's position, the store holds K‖V at every position below its length (written as
// each token arrives), and hits/misses/bytes add up — for both layouts, on every available device.
import { describe, expect, it } from 'vitest';
import { backendInfo, Tensor, type Device } from '@lrqk/tensor';
import { KvConfigError, KvTierManager, type KvLayout } from '../src/index.ts';

const gpu = backendInfo().available;
const devices: { device: Device; skip: boolean; label: string }[] = [
  { device: 'cpu', skip: false, label: 'cpu' },
  { device: 'cuda', skip: !gpu, label: gpu ? 'cuda' : `cuda (skipped: no CUDA device: ${backendInfo().tried.join('; ')})` },
];

/** Deterministic per-(layer, head, position, channel) value, exact in bf16 (small integers / 8). */
function val(l: number, h: number, p: number, c: number, which: 0 | 1): number {
  return (((l * 7 + h * 13 + p * 31 + c * 3 + which * 17) % 61) - 30) / 8;
}

function kvFor(l: number, kvHeads: number, start: number, T: number, D: number, device: Device) {
  const k = new Float32Array(T * kvHeads * D);
  const v = new Float32Array(T * kvHeads * D);
  for (let t = 0; t < T; t++)
    for (let h = 0; h < kvHeads; h++)
      for (let c = 0; c < D; c++) {
        k[(t * kvHeads + h) * D + c] = val(l, h, start + t, c, 0);
        v[(t * kvHeads + h) * D + c] = val(l, h, start + t, c, 1);
      }
  // Token-major (T, Hkv, D) as models produce it, passed as (Hkv, T, D) views.
  const kt = Tensor.from(k, [T, kvHeads, D], { dtype: 'bf16', device });
  const vt = Tensor.from(v, [T, kvHeads, D], { dtype: 'bf16', device });
  return { k: kt.transpose(0, 1), v: vt.transpose(0, 1), dispose: () => (kt.dispose(), vt.dispose()) };
}

function r32(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe.each(devices)('KvTierManager on $label', ({ device, skip }) => {
  for (const layout of ['per-query-head', 'per-kv-head'] as KvLayout[]) {
    for (const longPrompt of [false, true]) {
      it.skipIf(skip)(`${layout}, ${longPrompt ? 'long prompt' : 'token by token'}: slots = store, store = K‖V, accounting`, () => {
        const cfg = { layers: 2, heads: 6, kvHeads: 2, headDim: 8, activeSlots: 5, liteSlots: 3, capacityTokens: 8, dtype: 'bf16', layout, device } as const;
        const m = new KvTierManager(cfg);
        const G = 3;
        const Hs = layout === 'per-query-head' ? 6 : 2;
        const K = 5;
        const L = 3;
        const D = 8;
        const rand = r32(longPrompt ? 7 : 11);
        let n = 0;
        const prompt = longPrompt ? 13 : 2;
        const expectedMisses = [0, 0];
        const prevSel: number[][][] = [[], []];
        for (let step = 0; step < 30; step++) {
          const T = step === 0 ? prompt : 1;
          for (let l = 0; l < 2; l++) {
            const kv = kvFor(l, 2, n, T, D, device);
            m.append(l, kv.k, kv.v);
            kv.dispose();
          }
          n += T;
          for (let l = 0; l < 2; l++) {
            expect(m.length(l)).toBe(n);
            const view = m.view(l);
            if (n > K + L) {
              // Select K random distinct candidates below the oldest lite position.
              const end = m.oldestLitePosition(l);
              const sels: number[][] = [];
              for (let h = 0; h < Hs; h++) {
                const prev = prevSel[l]![h] ?? (longPrompt ? [] : [0, 1, 2, 3, 4]);
                const s = new Set(prev.filter(() => rand() < 0.6).filter((p) => p < end));
                while (s.size < K) s.add(Math.floor(rand() * end));
                sels.push([...s].sort((a, b) => a - b));
                const old = new Set(prev);
                expectedMisses[l]! += sels[h]!.filter((p) => !old.has(p)).length;
              }
              prevSel[l] = sels;
              const selT = Tensor.from(sels.flat(), [Hs, K], { dtype: 'i32', device });
              m.select(l, selT);
              selT.dispose();
              expect(view.dense).toBe(false);
            } else {
              expect(view.dense).toBe(true);
              expect(view.length).toBe(n);
            }
            // Oracle 5: store rows equal K‖V at their positions.
            const store = m.store(l);
            const st = store.tensor.toFloat64Array();
            const cap = store.capacity;
            expect(store.length).toBeGreaterThanOrEqual(Math.min(n, K));
            for (let h = 0; h < 2; h++)
              for (let p = 0; p < store.length; p++)
                for (let c = 0; c < D; c++) {
                  const base = (h * cap + p) * 2 * D;
                  if (st[base + c] !== val(l, h, p, c, 0) || st[base + D + c] !== val(l, h, p, c, 1))
                    throw new Error(`store mismatch layer ${l} head ${h} pos ${p}`);
                }
            // Oracle 4: every valid slot holds the row of the position it claims.
            const map = m.pool(l).slotMap.toArray();
            const lite = m.lite(l);
            // The device mirror of the lite map (read by fused decode kernels) is always current.
            expect(m.litePositions(l).toArray()).toEqual(lite.positions);
            const slots = m.pool(l).slots.toFloat64Array();
            for (let hs = 0; hs < Hs; hs++) {
              const kvh = layout === 'per-query-head' ? Math.floor(hs / G) : hs;
              const positions: number[] = [];
              for (let s = 0; s < K; s++) positions.push(n <= K + L ? (s < n ? s : -1) : map[hs * K + s]!);
              for (let j = 0; j < L; j++) positions.push(n <= K + L ? (K + j < n ? K + j : -1) : lite.positions[j]!);
              positions.forEach((p, s) => {
                if (p < 0) return;
                for (let c = 0; c < D; c++) {
                  const base = (hs * (K + L) + s) * 2 * D;
                  if (slots[base + c] !== val(l, kvh, p, c, 0) || slots[base + D + c] !== val(l, kvh, p, c, 1))
                    throw new Error(`slot mismatch layer ${l} head ${hs} slot ${s} pos ${p} (n=${n})`);
                }
              });
              if (n > K + L) expect([...map.slice(hs * K, hs * K + K)].sort((a, b) => a - b)).toEqual(prevSel[l]![hs]);
            }
          }
        }
        // Oracle 6: misses = |S_new \ S_old| summed, bytes = misses · rowBytes.
        const st = m.stats();
        expect(st.layers.map((x) => x.misses)).toEqual(expectedMisses);
        expect(st.bytesHostToDevice).toBe((expectedMisses[0]! + expectedMisses[1]!) * 2 * D * 2);
        expect(st.hits + st.misses).toBe(st.selections * Hs * K);
        m.dispose();
        m.dispose();
      });
    }
  }
});

describe('KvTierManager config', () => {
  it('rejects bad configs with a message naming the field', () => {
    const base = { layers: 1, heads: 4, kvHeads: 2, headDim: 8, activeSlots: 4, liteSlots: 2, capacityTokens: 16, dtype: 'bf16', layout: 'per-kv-head', device: 'cpu' } as const;
    expect(() => new KvTierManager({ ...base, heads: 5 })).toThrow(KvConfigError);
    expect(() => new KvTierManager({ ...base, activeSlots: 0 })).toThrow(/activeSlots/);
  });
});
