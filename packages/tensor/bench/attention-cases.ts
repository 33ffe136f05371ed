// Attention benchmarks on CUDA (not run in tests): FlashAttention-style prefill in TFLOP/s (causal
// FLOPs: half of 4·H·D·N²) against the nominal 800 TFLOP/s bf16 rate, and split-K decode in GB/s
// of K+V read against the HBM copy bandwidth measured in the same run. Timed with CUDA events after
// a warm-up; the median of several batches of back-to-back calls.
import { attentionDecode, attentionPrefill, copyStrided, cudaAvailable, f32ToBf16Bits, synchronize, Tensor } from '../src/index.ts';
import { type Ceilings, NOMINAL_BF16_TFLOPS } from './ceilings.ts';
import { medianMs } from './timing.ts';
import type { Row } from './types.ts';

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

function benchPrefill(n: number, ceil: Ceilings): Row {
  const [h, hkv, d] = [32, 8, 128];
  const q = Tensor.empty([h, n, d], { dtype: 'bf16', device: 'cuda' });
  const k = Tensor.empty([hkv, n, d], { dtype: 'bf16', device: 'cuda' });
  const v = Tensor.empty([hkv, n, d], { dtype: 'bf16', device: 'cuda' });
  const out = Tensor.empty([h, n, d], { dtype: 'bf16', device: 'cuda' });
  randomBf16(q, 1);
  randomBf16(k, 2);
  randomBf16(v, 3);
  const reps = n <= 8192 ? 5 : 1;
  const ms = medianMs(() => attentionPrefill(q, k, v, { causal: true, out }), { warmup: 2, reps, samples: 7 });
  for (const t of [q, k, v, out]) t.dispose();
  const flops = (2 * 2 * h * d * n * n) / 2;
  const tflops = flops / (ms * 1e-3) / 1e12;
  return {
    name: `attention.prefill.causal.bf16.h32kv8d128.n${n}`,
    value: tflops,
    unit: 'TFLOP/s',
    ratio: tflops / NOMINAL_BF16_TFLOPS,
    ceiling: `${NOMINAL_BF16_TFLOPS} TFLOP/s nominal bf16 dense`,
    note: `${ms.toFixed(2)} ms; ${((100 * tflops) / ceil.gemmTflops).toFixed(1)}% of cuBLAS 8192³ this run`,
  };
}

/** Decode of H=32 query heads over `rows` K/V rows of Hk heads; rotates buffer sets to defeat L2. */
function benchDecode(name: string, hk: number, rows: number, ceil: Ceilings): Row {
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
  const reps = Math.max(sets, Math.min(200, Math.ceil(2e9 / kvBytes)));
  const call = (i: number) => {
    const b = bufs[i % sets]!;
    attentionDecode(b.q, b.k, b.v, { out: b.out });
  };
  // Back-to-back calls from JS (host submission included when it is the slower side) ...
  const ms = medianMs(call, { warmup: 3 * sets, reps, samples: 9, lead: sets });
  // ... host time to submit one call ...
  synchronize();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) call(i);
  const hostUs = ((performance.now() - t0) * 1e3) / reps;
  synchronize();
  // ... and device time alone: the calls are queued behind a ~1 ms copy (see medianMs).
  const big = [0, 1].map(() => Tensor.empty([2 ** 29], { dtype: 'bf16', device: 'cuda' }));
  const devReps = Math.min(reps, 40);
  const devMs = medianMs(call, { warmup: sets, reps: devReps, samples: 9, prime: () => copyStrided(big[1]!, big[0]!) });
  // Peer: a device copy moving the same bytes (kvBytes / 2 read + kvBytes / 2 written), timed the
  // same way over as many buffer sets (so it misses the L2 too).
  const halves = Array.from({ length: 2 * sets }, () => Tensor.empty([kvBytes / 4], { dtype: 'bf16', device: 'cuda' }));
  const copyMs = medianMs((i) => copyStrided(halves[2 * (i % sets) + 1]!, halves[2 * (i % sets)]!), {
    warmup: sets,
    reps: devReps,
    samples: 9,
    prime: () => copyStrided(big[1]!, big[0]!),
  });
  for (const t of [...big, ...halves]) t.dispose();
  for (const b of bufs) for (const t of [b.q, b.k, b.v, b.out]) t.dispose();
  const gbps = kvBytes / (devMs * 1e-3) / 1e9;
  return {
    name,
    value: gbps,
    unit: 'GB/s',
    ratio: gbps / ceil.hbmGBps,
    ceiling: `${ceil.hbmGBps.toFixed(0)} GB/s HBM copy (this run)`,
    note:
      `device ${(devMs * 1e3).toFixed(1)} µs per call (queue kept full, ${devReps} calls); ` +
      `back-to-back from JS ${(ms * 1e3).toFixed(1)} µs (${(kvBytes / (ms * 1e-3) / 1e9).toFixed(0)} GB/s), host submit ${hostUs.toFixed(1)} µs; ` +
      `a device copy of the same bytes ${(copyMs * 1e3).toFixed(1)} µs (${(kvBytes / (copyMs * 1e-3) / 1e9).toFixed(0)} GB/s); ` +
      `${(kvBytes / 1e6).toFixed(1)} MB K+V, ${sets} buffer sets`,
  };
}

/** All attention benchmark rows (empty without CUDA); LRQK_BENCH_ATTN=prefill|decode runs one kind. */
export async function benchAttention(ceil: Ceilings): Promise<Row[]> {
  if (!cudaAvailable()) return [];
  const kind = process.env.LRQK_BENCH_ATTN;
  const rows: Row[] = [];
  if (kind !== 'decode') rows.push(benchPrefill(8192, ceil), benchPrefill(32768, ceil));
  if (kind !== 'prefill') {
    rows.push(benchDecode('attention.decode.bf16.h32kv8d128.contiguous131072', 8, 131072, ceil));
    rows.push(benchDecode('attention.decode.bf16.h32d128.slots2112', 32, 2112, ceil));
    // LRQK's shared layout: 8 KV heads of 2112 slots, 4 query heads each.
    rows.push(benchDecode('attention.decode.bf16.h32kv8d128.slots2112', 8, 2112, ceil));
  }
  return rows;
}
