// Measures one (context, method) setup of `pnpm bench:lrqk`: a random prompt through prefill
// (chunked where the backend accepts it), then warm-up and timed single-token decode steps with a
// fixed next token (no sampling, so the only host synchronisation per step is the model's own
// upload of the token id), reading the backend's counters before and after.
import { emptyCache, memoryStats, profilerRange, resetPeakMemory, synchronize } from '@lrqk/tensor';
import { createAttention, prefill, type AttentionShape, type AttentionStats, type LlamaModel } from '../src/index.ts';
import type { BenchConfig, BenchMethod } from './lrqk-args.ts';
import type { BenchRow } from './lrqk-report.ts';

function backendFor(method: BenchMethod, shape: AttentionShape, cfg: BenchConfig) {
  const lrqk = { rank: cfg.rank, topK: cfg.topK, lite: cfg.lite };
  switch (method) {
    case 'full':
    case 'offload':
      return createAttention(method, shape);
    case 'lrqk-qh':
      return createAttention('lrqk', shape, { ...lrqk, layout: 'per-query-head' });
    case 'lrqk-kv':
      return createAttention('lrqk', shape, { ...lrqk, layout: 'per-kv-head' });
  }
}

/** Deterministic token ids in [0, vocab). */
function promptIds(n: number, vocab: number, seed: number): number[] {
  let a = seed >>> 0;
  return Array.from({ length: n }, () => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return a % vocab;
  });
}

export async function runSetup(model: LlamaModel, cfg: BenchConfig, context: number, method: BenchMethod): Promise<BenchRow> {
  const s = model.spec;
  const steps = cfg.warmupSteps + cfg.decodeSteps;
  const shape: AttentionShape = { layers: s.layers, heads: s.heads, kvHeads: s.kvHeads, headDim: s.headDim, maxTokens: context + steps, dtype: cfg.dtype, device: cfg.device };
  const backend = await backendFor(method, shape, cfg);
  try {
    const ids = promptIds(context, s.vocabSize, cfg.seed + context);
    synchronize();
    resetPeakMemory();
    const t0 = performance.now();
    const logits = await prefill(model, backend, ids);
    logits.dispose();
    synchronize();
    const prefillMs = performance.now() - t0;
    const afterPrefill = backend.stats();
    const next = cfg.decodeInput === 'repeat' ? new Array<number>(steps).fill(ids[ids.length - 1]!) : promptIds(steps, s.vocabSize, cfg.seed + 7);
    // As generate() does: the first step eagerly, then a captured CUDA graph where the backend has
    // one (full, LRQK once sparse; LRQK_CUDA_GRAPHS=0 measures the eager path).
    let stepper: ReturnType<typeof model.decodeStepper>;
    const decode = (i: number) => {
      const pos = context + i;
      if (stepper === undefined && i >= 1) stepper = model.decodeStepper(backend);
      (stepper !== undefined ? stepper.step(next[i]!, pos) : model.forward([next[i]!], backend, { start: pos })).dispose();
    };
    let decodeMs: number;
    let hostMs = 0;
    let before: AttentionStats;
    let after: AttentionStats;
    let peak: number;
    try {
      // LRQK_PROFILE_RANGE=1: the last warm-up step runs inside cudaProfilerStart/Stop, for
      // `ncu --profile-from-start off --graph-profiling node` (a per-kernel view of one step).
      const profiled = process.env['LRQK_PROFILE_RANGE'] === '1' ? cfg.warmupSteps - 1 : -1;
      for (let i = 0; i < cfg.warmupSteps; i++) {
        if (i === profiled) {
          synchronize();
          profilerRange(true);
        }
        decode(i);
        if (i === profiled) {
          synchronize();
          profilerRange(false);
        }
      }
      synchronize();
      resetPeakMemory();
      before = backend.stats();
      const t1 = performance.now();
      // Host time spent issuing the steps (no synchronisation inside a step): when it nears the
      // step time, the GPU waits on the host.
      for (let i = cfg.warmupSteps; i < steps; i++) {
        const h0 = performance.now();
        decode(i);
        hostMs += performance.now() - h0;
      }
      synchronize();
      decodeMs = performance.now() - t1;
      after = backend.stats();
      peak = memoryStats().peakAllocatedBytes;
    } finally {
      stepper?.dispose();
    }
    const decodePath = stepper !== undefined ? 'cuda-graph' : 'eager';
    return {
      context,
      method,
      prefillMs,
      factorizationMs: afterPrefill.extraPrefillMs ?? 0,
      decodeMsPerToken: decodeMs / cfg.decodeSteps,
      hostMsPerToken: hostMs / cfg.decodeSteps,
      decodePath,
      ...(after.decodePhases ? { decodePhases: after.decodePhases } : {}),
      peakDeviceBytes: peak,
      backendDeviceBytes: after.deviceBytes,
      backendHostBytes: after.hostBytes,
      hitRate: hitRate(before, after),
      bytesHostToDevicePerStep: ((after.bytesHostToDevice ?? 0) - (before.bytesHostToDevice ?? 0)) / cfg.decodeSteps,
      bytesDeviceToHostPerStep: ((after.bytesDeviceToHost ?? 0) - (before.bytesDeviceToHost ?? 0)) / cfg.decodeSteps,
    };
  } finally {
    backend.dispose();
    emptyCache();
  }
}

function hitRate(before: AttentionStats, after: AttentionStats): number | null {
  if (after.hits === undefined || after.misses === undefined) return null;
  const hits = after.hits - (before.hits ?? 0);
  const misses = after.misses - (before.misses ?? 0);
  return hits + misses > 0 ? hits / (hits + misses) : null;
}
