// The tensor-backed prefill factorization equals the float64 reference (same starting factors),
// on every available backend, for several heads at once with the global stop rule.
import { describe, expect, it } from 'vitest';
import { backendInfo, randomNormal, Tensor, type Device } from '@lrqk/tensor';
import { factorizeOnDevice } from '../src/device/index.ts';
import { innerProducts } from '../src/device/inner-products.ts';
import { factorizeHeads, frobeniusSq, initFactors, matFrom, matmul, matmulTN, prefillObjective, prefillResidual, randnMat, Rng, sub, type Mat } from '../src/index.ts';
import { lowRankPlusNoise, truncatedSvdError } from './helpers.ts';

const gpu = backendInfo().available;
const devices: { device: Device; skip: boolean; label: string }[] = [
  { device: 'cpu', skip: false, label: 'cpu' },
  { device: 'cuda', skip: !gpu, label: gpu ? 'cuda' : `cuda (skipped: no CUDA device: ${backendInfo().tried.join('; ')})` },
];

/** Low-rank-plus-noise (n, d) data (rank 12, decaying spectrum) for `heads` heads, as f32 values. */
function lowRankData(heads: number, n: number, d: number, seed: number): Float32Array {
  const f = randomNormal(Tensor.empty([heads, n, 12], { device: 'cpu' }), seed).toFloat32Array();
  const g = randomNormal(Tensor.empty([heads, 12, d], { device: 'cpu' }), seed + 1).toFloat32Array();
  const e = randomNormal(Tensor.empty([heads, n, d], { device: 'cpu' }), seed + 2, { std: 0.05 }).toFloat32Array();
  const out = new Float32Array(heads * n * d);
  for (let h = 0; h < heads; h++)
    for (let i = 0; i < n; i++)
      for (let j = 0; j < d; j++) {
        let s = e[(h * n + i) * d + j]!;
        for (let t = 0; t < 12; t++) s += 0.7 ** t * f[(h * n + i) * 12 + t]! * g[(h * 12 + t) * d + j]!;
        out[(h * n + i) * d + j] = s;
      }
  return out;
}

function headMat(data: Float32Array, h: number, rows: number, cols: number): Mat {
  return matFrom(rows, cols, data.subarray(h * rows * cols, (h + 1) * rows * cols));
}

describe.each(devices)('factorizeOnDevice on $label', ({ device, skip }) => {
  // chunkRows 16 and 50 split the sequence-long reductions (257 = 16·16 + 1 leaves a remainder).
  for (const [heads, n, d, r, iters, chunkRows] of [[1, 40, 8, 3, 2, 0], [3, 257, 64, 8, 2, 16], [2, 129, 32, 4, 1, 4096], [2, 200, 32, 6, 6, 50]] as const) {
    it.skipIf(skip)(`heads=${heads} n=${n} d=${d} r=${r} iterations=${iters} chunkRows=${chunkRows}: equals the float64 reference`, () => {
      const seed = (Math.random() * 1e6) | 0;
      const q = lowRankData(heads, n, d, seed);
      const k = lowRankData(heads, n, d, seed + 10);
      const aQ0 = randomNormal(Tensor.empty([heads, n, r], { device: 'cpu' }), seed + 20).toFloat32Array();
      const aK0 = randomNormal(Tensor.empty([heads, n, r], { device: 'cpu' }), seed + 21).toFloat32Array();
      const dev = (x: Float32Array, shape: number[]) => Tensor.from(x, shape, { device });
      const got = factorizeOnDevice(dev(q, [heads, n, d]), dev(k, [heads, n, d]), {
        rank: r,
        maxIter: iters,
        tol: 0,
        initial: { aQ: dev(aQ0, [heads, n, r]), aK: dev(aK0, [heads, n, r]) },
        chunkRows,
      });
      const ref = factorizeHeads(
        Array.from({ length: heads }, (_, h) => ({
          q: headMat(q, h, n, d),
          k: headMat(k, h, n, d),
          initial: { aQ: headMat(aQ0, h, n, r), aK: headMat(aK0, h, n, r) },
        })),
        { rank: r, maxIter: iters, tol: 0 },
      );
      expect(got.iterations).toBe(ref[0]!.iterations);
      const compare = (t: Tensor, pick: (f: (typeof ref)[number]) => Mat, what: string) => {
        const v = t.toFloat64Array();
        const rows = t.size(1);
        const cols = t.size(2);
        let worst = 0;
        let scale = 1e-12;
        for (let h = 0; h < heads; h++) {
          const m = pick(ref[h]!);
          for (let i = 0; i < rows * cols; i++) {
            worst = Math.max(worst, Math.abs(v[h * rows * cols + i]! - m.data[i]!));
            scale = Math.max(scale, Math.abs(m.data[i]!));
          }
        }
        // f32 normal equations square the conditioning: ~1e-2 element drift after two sweeps is expected.
        expect(worst / scale, `${what} seed ${seed}`).toBeLessThan(3e-2);
      };
      if (iters <= 2) {
        // The paper's setting: factors agree element-wise.
        compare(got.aQ, (f) => f.aQ, 'A_Q');
        compare(got.aK, (f) => f.aK, 'A_K');
        compare(got.bQ, (f) => f.bQ, 'B_Q');
        compare(got.bK, (f) => f.bK, 'B_K');
      }
      // After many iterations f32 and f64 drift apart within the near-flat directions of F, but
      // the objective they reach is the same.
      for (let h = 0; h < heads; h++) {
        const slice = (t: Tensor) => {
          const rows = t.size(1);
          const cols = t.size(2);
          return matFrom(rows, cols, t.toFloat64Array().subarray(h * rows * cols, (h + 1) * rows * cols));
        };
        const fDev = prefillObjective(headMat(q, h, n, d), headMat(k, h, n, d), { aQ: slice(got.aQ), bQ: slice(got.bQ), aK: slice(got.aK), bK: slice(got.bK) });
        const fRef = prefillObjective(headMat(q, h, n, d), headMat(k, h, n, d), ref[h]!);
        expect(Math.abs(fDev - fRef) / fRef, `objective head ${h} seed ${seed}`).toBeLessThan(5e-3);
      }
      // The first sweep's δ is reproduced (later ones are small differences of drifting factors).
      expect(Math.abs(got.deltas[0]! - ref[0]!.deltas[0]!) / ref[0]!.deltas[0]!).toBeLessThan(5e-2);
    });
  }
});

describe.each(devices)('factorizeOnDevice init on $label', ({ device, skip }) => {
  for (const init of ['top', 'topcol'] as const) {
    it.skipIf(skip)(`${init}: the starting A_Q, A_K are the reference's columns (exactly)`, () => {
      const seed = (Math.random() * 1e6) | 0;
      const [heads, n, d, r] = [3, 50, 16, 5];
      const q = lowRankData(heads, n, d, seed);
      const k = lowRankData(heads, n, d, seed + 10);
      const got = factorizeOnDevice(Tensor.from(q, [heads, n, d], { device }), Tensor.from(k, [heads, n, d], { device }), { rank: r, maxIter: 0, init });
      expect(got.iterations).toBe(0);
      const aQ = got.aQ.toFloat64Array();
      const aK = got.aK.toFloat64Array();
      for (let h = 0; h < heads; h++) {
        const ref = initFactors(headMat(q, h, n, d), headMat(k, h, n, d), r, init, 0);
        expect(Array.from(aQ.subarray(h * n * r, (h + 1) * n * r)), `A_Q head ${h} seed ${seed}`).toEqual(Array.from(ref.aQ.data));
        expect(Array.from(aK.subarray(h * n * r, (h + 1) * n * r)), `A_K head ${h} seed ${seed}`).toEqual(Array.from(ref.aK.data));
      }
    });
  }

  it.skipIf(skip)('an unknown init or a rank above d is a RangeError', () => {
    const x = Tensor.zeros([1, 8, 4], { device });
    expect(() => factorizeOnDevice(x, x, { rank: 2, init: 'svd' as never })).toThrow(/unknown init/);
    expect(() => factorizeOnDevice(x, x, { rank: 5, init: 'top' })).toThrow(/rank ≤ d/);
  });
});

describe.each(devices)('prefill oracles H.8–H.10 on the device path ($label)', ({ device, skip }) => {
  const rng = new Rng(4242);
  const [n, d, r] = [96, 12, 3];
  const q = lowRankPlusNoise(rng, n, d, 5, 0.3);
  const k = lowRankPlusNoise(rng, n, d, 5, 0.3);
  const a0 = { aQ: randnMat(n, r, rng), aK: randnMat(n, r, rng) };
  const dev = (m: Mat) => Tensor.from(m.data, [1, m.rows, m.cols], { device });
  const run = (maxIter: number) => factorizeOnDevice(dev(q), dev(k), { rank: r, maxIter, tol: 0, initial: { aQ: dev(a0.aQ), aK: dev(a0.aK) } });
  const mat = (t: Tensor) => matFrom(t.size(1), t.size(2), t.toFloat64Array());

  it.skipIf(skip)('H.8: F is non-increasing over iterations (λ = 1, Gauss-Seidel)', () => {
    const values = [1, 2, 3, 5, 8].map((it) => {
      const f = run(it);
      return prefillObjective(q, k, { aQ: mat(f.aQ), bQ: mat(f.bQ), aK: mat(f.aK), bK: mat(f.bK) });
    });
    for (let i = 1; i < values.length; i++) expect(values[i]!, `after ${[1, 2, 3, 5, 8][i]} iterations: ${values}`).toBeLessThanOrEqual(values[i - 1]! * (1 + 1e-5));
  });

  it.skipIf(skip)('H.9: the returned B are the least-squares codes: A_Qᵀ(Q − A_Q B_Q) ≈ 0, likewise for K', () => {
    const f = run(3);
    for (const [a, b, x] of [[mat(f.aQ), mat(f.bQ), q], [mat(f.aK), mat(f.bK), k]] as const) {
      const grad = matmulTN(a, sub(x, matmul(a, b)));
      const scale = Math.sqrt(frobeniusSq(matmulTN(a, x)));
      expect(Math.sqrt(frobeniusSq(grad)) / scale).toBeLessThan(1e-4);
    }
  });

  it.skipIf(skip)('H.10: ½‖QKᵀ − A_QA_Kᵀ‖² stays above the rank-r SVD error and approaches it', () => {
    const svd = truncatedSvdError(q, k, r).error;
    const ratios = [1, 40].map((it) => {
      const f = run(it);
      return prefillResidual(q, k, mat(f.aQ), mat(f.aK)) / svd;
    });
    for (const x of ratios) expect(x).toBeGreaterThanOrEqual(1 - 1e-4);
    expect(ratios[1]!).toBeLessThanOrEqual(ratios[0]!);
    expect(ratios[1]!).toBeLessThan(1.1);
  });
});

describe.each(devices)('innerProducts on $label', ({ device, skip }) => {
  // 301 has no divisor near 16 (a launch per head plus the remainder rows); 64 and 1000 (chunks of
  // 250) run as one batch of every head's chunks, unless perHead.
  const cases = [[1, 7, 3, 5, 0], [3, 301, 8, 33, 16], [2, 64, 32, 32, 32], [5, 1000, 4, 17, 333]] as const;
  for (const [[heads, n, ra, rb, chunkRows], perHead] of cases.flatMap((c) => [[c, false], [c, true]] as const)) {
    it.skipIf(skip)(`(${heads}, ${n}, ${ra})ᵀ(${heads}, ${n}, ${rb}) in chunks of ${chunkRows} rows${perHead ? ', a launch per head' : ''} equals float64`, () => {
      const seed = (Math.random() * 1e6) | 0;
      const a = randomNormal(Tensor.empty([heads, n, ra], { device }), seed);
      const b = randomNormal(Tensor.empty([heads, n, rb], { device }), seed + 1);
      const av = a.toFloat64Array();
      const bv = b.toFloat64Array();
      const got = innerProducts(a, b, chunkRows, { perHead }).toFloat64Array();
      expect(got.length).toBe(heads * ra * rb);
      for (let h = 0; h < heads; h++)
        for (let i = 0; i < ra; i++)
          for (let j = 0; j < rb; j++) {
            let s = 0;
            let m = 0;
            for (let t = 0; t < n; t++) {
              const p = av[(h * n + t) * ra + i]! * bv[(h * n + t) * rb + j]!;
              s += p;
              m += Math.abs(p);
            }
            expect(Math.abs(got[(h * ra + i) * rb + j]! - s)).toBeLessThanOrEqual(1e-5 * m + 1e-6);
          }
      a.dispose();
      b.dispose();
    });
  }
});
