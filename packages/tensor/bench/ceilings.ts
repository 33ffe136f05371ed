// Ceilings measured in the same run as the benchmark cases, so the ratios are honest on any GPU:
//   HBM:  device-to-device copy of a 2 GiB buffer (cudaMemcpyAsync through copyStrided), bytes read
//         plus bytes written per second;
//   PCIe: pinned host → device copy of 256 MiB (the copy engine's DMA);
//   GEMM: bf16 8192³ through cuBLAS (the tensor core's matmul), reported as a same-run peer next to
//         the nominal dense bf16 rate of the H100/H200 tensor cores (800 TFLOP/s, a label, not a
//         measurement).
import { copyStrided, matmul, randomNormal, Tensor } from '../src/index.ts';
import { medianMs } from './timing.ts';

/** Nominal dense bf16 tensor-core rate shared by H100 SXM and H200 (datasheet ~989 with boost; ~800 sustained by cuBLAS). */
export const NOMINAL_BF16_TFLOPS = 800;

export interface Ceilings {
  /** Device-to-device copy, (read + write) GB/s. */
  hbmGBps: number;
  /** Pinned host → device copy, GB/s. */
  pcieGBps: number;
  /** cuBLAS bf16 8192³, TFLOP/s (same run). */
  gemmTflops: number;
}

export function measureCeilings(): Ceilings {
  // HBM: 2 GiB → 2 GiB, far past the L2; a few back-to-back copies per sample.
  const n = 2 ** 30; // bf16 elements = 2 GiB
  const src = Tensor.empty([n], { dtype: 'bf16', device: 'cuda' });
  const dst = Tensor.empty([n], { dtype: 'bf16', device: 'cuda' });
  randomNormal(src, 1);
  const dMs = medianMs(() => copyStrided(dst, src), { reps: 5, samples: 5 });
  const hbmGBps = (2 * 2 * n) / (dMs * 1e-3) / 1e9;
  src.dispose();
  dst.dispose();

  // PCIe: 256 MiB pinned → device.
  const m = 2 ** 27;
  const dev = randomNormal(Tensor.empty([m], { dtype: 'bf16', device: 'cuda' }), 2);
  const pinned = dev.to('cpu', { pinned: true });
  const hMs = medianMs(() => copyStrided(dev, pinned), { reps: 3, samples: 5 });
  const pcieGBps = (2 * m) / (hMs * 1e-3) / 1e9;
  dev.dispose();
  pinned.dispose();

  // GEMM peer: 8192³ bf16 on random data (zeros run faster than real data).
  const s = 8192;
  const a = randomNormal(Tensor.empty([s, s], { dtype: 'bf16', device: 'cuda' }), 3);
  const b = randomNormal(Tensor.empty([s, s], { dtype: 'bf16', device: 'cuda' }), 4, { std: 0.02 });
  const c = Tensor.empty([s, s], { dtype: 'bf16', device: 'cuda' });
  const gMs = medianMs(() => matmul(a, b, { transB: true, out: c }), { reps: 10, samples: 5 });
  const gemmTflops = (2 * s ** 3) / (gMs * 1e-3) / 1e12;
  for (const t of [a, b, c]) t.dispose();
  return { hbmGBps, pcieGBps, gemmTflops };
}
