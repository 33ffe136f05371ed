// Command-line arguments of `pnpm bench:lrqk` (packages/models/bench/lrqk.bench.ts), validated up
// front so that a GPU run cannot die half-way on a typo.
import { parseArgs } from 'node:util';
import { modelPreset, presetNames } from '../src/index.ts';

/** The attention setups the bench can measure. */
export const BENCH_METHODS = ['full', 'offload', 'lrqk-qh', 'lrqk-kv'] as const;
export type BenchMethod = (typeof BENCH_METHODS)[number];

export interface BenchConfig {
  /** A preset of src/synth/presets.ts (e.g. llama-3.1-8b), or 'tiny' (a 2-layer toy for CPU tests). */
  model: string;
  /** Decoder layers actually built (≤ the model's); reported next to the full depth. */
  layers: number;
  contexts: number[];
  methods: BenchMethod[];
  decodeSteps: number;
  warmupSteps: number;
  dtype: 'bf16' | 'f16' | 'f32';
  device: 'cuda' | 'cpu';
  rank: number;
  topK: number;
  lite: number;
  /** Floors: device memory bandwidth and host→device bandwidth, GB/s. */
  hbmGBps: number;
  pcieGBps: number;
  /**
   * Token ids fed to the timed decode steps: `random` (consecutive queries unrelated: LRQK's worst
   * case for hits on a random-weight model) or `repeat` (the prompt's last id every step: queries
   * change only through position and context, as in a model that keeps attending to the same
   * places — a high hit rate).
   */
  decodeInput: 'random' | 'repeat';
  /** Where the JSON goes (a directory); none: no file. */
  outDir: string | undefined;
  seed: number;
}

export const BENCH_USAGE = `usage: node --conditions=source packages/models/bench/lrqk.bench.ts [options]
  --model NAME        preset (${presetNames.join(', ')}) or tiny            [llama-3.1-8b]
  --layers N          decoder layers built (fewer = faster; all when 0)        [8]
  --contexts A,B,..   prompt lengths in tokens (K suffix allowed: 32K)         [32K,128K]
  --methods A,B,..    ${BENCH_METHODS.join(', ')}                             [all]
  --decode-steps N    timed decode steps per setup                             [32]
  --warmup N          untimed decode steps first                               [4]
  --decode-input I    random | repeat: decode token ids (repeat: a high hit rate) [random]
  --dtype T           bf16 | f16 | f32                                         [bf16]
  --device D          cuda | cpu                                               [cuda]
  --rank R --top-k K --lite L                                                  [32, 2048, 64]
  --hbm-gbps X --pcie-gbps Y   floors                                          [3000, 51]
  --out DIR           write lrqk-bench.json there                              [$LRQK_BENCH_OUT]
  --seed S                                                                     [1]`;

export class BenchArgsError extends Error {
  override name = 'BenchArgsError';
}

function positiveInt(name: string, raw: string, min = 1): number {
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min) throw new BenchArgsError(`--${name} must be an integer ≥ ${min}, got '${raw}'`);
  return v;
}

function positiveNumber(name: string, raw: string): number {
  const v = Number(raw);
  if (!(v > 0) || !Number.isFinite(v)) throw new BenchArgsError(`--${name} must be a positive number, got '${raw}'`);
  return v;
}

/** "32K" → 32768, "131072" → 131072. */
function tokens(raw: string): number {
  const m = /^(\d+)([kKmM]?)$/.exec(raw.trim());
  if (!m) throw new BenchArgsError(`--contexts: '${raw}' is not a token count (e.g. 32768 or 32K)`);
  const v = Number(m[1]) * (m[2] === '' ? 1 : m[2]!.toLowerCase() === 'k' ? 1024 : 1024 * 1024);
  if (v < 2) throw new BenchArgsError(`--contexts: ${raw} is too short`);
  return v;
}

/** Parses and validates argv (without the node and script entries). */
export function parseBenchArgs(argv: readonly string[], env: Record<string, string | undefined> = {}): BenchConfig {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        model: { type: 'string', default: 'llama-3.1-8b' },
        layers: { type: 'string', default: '8' },
        contexts: { type: 'string', default: '32K,128K' },
        methods: { type: 'string', default: BENCH_METHODS.join(',') },
        'decode-steps': { type: 'string', default: '32' },
        warmup: { type: 'string', default: '4' },
        'decode-input': { type: 'string', default: 'random' },
        dtype: { type: 'string', default: 'bf16' },
        device: { type: 'string', default: 'cuda' },
        rank: { type: 'string', default: '32' },
        'top-k': { type: 'string', default: '2048' },
        lite: { type: 'string', default: '64' },
        'hbm-gbps': { type: 'string', default: '3000' },
        'pcie-gbps': { type: 'string', default: '51' },
        out: { type: 'string' },
        seed: { type: 'string', default: '1' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (e) {
    throw new BenchArgsError(`${(e as Error).message}\n${BENCH_USAGE}`);
  }
  if (values.help) throw new BenchArgsError(BENCH_USAGE);
  const s = (k: string) => values[k] as string;
  const model = s('model');
  if (model !== 'tiny') {
    try {
      modelPreset(model);
    } catch {
      throw new BenchArgsError(`--model: unknown preset '${model}' (choose ${presetNames.join(', ')} or tiny)`);
    }
  }
  const methods = s('methods').split(',').map((m) => m.trim()).filter(Boolean);
  for (const m of methods) {
    if (!(BENCH_METHODS as readonly string[]).includes(m)) throw new BenchArgsError(`--methods: unknown method '${m}' (choose ${BENCH_METHODS.join(', ')})`);
  }
  if (methods.length === 0) throw new BenchArgsError('--methods: name at least one method');
  const dtype = s('dtype');
  if (dtype !== 'bf16' && dtype !== 'f16' && dtype !== 'f32') throw new BenchArgsError(`--dtype must be bf16, f16 or f32, got '${dtype}'`);
  const device = s('device');
  if (device !== 'cuda' && device !== 'cpu') throw new BenchArgsError(`--device must be cuda or cpu, got '${device}'`);
  const decodeInput = s('decode-input');
  if (decodeInput !== 'random' && decodeInput !== 'repeat') throw new BenchArgsError(`--decode-input must be random or repeat, got '${decodeInput}'`);
  const contexts = s('contexts').split(',').filter((x) => x.trim() !== '').map(tokens);
  if (contexts.length === 0) throw new BenchArgsError('--contexts: name at least one length');
  const cfg: BenchConfig = {
    model,
    layers: positiveInt('layers', s('layers'), 0),
    contexts,
    methods: methods as BenchMethod[],
    decodeSteps: positiveInt('decode-steps', s('decode-steps')),
    warmupSteps: positiveInt('warmup', s('warmup'), 0),
    decodeInput,
    dtype,
    device,
    rank: positiveInt('rank', s('rank')),
    topK: positiveInt('top-k', s('top-k')),
    lite: positiveInt('lite', s('lite')),
    hbmGBps: positiveNumber('hbm-gbps', s('hbm-gbps')),
    pcieGBps: positiveNumber('pcie-gbps', s('pcie-gbps')),
    outDir: (values.out as string | undefined) ?? env.LRQK_BENCH_OUT ?? undefined,
    seed: positiveInt('seed', s('seed'), 0),
  };
  const tooShort = contexts.filter((n) => n <= cfg.topK + cfg.lite);
  if (tooShort.length > 0 && cfg.methods.some((m) => m.startsWith('lrqk'))) {
    throw new BenchArgsError(`--contexts ${tooShort.join(',')} ≤ top-k + lite (${cfg.topK + cfg.lite}): LRQK would be exact dense attention there`);
  }
  return cfg;
}
