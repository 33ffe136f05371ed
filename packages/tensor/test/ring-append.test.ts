// ringAppend against a float64 model of its writes: every replica's ring slot, the store row and
// litePos, with everything else untouched (poisoned), on odd sizes; the position from a host
// number and from a device tensor (on CUDA under graph capture, replayed for several positions).
import { describe, expect, it } from 'vitest';
import { ArgumentError, captureGraph, IndexOutOfRangeError, ringAppend, ShapeError, Tensor } from '../src/index.ts';
import { devices, floatDTypes, freshSeed, quantize, randn, upload } from './helpers.ts';

describe.each(devices)('ringAppend on $label', ({ device, skip }) => {
  for (const dtype of floatDTypes) {
    for (const [hkv, replicas, d, slotsPerHead, ringStart, ring, cap] of [[1, 1, 8, 5, 2, 3, 11], [3, 4, 24, 13, 7, 5, 40], [2, 1, 128, 70, 64, 6, 97]] as const) {
      it.skipIf(skip)(`${dtype} Hkv=${hkv} R=${replicas} D=${d} ring [${ringStart}, ${ringStart + ring}) cap ${cap}`, () => {
        const seed = freshSeed();
        const hs = hkv * replicas;
        const W = 2 * d;
        // The store lives in pinned host memory next to CUDA slots, as in the KV tier manager.
        const slots = Tensor.from(new Float64Array(hs * slotsPerHead * W).fill(NaN), [hs, slotsPerHead, W], { dtype, device });
        const store = Tensor.from(new Float64Array(hkv * cap * W).fill(NaN), [hkv, cap, W], { dtype, pinned: device === 'cuda' });
        const litePos = upload(new Float64Array(ring).fill(-7), [ring], 'i32', device);
        const wantSlots = new Float64Array(hs * slotsPerHead * W).fill(NaN);
        const wantStore = new Float64Array(hkv * cap * W).fill(NaN);
        const wantLite = new Array<number>(ring).fill(-7);
        const posT = Tensor.zeros([1], { dtype: 'i32', device });
        // k/v as strided views (head stride 2D + 3) of bigger buffers.
        const kBuf = Tensor.empty([hkv, W + 3], { dtype, device });
        const vBuf = Tensor.empty([hkv, W + 3], { dtype, device });
        const k = kBuf.slice(1, 1, 1 + d);
        const v = vBuf.slice(1, 2, 2 + d);
        const run = () => ringAppend({ k, v, slots, store, litePos, ringStart, position: 0, positionTensor: posT });
        const graph = device === 'cuda' ? captureGraph(run) : undefined;
        try {
          for (const [step, p] of [0, 1, cap - 1, ring + 2, 5].entries()) {
            const kv = quantize(randn(2 * hkv * (W + 3), seed + step), dtype);
            kBuf.copyFrom(Tensor.from(kv.subarray(0, hkv * (W + 3)), [hkv, W + 3], { dtype }));
            vBuf.copyFrom(Tensor.from(kv.subarray(hkv * (W + 3)), [hkv, W + 3], { dtype }));
            posT.copyFrom(Tensor.from([p], [1], { dtype: 'i32' }));
            if (graph) graph.replay();
            else if (step % 2 === 0) run();
            else ringAppend({ k, v, slots, store, litePos, ringStart, position: p });
            const r = (((p - ringStart) % ring) + ring) % ring;
            for (let h = 0; h < hkv; h++) {
              const row = [...kv.subarray(h * (W + 3) + 1, h * (W + 3) + 1 + d), ...kv.subarray(hkv * (W + 3) + h * (W + 3) + 2, hkv * (W + 3) + h * (W + 3) + 2 + d)];
              for (let g = 0; g < replicas; g++) wantSlots.set(row, ((h * replicas + g) * slotsPerHead + ringStart + r) * W);
              wantStore.set(row, (h * cap + p) * W);
            }
            wantLite[r] = p;
            expect(slots.toArray(), `seed ${seed} p ${p} slots`).toEqual(Array.from(wantSlots));
            expect(store.toArray(), `seed ${seed} p ${p} store`).toEqual(Array.from(wantStore));
            expect(litePos.toArray()).toEqual(wantLite);
          }
        } finally {
          graph?.dispose();
        }
      });
    }
  }

  it.skipIf(skip)('rejects bad shapes, rings and positions', () => {
    const k = Tensor.zeros([2, 4], { device });
    const slots = Tensor.zeros([4, 6, 8], { device });
    const store = Tensor.zeros([2, 10, 8], { pinned: device === 'cuda' });
    const litePos = Tensor.zeros([3], { dtype: 'i32', device });
    const ok = { k, v: k, slots, store, litePos, ringStart: 3 };
    expect(() => ringAppend({ ...ok, position: 10 })).toThrow(IndexOutOfRangeError);
    expect(() => ringAppend({ ...ok, position: -1 })).toThrow(IndexOutOfRangeError);
    expect(() => ringAppend({ ...ok, ringStart: 4, position: 0 })).toThrow(ArgumentError);
    expect(() => ringAppend({ ...ok, slots: Tensor.zeros([3, 6, 8], { device }), position: 0 })).toThrow(ShapeError);
    expect(() => ringAppend({ ...ok, store: Tensor.zeros([2, 10, 6], { pinned: device === 'cuda' }), position: 0 })).toThrow(ShapeError);
  });
});
