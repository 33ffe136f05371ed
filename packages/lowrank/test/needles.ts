// Planted needles: n post-RoPE-like queries and keys drawn from a shared low-rank model (rank 24,
// decaying spectrum, small isotropic noise: the structure LRQK relies on), with a few keys
// replaced by the last query's direction at `strength`× the median key norm — keys that real
// attention must find. Built with @lrqk/tensor ops on the given device; values are reproducible per seed.
import { addScaled, copyStrided, matmul, randomNormal, Tensor, type Device } from '@lrqk/tensor';

export interface Needles {
  /** (G·n, d) f32 queries (G query heads of one KV group stacked) and (n, d) keys on the device. */
  q: Tensor;
  k: Tensor;
  /** Positions of the planted keys, ascending, all below n − guard. */
  positions: number[];
  dispose(): void;
}

const LATENT = 24;

/**
 * Queries and keys with `count` needles spread over [0, n − guard), aligned with the last query of
 * the first of `group` query heads (the others share the keys but not the needles' direction).
 */
export function plantNeedles(n: number, d: number, count: number, guard: number, seed: number, device: Device, group = 1, strength = 1.5): Needles {
  const made: Tensor[] = [];
  const t = (shape: number[]) => {
    const x = Tensor.empty(shape, { device });
    made.push(x);
    return x;
  };
  const basis = randomNormal(t([LATENT, d]), seed);
  // Decaying spectrum: latent direction i has scale 0.92^i.
  const scales = Tensor.from(Array.from({ length: LATENT }, (_, i) => 0.92 ** i), [LATENT, 1], { device });
  made.push(scales);
  const scaled = t([LATENT, d]);
  copyStrided(scaled, basis);
  const sv = scales.toFloat64Array();
  for (let i = 0; i < LATENT; i++) {
    const row = scaled.slice(0, i, i + 1);
    addScaled(row, row, sv[i]! - 1, { out: row });
  }
  const make = (s: number, rows: number): Tensor => {
    const z = randomNormal(t([rows, LATENT]), s);
    const x = matmul(z, scaled); // (rows, d)
    const noise = randomNormal(t([rows, d]), s + 1, { std: 0.1 });
    addScaled(x, noise, 1, { out: x });
    return x;
  };
  const q = make(seed + 10, group * n);
  const k = make(seed + 20, n);
  for (const x of made) x.dispose();
  const qLast = q.slice(0, n - 1, n).toFloat64Array();
  const qNorm = Math.sqrt(qLast.reduce((a, v) => a + v * v, 0));
  const kv = k.toFloat32Array();
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < d; c++) s += kv[i * d + c]! ** 2;
    norms[i] = Math.sqrt(s);
  }
  const median = Float64Array.from(norms).sort()[n >> 1]!;
  const positions = Array.from({ length: count }, (_, i) => Math.floor(((i + 0.37) * (n - guard)) / count));
  const needle = Tensor.from(Array.from(qLast, (v) => (v / qNorm) * strength * median), [1, d], { device });
  for (const p of positions) copyStrided(k.slice(0, p, p + 1), needle);
  needle.dispose();
  return { q, k, positions, dispose: () => (q.dispose(), k.dispose()) };
}

/**
 * Positions of the `topK` largest exact scores over [0, end) (ascending), in float64: the logits of
 * the last query of each of the `group` stacked query heads, combined by max or sum.
 */
export function exactTopK(q: Tensor, k: Tensor, end: number, topK: number, group = 1, combine: 'max' | 'sum' = 'max'): number[] {
  const n = k.size(0);
  const d = q.size(1);
  const qv = q.toFloat32Array();
  const kv = k.slice(0, 0, end).toFloat32Array();
  const score = new Float64Array(end).fill(combine === 'max' ? -Infinity : 0);
  for (let g = 0; g < group; g++) {
    const row = (g * n + n - 1) * d;
    for (let i = 0; i < end; i++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += qv[row + c]! * kv[i * d + c]!;
      score[i] = combine === 'max' ? Math.max(score[i]!, s) : score[i]! + s;
    }
  }
  const order = Array.from({ length: end }, (_, i) => i).sort((a, b) => score[b]! - score[a]! || a - b);
  return order.slice(0, topK).sort((a, b) => a - b);
}
