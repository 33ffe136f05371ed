// Serving benchmark: an in-process server on a model directory, driven over loopback HTTP by the
// official openai client (streaming, usage, ignore_eos so every request generates --max-tokens),
// --requests requests at --concurrency at a time with random-token prompts of --prompt-tokens.
// Measures per request the time to first token, time per output token and end-to-end latency as
// the client sees them, the aggregate output tokens/s, and from /metrics the LRQK hit rate and
// device memory. Prints a summary and writes JSON (--out, default ./serve-bench.json).
//   node --conditions=source apps/server/bench/serve.bench.ts --model DIR --attention lrqk --prompt-tokens 8192
import { writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { openEngine } from '@lrqk/engine';
import { memoryStats, resetPeakMemory } from '@lrqk/tensor';
import OpenAI from 'openai';
import { createServer } from '../src/index.ts';

const USAGE =
  'usage: node --conditions=source apps/server/bench/serve.bench.ts --model DIR [--attention full|offload|lrqk] [--rank R] [--top-k K] [--lite L] ' +
  '[--device auto|cpu|cuda] [--context TOKENS] [--prompt-tokens 2048] [--max-tokens 64] [--requests 16] [--concurrency 4] [--max-concurrent C] [--seed 0] [--out serve-bench.json]';

const { values: a } = parseArgs({
  options: {
    model: { type: 'string' },
    attention: { type: 'string', default: 'lrqk' },
    rank: { type: 'string' },
    'top-k': { type: 'string' },
    lite: { type: 'string' },
    device: { type: 'string', default: 'auto' },
    context: { type: 'string' },
    'prompt-tokens': { type: 'string', default: '2048' },
    'max-tokens': { type: 'string', default: '64' },
    requests: { type: 'string', default: '16' },
    concurrency: { type: 'string', default: '4' },
    'max-concurrent': { type: 'string' },
    seed: { type: 'string', default: '0' },
    out: { type: 'string', default: 'serve-bench.json' },
  },
});

function count(v: string | undefined, flag: string): number {
  const m = /^(\d+)(k?)$/i.exec(v ?? '');
  const n = m ? Number(m[1]) * (m[2] ? 1024 : 1) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    process.stderr.write(`${flag} must be a positive integer (k = 1024), got '${v}'\n${USAGE}\n`);
    process.exit(2);
  }
  return n;
}

if (!a.model) {
  process.stderr.write(`--model is required\n${USAGE}\n`);
  process.exit(2);
}
const method = a.attention as 'full' | 'offload' | 'lrqk';
if (!['full', 'offload', 'lrqk'].includes(method)) {
  process.stderr.write(`--attention must be full, offload or lrqk\n${USAGE}\n`);
  process.exit(2);
}
const promptTokens = count(a['prompt-tokens'], '--prompt-tokens');
const maxTokens = count(a['max-tokens'], '--max-tokens');
const requests = count(a.requests, '--requests');
const concurrency = count(a.concurrency, '--concurrency');
const lrqk = {
  ...(a.rank ? { rank: count(a.rank, '--rank') } : {}),
  ...(a['top-k'] ? { topK: count(a['top-k'], '--top-k') } : {}),
  ...(a.lite ? { lite: count(a.lite, '--lite') } : {}),
};

const engine = await openEngine(a.model, {
  device: a.device as 'auto' | 'cpu' | 'cuda',
  contextTokens: a.context ? count(a.context, '--context') : promptTokens + maxTokens,
});
const server = createServer(engine, {
  attention: { method, ...(method === 'lrqk' ? { lrqk } : {}) },
  maxConcurrent: a['max-concurrent'] ? count(a['max-concurrent'], '--max-concurrent') : concurrency,
  maxQueue: requests,
  requestTimeoutMs: 0,
  logger: 'warn',
});
const { url } = await server.listen({ port: 0 });
const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 3_600_000 });

/** Random ordinary-token prompts (mulberry32), no special tokens. */
const special = new Set(engine.tokenizer.specialTokens.values());
let state = Number(a.seed) >>> 0;
function randomPrompt(): number[] {
  const ids: number[] = [];
  while (ids.length < promptTokens) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const id = ((t ^ (t >>> 14)) >>> 0) % engine.tokenizer.vocabSize;
    if (!special.has(id)) ids.push(id);
  }
  return ids;
}

interface RequestRecord {
  promptTokens: number;
  completionTokens: number;
  ttftMs: number;
  tpotMs: number | null;
  e2eMs: number;
}

async function one(): Promise<RequestRecord> {
  const prompt = randomPrompt();
  const t0 = performance.now();
  let first: number | null = null;
  let last = t0;
  let usage: { prompt_tokens: number; completion_tokens: number } | undefined;
  const body = { model: engine.modelId, prompt, max_tokens: maxTokens, temperature: 0, stream: true as const, stream_options: { include_usage: true }, ignore_eos: true };
  for await (const chunk of await client.completions.create(body)) {
    if (chunk.usage) usage = chunk.usage;
    if (chunk.choices.length > 0) {
      last = performance.now();
      first ??= last;
    }
  }
  const done = performance.now();
  const n = usage?.completion_tokens ?? 0;
  return {
    promptTokens: usage?.prompt_tokens ?? prompt.length,
    completionTokens: n,
    ttftMs: (first ?? done) - t0,
    tpotMs: first !== null && n > 1 ? (last - first) / (n - 1) : null,
    e2eMs: done - t0,
  };
}

function stats(xs: number[]) {
  const s = [...xs].sort((x, y) => x - y);
  const q = (p: number) => (s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))]! : NaN);
  return { mean: s.reduce((x, y) => x + y, 0) / Math.max(1, s.length), p50: q(0.5), p90: q(0.9), max: s.at(-1) ?? NaN };
}

resetPeakMemory();
process.stderr.write(`serve bench: ${engine.modelId} on ${engine.device}, ${method}, ${requests} requests × (${promptTokens} prompt + ${maxTokens} new tokens), ${concurrency} at a time\n`);
// One warm-up request (kernels, allocator) that is not measured.
await one();
const records: RequestRecord[] = [];
let next = 0;
const t0 = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < requests) {
      next++;
      records.push(await one());
    }
  }),
);
const wallS = (performance.now() - t0) / 1000;
const metricsText = await (await fetch(`${url}/metrics`)).text();
const sample = (name: string) => Number(/^(\S+) (\S+)$/m.exec(metricsText.split('\n').filter((l) => l.startsWith(name)).join('\n'))?.[2] ?? NaN);
const outputTokens = records.reduce((x, r) => x + r.completionTokens, 0);
const report = {
  host: hostname(),
  date: new Date().toISOString(),
  model: engine.modelId,
  device: engine.device,
  dtype: engine.dtype,
  attention: method,
  lrqk,
  promptTokens,
  maxTokens,
  requests,
  concurrency,
  wallSeconds: wallS,
  outputTokensPerSecond: outputTokens / wallS,
  requestsPerSecond: requests / wallS,
  ttftMs: stats(records.map((r) => r.ttftMs)),
  tpotMs: stats(records.flatMap((r) => (r.tpotMs === null ? [] : [r.tpotMs]))),
  e2eMs: stats(records.map((r) => r.e2eMs)),
  kvCacheHitRate: sample('lrqk:kv_cache_hit_rate'),
  peakDeviceBytes: memoryStats().peakAllocatedBytes,
  records,
};
await writeFile(a.out, `${JSON.stringify(report, null, 2)}\n`);
const f = (x: number) => x.toFixed(1);
process.stdout.write(
  `${report.model} ${report.device}/${report.dtype} ${method}: ${requests} req, ${f(report.outputTokensPerSecond)} output tokens/s, ` +
    `TTFT mean ${f(report.ttftMs.mean)} ms (p90 ${f(report.ttftMs.p90)}), TPOT mean ${f(report.tpotMs.mean)} ms (p90 ${f(report.tpotMs.p90)}), ` +
    `e2e p50 ${f(report.e2eMs.p50)} ms, hit rate ${report.kvCacheHitRate.toFixed(3)}, peak device ${(report.peakDeviceBytes / 2 ** 30).toFixed(2)} GiB → ${a.out}\n`,
);
await server.close({ graceMs: 1_000 });
await engine.dispose();
