// Arguments of the decode benchmark (packages/models/bench/decode.bench.ts), from flags or env:
//   --model DIR            LRQK_BENCH_MODEL       checkpoint directory (required)
//   --contexts 8k,32k,128k LRQK_BENCH_CONTEXTS    prompt lengths (default 8192,32768,131072)
//   --decode-steps N       LRQK_BENCH_DECODE      timed decode steps per context (default 32)
//   --warmup-steps N                              untimed decode steps first (default 2)
//   --prefill-chunk N      LRQK_BENCH_CHUNK       prefill chunk tokens (default 4096)
//   --device cuda|cpu|auto LRQK_BENCH_DEVICE      (default auto)
//   --dtype bf16|f16|f32                          (default bf16 on CUDA, f32 on the CPU)
//   --bandwidth BYTES_PER_S                        HBM bandwidth of the floor (default 3.0e12)
//   --out FILE             $LRQK_BENCH_OUT/decode.json, else ./decode.json
//   --seed N                                      prompt token seed (default 0)

export interface DecodeBenchArgs {
  model: string;
  contexts: number[];
  decodeSteps: number;
  warmupSteps: number;
  prefillChunk: number;
  device: 'cuda' | 'cpu' | 'auto';
  dtype: 'bf16' | 'f16' | 'f32' | undefined;
  bandwidth: number;
  out: string;
  seed: number;
}

export class BenchArgError extends Error {
  override name = 'BenchArgError';
}

/** "8k" → 8192, "32768" → 32768. */
export function parseCount(v: string, what: string): number {
  const m = /^\s*(\d+)\s*([kK]?)\s*$/.exec(v);
  const n = m ? Number(m[1]) * (m[2] ? 1024 : 1) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new BenchArgError(`${what}: expected a positive integer (k = 1024), got '${v}'`);
  return n;
}

export const USAGE =
  'usage: node --conditions=source packages/models/bench/decode.bench.ts --model DIR [--contexts 8k,32k,128k] [--decode-steps 32] ' +
  '[--warmup-steps 2] [--prefill-chunk 4096] [--device auto|cuda|cpu] [--dtype bf16|f16|f32] [--bandwidth 3.0e12] [--out FILE] [--seed 0]';

export function parseDecodeBenchArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): DecodeBenchArgs {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new BenchArgError(`unexpected argument '${a}'\n${USAGE}`);
    const eq = a.indexOf('=');
    const [key, value] = eq > 0 ? [a.slice(2, eq), a.slice(eq + 1)] : [a.slice(2), argv[++i]];
    if (value === undefined) throw new BenchArgError(`--${key} needs a value\n${USAGE}`);
    flags.set(key, value);
  }
  const known = ['model', 'contexts', 'decode-steps', 'warmup-steps', 'prefill-chunk', 'device', 'dtype', 'bandwidth', 'out', 'seed'];
  for (const k of flags.keys()) if (!known.includes(k)) throw new BenchArgError(`unknown flag --${k}\n${USAGE}`);
  const get = (k: string, e?: string) => flags.get(k) ?? (e !== undefined ? env[e] : undefined);
  const model = get('model', 'LRQK_BENCH_MODEL');
  if (!model) throw new BenchArgError(`--model DIR (or LRQK_BENCH_MODEL) is required\n${USAGE}`);
  const contexts = (get('contexts', 'LRQK_BENCH_CONTEXTS') ?? '8192,32768,131072').split(',').map((s) => parseCount(s, '--contexts'));
  const device = get('device', 'LRQK_BENCH_DEVICE') ?? 'auto';
  if (device !== 'cuda' && device !== 'cpu' && device !== 'auto') throw new BenchArgError(`--device must be auto, cuda or cpu, got '${device}'`);
  const dtype = get('dtype');
  if (dtype !== undefined && dtype !== 'bf16' && dtype !== 'f16' && dtype !== 'f32') throw new BenchArgError(`--dtype must be bf16, f16 or f32, got '${dtype}'`);
  const bandwidth = Number(get('bandwidth') ?? '3.0e12');
  if (!(bandwidth > 0)) throw new BenchArgError(`--bandwidth must be a positive number of bytes/s, got '${get('bandwidth')}'`);
  const outDir = env.LRQK_BENCH_OUT;
  const seedText = get('seed') ?? '0';
  const seed = Number(seedText);
  if (!Number.isInteger(seed) || seed < 0) throw new BenchArgError(`--seed must be a non-negative integer, got '${seedText}'`);
  const warm = get('warmup-steps');
  return {
    model,
    contexts,
    decodeSteps: parseCount(get('decode-steps', 'LRQK_BENCH_DECODE') ?? '32', '--decode-steps'),
    warmupSteps: warm === '0' ? 0 : parseCount(warm ?? '2', '--warmup-steps'),
    prefillChunk: parseCount(get('prefill-chunk', 'LRQK_BENCH_CHUNK') ?? '4096', '--prefill-chunk'),
    device,
    dtype,
    bandwidth,
    out: get('out') ?? (outDir ? `${outDir}/decode.json` : 'decode.json'),
    seed,
  };
}
