// `pnpm bench:lrqk`: decode speed, memory, hit rate, bytes moved and prefill time of full
// attention, the CPU-offload baseline and LRQK in both slot layouts, on a random-weight model of a
// real shape (default: Llama-3.1-8B, bf16, batch 1) built on the device, at several context
// lengths. Prints a table with each decode time's ratio to its bandwidth floor and the issue's
// goals; writes JSON to --out / $LRQK_BENCH_OUT. `--help` lists the options.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { backendInfo, memoryStats } from '@lrqk/tensor';
import { BenchArgsError, parseBenchArgs, type BenchConfig } from './lrqk-args.ts';
import { benchSpec, randomModel, weightBytes } from './lrqk-model.ts';
import { checkGoals, renderGoals, renderMarkdown, renderTable, tokensLabel, withFloors, type BenchRow } from './lrqk-report.ts';
import { runSetup } from './lrqk-run.ts';

export interface BenchOutput {
  config: BenchConfig;
  model: { name: string; builtLayers: number; fullLayers: number; weightBytes: number; fullWeightBytes: number };
  device: string;
  rows: ReturnType<typeof withFloors>;
  goals: ReturnType<typeof checkGoals>;
  errors: { context: number; method: string; error: string }[];
}

/** Runs every setup of `cfg`; `log` receives progress and the report. */
export async function runBench(cfg: BenchConfig, log: (line: string) => void = console.log, argvText = ''): Promise<BenchOutput> {
  const info = backendInfo();
  if (cfg.device === 'cuda' && !info.available) throw new BenchArgsError(`--device cuda: no CUDA device (${info.tried.join('; ')}); pass --device cpu to run on the CPU`);
  const { spec, fullLayers } = benchSpec(cfg.model, cfg.layers);
  const fullSpec = { ...spec, layers: fullLayers };
  const wBytes = weightBytes(spec, cfg.dtype);
  const embedBytes = spec.vocabSize * spec.hiddenSize * (cfg.dtype === 'f32' ? 4 : 2);
  const device = cfg.device === 'cuda' ? `${info.name ?? 'CUDA'}` : 'cpu';
  const setup = [
    `${cfg.model}, random weights built on the device: ${spec.layers} of ${fullLayers} layers${spec.layers < fullLayers ? ' (per-token times and bytes are for this depth; the memory goal scales the backend to full depth)' : ''}, ${cfg.dtype}, batch 1`,
    `weights ${(wBytes / 2 ** 30).toFixed(2)} GiB built (${(weightBytes(fullSpec, cfg.dtype) / 2 ** 30).toFixed(2)} GiB at full depth); LRQK r=${cfg.rank}, top-k=${cfg.topK}, lite=${cfg.lite}, 2 iterations, tol 1e-2`,
    `decode: ${cfg.warmupSteps} warm-up + ${cfg.decodeSteps} timed steps after a random prompt, fed ${cfg.decodeInput === 'repeat' ? "the prompt's last token id every step (repeat: consecutive queries alike, a high hit rate)" : 'random token ids (consecutive queries unrelated: few hits)'} (full and offload prefill in 4096-token chunks, LRQK whole); floors: HBM ${cfg.hbmGBps} GB/s, PCIe ${cfg.pcieGBps} GB/s`,
  ];
  log(`bench:lrqk on ${device}`);
  for (const line of setup) log(`  ${line}`);
  const t0 = performance.now();
  const model = randomModel(spec, cfg.dtype, cfg.device, cfg.seed);
  const rows: BenchRow[] = [];
  const errors: BenchOutput['errors'] = [];
  try {
    log(`  model built in ${((performance.now() - t0) / 1e3).toFixed(1)} s; device memory in use ${(memoryStats().allocatedBytes / 2 ** 30).toFixed(2)} GiB`);
    for (const context of cfg.contexts) {
      for (const method of cfg.methods) {
        const t = performance.now();
        try {
          const row = await runSetup(model, cfg, context, method);
          rows.push(row);
          log(`  ${tokensLabel(context)} ${method}: prefill ${(row.prefillMs / 1e3).toFixed(2)} s, decode ${row.decodeMsPerToken.toFixed(2)} ms/token, host ${(row.hostMsPerToken ?? NaN).toFixed(2)} ms issuing (${((performance.now() - t) / 1e3).toFixed(1)} s)`);
          if (row.decodePhases) {
            const total = Object.values(row.decodePhases).reduce((a, b) => a + b, 0);
            log(`    device ms/token by phase (LRQK_PROFILE=1, all layers): ${Object.entries(row.decodePhases).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ')}; sum ${total.toFixed(3)}`);
          }
        } catch (e) {
          // One setup failing (e.g. out of memory at the longest context) must not lose the others.
          const msg = (e as Error).message ?? String(e);
          errors.push({ context, method, error: msg });
          log(`  ${tokensLabel(context)} ${method}: FAILED: ${msg.split('\n')[0]}`);
        }
      }
    }
  } finally {
    model.dispose();
  }
  const floored = withFloors(rows, spec, cfg, wBytes - embedBytes);
  const goalContext = cfg.contexts.includes(131072) ? 131072 : Math.max(...cfg.contexts);
  const goals = checkGoals(floored, goalContext, fullLayers, spec.layers);
  log('');
  log(renderTable(floored));
  log('');
  log(`goals at ${tokensLabel(goalContext)}:`);
  log(renderGoals(goals));
  const out: BenchOutput = {
    config: cfg,
    model: { name: cfg.model, builtLayers: spec.layers, fullLayers, weightBytes: wBytes, fullWeightBytes: weightBytes(fullSpec, cfg.dtype) },
    device,
    rows: floored,
    goals,
    errors,
  };
  if (cfg.outDir) {
    mkdirSync(cfg.outDir, { recursive: true });
    const file = join(cfg.outDir, 'lrqk-bench.json');
    writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
    const md = join(cfg.outDir, 'lrqk-bench.md');
    const command = `node --conditions=source packages/models/bench/lrqk.bench.ts ${argvText}`.trim();
    writeFileSync(md, renderMarkdown({ device, date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC', command, setup, rows: floored, goals, errors }));
    log(`wrote ${file} and ${md}`);
  }
  return out;
}

async function main(): Promise<void> {
  let cfg: BenchConfig;
  try {
    cfg = parseBenchArgs(process.argv.slice(2), process.env);
  } catch (e) {
    if (e instanceof BenchArgsError) {
      console.error(e.message);
      process.exitCode = 2;
      return;
    }
    throw e;
  }
  const out = await runBench(cfg, console.log, process.argv.slice(2).join(' '));
  if (out.errors.length > 0) process.exitCode = 1;
}

if (import.meta.main) await main();
