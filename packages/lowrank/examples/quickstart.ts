// Quickstart for @lrqk/lowrank (run: node --conditions=source examples/quickstart.ts).
import { factorize, LrqkLayerReference, prefillResidual, proxyScores, randnMat, Rng, row, selectTopK } from '@lrqk/lowrank';

const rng = new Rng(1);
const n = 64;
const d = 16;
const r = 4;

// 1. Prefill factorization of one head: Q ≈ A_Q·B_Q, K ≈ A_K·B_K, QKᵀ ≈ A_Q·A_Kᵀ (spec B.3).
const q = randnMat(n, d, rng);
const k = randnMat(n, d, rng);
const f = factorize(q, k, { rank: r, maxIter: 10, tol: 1e-6, seed: 0 });
console.log(`factorize: ${f.iterations} iterations, converged=${f.converged}, ½‖QKᵀ−A_QA_Kᵀ‖² = ${prefillResidual(q, k, f.aQ, f.aK).toFixed(1)}`);

// 2. Proxy scores of the last query over positions [0, n−L) and the top-10 (ascending positions).
const lite = 8;
const top = selectTopK(proxyScores(f.aK, row(f.aQ, n - 1), n - lite), 10);
console.log('top-10 positions:', top.join(' '));

// 3. A whole layer: 4 query heads sharing 2 KV heads (GQA), top-k 16, lite window 4.
const layer = new LrqkLayerReference({ heads: 4, kvHeads: 2, headDim: d, rank: r, topK: 16, lite: 4 });
const tokens = (m: number) => ({
  q: [0, 1, 2, 3].map(() => randnMat(m, d, rng)),
  k: [0, 1].map(() => randnMat(m, d, rng)),
  v: [0, 1].map(() => randnMat(m, d, rng)),
});
layer.step(tokens(40)); // prompt: dense attention output, then LRQK prefill
for (let t = 0; t < 8; t++) {
  const res = layer.step(tokens(1)); // one decode step (C.5)
  const sel = res.decode?.heads[0];
  console.log(`p=${res.firstPosition} ${res.kind} head0 selected=[${sel?.selected.join(',')}] misses=${sel?.missPositions.length}`);
}
console.log('stats:', layer.stats);
