// The decode benchmark's arithmetic and output: the bandwidth floor of a decode step (every weight
// read once + the KV cache read once, at the HBM bandwidth), ratios against it, and the table.
// Shared by decode.bench.ts and tools/device/bench-decode.sh's combined table (via the JSON).

export interface DecodeCase {
  contextTokens: number;
  prefillMs: number;
  prefillTokensPerS: number;
  /** Mean over the timed decode steps. */
  decodeMsPerToken: number;
  /** Bytes one decode step must read at least: weights + KV at the mean position of the timed steps. */
  bytesPerStep: number;
  floorMsPerToken: number;
  /** decodeMsPerToken / floorMsPerToken (goal ≤ 1.3). */
  floorRatio: number;
  peakAllocatedBytes: number;
  peakReservedBytes: number;
  /** Whether the timed decode steps replayed a captured CUDA graph (LlamaDecodeGraph). */
  cudaGraph?: boolean;
  /** With LRQK_PREFILL_PROFILE=1: device ms of the prefill spent in the attention backend. */
  prefillAttentionMs?: number;
  /** Set when the case could not run (e.g. out of memory); the numbers are then NaN. */
  error?: string;
}

export interface DecodeReport {
  bench: 'decode';
  implementation: string;
  model: string;
  device: string;
  dtype: string;
  parameters: number;
  /** Weight bytes a decode step reads (all layers, final norm, lm_head; one embedding row is negligible). */
  weightBytesPerStep: number;
  kvBytesPerToken: number;
  bandwidthBytesPerS: number;
  decodeSteps: number;
  prefillChunkTokens: number;
  loadMs: number;
  cases: DecodeCase[];
  date: string;
  host: string;
}

/** Floor of one decode step in ms: (weight bytes + KV bytes read) / bandwidth. */
export function floorMs(weightBytes: number, kvBytesPerToken: number, positions: number, bandwidthBytesPerS: number): number {
  return ((weightBytes + kvBytesPerToken * positions) / bandwidthBytesPerS) * 1e3;
}

/** A case's derived fields from its measurements. */
export function decodeCase(
  m: { contextTokens: number; prefillMs: number; decodeMsPerToken: number; decodeSteps: number; warmupSteps: number; peakAllocatedBytes: number; peakReservedBytes: number },
  weightBytes: number,
  kvBytesPerToken: number,
  bandwidth: number,
): DecodeCase {
  // Step i (0-based, after warm-up) attends over contextTokens + warmupSteps + i + 1 positions.
  const meanPositions = m.contextTokens + m.warmupSteps + (m.decodeSteps + 1) / 2;
  const floor = floorMs(weightBytes, kvBytesPerToken, meanPositions, bandwidth);
  return {
    contextTokens: m.contextTokens,
    prefillMs: m.prefillMs,
    prefillTokensPerS: (m.contextTokens / m.prefillMs) * 1e3,
    decodeMsPerToken: m.decodeMsPerToken,
    bytesPerStep: weightBytes + kvBytesPerToken * meanPositions,
    floorMsPerToken: floor,
    floorRatio: m.decodeMsPerToken / floor,
    peakAllocatedBytes: m.peakAllocatedBytes,
    peakReservedBytes: m.peakReservedBytes,
  };
}

const gib = (b: number) => (Number.isFinite(b) ? `${(b / 2 ** 30).toFixed(1)} GiB` : '-');
const fix = (v: number, d: number) => (Number.isFinite(v) ? v.toFixed(d) : '-');

/** Plain-text table, one row per context. */
export function formatDecodeTable(r: DecodeReport): string {
  const head = ['context', 'prefill s', 'prefill tok/s', 'decode ms/tok', 'floor ms/tok', 'ratio', 'peak alloc', 'peak reserved'];
  const ok = r.cases.filter((c) => !c.error);
  const rows = ok.map((c) => [String(c.contextTokens), fix(c.prefillMs / 1e3, 2), fix(c.prefillTokensPerS, 0), fix(c.decodeMsPerToken, 2), fix(c.floorMsPerToken, 2), fix(c.floorRatio, 2), gib(c.peakAllocatedBytes), gib(c.peakReservedBytes)]);
  const widths = head.map((h, i) => Math.max(h.length, ...r.cases.map((c) => (i === 0 ? String(c.contextTokens).length : 0)), ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const body = r.cases.map((c) => (c.error ? `${String(c.contextTokens).padEnd(widths[0]!)}  error: ${c.error}` : line(rows[ok.indexOf(c)]!)));
  return [
    `${r.implementation}: ${r.model} on ${r.device} (${r.dtype}), ${(r.parameters / 1e9).toFixed(2)} B parameters, weights read per step ${gib(r.weightBytesPerStep)}, ` +
      `KV ${(r.kvBytesPerToken / 1024).toFixed(0)} KiB/token, floor at ${(r.bandwidthBytesPerS / 1e12).toFixed(2)} TB/s, ${r.decodeSteps} decode steps, load ${(r.loadMs / 1e3).toFixed(1)} s`,
    line(head),
    ...body,
  ].join('\n');
}
