// `lrqk eval`: how much accuracy an attention method keeps at a length, and at what cost.
//   lrqk eval ruler      RULER-style synthetic tasks: method × length × task accuracy
//   lrqk eval ppl        sliding-window perplexity (WikiText-2 test by default)
//   lrqk eval longbench  local LongBench JSONL files, official metric per dataset
//   lrqk eval fidelity   LRQK against exact attention: mass captured, top-k recall, hit rate per layer
//   lrqk eval gen        task instances as JSONL (prompt, answers, metadata) for other tools
//   lrqk eval report     report, plots and table again from a results directory (e.g. one run on
//                        a GPU machine with --no-plots)
// Results go to OUT/results.jsonl as each item finishes (rerun the same command to resume), then
// OUT/report.json, SVG + PNG plots, and a summary table on stdout. The evaluation itself lives in
// @lrqk/eval; this file parses options, shows progress and prints.
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { basename, join, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from '@commander-js/extra-typings';
import type cliProgressModule from 'cli-progress';
import type CliTable from 'cli-table3';
import type { Engine } from '@lrqk/engine';
import {
  fidelityHeader,
  generateInstances,
  loadHotpotQa,
  loadLongBench,
  loadSquad,
  longBenchHeader,
  parseMethods,
  perplexityHeader,
  resolveTasks,
  ResultsLog,
  rulerContextTokens,
  rulerHeader,
  runFidelity,
  runLongBench,
  runPerplexity,
  reportTable,
  runRuler,
  wikitextTestText,
  writeReport,
  type EvalReport,
  type LongBenchItem,
  type MethodSpec,
  type ProgressEvent,
  type QaDatasets,
  type RunHeader,
} from '@lrqk/eval';
import { loadTokenizer } from '@lrqk/tokenizers';
import { CliError } from '../errors.ts';
import { assertModelDir } from '../model-options.ts';
import { createProgress } from '../progress.ts';

/** "4096,32k,128K" → [4096, 32768, 131072] (k = 1024 tokens). */
export function parseLengths(v: string): number[] {
  const list = v.split(',').map((s) => {
    const m = /^\s*(\d+)\s*(k?)\s*$/i.exec(s);
    return m ? Number(m[1]) * (m[2] ? 1024 : 1) : NaN;
  });
  if (list.length === 0 || list.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new InvalidArgumentError('expected positive token counts, e.g. 4096,32768 or 4k,32k,128k');
  }
  return list;
}

function parseCount(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

function parseList(v: string): string[] {
  return v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function loadQaData(opts: { squad?: string; hotpotqa?: string }): QaDatasets {
  const data: QaDatasets = {};
  if (opts.squad !== undefined) data.squad = loadSquad(opts.squad);
  if (opts.hotpotqa !== undefined) data.hotpotqa = loadHotpotQa(opts.hotpotqa);
  return data;
}

function genCommand() {
  return new Command('gen')
    .description('write task instances as JSONL: prompt, answers, answer prefix, completion, metadata (token count included)')
    .addOption(new Option('--tokenizer <dir>', 'directory with tokenizer.json (+ tokenizer_config.json) to measure lengths in').conflicts('model'))
    .addOption(new Option('--model <dir>', 'model directory (only its tokenizer is read)'))
    .addOption(new Option('--tasks <list>', 'tasks or families, comma-separated (all, niah, niah_single, vt, cwe, fwe, qa_squad, …)').argParser(parseList).default(['all'], 'all'))
    .requiredOption('--lengths <list>', 'prompt lengths in tokens, e.g. 512,1024,4k', parseLengths)
    .option('--count <n>', 'instances per task and length', parseCount, 1)
    .option('--seed <n>', 'seed; with task, length and index it determines an instance', parseCount, 0)
    .option('--out <file>', 'output JSONL file (default: stdout)')
    .option('--squad <file>', 'SQuAD-format JSON for qa_squad')
    .option('--hotpotqa <file>', 'HotpotQA JSON/JSONL for qa_hotpotqa')
    .action(async (opts) => {
      const dir = opts.tokenizer ?? opts.model;
      if (dir === undefined) throw new CliError('eval gen: pass --tokenizer DIR or --model DIR (lengths are measured in that tokenizer)');
      const tasks = resolveTasks(opts.tasks);
      const data = loadQaData(opts);
      const tokenizer = await loadTokenizer(dir);
      // Create the file up front so an unwritable path fails here, with its error, not in a stream.
      if (opts.out !== undefined) writeFileSync(opts.out, '');
      const out = opts.out === undefined ? process.stdout : createWriteStream(opts.out);
      const total = tasks.length * opts.lengths.length * opts.count;
      const t0 = performance.now();
      let done = 0;
      let lastReport = t0;
      for (const inst of generateInstances(tokenizer, { tasks, lengths: opts.lengths, count: opts.count, seed: opts.seed, data })) {
        if (!out.write(`${JSON.stringify(inst)}\n`)) await once(out, 'drain');
        done++;
        const now = performance.now();
        if (now - lastReport > 3000) {
          lastReport = now;
          process.stderr.write(`lrqk eval gen: ${done}/${total} instances (${((now - t0) / 1000).toFixed(1)} s)\n`);
        }
      }
      if (out !== process.stdout) {
        out.end();
        await once(out, 'finish');
      }
      process.stderr.write(
        `lrqk eval gen: wrote ${done} instances (${tasks.length} tasks × ${opts.lengths.length} lengths × ${opts.count}) to ${opts.out ?? 'stdout'} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
      );
    });
}

// cli-progress and cli-table3 load on first use: a bare machine (the GPU runner carries only the
// test toolchain) still runs `lrqk eval` with plain progress lines and a plain table.
const require = createRequire(import.meta.url);

/** A table with cli-table3 when it is installed, else aligned plain text. */
function makeTable(head: string[]): { push(row: string[]): void; toString(): string } {
  try {
    const Table = require('cli-table3') as typeof CliTable;
    return new Table({ head, style: { head: [], border: [], compact: true } }) as unknown as { push(row: string[]): void; toString(): string };
  } catch {
    const rows: string[][] = [head];
    return {
      push: (row) => rows.push(row),
      toString: () => {
        const widths = head.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
        return rows.map((r) => r.map((c, i) => c.padEnd(widths[i] as number)).join('  ')).join('\n');
      },
    };
  }
}

/** Seconds as "1h02m", "3m05s" or "12s". */
function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/** Item progress on stderr: a bar with ETA on a terminal, else one line every few seconds. */
function itemProgress(label: string, quiet: boolean): { update(e: ProgressEvent): void; stop(): void } {
  if (quiet) return { update() {}, stop() {} };
  if (process.stderr.isTTY) {
    const cliProgress = require('cli-progress') as typeof cliProgressModule;
    const bar = new cliProgress.SingleBar(
      { stream: process.stderr, format: `${label} [{bar}] {value}/{total} items | {elapsed} | ETA {eta} | {item}`, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(e) {
        if (!started && e.done === e.total && e.item === '') return; // nothing to run
        const payload = { item: e.item, elapsed: formatDuration(e.elapsedMs), eta: e.etaMs === null ? '?' : formatDuration(e.etaMs) };
        if (!started) {
          bar.start(e.total, e.done, payload);
          started = true;
        } else bar.update(e.done, payload);
      },
      stop() {
        if (started) bar.stop();
        started = false;
      },
    };
  }
  let last = performance.now();
  let latest: ProgressEvent | undefined;
  let stopped = false;
  const line = (e: ProgressEvent) =>
    process.stderr.write(
      `${label}: ${e.done}/${e.total} items${e.resumed > 0 ? ` (${e.resumed} resumed)` : ''}, ${formatDuration(e.elapsedMs)} elapsed` +
        `${e.etaMs === null ? '' : `, ETA ${formatDuration(e.etaMs)}`}${e.item ? ` (last ${e.item})` : ''}\n`,
    );
  return {
    update(e) {
      latest = e;
      const now = performance.now();
      if (now - last >= 5000 || (e.item === '' && e.resumed > 0)) {
        last = now;
        line(e);
      }
    },
    stop() {
      if (latest !== undefined && !stopped) line(latest);
      stopped = true;
    },
  };
}

function parseMethodList(v: string): MethodSpec[] {
  try {
    return parseMethods(v);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

/** A model-running evaluation command with the flags they share. */
function runCommand(name: string, description: string) {
  return new Command(name)
    .description(description)
    .requiredOption('-m, --model <dir>', 'a Hugging Face model directory (config.json, *.safetensors, tokenizer.json)')
    .addOption(
      new Option('--attention <list>', 'methods to compare, comma-separated: full, offload, lrqk, lrqk:rank=16:topK=256:lite=64')
        .argParser(parseMethodList)
        .default(parseMethods('full,lrqk'), 'full,lrqk'),
    )
    .addOption(new Option('--device <device>', 'where to run').choices(['auto', 'cpu', 'cuda'] as const).default('auto' as const))
    .addOption(new Option('--dtype <dtype>', 'compute dtype (default: bf16 on CUDA, f32 on the CPU)').choices(['f32', 'bf16', 'f16'] as const))
    .option('--context <tokens>', 'engine context (default: what the longest item needs)', (v) => parseLengths(v)[0] as number)
    .option('--out <dir>', 'results directory: results.jsonl (resumable), report.json, plots', 'lrqk-eval')
    .option('--no-plots', 'skip the SVG/PNG plots')
    .option('--json', 'print the report as JSON on stdout instead of a table')
    .option('-q, --quiet', 'no progress on stderr');
}

async function openEvalEngine(dir: string, o: { device: 'auto' | 'cpu' | 'cuda'; dtype?: 'f32' | 'bf16' | 'f16'; contextTokens: number; quiet: boolean }): Promise<Engine> {
  const abs = resolve(dir);
  await assertModelDir(abs);
  const { openEngine } = await import('@lrqk/engine');
  const progress = createProgress({ label: `loading ${abs}`, unit: 'bytes', quiet: o.quiet });
  try {
    return await openEngine(abs, {
      device: o.device,
      contextTokens: o.contextTokens,
      ...(o.dtype !== undefined ? { dtype: o.dtype } : {}),
      onProgress: (d, t) => progress.update(d, t),
    });
  } finally {
    progress.stop();
  }
}

/** Ctrl-C stops after the current item (results so far are kept); a second Ctrl-C exits at once. */
function interruptible(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\nlrqk eval: interrupted; finished items are saved, rerun the same command to resume (Ctrl-C again to quit now)\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', onSigint) };
}

/** The report's summary table, drawn with cli-table3 (or plain text). */
function drawTable(report: EvalReport): string {
  const { head, rows } = reportTable(report);
  const table = makeTable(head);
  for (const r of rows) table.push(r);
  return table.toString();
}

async function finish(o: { header: RunHeader; log: ResultsLog; outDir: string; plots: boolean; json: boolean; aborted: boolean }): Promise<void> {
  const report = await writeReport({ header: o.header, records: o.log.records(), resultsFile: o.log.path, outDir: o.outDir, plots: o.plots });
  if (o.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else {
    process.stdout.write(`${drawTable(report)}\n`);
    process.stdout.write(`results ${o.log.path}\nreport  ${join(o.outDir, 'report.json')}\n`);
    for (const p of report.plots) process.stdout.write(`plot    ${p}\n`);
  }
  if (report.plotError !== undefined) process.stderr.write(`lrqk eval: ${report.plotError}\n`);
  if (o.aborted) process.exitCode = 130;
}

function rulerCommand() {
  return runCommand('ruler', 'RULER-style synthetic tasks: accuracy of each attention method at each length')
    .addOption(new Option('--tasks <list>', 'tasks or families, comma-separated (all, niah, niah_single, vt, cwe, fwe, qa_squad, …)').argParser(parseList).default(['all'], 'all'))
    .requiredOption('--lengths <list>', 'sequence lengths in tokens, prompt + answer as in RULER, e.g. 4k,8k,16k', parseLengths)
    .option('--count <n>', 'instances per task and length', parseCount, 10)
    .option('--seed <n>', 'task seed', parseCount, 0)
    .option('--max-new-tokens <n>', "tokens to generate (default: each task's RULER value)", parseCount)
    .option('--chat', "chat models: the task as the user message of the model's chat template, the answer prefix starting the reply")
    .option('--squad <file>', 'SQuAD-format JSON for qa_squad')
    .option('--hotpotqa <file>', 'HotpotQA JSON/JSONL for qa_hotpotqa')
    .action(async (opts) => {
      const tasks = resolveTasks(opts.tasks);
      const data = loadQaData(opts);
      const settings = { seed: opts.seed, chat: opts.chat === true, ...(opts.maxNewTokens !== undefined ? { maxNewTokens: opts.maxNewTokens } : {}) };
      await runEvaluation({
        kind: 'ruler',
        opts,
        header: rulerHeader({ modelId: basename(resolve(opts.model)) }, settings),
        contextTokens: Math.max(rulerContextTokens(opts.lengths), opts.context ?? 0),
        run: (engine, log, signal, onProgress) =>
          runRuler({ ...settings, engine, methods: opts.attention, tasks, lengths: opts.lengths, count: opts.count, data, log, signal, onProgress }),
      });
    });
}

/** Runs an evaluation: checks the results file, opens the engine, runs with progress and Ctrl-C, reports. */
async function runEvaluation(o: {
  kind: string;
  opts: { model: string; device: 'auto' | 'cpu' | 'cuda'; dtype?: 'f32' | 'bf16' | 'f16'; out: string; plots: boolean; json?: true; quiet?: true };
  header: RunHeader;
  contextTokens: number;
  run: (engine: Engine, log: ResultsLog, signal: AbortSignal, onProgress: (e: ProgressEvent) => void) => Promise<{ completed: number; resumed: number; total: number; aborted: boolean }>;
}): Promise<void> {
  const outDir = resolve(o.opts.out);
  const resultsPath = join(outDir, 'results.jsonl');
  const quiet = o.opts.quiet === true;
  // Check the results file first: a mismatched one fails before a large model loads.
  ResultsLog.check(resultsPath, o.header);
  const engine = await openEvalEngine(o.opts.model, { device: o.opts.device, ...(o.opts.dtype ? { dtype: o.opts.dtype } : {}), contextTokens: o.contextTokens, quiet });
  const stop = interruptible();
  const progress = itemProgress(o.kind, quiet);
  try {
    const log = ResultsLog.open(resultsPath, o.header);
    const summary = await o.run(engine, log, stop.signal, (e) => progress.update(e));
    progress.stop();
    if (!quiet) process.stderr.write(`${o.kind}: ${summary.completed} items run, ${summary.resumed} resumed, ${summary.total} in the matrix\n`);
    await finish({ header: o.header, log, outDir, plots: o.opts.plots, json: o.opts.json === true, aborted: summary.aborted });
  } finally {
    progress.stop();
    stop.dispose();
    await engine.dispose();
  }
}

function pplCommand() {
  return runCommand('ppl', 'perplexity with a sliding window: prefill, then D scored tokens as decode steps per window (same protocol for every method)')
    .requiredOption('--lengths <list>', 'window lengths in tokens, e.g. 4k,16k', parseLengths)
    .option('--decode-tokens <n>', 'scored tokens per window, fed one at a time (the window stride)', parseCount, 128)
    .option('--windows <n>', 'evaluate this many windows, evenly spaced (default: all)', parseCount)
    .option('--text <file>', 'a UTF-8 text file instead of the WikiText-2 test set shipped with @lrqk/eval')
    .action(async (opts) => {
      const text = opts.text === undefined ? wikitextTestText() : readFileSync(opts.text, 'utf8');
      const textName = opts.text === undefined ? 'wikitext2' : basename(opts.text);
      const tokenizer = await loadTokenizer(resolve(opts.model));
      const ids = tokenizer.encode(text);
      const settings = { textName, textTokens: ids.length, decodeTokens: opts.decodeTokens, ...(opts.windows !== undefined ? { windows: opts.windows } : {}) };
      await runEvaluation({
        kind: 'ppl',
        opts,
        header: perplexityHeader({ modelId: basename(resolve(opts.model)) }, settings),
        contextTokens: Math.max(Math.max(...opts.lengths), opts.context ?? 0),
        run: (engine, log, signal, onProgress) => runPerplexity({ ...settings, engine, methods: opts.attention, lengths: opts.lengths, ids, log, signal, onProgress }),
      });
    });
}

function longBenchCommand() {
  return runCommand('longbench', 'LongBench-format JSONL files (local), scored with each dataset\'s official metric')
    .argument('<files...>', 'LongBench JSONL files (e.g. hotpotqa.jsonl, gov_report_e.jsonl)')
    .requiredOption('--lengths <list>', 'prompt budgets in tokens (longer prompts are cut in the middle), e.g. 4k,8k', parseLengths)
    .option('--limit <n>', 'at most this many items per file', parseCount)
    .option('--chat', "wrap prompts in the model's chat template (not trec, triviaqa, samsum, lsht, lcc, repobench-p)")
    .action(async (files, opts) => {
      const items: LongBenchItem[] = files.flatMap((f) => {
        const all = loadLongBench(f);
        return opts.limit === undefined ? all : all.slice(0, opts.limit);
      });
      const chat = opts.chat === true;
      await runEvaluation({
        kind: 'longbench',
        opts,
        header: longBenchHeader({ modelId: basename(resolve(opts.model)) }, { chat }),
        // Budget + the longest generation (512) + room for a chat template.
        contextTokens: Math.max(Math.max(...opts.lengths) + 512 + (chat ? 256 : 1), opts.context ?? 0),
        run: (engine, log, signal, onProgress) => runLongBench({ engine, methods: opts.attention, lengths: opts.lengths, items, chat, log, signal, onProgress }),
      });
    });
}

function fidelityCommand() {
  return runCommand('fidelity', 'LRQK against exact attention at every sparse decode step: attention mass captured, top-k recall and hit rate, per layer and head')
    .addOption(
      new Option('--tasks <list>', 'RULER tasks whose prompts are used')
        .argParser(parseList)
        .default(['niah_single_2', 'niah_multikey_1', 'vt'], 'niah_single_2,niah_multikey_1,vt'),
    )
    .requiredOption('--lengths <list>', 'sequence lengths in tokens, prompt + answer as in RULER, e.g. 4k,16k', parseLengths)
    .option('--count <n>', 'instances per task and length', parseCount, 2)
    .option('--seed <n>', 'task seed', parseCount, 0)
    .option('--max-new-tokens <n>', 'decode steps measured per item', parseCount, 32)
    .action(async (opts) => {
      const tasks = resolveTasks(opts.tasks);
      const settings = { seed: opts.seed, maxNewTokens: opts.maxNewTokens };
      await runEvaluation({
        kind: 'fidelity',
        opts,
        header: fidelityHeader({ modelId: basename(resolve(opts.model)) }, settings),
        contextTokens: Math.max(rulerContextTokens(opts.lengths), opts.context ?? 0),
        run: (engine, log, signal, onProgress) =>
          runFidelity({ ...settings, engine, methods: opts.attention, tasks, lengths: opts.lengths, count: opts.count, log, signal, onProgress }),
      });
    });
}

function reportCommand() {
  return new Command('report')
    .description('write report.json and the plots again from DIR/results.jsonl, and print the table')
    .argument('<dir>', 'a results directory (holding results.jsonl)')
    .option('--no-plots', 'skip the SVG/PNG plots')
    .option('--json', 'print the report as JSON on stdout instead of a table')
    .action(async (dir, opts) => {
      const outDir = resolve(dir);
      const path = join(outDir, 'results.jsonl');
      let first: string;
      try {
        first = readFileSync(path, 'utf8').split('\n', 1)[0] ?? '';
      } catch {
        throw new CliError(`${path}: no results file here (pass the --out directory of an lrqk eval run)`);
      }
      let header: RunHeader;
      try {
        header = JSON.parse(first) as RunHeader;
      } catch {
        throw new CliError(`${path}: the first line is not a run header`);
      }
      if (header.type !== 'header' || !['ruler', 'ppl', 'longbench', 'fidelity'].includes(header.kind)) {
        throw new CliError(`${path}: the first line is not the header of an lrqk eval run`);
      }
      const log = ResultsLog.open(path, header);
      await finish({ header, log, outDir, plots: opts.plots, json: opts.json === true, aborted: false });
    });
}

export function evalCommand(): Command {
  return new Command('eval')
    .description('evaluate attention methods: accuracy and cost by length (ruler, longbench), perplexity (ppl), LRQK fidelity, task files (gen)')
    .addCommand(rulerCommand())
    .addCommand(pplCommand())
    .addCommand(longBenchCommand())
    .addCommand(fidelityCommand())
    .addCommand(genCommand())
    .addCommand(reportCommand());
}
