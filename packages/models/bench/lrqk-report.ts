// Floors, the result table and the issue's goals for `pnpm bench:lrqk`. Pure functions of the
// measured rows, so they are tested on the CPU with made-up numbers of the right shape.
import type { LlamaSpec } from '../src/index.ts';
import type { BenchConfig, BenchMethod } from './lrqk-args.ts';

/** What one (context, method) run measured. */
export interface BenchRow {
  context: number;
  method: BenchMethod;
  prefillMs: number;
  /** LRQK's factorization (+ first selection) inside prefillMs. */
  factorizationMs: number;
  decodeMsPerToken: number;
  /** Host time per token spent issuing the step (no waits inside): near decodeMsPerToken, the GPU waits on the host. */
  hostMsPerToken?: number;
  /** With LRQK_PROFILE=1: device ms per token of each phase of LRQK's sparse decode step. */
  decodePhases?: Record<string, number>;
  /** How decode ran: one captured CUDA graph a token, or op by op. */
  decodePath: 'cuda-graph' | 'eager';
  /** Device memory: peak during decode (weights included) and what the backend holds. */
  peakDeviceBytes: number;
  backendDeviceBytes: number;
  backendHostBytes: number;
  /** Over the timed decode steps: hits / (hits + misses), or null without hit/miss accounting. */
  hitRate: number | null;
  bytesHostToDevicePerStep: number;
  bytesDeviceToHostPerStep: number;
}

export interface RowWithFloor extends BenchRow {
  floorMs: number;
  /** decodeMsPerToken / floorMs. */
  ratioToFloor: number;
  floorNote: string;
}

const dtypeBytes = { bf16: 2, f16: 2, f32: 4 } as const;

/**
 * The decode time a step cannot beat: bytes that must move / bandwidth. Weights (without the
 * embedding table, of which one row is read) at HBM speed, plus per method: full — the KV of every
 * layer at HBM; offload — the same KV over PCIe; lrqk — A_K rows of the candidates and the slots at
 * HBM, and the measured miss bytes over PCIe.
 */
export function decodeFloorMs(row: BenchRow, spec: LlamaSpec, cfg: BenchConfig, weightBytesRead: number): { ms: number; note: string } {
  const b = dtypeBytes[cfg.dtype];
  const hbm = cfg.hbmGBps * 1e9;
  const pcie = cfg.pcieGBps * 1e9;
  const n = row.context;
  const kvBytes = spec.layers * spec.kvHeads * n * 2 * spec.headDim * b;
  const weights = weightBytesRead / hbm;
  switch (row.method) {
    case 'full':
      return { ms: 1e3 * (weights + kvBytes / hbm), note: 'weights + KV at HBM' };
    case 'offload':
      return { ms: 1e3 * (weights + kvBytes / pcie), note: 'weights at HBM + KV over PCIe' };
    default: {
      const hf = row.method === 'lrqk-qh' ? spec.heads : spec.kvHeads;
      const aK = spec.layers * hf * n * cfg.rank * b; // A_K is stored in the model's dtype
      const slots = spec.layers * hf * (cfg.topK + cfg.lite) * 2 * spec.headDim * b;
      return {
        ms: 1e3 * (weights + (aK + slots) / hbm + row.bytesHostToDevicePerStep / pcie),
        note: 'weights + A_K + slots at HBM, misses over PCIe',
      };
    }
  }
}

export function withFloors(rows: BenchRow[], spec: LlamaSpec, cfg: BenchConfig, weightBytesRead: number): RowWithFloor[] {
  return rows.map((r) => {
    const f = decodeFloorMs(r, spec, cfg, weightBytesRead);
    return { ...r, floorMs: f.ms, ratioToFloor: r.decodeMsPerToken / f.ms, floorNote: f.note };
  });
}

const GiB = 2 ** 30;
const MB = 1e6;

function fmt(v: number, digits = 2): string {
  if (!Number.isFinite(v)) return '–';
  return v >= 100 ? v.toFixed(0) : v.toFixed(digits);
}

/** "32K" for 32768. */
export function tokensLabel(n: number): string {
  return n % 1024 === 0 ? `${n / 1024}K` : String(n);
}

/** One row's cells, in the column order of both tables (text and Markdown). */
function rowCells(r: RowWithFloor): string[] {
  return [
    tokensLabel(r.context),
    r.method,
    fmt(r.prefillMs / 1e3),
    r.method.startsWith('lrqk') ? fmt((100 * r.factorizationMs) / r.prefillMs, 1) : '',
    fmt(r.decodeMsPerToken),
    r.decodePath === 'cuda-graph' ? 'graph' : 'eager',
    fmt(r.floorMs),
    fmt(r.ratioToFloor),
    fmt(r.peakDeviceBytes / GiB),
    fmt(r.backendDeviceBytes / GiB, 3),
    r.hitRate === null ? '' : fmt(r.hitRate, 3),
    fmt(r.bytesHostToDevicePerStep / MB),
    fmt(r.bytesDeviceToHostPerStep / MB, 3),
  ];
}

/** A fixed-width text table of the rows. */
export function renderTable(rows: RowWithFloor[]): string {
  const head = ['context', 'method', 'prefill s', 'factor %', 'decode ms/tok', 'decode path', 'floor ms', '×floor', 'GPU GiB (peak)', 'backend GiB', 'hit rate', 'H→D MB/step', 'D→H MB/step'];
  const body = rows.map(rowCells);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

export interface GoalCheck {
  goal: string;
  /** null: not measurable from these rows (a setup was not run). */
  met: boolean | null;
  detail: string;
}

/**
 * The issue's goals at `goalContext` (128K): lrqk decode faster than full; within 1.3× of its
 * floor; GPU memory of the shared layout ≤ weights + 4 GiB (backend bytes scaled to the model's
 * full depth); factorization ≤ 15 % of prefill; offload PCIe-bound; lrqk ≥ 20× faster than offload.
 */
export function checkGoals(rows: RowWithFloor[], goalContext: number, fullLayers: number, builtLayers: number): GoalCheck[] {
  const at = (m: BenchMethod) => rows.find((r) => r.context === goalContext && r.method === m);
  const full = at('full');
  const off = at('offload');
  const lrqks = (['lrqk-kv', 'lrqk-qh'] as const).map(at).filter((r): r is RowWithFloor => r !== undefined);
  const fastest = lrqks.length ? lrqks.reduce((a, b) => (a.decodeMsPerToken <= b.decodeMsPerToken ? a : b)) : undefined;
  const label = tokensLabel(goalContext);
  const out: GoalCheck[] = [];
  const need = (goal: string, ok: boolean | undefined, detail: string) => out.push({ goal, met: ok === undefined ? null : ok, detail });
  need(
    `lrqk decode at ${label} faster than full`,
    fastest && full ? fastest.decodeMsPerToken < full.decodeMsPerToken : undefined,
    fastest && full ? `${fastest.method} ${fmt(fastest.decodeMsPerToken)} ms vs full ${fmt(full.decodeMsPerToken)} ms` : 'needs full and lrqk rows',
  );
  for (const r of lrqks) {
    need(`${r.method} within 1.3× of its floor at ${label}`, r.ratioToFloor <= 1.3, `${fmt(r.ratioToFloor)}× (${fmt(r.decodeMsPerToken)} ms vs ${fmt(r.floorMs)} ms)`);
    need(`${r.method} factorization ≤ 15% of prefill at ${label}`, r.factorizationMs <= 0.15 * r.prefillMs, `${fmt((100 * r.factorizationMs) / r.prefillMs, 1)}%`);
  }
  const kv = at('lrqk-kv');
  const scale = fullLayers / builtLayers;
  need(
    `lrqk-kv backend memory at ${label} ≤ 4 GiB (scaled to ${fullLayers} layers)`,
    kv ? kv.backendDeviceBytes * scale <= 4 * GiB : undefined,
    kv ? `${fmt((kv.backendDeviceBytes * scale) / GiB)} GiB (${fmt(kv.backendDeviceBytes / GiB, 3)} GiB for ${builtLayers} layers)` : 'needs an lrqk-kv row',
  );
  need('offload is bound by PCIe', off ? off.ratioToFloor <= 1.5 : undefined, off ? `${fmt(off.ratioToFloor)}× its PCIe floor` : 'needs an offload row');
  need(
    `lrqk ≥ 20× faster than offload at ${label}`,
    fastest && off ? off.decodeMsPerToken >= 20 * fastest.decodeMsPerToken : undefined,
    fastest && off ? `${fmt(off.decodeMsPerToken / fastest.decodeMsPerToken, 1)}×` : 'needs offload and lrqk rows',
  );
  return out;
}

export function renderGoals(goals: GoalCheck[]): string {
  return goals.map((g) => `${g.met === null ? '  n/a' : g.met ? '  met' : ' MISS'}  ${g.goal}: ${g.detail}`).join('\n');
}

/** The report as Markdown (for docs/benchmarks/lrqk.md): setup, the table, the goals. */
export function renderMarkdown(o: {
  device: string;
  date: string;
  command: string;
  setup: string[];
  rows: RowWithFloor[];
  goals: GoalCheck[];
  errors: { context: number; method: string; error: string }[];
}): string {
  const head = ['context', 'method', 'prefill (s)', 'factorization (% of prefill)', 'decode (ms/token)', 'decode path', 'floor (ms)', '× floor', 'GPU peak (GiB)', 'backend on GPU (GiB)', 'hit rate', 'H→D (MB/step)', 'D→H (MB/step)'];
  const rows = o.rows.map(rowCells);
  const table = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
  const goals = o.goals.map((g) => `- ${g.met === null ? 'n/a' : g.met ? 'met' : '**missed**'}: ${g.goal} — ${g.detail}`).join('\n');
  const errors = o.errors.length ? `\n\nFailed setups:\n\n${o.errors.map((e) => `- ${tokensLabel(e.context)} ${e.method}: ${e.error.split('\n')[0]}`).join('\n')}` : '';
  return `# bench:lrqk\n\n${o.device}, ${o.date}.\n\n\`\`\`\n${o.command}\n\`\`\`\n\n${o.setup.map((s) => `- ${s}`).join('\n')}\n\n${table}\n\nFloors: ${[...new Set(o.rows.map((r) => `${r.method} — ${r.floorNote}`))].join('; ')}.\n\nGoals:\n\n${goals}${errors}\n`;
}
