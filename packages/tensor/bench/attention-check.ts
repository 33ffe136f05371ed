// Device check of the CUDA attention kernels at benchmark-like sizes the unit tests do not reach
// (128K-row decode, query-head groups larger than one mma tile, several prefill query blocks),
// against the CPU backend (an independent implementation) on the same bf16 inputs:
// relative L2 error ‖cuda − cpu‖ / ‖cpu‖, bf16 tolerance 2e-2, NaN fails.
//   node --conditions=source packages/tensor/bench/attention-check.ts     (exit 1 on a failure)
import { attentionDecode, attentionPrefill, cudaAvailable, fill, randomNormal, Tensor } from '../src/index.ts';

const TOL = 2e-2;

function relErr(got: Float64Array, want: Float64Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < want.length; i++) {
    const d = got[i]! - want[i]!;
    num += d * d;
    den += want[i]! * want[i]!;
  }
  return Math.sqrt(num / den); // NaN propagates
}

function randn(shape: number[], seed: number): Tensor {
  return randomNormal(Tensor.empty(shape, { dtype: 'bf16', device: 'cuda' }), seed);
}

function check(name: string, run: (dev: 'cuda' | 'cpu', q: Tensor, k: Tensor, v: Tensor) => Tensor, shapes: number[][], seed: number): boolean {
  const [qd, kd, vd] = shapes.map((s, i) => randn(s, seed + i)) as [Tensor, Tensor, Tensor];
  const [qc, kc, vc] = [qd, kd, vd].map((t) => t.to('cpu')) as [Tensor, Tensor, Tensor];
  const outD = run('cuda', qd, kd, vd);
  const got = outD.toFloat64Array();
  const want = run('cpu', qc, kc, vc).toFloat64Array();
  const err = relErr(got, want);
  const ok = err <= TOL;
  console.log(`${ok ? 'PASS' : 'FAIL'} ${name}: rel err ${err.toExponential(2)} (tol ${TOL})`);
  for (const t of [qd, kd, vd, qc, kc, vc, outD]) t.dispose();
  return ok;
}

/** An output filled with NaN: an element the kernel does not write makes the error NaN. */
function poisoned(shape: number[], device: 'cuda' | 'cpu'): Tensor {
  return fill(Tensor.empty(shape, { dtype: 'bf16', device }), NaN);
}

if (!cudaAvailable()) {
  console.log('attention-check needs a CUDA device; none here');
} else {
  let ok = true;
  const decode = (h: number, hk: number, n: number, d: number, seed: number) =>
    check(`decode H=${h} Hk=${hk} rows=${n} D=${d}`, (dev, q, k, v) => attentionDecode(q, k, v, { out: poisoned([h, d], dev) }), [[h, d], [hk, n, d], [hk, n, d]], seed);
  const prefill = (h: number, hkv: number, n: number, d: number, seed: number) =>
    check(`prefill causal H=${h} Hkv=${hkv} N=${n} D=${d}`, (dev, q, k, v) => attentionPrefill(q, k, v, { causal: true, out: poisoned([h, n, d], dev) }), [[h, n, d], [hkv, n, d], [hkv, n, d]], seed);
  ok = decode(32, 8, 131072, 128, 10) && ok;
  ok = decode(32, 32, 2112, 128, 20) && ok;
  ok = decode(40, 1, 5003, 128, 30) && ok; // G = 40: three 16-row head groups
  ok = decode(8, 2, 7001, 256, 40) && ok;
  ok = decode(16, 4, 3001, 64, 50) && ok;
  ok = prefill(8, 2, 1500, 128, 60) && ok;
  ok = prefill(4, 1, 2048, 64, 70) && ok;
  ok = prefill(2, 1, 700, 256, 80) && ok;
  if (!ok) process.exitCode = 1;
}
