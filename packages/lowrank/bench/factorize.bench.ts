// Prefill factorization on the device at LRQK's shapes (Llama-3.1-8B: 32 query / 8 KV heads,
// D = 128, r = 32), both layouts: factorizeOnDevice in total and its dominant pieces — the
// sequence-long reductions Aᵀ·X (innerProducts, per head or in one batch) and the projection
// X·Wᵀ — in ms and in GB/s of the bytes they must read. Random f32 inputs; device events around
// `reps` calls after one warm-up. Prints a table; JSON to $LRQK_BENCH_OUT/factorize.json.
//   node --conditions=source packages/lowrank/bench/factorize.bench.ts [--context 131072] [--reps 3]
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Event, matmul, randomNormal, resolveDevice, synchronize, Tensor } from '@lrqk/tensor';
import { factorizeOnDevice } from '../src/device/index.ts';
import { innerProducts } from '../src/device/inner-products.ts';

interface Row {
  layout: string;
  piece: string;
  ms: number;
  gbPerS?: number;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

function timeMs(fn: () => void, reps: number): number {
  fn();
  synchronize();
  const a = new Event({ timing: true }).record();
  for (let i = 0; i < reps; i++) fn();
  const b = new Event({ timing: true }).record();
  b.synchronize();
  const ms = b.elapsedSince(a) / reps;
  a.dispose();
  b.dispose();
  return ms;
}

function randn(shape: number[], seed: number): Tensor {
  return randomNormal(Tensor.empty(shape, { dtype: 'f32', device: 'cuda' }), seed);
}

async function main(): Promise<number> {
  if (resolveDevice('auto') !== 'cuda') {
    process.stderr.write('factorize.bench: needs a CUDA device\n');
    return 2;
  }
  const n = Number(arg('context', '131072'));
  const reps = Number(arg('reps', '3'));
  const [H, Hk, D, r] = [32, 8, 128, 32];
  const rows: Row[] = [];
  const say = (row: Row) => {
    rows.push(row);
    process.stdout.write(`${row.layout.padEnd(15)} ${row.piece.padEnd(44)} ${row.ms.toFixed(2).padStart(9)} ms${row.gbPerS ? `  ${row.gbPerS.toFixed(0).padStart(6)} GB/s` : ''}\n`);
  };
  for (const layout of ['per-query-head', 'shared'] as const) {
    const hf = layout === 'shared' ? Hk : H;
    const nq = layout === 'shared' ? (H / Hk) * n : n;
    const q = randn([hf, nq, D], 1);
    const k = randn([hf, n, D], 2);
    const aQ = randn([hf, nq, r], 3);
    const w = randn([hf, r, D], 4);
    try {
      const gb = (bytes: number, ms: number) => bytes / (ms * 1e6);
      const xBytes = q.byteLength + aQ.byteLength;
      for (const [piece, fn] of [
        ['Aᵀ·Q, one batch of all heads\' chunks', () => innerProducts(aQ, q).dispose()],
        ['Aᵀ·Q, a launch per head (chunks batched)', () => innerProducts(aQ, q, undefined, { perHead: true }).dispose()],
        ['Aᵀ·Q, one GEMM per head (no chunks)', () => innerProducts(aQ, q, 0).dispose()],
      ] as const) {
        const ms = timeMs(fn, reps);
        say({ layout, piece, ms, gbPerS: gb(xBytes, ms) });
      }
      const msAA = timeMs(() => innerProducts(aQ, aQ).dispose(), reps);
      say({ layout, piece: 'Aᵀ·A', ms: msAA, gbPerS: gb(aQ.byteLength, msAA) });
      const msProj = timeMs(() => matmul(q, w, { transB: true }).dispose(), reps);
      say({ layout, piece: 'Q·Wᵀ (the A update)', ms: msProj, gbPerS: gb(q.byteLength + aQ.byteLength, msProj) });
      const msF = timeMs(() => {
        const f = factorizeOnDevice(q, k, { rank: r, maxIter: 2, tol: 0, seed: 7 });
        for (const t of [f.aQ, f.aK, f.bQ, f.bK]) t.dispose();
      }, reps);
      say({ layout, piece: 'factorizeOnDevice, 2 iterations', ms: msF });
    } finally {
      for (const t of [q, k, aQ, w]) t.dispose();
    }
  }
  const out = process.env['LRQK_BENCH_OUT'];
  if (out) {
    await mkdir(out, { recursive: true });
    await writeFile(join(out, 'factorize.json'), `${JSON.stringify({ bench: 'factorize', context: n, date: new Date().toISOString(), rows }, null, 2)}\n`);
  }
  return 0;
}

process.exitCode = await main();
