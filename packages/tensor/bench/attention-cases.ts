// Attention benchmarks on CUDA (not run in tests): FlashAttention-style prefill in TFLOP/s and
// split-K decode in GB/s of K+V read, each as a ratio to the H100 ceilings (800 TFLOP/s bf16
// dense, 3000 GB/s HBM). Timed with CUDA events after a warm-up; the median of several batches.
import { attentionDecode, attentionPrefill, cudaAvailable, Event, f32ToBf16Bits, synchronize, Tensor } from '../src/index.ts';

export interface Row {
  name: string;
  value: number;
  unit: string;
  /** value / ceiling (0..1). */
  ratio: number;
}

const PEAK_TFLOPS = 800;
const PEAK_GBPS = 3000;

/** Fills a bf16 tensor with N(0,1)-ish values from a 1M-element random block, written repeatedly. */
function randomBf16(t: Tensor, seed: number): void {
  let a = seed >>> 0;
  const rnd = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  const block = new Uint16Array(1 << 20);
  for (let i = 0; i < block.length; i++) {
    block[i] = f32ToBf16Bits(Math.sqrt(-2 * Math.log(Math.max(rnd(), 1e-12))) * Math.cos(2 * Math.PI * rnd()));
  }
  const bytes = t.byteLength;
  for (let off = 0; off < bytes; off += block.byteLength) {
    const n = Math.min(block.byteLength, bytes - off);
    t.storage.write(off, new Uint16Array(block.buffer, 0, n / 2));
  }
}

/** Median milliseconds per call of `fn(i)`, timed in batches of `inner` calls between two events. */
function medianMs(fn: (i: number) => void, warmup: number, reps: number, inner: number): number {
  for (let i = 0; i < warmup; i++) fn(i);
  synchronize();
  const start = new Event({ timing: true });
  const end = new Event({ timing: true });
  const times: number[] = [];
  let call = 0;
  for (let r = 0; r < reps; r++) {
    start.record();
    for (let i = 0; i < inner; i++) fn(call++);
    end.record();
    end.synchronize();
    times.push(end.elapsedSince(start) / inner);
  }
  start.dispose();
  end.dispose();
  times.sort((x, y) => x - y);
  return times[times.length >> 1]!;
}

function benchPrefill(n: number): Row {
  const [h, hkv, d] = [32, 8, 128];
  const q = Tensor.empty([h, n, d], { dtype: 'bf16', device: 'cuda' });
  const k = Tensor.empty([hkv, n, d], { dtype: 'bf16', device: 'cuda' });
  const v = Tensor.empty([hkv, n, d], { dtype: 'bf16', device: 'cuda' });
  const out = Tensor.empty([h, n, d], { dtype: 'bf16', device: 'cuda' });
  randomBf16(q, 1);
  randomBf16(k, 2);
  randomBf16(v, 3);
  const inner = n <= 8192 ? 5 : 1;
  const ms = medianMs(() => attentionPrefill(q, k, v, { causal: true, out }), 2, 7, inner);
  for (const t of [q, k, v, out]) t.dispose();
  const flops = (2 * 2 * h * d * n * n) / 2;
  const tflops = flops / (ms * 1e-3) / 1e12;
  return { name: `attention.prefill.causal.bf16.h32kv8d128.n${n}`, value: tflops, unit: 'TFLOP/s', ratio: tflops / PEAK_TFLOPS };
}

/** Decode of H=32 query heads over `rows` K/V rows of Hk heads; rotates buffer sets to defeat L2. */
function benchDecode(name: string, hk: number, rows: number): Row {
  const [h, d] = [32, 128];
  const kvBytes = 2 * hk * rows * d * 2;
  const sets = Math.max(1, Math.ceil((150 * 2 ** 20) / kvBytes)); // > 3× the 50 MB L2
  const bufs = Array.from({ length: sets }, (_, i) => {
    const q = Tensor.empty([h, d], { dtype: 'bf16', device: 'cuda' });
    const k = Tensor.empty([hk, rows, d], { dtype: 'bf16', device: 'cuda' });
    const v = Tensor.empty([hk, rows, d], { dtype: 'bf16', device: 'cuda' });
    const out = Tensor.empty([h, d], { dtype: 'bf16', device: 'cuda' });
    randomBf16(q, 10 * i + 1);
    randomBf16(k, 10 * i + 2);
    randomBf16(v, 10 * i + 3);
    return { q, k, v, out };
  });
  const inner = Math.max(sets, Math.min(200, Math.ceil(2e9 / kvBytes)));
  const ms = medianMs((i) => {
    const b = bufs[i % sets]!;
    attentionDecode(b.q, b.k, b.v, { out: b.out });
  }, 3 * sets, 9, inner);
  for (const b of bufs) for (const t of [b.q, b.k, b.v, b.out]) t.dispose();
  const gbps = kvBytes / (ms * 1e-3) / 1e9;
  return { name, value: gbps, unit: 'GB/s', ratio: gbps / PEAK_GBPS };
}

/** All attention benchmark rows (empty without CUDA). */
export async function benchAttention(): Promise<Row[]> {
  if (!cudaAvailable()) return [];
  return [
    benchPrefill(8192),
    benchPrefill(32768),
    benchDecode('attention.decode.bf16.h32kv8d128.contiguous131072', 8, 131072),
    benchDecode('attention.decode.bf16.h32d128.slots2112', 32, 2112),
  ];
}
