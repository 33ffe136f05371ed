// Selection and transfer benchmarks of the LRQK decode path: top-k of proxy scores, and gathers
// of scattered KV rows from pinned host memory straight into GPU memory, against the pinned
// host→device copy bandwidth measured in the same run. Each gather is timed two ways: one call
// between two events (what a decode step waits for), and back-to-back calls (device time alone).
import { copyStrided, indexSelect, randomNormal, Tensor, topk } from '../src/index.ts';
import type { Ceilings } from './ceilings.ts';
import { medianMs, timeMs } from './timing.ts';
import type { Row } from './types.ts';

function scattered(count: number, n: number, seed: number): number[] {
  const s = new Set<number>();
  let x = seed >>> 0;
  while (s.size < count) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0; // 32-bit LCG (exact in JS)
    s.add((x >>> 8) % n);
  }
  return [...s].sort((a, b) => a - b);
}

export async function benchSelect(ceil: Ceilings): Promise<Row[]> {
  const pcie = ceil.pcieGBps;
  const pcieLabel = `${pcie.toFixed(1)} GB/s pinned H→D copy (this run)`;
  const rows: Row[] = [];
  for (const [r, n, k] of [[32, 131072, 2048], [8, 131072, 2048], [8, 524288, 2048]] as const) {
    const x = randomNormal(Tensor.empty([r, n], { dtype: 'bf16', device: 'cuda' }), 7);
    const values = Tensor.empty([r, k], { dtype: 'bf16', device: 'cuda' });
    const indices = Tensor.empty([r, k], { dtype: 'i32', device: 'cuda' });
    const ms = timeMs(() => topk(x, k, { sorted: 'index', outValues: values, outIndices: indices }));
    rows.push({ name: `topk rows=${r} n=${n} k=${k} (sorted by index)`, value: ms * 1000, unit: 'µs', note: `reads ${(r * n * 2) / 1e6} MB` });
    for (const t of [x, values, indices]) t.dispose();
  }
  // 2048 rows of 256 B (one KV head, K only) from a (131072, 128) bf16 pinned store.
  {
    const store = randomNormal(Tensor.empty([131072, 128], { dtype: 'bf16', device: 'cuda' }), 3).to('cpu', { pinned: true });
    const idx = Tensor.from(scattered(2048, 131072, 11), [2048], { dtype: 'i32', device: 'cuda' });
    const out = Tensor.empty([2048, 128], { dtype: 'bf16', device: 'cuda' });
    const ms = timeMs(() => indexSelect(store, idx, { out, checkBounds: false }));
    const gbps = (2048 * 256) / (ms / 1000) / 1e9;
    const gather = () => indexSelect(store, idx, { out, checkBounds: false });
    const msB2b = medianMs(gather, { reps: 20, samples: 7, lead: 3 });
    // Device time alone: 20 calls queued behind a ~1 ms device copy (see medianMs).
    const big = [0, 1].map(() => Tensor.empty([2 ** 29], { dtype: 'bf16', device: 'cuda' }));
    const msDev = medianMs(gather, { reps: 20, samples: 7, prime: () => copyStrided(big[1]!, big[0]!) });
    for (const t of big) t.dispose();
    const rate = (m: number) => ((2048 * 256) / (m / 1000) / 1e9).toFixed(1);
    rows.push({
      name: 'gather 2048 scattered 256-B rows pinned→GPU',
      value: gbps,
      unit: 'GB/s',
      ratio: gbps / pcie,
      ceiling: pcieLabel,
      note: `${(ms * 1000).toFixed(1)} µs one call between events; back-to-back ${(msB2b * 1000).toFixed(1)} µs (${rate(msB2b)} GB/s); device time with a full queue ${(msDev * 1000).toFixed(1)} µs (${rate(msDev)} GB/s)`,
    });
    for (const t of [store, idx, out]) t.dispose();
  }
  // LRQK shared layout: 8 KV heads × 2048 misses of 512-B K‖V rows from a (8, positions, 256)
  // store (written by the GPU, as decode's write-through does), at 128K and 512K positions. Also
  // timed after 512 MB of device copies per call, as in a decode step, where the weights and A_K
  // reads have evicted the L2 before the gather: from the larger store the gather then slows down
  // (2026-12-01, H200: 36 against 48 GB/s here, ~26 in the 512K decode and in
  // tools/device/probes/gather_pcie.cu with 512 MB of writes before each gather).
  const scratch = [0, 1].map(() => Tensor.empty([2 ** 28], { dtype: 'bf16', device: 'cuda' }));
  for (const positions of [131072, 524288]) {
    const store = randomNormal(Tensor.empty([8, positions, 256], { dtype: 'bf16', device: 'cuda' }), 5).to('cpu', { pinned: true });
    const idx = Tensor.from(Array.from({ length: 8 }, (_, h) => scattered(2048, positions, 100 + h)).flat(), [8, 2048], { dtype: 'i32', device: 'cuda' });
    const out = Tensor.empty([8, 2048, 256], { dtype: 'bf16', device: 'cuda' });
    const gather = () => indexSelect(store, idx, { out, checkBounds: false });
    const ms = timeMs(gather);
    const msCold = timeMs(gather, { before: () => copyStrided(scratch[1]!, scratch[0]!) });
    const gbps = (8 * 2048 * 512) / (ms / 1000) / 1e9;
    const gbpsCold = (8 * 2048 * 512) / (msCold / 1000) / 1e9;
    const label = positions === 131072 ? '' : ` (store of ${positions / 1024}K positions)`;
    rows.push({
      name: `gather 8×2048 scattered 512-B K‖V rows pinned→GPU${label}`,
      value: gbps,
      unit: 'GB/s',
      ratio: gbps / pcie,
      ceiling: pcieLabel,
      note: `${(ms * 1000).toFixed(1)} µs single call; after 512 MB of device copies ${(msCold * 1000).toFixed(1)} µs (${gbpsCold.toFixed(1)} GB/s)`,
    });
    for (const t of [store, idx, out]) t.dispose();
  }
  for (const t of scratch) t.dispose();
  return rows;
}
