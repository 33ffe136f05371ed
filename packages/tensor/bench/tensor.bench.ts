// `pnpm bench:tensor`: measures this GPU's ceilings first (HBM copy, pinned H→D copy, cuBLAS bf16
// 8192³; see ceilings.ts), then runs every benchmark case module present (matmul, attention,
// select) on CUDA, prints one table of ratios to those same-run ceilings, and writes JSON +
// Markdown (to $LRQK_BENCH_OUT or $OUT when set, else bench/results/). Needs a GPU; says so and
// exits 0 otherwise. LRQK_BENCH_ONLY=attention,select runs only the named groups;
// LRQK_BENCH_SKIP_CEILINGS=1 skips the ceiling measurements (ratios then print as NaN; for quick
// tuning runs only).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { backendInfo, cudaAvailable } from '../src/index.ts';
import { type Ceilings, measureCeilings, NOMINAL_BF16_TFLOPS } from './ceilings.ts';
import type { Row } from './types.ts';

const caseModules: [string, string, string][] = [
  ['matmul', './matmul-cases.ts', 'benchMatmul'],
  ['attention', './attention-cases.ts', 'benchAttention'],
  ['select', './select-cases.ts', 'benchSelect'],
  ['lowrank', './lowrank-cases.ts', 'benchLowrank'],
];

function ceilingRows(c: Ceilings): Row[] {
  return [
    { name: 'HBM device→device copy, 2 GiB', value: c.hbmGBps, unit: 'GB/s', note: 'bytes read + written; denominator of the GB/s rows' },
    { name: 'pinned host→device copy, 256 MiB', value: c.pcieGBps, unit: 'GB/s', note: 'denominator of the gather rows' },
    { name: 'bf16 GEMM 8192³ (cuBLAS)', value: c.gemmTflops, unit: 'TFLOP/s', ratio: c.gemmTflops / NOMINAL_BF16_TFLOPS, ceiling: `${NOMINAL_BF16_TFLOPS} TFLOP/s nominal bf16 dense`, note: 'same-run peer of the TFLOP/s rows' },
  ];
}

async function main(): Promise<void> {
  const info = backendInfo();
  if (!cudaAvailable()) {
    console.log(`bench:tensor needs a CUDA device; none here (${info.tried.join('; ')})`);
    return;
  }
  const only = process.env.LRQK_BENCH_ONLY?.split(',').filter(Boolean);
  const skipCeilings = process.env.LRQK_BENCH_SKIP_CEILINGS === '1';
  const ceil = skipCeilings ? { hbmGBps: NaN, pcieGBps: NaN, gemmTflops: NaN } : measureCeilings();
  const rows: (Row & { group: string })[] = skipCeilings ? [] : ceilingRows(ceil).map((r) => ({ ...r, group: 'ceiling' }));
  for (const [group, path, fn] of caseModules) {
    if (only && !only.includes(group)) continue;
    let mod: Record<string, unknown>;
    try {
      mod = (await import(path)) as Record<string, unknown>;
    } catch (e) {
      console.log(`skip ${group}: ${(e as Error).message.split('\n')[0]}`);
      continue;
    }
    const run = mod[fn] as ((c: Ceilings) => Promise<Row[]>) | undefined;
    if (!run) continue;
    try {
      for (const r of await run(ceil)) rows.push({ ...r, group });
    } catch (e) {
      console.log(`${group} failed: ${(e as Error).stack ?? String(e)}`);
    }
  }
  const device = `${info.name} (sm_${info.computeCapability.replace('.', '')}, ${info.smCount} SMs, driver ${info.driverVersion})`;
  const date = new Date().toISOString();
  const lines = [
    `| group | case | value | unit | ratio to ceiling | ceiling | note |`,
    `|---|---|---|---|---|---|---|`,
    ...rows.map(
      (r) =>
        `| ${r.group} | ${r.name} | ${r.value.toPrecision(4)} | ${r.unit} | ${r.ratio === undefined ? '' : `${(r.ratio * 100).toFixed(1)}%`} | ${r.ceiling ?? ''} | ${r.note ?? ''} |`,
    ),
  ];
  console.log(`\n${device}, ${date}\n`);
  console.log(lines.join('\n'));
  const dir = process.env.LRQK_BENCH_OUT ?? process.env.OUT ?? join(import.meta.dirname, 'results');
  const tag = process.env.LRQK_BENCH_TAG ? `-${process.env.LRQK_BENCH_TAG}` : '';
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `tensor-bench${tag}.json`), JSON.stringify({ date, device, ceilings: ceil, rows }, null, 2));
  writeFileSync(join(dir, `tensor-bench${tag}.md`), `Device: ${device}\n\nDate: ${date}\n\n${lines.join('\n')}\n`);
}

await main();
