// `lrqk demo`: the long-context demo on the embedded model (assets/lrqk-demo-model, trained by
// tools/train). Builds long documents of filler text, each with a fact hidden in it (@lrqk/eval's
// niah_single_1 generator: one "special magic number" sentence), asks for each fact with full
// attention and with LRQK, and prints each answer, whether it is right, the time, the memory the
// attention caches use and LRQK's hit rate. Runs on the CPU in about a minute; uses the GPU when
// there is one (device auto).
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from '@commander-js/extra-typings';
import type { Engine, EngineResult } from '@lrqk/engine';
import { CliError } from '../errors.ts';
import { formatBytes } from '../format.ts';
import { parseTokens, type DeviceFlag } from '../model-options.ts';
import { buildDemoQuestions, FILLER_SAMPLE, type DemoQuestion } from './demo-document.ts';
import { writeUntrainedStandIn } from './demo-untrained.ts';

const DEMO_MODEL = join('assets', 'lrqk-demo-model');
/** Documents (one question each) a run may ask about. */
const MAX_QUESTIONS = 10;
/** Tokens generated per answer: a 7-digit number is 9 tokens and EOS with this tokenizer. */
const ANSWER_TOKENS = 16;

/** The embedded model directory: --model, LRQK_DEMO_MODEL, or assets/ in a parent of this file. */
export function findDemoModel(explicit?: string): string {
  const given = explicit ?? process.env['LRQK_DEMO_MODEL'];
  if (given !== undefined && given !== '') return resolve(given);
  // src/commands/demo.ts from source, dist/main.js when bundled: walk up to the repository root.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, DEMO_MODEL);
    if (existsSync(join(candidate, 'tokenizer.json'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new CliError(`cannot find the embedded demo model (${DEMO_MODEL} in a parent directory of the CLI); pass --model DIR`);
}

/** Whether the model directory has its weights (the embedded model's are trained by tools/train). */
export function hasWeights(dir: string): boolean {
  return existsSync(join(dir, 'config.json')) && existsSync(join(dir, 'model.safetensors'));
}

export interface DemoAnswer {
  method: 'full' | 'lrqk';
  question: number;
  key: string;
  expected: string;
  answer: string;
  right: boolean;
  promptTokens: number;
  prefillMs: number;
  msPerToken: number;
  totalMs: number;
  /** Bytes the attention backend holds on the device / in host memory. */
  deviceBytes: number;
  hostBytes: number;
  /** LRQK: share of the rows a decode step attended to that were already resident. */
  hitRate: number | null;
}

export interface DemoReport {
  device: string;
  model: string;
  lengthTokens: number;
  lrqk: { rank: number; topK: number; lite: number };
  /** One fact per question, each hidden in its own document. */
  facts: { key: string; value: string; depth: number }[];
  answers: DemoAnswer[];
  summary: Record<'full' | 'lrqk', { right: number; asked: number; totalMs: number; hitRate: number | null }>;
  peakRssBytes: number;
  /** True when the embedded weights were missing and an untrained stand-in of its shape ran. */
  untrained: boolean;
}

interface DemoOptions {
  model?: string;
  device: DeviceFlag;
  length?: number;
  questions: number;
  seed: number;
  rank: number;
  topK: number;
  lite: number;
  json: boolean;
}

function hitRateOf(a: EngineResult['attention']): number | null {
  const moved = (a.hits ?? 0) + (a.misses ?? 0);
  return a.hits === undefined || moved === 0 ? null : a.hits / moved;
}

async function ask(engine: Engine, question: DemoQuestion, q: number, method: 'full' | 'lrqk', o: DemoOptions): Promise<DemoAnswer> {
  const ids = engine.encodePrompt(question.prompt);
  const backend = await engine.createBackend({
    method,
    ...(method === 'lrqk' ? { lrqk: { rank: o.rank, topK: o.topK, lite: o.lite } } : {}),
    maxTokens: Math.min(engine.contextTokens, ids.length + ANSWER_TOKENS),
  });
  const t0 = performance.now();
  try {
    const it = engine.generate(ids, { backend, maxTokens: ANSWER_TOKENS, temperature: 0, seed: 0 });
    let step = await it.next();
    while (!step.done) step = await it.next();
    const r = step.value;
    const answer = r.text.trim();
    return {
      method,
      question: q + 1,
      key: question.key,
      expected: question.value,
      answer,
      right: answer.includes(question.value),
      promptTokens: r.usage.promptTokens,
      prefillMs: r.timing.prefillMs,
      msPerToken: r.timing.msPerToken,
      totalMs: performance.now() - t0,
      deviceBytes: r.attention.deviceBytes,
      hostBytes: r.attention.hostBytes,
      hitRate: hitRateOf(r.attention),
    };
  } finally {
    backend.dispose();
  }
}

function formatAnswerLine(a: DemoAnswer): string {
  const mark = a.right ? 'right' : `WRONG (expected ${a.expected})`;
  const mem = a.deviceBytes > 0 ? `KV ${formatBytes(a.deviceBytes)} device + ${formatBytes(a.hostBytes)} host` : `KV ${formatBytes(a.hostBytes)}`;
  const hit = a.hitRate === null ? '' : `, hit rate ${(100 * a.hitRate).toFixed(1)}%`;
  return (
    `  ${a.method === 'full' ? 'full' : 'LRQK'}  ${JSON.stringify(a.answer).padEnd(14)} ${mark}   ` +
    `prefill ${(a.prefillMs / 1000).toFixed(2)} s, ${a.msPerToken.toFixed(1)} ms/token, ${mem}${hit}\n`
  );
}

function summarize(answers: DemoAnswer[], method: 'full' | 'lrqk'): DemoReport['summary']['full'] {
  const mine = answers.filter((a) => a.method === method);
  const rates = mine.map((a) => a.hitRate).filter((r): r is number => r !== null);
  return {
    right: mine.filter((a) => a.right).length,
    asked: mine.length,
    totalMs: mine.reduce((s, a) => s + a.totalMs, 0),
    hitRate: rates.length === 0 ? null : rates.reduce((s, r) => s + r, 0) / rates.length,
  };
}

export async function runDemo(o: DemoOptions, write: (s: string) => void): Promise<DemoReport> {
  const embedded = findDemoModel(o.model);
  let dir = embedded;
  let standIn: { dir: string; dispose(): Promise<void> } | undefined;
  if (o.model === undefined && existsSync(embedded) && !hasWeights(embedded)) {
    standIn = await writeUntrainedStandIn(embedded);
    dir = standIn.dir;
    write(
      `NOTE    the embedded model has no trained weights in this checkout yet (${join(embedded, 'model.safetensors')};
` +
        `        tools/train/README.md says how they are trained). This run uses an UNTRAINED random-weight model of
` +
        `        the same shape and tokenizer, so its answers are wrong by construction; it shows LRQK's machinery:
` +
        `        the long prompt, full attention vs LRQK, time, memory and hit rate. Pass --model DIR for a real model.

`,
    );
  }
  try {
    return { ...(await runDemoOn(dir, o, write)), untrained: standIn !== undefined };
  } finally {
    await standIn?.dispose();
  }
}

async function runDemoOn(dir: string, o: DemoOptions, write: (s: string) => void): Promise<Omit<DemoReport, 'untrained'>> {
  const { openEngine } = await import('@lrqk/engine');
  const t0 = performance.now();
  let engine: Engine;
  try {
    engine = await openEngine(dir, { device: o.device });
  } catch (e) {
    throw new CliError(`cannot open the demo model ${dir}: ${(e as Error).message}`);
  }
  try {
    const device = engine.device === 'cuda' ? 'cuda (GPU)' : 'cpu';
    const length = o.length ?? (engine.device === 'cuda' ? 8192 : 4096);
    const c = engine.config;
    write(`lrqk demo: long-context retrieval with full attention and with LRQK\n`);
    write(`device  ${device}${engine.device === 'cpu' ? ' (run `lrqk inspect gpu` to see why no GPU is used)' : ''}\n`);
    write(
      `model   ${engine.modelId}: ${c.numHiddenLayers} layers, ${c.numAttentionHeads} query / ${c.numKeyValueHeads} KV head${c.numKeyValueHeads === 1 ? '' : 's'} of dim ${c.headDim}, ` +
        `loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
    );
    const questions = buildDemoQuestions(engine.tokenizer, length, o.questions, o.seed);
    const tokens = questions[0]!.tokens;
    write(
      `documents ${questions.length} of ${tokens.toLocaleString('en-US')} tokens, filler text ("${FILLER_SAMPLE.slice(0, 36)} ...") ` +
        `with one fact hidden in each\n`,
    );
    write(`LRQK    rank ${o.rank}, top-k ${o.topK} + ${o.lite} recent tokens attended exactly per decode step (of ${tokens.toLocaleString('en-US')})\n\n`);

    const answers: DemoAnswer[] = [];
    for (let q = 0; q < questions.length; q++) {
      const question = questions[q]!;
      write(`document ${q + 1}/${questions.length} hides at ${(100 * question.depth).toFixed(0)}%: "One of the special magic numbers for ${question.key} is: ${question.value}."\n`);
      write(`question ${q + 1}/${questions.length}: What is the special magic number for ${question.key}?\n`);
      for (const method of ['full', 'lrqk'] as const) {
        const a = await ask(engine, question, q, method, o);
        answers.push(a);
        write(formatAnswerLine(a));
      }
    }
    const summary = { full: summarize(answers, 'full'), lrqk: summarize(answers, 'lrqk') };
    const peakRssBytes = process.resourceUsage().maxRSS * 1024;
    write(`\nsummary\n`);
    write(`  full attention  ${summary.full.right}/${summary.full.asked} right, ${(summary.full.totalMs / 1000).toFixed(1)} s\n`);
    const hit = summary.lrqk.hitRate === null ? 'n/a' : `${(100 * summary.lrqk.hitRate).toFixed(1)}%`;
    write(`  LRQK            ${summary.lrqk.right}/${summary.lrqk.asked} right, ${(summary.lrqk.totalMs / 1000).toFixed(1)} s, mean hit rate ${hit}\n`);
    write(`  peak memory     ${formatBytes(peakRssBytes)} (process RSS)\n`);
    return {
      device: engine.device,
      model: dir,
      lengthTokens: tokens,
      lrqk: { rank: o.rank, topK: o.topK, lite: o.lite },
      facts: questions.map(({ key, value, depth }) => ({ key, value, depth })),
      answers,
      summary,
      peakRssBytes,
    };
  } finally {
    await engine.dispose();
  }
}

function positiveInt(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new CliError(`${flag} must be a positive integer, got "${v}"`);
    return n;
  };
}

export function demoCommand(): Command {
  return new Command('demo')
    .description('long-context demo on the embedded model: facts hidden in long documents, answered with full attention and with LRQK')
    .option('--model <dir>', 'model directory (default: the embedded assets/lrqk-demo-model)')
    .addOption(new Option('--device <device>', 'cpu, cuda or auto (GPU when usable)').choices(['auto', 'cpu', 'cuda'] as const).default('auto' as const))
    .option('--length <tokens>', 'document length in tokens, e.g. 4096 or 8k (default: 4096 on the CPU, 8192 on a GPU)', (v) => parseTokens(v, '--length'))
    .option('--questions <n>', `documents, each with one hidden fact to ask about (1-${MAX_QUESTIONS})`, positiveInt('--questions'), 3)
    .option('--seed <n>', 'seed of the document', (v) => Number.parseInt(v, 10), 1)
    .option('--rank <r>', 'LRQK rank', positiveInt('--rank'), 16)
    .option('--top-k <k>', 'LRQK top-k tokens per step', positiveInt('--top-k'), 256)
    .option('--lite <n>', 'LRQK recent tokens always attended', positiveInt('--lite'), 64)
    .option('--json', 'print the report as JSON (nothing else on stdout)', false)
    .action(async (opts) => {
      if (opts.questions > MAX_QUESTIONS) throw new CliError(`--questions: ask about 1 to ${MAX_QUESTIONS} documents, got ${opts.questions}`);
      if (!Number.isInteger(opts.seed) || opts.seed < 0) throw new CliError('--seed must be a non-negative integer');
      const o: DemoOptions = { ...opts, device: opts.device };
      const report = await runDemo(o, opts.json ? () => {} : (s) => process.stdout.write(s));
      if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    });
}
