// `lrqk eval`: how much accuracy an attention method keeps at a length, and at what cost.
//   lrqk eval gen        task instances as JSONL (prompt, answers, metadata) for other tools
// The evaluation itself lives in @lrqk/eval; this file parses options and prints.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { Command, InvalidArgumentError, Option } from '@commander-js/extra-typings';
import { generateInstances, loadHotpotQa, loadSquad, resolveTasks, type QaDatasets } from '@lrqk/eval';
import { loadTokenizer } from '@lrqk/tokenizers';
import { CliError } from '../errors.ts';

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
    .option('--tasks <list>', 'tasks or families, comma-separated (all, niah, niah_single, vt, cwe, fwe, qa_squad, …)', parseList, ['all'])
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

export function evalCommand(): Command {
  return new Command('eval')
    .description('evaluate attention methods: lrqk eval gen (ruler, ppl, longbench and fidelity follow)')
    .addCommand(genCommand());
}
