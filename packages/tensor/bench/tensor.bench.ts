// `pnpm bench:tensor`: runs every benchmark case module present (matmul, attention, select) on
// CUDA, prints a table of ratios to the measured H100 ceilings, and writes JSON + Markdown
// (to $OUT when set, else bench/results/). Needs a GPU; says so and exits 0 otherwise.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { backendInfo, cudaAvailable } from '../src/index.ts';
import type { Row } from './types.ts';

const caseModules: [string, string, string][] = [
  ['matmul', './matmul-cases.ts', 'benchMatmul'],
  ['attention', './attention-cases.ts', 'benchAttention'],
  ['select', './select-cases.ts', 'benchSelect'],
];

async function main(): Promise<void> {
  const info = backendInfo();
  if (!cudaAvailable()) {
    console.log(`bench:tensor needs a CUDA device; none here (${info.tried.join('; ')})`);
    return;
  }
  const rows: (Row & { group: string })[] = [];
  for (const [group, path, fn] of caseModules) {
    let mod: Record<string, unknown>;
    try {
      mod = (await import(path)) as Record<string, unknown>;
    } catch (e) {
      console.log(`skip ${group}: ${(e as Error).message.split('\n')[0]}`);
      continue;
    }
    const run = mod[fn] as (() => Promise<Row[]>) | undefined;
    if (!run) continue;
    try {
      for (const r of await run()) rows.push({ ...r, group });
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
  const dir = process.env.OUT ?? join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'tensor-bench.json'), JSON.stringify({ date, device, rows }, null, 2));
  writeFileSync(join(dir, 'tensor-bench.md'), `Device: ${device}\n\nDate: ${date}\n\n${lines.join('\n')}\n`);
}

await main();
