import { Tensor } from '@lrqk/tensor';
import { KvTierManager } from '@lrqk/kv-cache';

// One layer, 4 query heads sharing 2 KV heads (GQA), head dim 8: 4 active slots + a 2-token ring.
const kv = new KvTierManager({
  layers: 1, heads: 4, kvHeads: 2, headDim: 8, activeSlots: 4, liteSlots: 2,
  capacityTokens: 64, dtype: 'f32', layout: 'per-kv-head', device: 'cpu', // 'cuda' on a GPU
});

// K of (token t, KV head h) is t + h/10 in every channel and V = −K; token-major (T, Hkv, D) as a
// model produces them, handed over as (Hkv, T, D) views.
function append(start: number, T: number): void {
  const k = Array.from({ length: T * 2 * 8 }, (_, i) => start + Math.floor(i / 16) + (Math.floor(i / 8) % 2) / 10);
  const kt = Tensor.from(k, [T, 2, 8]);
  const vt = Tensor.from(k.map((x) => -x), [T, 2, 8]);
  kv.append(0, kt.transpose(0, 1), vt.transpose(0, 1));
  kt.dispose();
  vt.dispose();
}

append(0, 10); // the prompt: all 10 rows go to the host store, positions 8 and 9 to the ring
// A selection per KV head (ascending, below the oldest ring position): all 8 rows are misses.
const first = Tensor.from([0, 2, 5, 7, 1, 3, 4, 6], [2, 4], { dtype: 'i32' });
kv.select(0, first);
append(10, 1); // one decoded token enters the ring (evicting position 8 from it)
// The next selection overlaps the first: 6 hits, and only the 2 missing rows are fetched.
const second = Tensor.from([0, 2, 5, 6, 1, 3, 4, 7], [2, 4], { dtype: 'i32' });
kv.select(0, second);

const view = kv.view(0); // (Hkv, K + L, D) views of the K and V halves of the slots
const keys = view.k.contiguous().toArray();
console.log(`slot positions ${JSON.stringify(kv.pool(0).slotMap.toArray())}, ring ${JSON.stringify(kv.lite(0).positions)}`);
console.log(`slot keys (channel 0) ${JSON.stringify(Array.from({ length: 2 * 6 }, (_, i) => Math.round(keys[i * 8]! * 10) / 10))}`);
const s = kv.stats();
console.log(`stats: hits ${s.hits}, misses ${s.misses}, hit rate ${s.hitRate}, bytes host→device ${s.bytesHostToDevice}`);
for (const t of [first, second]) t.dispose();
kv.dispose();
