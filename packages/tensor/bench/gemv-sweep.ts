// Tuning sweep of the batch-1 GEMV kernel (matmul_gemv.cuh): every kernel shape of kConfigs on
// the Llama-3-8B decode shapes, each in a child process with LRQK_GEMV_CONFIG=i (the kernel reads
// it once), checked against a float64 reference on odd and real sizes, timed like bench:tensor's
// GEMV rows and printed as GB/s of weight bytes against the HBM copy bandwidth of this run.
//   node --conditions=source packages/tensor/bench/gemv-sweep.ts            (GPU machine)
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { linear, randomNormal, synchronize, Tensor } from '../src/index.ts';
import { measureCeilings } from './ceilings.ts';
import { medianMs } from './timing.ts';

const CONFIGS = ['2 rows × 4 loads', '4 × 4', '2 × 8', '1 × 8', '4 × 8', '1 × 16'];
const SHAPES: [number, number][] = [
  [4096, 14336],
  [14336, 4096],
  [4096, 6144], // fused q/k/v of Llama-3-8B (4096 + 2·1024 rows)
  [4096, 28672], // fused gate/up
];

function randn(shape: number[], seed: number, std = 1): Tensor {
  return randomNormal(Tensor.empty(shape, { dtype: 'bf16', device: 'cuda' }), seed, { std });
}

/** Max relative error of y = x·Wᵀ against float64 on an odd shape (the tail loops run too). */
function check(inF: number, outF: number): number {
  const x = randn([1, inF], 11);
  const w = randn([outF, inF], 12, 0.05);
  const y = linear(x, w);
  const xs = x.toFloat64Array();
  const ws = w.toFloat64Array();
  const ys = y.toFloat64Array();
  let err = 0;
  let scale = 0;
  for (let j = 0; j < outF; j++) {
    let acc = 0;
    for (let i = 0; i < inF; i++) acc += xs[i]! * ws[j * inF + i]!;
    scale = Math.max(scale, Math.abs(acc));
    err = Math.max(err, Math.abs(acc - ys[j]!));
  }
  for (const t of [x, w, y]) t.dispose();
  return err / scale;
}

function child(): void {
  const errors = [check(4096 + 8, 131), check(14336, 257), check(520, 3)];
  const ms: number[] = [];
  for (const [inF, outF] of SHAPES) {
    const x = randn([1, inF], 3);
    const ws = [4, 5, 6].map((seed) => randn([outF, inF], seed, 0.02)); // > L2, used in turn
    const y = Tensor.empty([1, outF], { dtype: 'bf16', device: 'cuda' });
    ms.push(medianMs((i) => linear(x, ws[i % ws.length]!, undefined, { out: y }), { reps: 21, samples: 7, lead: 6 }));
    for (const t of [x, ...ws, y]) t.dispose();
  }
  synchronize();
  process.stdout.write(`${JSON.stringify({ errors, ms })}\n`);
}

function parent(): void {
  const ceil = measureCeilings();
  console.log(`HBM copy this run: ${ceil.hbmGBps.toFixed(0)} GB/s`);
  const header = ['config', 'max rel err', ...SHAPES.map(([i, o]) => `${i}→${o}`)];
  console.log(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
  const self = fileURLToPath(import.meta.url);
  for (let c = 0; c < CONFIGS.length; c++) {
    const r = spawnSync(process.execPath, ['--conditions=source', self, '--child'], {
      env: { ...process.env, LRQK_GEMV_CONFIG: String(c) },
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (r.status !== 0) {
      console.log(`| ${c}: ${CONFIGS[c]} | FAILED: ${(r.stderr || r.stdout).split('\n').slice(-3).join(' ')} |`);
      continue;
    }
    const { errors, ms } = JSON.parse(r.stdout.trim().split('\n').pop()!) as { errors: number[]; ms: number[] };
    const cells = SHAPES.map(([inF, outF], i) => {
      const gbs = (outF * inF * 2) / (ms[i]! * 1e-3) / 1e9;
      return `${gbs.toFixed(0)} GB/s (${((100 * gbs) / ceil.hbmGBps).toFixed(1)}%, ${(ms[i]! * 1e3).toFixed(1)} µs)`;
    });
    console.log(`| ${c}: ${CONFIGS[c]} | ${Math.max(...errors).toExponential(1)} | ${cells.join(' | ')} |`);
  }
}

if (process.argv.includes('--child')) child();
else parent();
