// The flags every model-running command shares (generate, chat, serve, eval): which model, where,
// in which dtype, for how long a context, with which attention method and LRQK parameters; plus
// the sampling flags. `addModelOptions(cmd)` declares them, `parseModelOptions(opts)` validates
// them into typed options, `openModelEngine` opens the engine with a loading progress bar.
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Option, type CommandUnknownOpts } from '@commander-js/extra-typings';
import type { AttentionChoice, Engine, EngineGenerateOptions, SamplingParams } from '@lrqk/engine';
import { CliError } from './errors.ts';
import { formatBytes } from './format.ts';
import { createProgress } from './progress.ts';

export type DeviceFlag = 'auto' | 'cpu' | 'cuda';
export type DTypeFlag = 'f32' | 'bf16' | 'f16';
export type AttentionFlag = 'full' | 'offload' | 'lrqk';

/** What the model flags resolve to. */
export interface ModelOptions {
  /** Absolute model directory. */
  dir: string;
  device: DeviceFlag;
  dtype?: DTypeFlag;
  /** Largest prompt + generated tokens (default: the engine's). */
  contextTokens?: number;
  attention: AttentionChoice;
  /** Prompt tokens per prefill forward call (bounds activation memory); default generate()'s 4096. */
  prefillChunkTokens?: number;
  quiet: boolean;
}

/** Sampling flags, resolved. */
export interface SamplingOptions extends SamplingParams {
  maxTokens: number;
  stop: string[];
}

/** "32768", "32k" (×1024) → tokens. */
export function parseTokens(v: string, flag: string): number {
  const m = /^\s*(\d+)\s*(k?)\s*$/i.exec(v);
  const n = m ? Number(m[1]) * (m[2] ? 1024 : 1) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new CliError(`${flag} must be a positive number of tokens (e.g. 4096 or 32k), got '${v}'`);
  return n;
}

function num(v: unknown, flag: string, check: (n: number) => boolean, what: string): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n) || !check(n)) throw new CliError(`${flag} must be ${what}, got '${String(v)}'`);
  return n;
}

const posInt = (n: number) => Number.isInteger(n) && n >= 1;

/** Declares --model, --device, --dtype, --context, --attention, --rank, --top-k, --lite, --prefill-chunk, --quiet. */
export function addModelOptions<C extends CommandUnknownOpts>(cmd: C): C {
  cmd
    .addOption(new Option('-m, --model <dir>', 'a Hugging Face model directory (config.json, *.safetensors, tokenizer.json)').makeOptionMandatory())
    .addOption(new Option('--device <device>', 'where to run').choices(['auto', 'cpu', 'cuda']).default('auto'))
    .addOption(new Option('--dtype <dtype>', 'compute dtype (default: bf16 on CUDA, f32 on the CPU)').choices(['f32', 'bf16', 'f16']))
    .addOption(new Option('--context <tokens>', 'largest prompt + generated tokens (e.g. 32k; default min(max_position_embeddings, 32k))'))
    .addOption(new Option('--attention <method>', 'attention method').choices(['full', 'offload', 'lrqk']).default('full'))
    .addOption(new Option('--rank <r>', 'LRQK: rank of the query/key factors (default 32)'))
    .addOption(new Option('--top-k <k>', 'LRQK: tokens selected per step (default 2048)'))
    .addOption(new Option('--lite <l>', 'LRQK: recent tokens always attended (default 64)'))
    .addOption(new Option('--prefill-chunk <tokens>', 'prompt tokens per prefill step (bounds activation memory; default 4096)'))
    .addOption(new Option('-q, --quiet', 'no progress or statistics on stderr'));
  return cmd;
}

/** Validates the flags declared by addModelOptions. */
export function parseModelOptions(opts: Record<string, unknown>): ModelOptions {
  if (typeof opts.model !== 'string' || opts.model === '') throw new CliError('--model <dir> is required');
  const method = (opts.attention ?? 'full') as AttentionFlag;
  const rank = num(opts.rank, '--rank', posInt, 'a positive integer');
  const topK = num(opts.topK, '--top-k', posInt, 'a positive integer');
  const lite = num(opts.lite, '--lite', posInt, 'a positive integer');
  if (method !== 'lrqk' && (rank !== undefined || topK !== undefined || lite !== undefined)) {
    throw new CliError('--rank, --top-k and --lite are LRQK parameters; add --attention lrqk');
  }
  const lrqk = { ...(rank !== undefined ? { rank } : {}), ...(topK !== undefined ? { topK } : {}), ...(lite !== undefined ? { lite } : {}) };
  return {
    dir: resolve(opts.model),
    device: (opts.device ?? 'auto') as DeviceFlag,
    ...(opts.dtype !== undefined ? { dtype: opts.dtype as DTypeFlag } : {}),
    ...(opts.context !== undefined ? { contextTokens: parseTokens(String(opts.context), '--context') } : {}),
    attention: { method, ...(method === 'lrqk' ? { lrqk } : {}) },
    ...(opts.prefillChunk !== undefined ? { prefillChunkTokens: parseTokens(String(opts.prefillChunk), '--prefill-chunk') } : {}),
    quiet: opts.quiet === true,
  };
}

/** Declares --max-tokens, --temperature, --top-p, --min-p, --sample-top-k, --repetition-penalty, --seed, --stop. */
export function addSamplingOptions<C extends CommandUnknownOpts>(cmd: C, defaults: { maxTokens: number; temperature: number }): C {
  cmd
    .addOption(new Option('-n, --max-tokens <n>', 'most tokens to generate').default(String(defaults.maxTokens)))
    .addOption(new Option('-t, --temperature <x>', '0 = greedy').default(String(defaults.temperature)))
    .addOption(new Option('--top-p <p>', 'nucleus sampling mass (0, 1]'))
    .addOption(new Option('--min-p <p>', 'drop tokens below p × the most likely one'))
    .addOption(new Option('--sample-top-k <k>', 'sample among the k most likely tokens (--top-k is LRQK\'s)'))
    .addOption(new Option('--repetition-penalty <x>', 'HF repetition penalty (> 0; 1 = none)'))
    .addOption(new Option('--seed <n>', 'sampling seed').default('0'))
    .addOption(new Option('--stop <text>', 'stop string (repeatable)').argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), v]));
  return cmd;
}

export function parseSamplingOptions(opts: Record<string, unknown>): SamplingOptions {
  const maxTokens = num(opts.maxTokens, '--max-tokens', (n) => Number.isInteger(n) && n >= 0, 'a non-negative integer')!;
  const temperature = num(opts.temperature, '--temperature', (n) => n >= 0, 'a number ≥ 0')!;
  const topP = num(opts.topP, '--top-p', (n) => n > 0 && n <= 1, 'in (0, 1]');
  const minP = num(opts.minP, '--min-p', (n) => n >= 0 && n <= 1, 'in [0, 1]');
  const topK = num(opts.sampleTopK, '--sample-top-k', posInt, 'a positive integer');
  const repetitionPenalty = num(opts.repetitionPenalty, '--repetition-penalty', (n) => n > 0, 'a number > 0');
  const seed = num(opts.seed, '--seed', (n) => Number.isInteger(n) && n >= 0, 'a non-negative integer')!;
  return {
    maxTokens,
    temperature,
    seed,
    stop: Array.isArray(opts.stop) ? (opts.stop as string[]) : [],
    ...(topP !== undefined ? { topP } : {}),
    ...(minP !== undefined ? { minP } : {}),
    ...(topK !== undefined ? { topK } : {}),
    ...(repetitionPenalty !== undefined ? { repetitionPenalty } : {}),
  };
}

/** Throws a one-line CliError unless `dir` is a directory with a config.json. */
export async function assertModelDir(dir: string): Promise<void> {
  let s;
  try {
    s = await stat(dir);
  } catch {
    throw new CliError(`${dir}: no such directory (pass a local Hugging Face model directory; lrqk never downloads)`);
  }
  if (!s.isDirectory()) throw new CliError(`${dir}: not a directory (pass the model directory, not a file in it)`);
  try {
    await stat(join(dir, 'config.json'));
  } catch {
    throw new CliError(`${dir}: no config.json here, so this is not a Hugging Face model directory`);
  }
}

/** Opens the engine for the model flags, with a loading progress bar and a one-line summary on stderr. */
/** KV tokens an approximate backend keeps on the device (memory check only; an upper bound). */
function deviceKvTokensFor(choice: AttentionChoice): number {
  if (choice.method === 'lrqk') return (choice.lrqk?.topK ?? 2048) + (choice.lrqk?.lite ?? 64);
  return 0;
}

export async function openModelEngine(m: ModelOptions): Promise<Engine> {
  await assertModelDir(m.dir);
  const { openEngine } = await import('@lrqk/engine');
  const progress = createProgress({ label: `loading ${m.dir}`, unit: 'bytes', quiet: m.quiet });
  const t0 = performance.now();
  let engine: Engine;
  try {
    engine = await openEngine(m.dir, {
      device: m.device,
      ...(m.dtype !== undefined ? { dtype: m.dtype } : {}),
      ...(m.contextTokens !== undefined ? { contextTokens: m.contextTokens } : {}),
      ...(m.prefillChunkTokens !== undefined ? { prefillChunkTokens: m.prefillChunkTokens } : {}),
      // lrqk and offload keep the KV in host memory; the device holds top-k + lite rows per head
      // (lrqk) or one layer's KV at a time (offload), so the fit check must not count a full cache.
      ...(m.attention.method !== 'full' ? { deviceKvTokens: deviceKvTokensFor(m.attention) } : {}),
      onProgress: (d, t) => progress.update(d, t),
    });
  } finally {
    progress.stop();
  }
  if (!m.quiet) {
    const c = engine.config;
    process.stderr.write(
      `loaded ${engine.modelId}: ${c.architecture}, ${c.numHiddenLayers} layers, on ${engine.device} in ${engine.dtype}, ` +
        `context ${engine.contextTokens} tokens, attention ${m.attention.method} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`,
    );
  }
  return engine;
}

/** One stderr line of statistics after a generation. */
export function formatGenerationStats(r: {
  usage: { promptTokens: number; completionTokens: number };
  timing: { prefillMs: number; msPerToken: number };
  decodePath?: string;
  finishReason: string;
  attention: { deviceBytes: number; hostBytes: number; hits?: number; misses?: number };
}): string {
  const prefillTps = r.timing.prefillMs > 0 ? (r.usage.promptTokens / r.timing.prefillMs) * 1000 : 0;
  const a = r.attention;
  const hit = a.hits !== undefined && a.misses !== undefined && a.hits + a.misses > 0 ? `, hit rate ${((100 * a.hits) / (a.hits + a.misses)).toFixed(1)}%` : '';
  return (
    `[${r.usage.promptTokens} prompt tokens, prefill ${(r.timing.prefillMs / 1000).toFixed(2)} s (${prefillTps.toFixed(0)} tokens/s); ` +
    `${r.usage.completionTokens} generated, ${r.timing.msPerToken.toFixed(1)} ms/token${r.decodePath === 'cuda-graph' ? ' (CUDA graph)' : ''}; finish ${r.finishReason}; ` +
    `KV ${formatBytes(a.deviceBytes)} device, ${formatBytes(a.hostBytes)} host${hit}]`
  );
}

/**
 * Options of engine.generate() from the flags. prefillChunkTokens is passed through to
 * @lrqk/models' generate() (the engine forwards every option it does not consume).
 */
export function engineGenerateOptions(
  m: ModelOptions,
  sampling: SamplingOptions,
  extra: Omit<EngineGenerateOptions, keyof SamplingParams | 'maxTokens' | 'stop'>,
  maxTokens = sampling.maxTokens,
): EngineGenerateOptions {
  const { maxTokens: _, stop, ...params } = sampling;
  const opts: EngineGenerateOptions & { prefillChunkTokens?: number } = {
    ...params,
    ...extra,
    maxTokens,
    stop,
    ...(m.prefillChunkTokens !== undefined ? { prefillChunkTokens: m.prefillChunkTokens } : {}),
  };
  return opts;
}
