// The LRQK decode step's own kernels at the 128K-context shapes of Llama-3.1-8B (r = 32, 2112
// resident rows, shared layout: 8 factor heads × 4 queries; per query head: 32 × 1), device time
// with a full queue: proxy scores against the HBM copy rate (they read A_K once), the factor update
// with its parts varied so that the rows pass and the solves can be told apart.
import { copyStrided, fill, lowRankDecodeUpdate, lowRankScores, randomNormal, Tensor } from '../src/index.ts';
import type { Ceilings } from './ceilings.ts';
import { medianMs } from './timing.ts';
import type { Row } from './types.ts';

const [R, D, CAP, KACT, LITE] = [32, 128, 131072, 2048, 64];

function deviceMs(fn: () => void): number {
  const big = [0, 1].map(() => Tensor.empty([2 ** 29], { dtype: 'bf16', device: 'cuda' }));
  try {
    return medianMs(fn, { reps: 20, samples: 7, prime: () => copyStrided(big[1]!, big[0]!) });
  } finally {
    for (const t of big) t.dispose();
  }
}

function scoresRow(hf: number, gq: number, ceil: Ceilings): Row {
  const aK = randomNormal(Tensor.empty([hf, CAP, R], { dtype: 'bf16', device: 'cuda' }), 1);
  const q = randomNormal(Tensor.empty([hf, gq, R], { device: 'cuda' }), 2);
  const out = Tensor.empty([hf, CAP], { device: 'cuda' });
  const ms = deviceMs(() => lowRankScores(aK, q, { out }));
  const gbps = (aK.byteLength + out.byteLength) / (ms / 1000) / 1e9;
  for (const t of [aK, q, out]) t.dispose();
  return { name: `proxy scores Hf=${hf} Gq=${gq} r=${R} over 128K rows (bf16 A_K)`, value: gbps, unit: 'GB/s', ratio: gbps / ceil.hbmGBps, ceiling: `${ceil.hbmGBps.toFixed(0)} GB/s HBM copy (this run)`, note: `${(ms * 1000).toFixed(1)} µs` };
}

function updateRow(hf: number, gq: number, resident: number, maxIter: number): Row {
  const kact = Math.min(KACT, resident - LITE);
  const group = gq === 1 ? 4 : gq;
  const q = randomNormal(Tensor.empty([hf * gq, D], { dtype: 'bf16', device: 'cuda' }), 3);
  const k = randomNormal(Tensor.empty([(hf * gq) / group, D], { dtype: 'bf16', device: 'cuda' }), 4);
  const bQ = randomNormal(Tensor.empty([hf, R, D], { device: 'cuda' }), 5, { std: 0.1 });
  const bK = randomNormal(Tensor.empty([hf, R, D], { device: 'cuda' }), 6, { std: 0.1 });
  const kOmega = randomNormal(Tensor.empty([hf, kact + LITE, D], { dtype: 'bf16', device: 'cuda' }), 7);
  const aK = randomNormal(Tensor.empty([hf, CAP, R], { dtype: 'bf16', device: 'cuda' }), 8);
  const slotMap = Tensor.from(Array.from({ length: hf * kact }, (_, i) => (i % kact) * 61), [hf, kact], { dtype: 'i32', device: 'cuda' });
  const litePos = Tensor.from(Array.from({ length: LITE }, (_, j) => CAP - 1 - LITE + j), [LITE], { dtype: 'i32', device: 'cuda' });
  const qHat = Tensor.empty([hf * gq, R], { device: 'cuda' });
  const kHat = Tensor.empty([hf, R], { device: 'cuda' });
  const status = fill(Tensor.empty([hf], { dtype: 'i32', device: 'cuda' }), 0);
  const ms = deviceMs(() =>
    lowRankDecodeUpdate({ q, k, bQ, bK, kOmega, aK, slotMap, litePos, position: CAP - 1, groupSize: group, queriesPerHead: gq, maxIter, tol: 0, qHat, kHat, status, check: false }),
  );
  for (const t of [q, k, bQ, bK, kOmega, aK, slotMap, litePos, qHat, kHat, status]) t.dispose();
  return { name: `factor update Hf=${hf} Gq=${gq} r=${R} S=${kact + LITE} iterations=${maxIter}`, value: ms * 1000, unit: 'µs' };
}

export async function benchLowrank(ceil: Ceilings): Promise<Row[]> {
  return [
    scoresRow(8, 4, ceil),
    scoresRow(32, 1, ceil),
    updateRow(8, 4, KACT + LITE, 2),
    updateRow(8, 4, KACT + LITE, 1),
    updateRow(8, 4, 2 * LITE, 2),
    updateRow(32, 1, KACT + LITE, 2),
  ];
}
