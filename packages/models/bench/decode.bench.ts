// Decode benchmark: batch 1, full attention, one checkpoint, several contexts. For each context:
// prefill a random-token prompt of that length (chunked, timed with a device synchronize), then
// decode greedily (warm-up steps, then timed steps; each step reads its token back to the host, as
// generation does), and read the allocator's peak device memory (reset between contexts).
// Compares decode with the bandwidth floor (weight bytes + KV bytes read) / HBM bandwidth.
// Prints a table and writes JSON (see decode-args.ts for flags; tools/device/bench-decode.sh runs
// it on the GPU machine next to tools/oracle/bench_hf.py).
//   node --conditions=source packages/models/bench/decode.bench.ts --model /tmp/llama-3.1-8b
import { mkdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname } from 'node:path';
import { BenchArgError, parseDecodeBenchArgs, type DecodeBenchArgs } from './decode-args.ts';
import { decodeCase, formatDecodeTable, type DecodeCase, type DecodeReport } from './decode-report.ts';
import { causalAttentionFlops, PrefillAttentionTimer } from './prefill-profile.ts';

const DTYPE_BYTES = { f32: 4, f16: 2, bf16: 2 } as const;

/** mulberry32 token ids in [0, vocab). */
function randomIds(n: number, vocab: number, seed: number): number[] {
  let a = seed >>> 0;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) % vocab;
  }
  return out;
}

export async function runDecodeBench(
  args: DecodeBenchArgs,
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
  onCase?: (partial: DecodeReport) => Promise<void>,
): Promise<DecodeReport> {
  const tensor = await import('@lrqk/tensor');
  const { countParameters, FullAttention, loadModel, prefill } = await import('../src/index.ts');
  const { argmax, memoryStats, resetPeakMemory, synchronize, emptyCache, resolveDevice } = tensor;
  const device = resolveDevice(args.device);
  const maxContext = Math.max(...args.contexts);
  const extra = args.warmupSteps + args.decodeSteps + 1;
  const t0 = performance.now();
  let lastLog = t0;
  const { model, config } = await loadModel(args.model, {
    device,
    ...(args.dtype !== undefined ? { dtype: args.dtype } : {}),
    contextTokens: maxContext + extra,
    onProgress: (done, total) => {
      const now = performance.now();
      if (now - lastLog > 5000 || done === total) {
        lastLog = now;
        log(`loading ${args.model}: ${(done / 2 ** 30).toFixed(1)} / ${(total / 2 ** 30).toFixed(1)} GiB`);
      }
    },
  });
  synchronize();
  const loadMs = performance.now() - t0;
  const s = model.spec;
  const w = model.weights;
  let weightBytes = w.norm.byteLength + w.lmHead.byteLength;
  for (const l of w.layers) for (const t of Object.values(l)) weightBytes += (t as { byteLength: number }).byteLength;
  const kvBytesPerToken = 2 * s.layers * s.kvHeads * s.headDim * DTYPE_BYTES[model.dtype];
  const cases: DecodeCase[] = [];
  const parameters = countParameters(config).total;
  const report = (): DecodeReport => ({
    bench: 'decode',
    implementation: 'lrqk',
    model: basename(args.model),
    device,
    dtype: model.dtype,
    parameters,
    weightBytesPerStep: weightBytes,
    kvBytesPerToken,
    bandwidthBytesPerS: args.bandwidth,
    decodeSteps: args.decodeSteps,
    prefillChunkTokens: args.prefillChunk,
    loadMs,
    cases: [...cases],
    date: new Date().toISOString(),
    host: hostname(),
  });
  for (const ctx of args.contexts) {
    let backend: InstanceType<typeof FullAttention> | undefined;
    try {
      emptyCache();
      resetPeakMemory();
      backend = new FullAttention({
        layers: s.layers,
        heads: s.heads,
        kvHeads: s.kvHeads,
        headDim: s.headDim,
        maxTokens: ctx + extra,
        dtype: model.dtype,
        device,
        ...(s.slidingWindow !== undefined ? { slidingWindow: s.slidingWindow } : {}),
      });
      const ids = randomIds(ctx, s.vocabSize, args.seed + ctx);
      let decodeMsPerToken = NaN;
      let graph = false;
      synchronize();
      const timer = process.env['LRQK_PREFILL_PROFILE'] === '1' && device === 'cuda' ? new PrefillAttentionTimer(() => new tensor.Event({ timing: true })) : undefined;
      const p0 = performance.now();
      let logits = await prefill(model, timer ? timer.wrap(backend) : backend, ids, { chunkTokens: args.prefillChunk });
      synchronize();
      const prefillMs = performance.now() - p0;
      const profile = timer?.collect();
      if (profile) {
        const tflops = causalAttentionFlops(ctx, s.heads, s.headDim, s.layers) / (profile.attentionMs * 1e9);
        log(`context ${ctx}: prefill attention ${(profile.attentionMs / 1e3).toFixed(2)} s of ${(prefillMs / 1e3).toFixed(2)} (${profile.calls} calls, ${tflops.toFixed(0)} TFLOP/s), the rest ${((prefillMs - profile.attentionMs) / 1e3).toFixed(2)} s`);
      }
      const next = (): number => {
        const best = argmax(logits.view([s.vocabSize]));
        const id = best.toFloat64Array()[0]!;
        best.dispose();
        logits.dispose();
        return id;
      };
      let id = next();
      let pos = ctx;
      // As generate(): the first decode step runs eagerly, then the model's captured CUDA graph
      // (LlamaDecodeGraph; none on the CPU or with LRQK_CUDA_GRAPHS=0) decodes the rest.
      let stepper: ReturnType<typeof model.decodeStepper>;
      const decodeOne = (): void => {
        logits = stepper !== undefined ? stepper.step(id, pos) : model.forward([id], backend!, { start: pos });
        pos++;
        id = next();
      };
      try {
        for (let i = 0; i < args.warmupSteps; i++) {
          decodeOne();
          if (i === 0) stepper = model.decodeStepper(backend);
        }
        synchronize();
        const d0 = performance.now();
        for (let i = 0; i < args.decodeSteps; i++) decodeOne();
        synchronize();
        decodeMsPerToken = (performance.now() - d0) / args.decodeSteps;
        graph = stepper !== undefined;
      } finally {
        stepper?.dispose();
      }
      const mem = memoryStats();
      const c = decodeCase(
        { contextTokens: ctx, prefillMs, decodeMsPerToken, decodeSteps: args.decodeSteps, warmupSteps: args.warmupSteps, peakAllocatedBytes: mem.peakAllocatedBytes, peakReservedBytes: mem.peakReservedBytes },
        weightBytes,
        kvBytesPerToken,
        args.bandwidth,
      );
      c.cudaGraph = graph;
      if (profile) c.prefillAttentionMs = profile.attentionMs;
      cases.push(c);
      log(`context ${ctx}: prefill ${(prefillMs / 1e3).toFixed(2)} s (${c.prefillTokensPerS.toFixed(0)} tokens/s), decode ${decodeMsPerToken.toFixed(2)} ms/token${graph ? ' (CUDA graph)' : ' (eager)'} (floor ${c.floorMsPerToken.toFixed(2)}, ratio ${c.floorRatio.toFixed(2)})`);
    } catch (e) {
      const message = (e as Error).message.split('\n')[0]!;
      log(`context ${ctx}: FAILED: ${message}`);
      cases.push({ contextTokens: ctx, prefillMs: NaN, prefillTokensPerS: NaN, decodeMsPerToken: NaN, bytesPerStep: NaN, floorMsPerToken: NaN, floorRatio: NaN, peakAllocatedBytes: NaN, peakReservedBytes: NaN, error: message });
    } finally {
      backend?.dispose();
    }
    // Results so far survive a time limit that stops a later, longer context.
    await onCase?.(report());
  }
  const final = report();
  model.dispose();
  return final;
}

/** NaN is not JSON: failed cases carry null numbers. */
export function toJson(r: DecodeReport): string {
  return `${JSON.stringify(r, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`;
}

async function main(): Promise<number> {
  let args: DecodeBenchArgs;
  try {
    args = parseDecodeBenchArgs(process.argv.slice(2), process.env);
  } catch (e) {
    if (e instanceof BenchArgError) {
      process.stderr.write(`decode.bench: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  await mkdir(dirname(args.out), { recursive: true });
  const report = await runDecodeBench(args, undefined, (partial) => writeFile(args.out, toJson(partial)));
  await writeFile(args.out, toJson(report));
  process.stdout.write(`${formatDecodeTable(report)}\nwrote ${args.out}\n`);
  return report.cases.some((c) => c.error) ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main();
}
