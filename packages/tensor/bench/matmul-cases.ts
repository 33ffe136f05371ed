// Matmul benchmark cases (CUDA): the prefill-sized bf16 GEMM through cuBLAS, in TFLOP/s against
// the nominal 800 TFLOP/s dense bf16 rate (cuBLAS 8192³ of the same run in the note), and the
// batch-1 decode linear (GEMV kernel) at Llama-3-8B MLP shapes, in GB/s of weight bytes against
// the HBM copy bandwidth measured in the same run.
import { linear, matmul, randomNormal, synchronize, Tensor } from '../src/index.ts';
import { type Ceilings, NOMINAL_BF16_TFLOPS } from './ceilings.ts';
import { medianMs } from './timing.ts';
import type { Row } from './types.ts';

function randn(shape: number[], seed: number, std = 1): Tensor {
  return randomNormal(Tensor.empty(shape, { dtype: 'bf16', device: 'cuda' }), seed, { std });
}

export async function benchMatmul(ceil: Ceilings): Promise<Row[]> {
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
      ratio: tflops / NOMINAL_BF16_TFLOPS,
      ceiling: `${NOMINAL_BF16_TFLOPS} TFLOP/s nominal bf16 dense`,
      note: `${ms.toFixed(2)} ms; ${((100 * tflops) / ceil.gemmTflops).toFixed(1)}% of cuBLAS 8192³ this run (${ceil.gemmTflops.toFixed(0)} TFLOP/s)`,
    });
    for (const t of [a, w, out]) t.dispose();
  }

  // Batch-1 decode linear: x (1, in) · W (out, in)ᵀ, the GEMV kernel; every call streams W from HBM.
  for (const [inF, outF] of [
    [4096, 14336],
    [14336, 4096],
  ] as const) {
    const x = randn([1, inF], 3);
    // Three weight copies (352 MB), used in turn, so that no call finds its weight in the 50 MB L2.
    const ws = [4, 5, 6].map((seed) => randn([outF, inF], seed, 0.02));
    const y = Tensor.empty([1, outF], { dtype: 'bf16', device: 'cuda' });
    const ms = medianMs((i) => linear(x, ws[i % ws.length]!, undefined, { out: y }), { reps: 21, samples: 7, lead: 6 });
    const gbs = (outF * inF * 2) / (ms * 1e-3) / 1e9;
    rows.push({
      name: `bf16 linear batch 1, ${inF}→${outF} (GEMV)`,
      value: gbs,
      unit: 'GB/s',
      ratio: gbs / ceil.hbmGBps,
      ceiling: `${ceil.hbmGBps.toFixed(0)} GB/s HBM copy (this run)`,
      note: `${(ms * 1e3).toFixed(1)} µs, weight bytes only`,
    });
    for (const t of [x, ...ws, y]) t.dispose();
  }
  synchronize();
  return rows;
}
