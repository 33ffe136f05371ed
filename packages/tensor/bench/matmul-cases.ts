// Matmul benchmark cases (CUDA): the prefill-sized bf16 GEMM through cuBLAS, in TFLOP/s against
// the H100's ~800 TFLOP/s bf16 ceiling, and the batch-1 decode linear (GEMV kernel) at Llama-3-8B
// MLP shapes, in GB/s of weight bytes against ~3000 GB/s of HBM.
import { Event, linear, matmul, randomNormal, synchronize, Tensor } from '../src/index.ts';
import type { Row } from './types.ts';

/**
 * Median over `samples` of the per-call device time of `fn`, from CUDA events around `reps`
 * back-to-back calls. A few untimed calls go first in each sample so that the queue is already
 * full when the start event runs: short kernels then never wait on the host's launch.
 */
function medianMs(fn: () => void, opts: { reps: number; samples: number; lead?: number }): number {
  for (let i = 0; i < 3; i++) fn();
  synchronize();
  const start = new Event({ timing: true });
  const end = new Event({ timing: true });
  const times: number[] = [];
  try {
    for (let s = 0; s < opts.samples; s++) {
      for (let i = 0; i < (opts.lead ?? 0); i++) fn();
      start.record();
      for (let i = 0; i < opts.reps; i++) fn();
      end.record();
      end.synchronize();
      times.push(end.elapsedSince(start) / opts.reps);
    }
  } finally {
    start.dispose();
    end.dispose();
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

function randn(shape: number[], seed: number, std = 1): Tensor {
  return randomNormal(Tensor.empty(shape, { dtype: 'bf16', device: 'cuda' }), seed, { std });
}

export async function benchMatmul(): Promise<Row[]> {
  const rows: Row[] = [];

  // Prefill GEMM: (M, K) · (N, K)ᵀ, bf16 in and out, f32 accumulation.
  {
    const [m, k, n] = [32768, 4096, 14336];
    const a = randn([m, k], 1);
    const w = randn([n, k], 2, 0.02);
    const out = Tensor.empty([m, n], { dtype: 'bf16', device: 'cuda' });
    const ms = medianMs(() => matmul(a, w, { transB: true, out }), { reps: 3, samples: 5 });
    const tflops = (2 * m * n * k) / (ms * 1e-3) / 1e12;
    rows.push({
      name: `bf16 GEMM ${m}×${k}×${n} (x·Wᵀ, cuBLAS)`,
      value: tflops,
      unit: 'TFLOP/s',
      ratio: tflops / 800,
      ceiling: '800 TFLOP/s (H100 bf16 dense)',
      note: `${ms.toFixed(2)} ms`,
    });
    for (const t of [a, w, out]) t.dispose();
  }

  // Batch-1 decode linear: x (1, in) · W (out, in)ᵀ, the GEMV kernel. W is far larger than L2,
  // so every call streams it from HBM.
  for (const [inF, outF] of [
    [4096, 14336],
    [14336, 4096],
  ] as const) {
    const x = randn([1, inF], 3);
    const w = randn([outF, inF], 4, 0.02);
    const y = Tensor.empty([1, outF], { dtype: 'bf16', device: 'cuda' });
    const ms = medianMs(() => linear(x, w, undefined, { out: y }), { reps: 20, samples: 7, lead: 5 });
    const gbs = (outF * inF * 2) / (ms * 1e-3) / 1e9;
    rows.push({
      name: `bf16 linear batch 1, ${inF}→${outF} (GEMV)`,
      value: gbs,
      unit: 'GB/s',
      ratio: gbs / 3000,
      ceiling: '3000 GB/s (H100 HBM3, measured copy)',
      note: `${(ms * 1e3).toFixed(1)} µs, weight bytes only`,
    });
    for (const t of [x, w, y]) t.dispose();
  }
  synchronize();
  return rows;
}
