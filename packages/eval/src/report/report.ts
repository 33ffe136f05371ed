// The JSON report of a run and its plots, made from the results file (so a resumed or partial
// run reports everything finished so far).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResultRecord, RunHeader } from '../run/results-log.ts';
import { corpusPerplexity } from '../run/perplexity.ts';
import { accuracyByTaskSpec, accuracyVsLengthSpec, metricVsLengthSpec, perLayerSpec, perStepSpec, writePlot } from './plots.ts';
import { summarizeByMethodLength, summarizeCells, type CellSummary, type MethodLengthSummary } from './summary.ts';

/** report.json: summaries of every finished item of a run. */
export interface EvalReport {
  kind: string;
  model: string;
  settings: Record<string, unknown>;
  generatedAt: string;
  resultsFile: string;
  items: number;
  cells: CellSummary[];
  summary: MethodLengthSummary[];
  /** Corpus perplexity exp(Σ NLL / Σ tokens) by method and window length (perplexity runs). */
  perplexity?: { method: string; length: number; ppl: number; windows: number; tokens: number }[];
  /**
   * LongBench-E buckets (longbench runs with items that carry LongBench's "length"): mean score
   * × 100 by method, length budget, dataset and item length 0-4k / 4-8k / 8k+, as eval.py --e.
   */
  lengthBuckets?: { method: string; length: number; dataset: string; bucket: string; n: number; score: number }[];
  /** Hit rate by decode step (fidelity runs): mean over items, by method and length. */
  perStep?: PerStepRow[];
  /** Per-layer fidelity (fidelity runs): mean over heads and items, by method. */
  perLayer?: PerLayerRow[];
  plots: string[];
  /** Why plots are missing, when rendering failed (the report and results are written regardless). */
  plotError?: string;
}

/** LongBench-E's buckets of an item's length (words; characters for Chinese). */
export function longBenchBucket(itemLength: number): string {
  return itemLength < 4000 ? '0-4k' : itemLength < 8000 ? '4-8k' : '8k+';
}

/** Mean LongBench score by method, budget, dataset and LongBench-E bucket. */
function lengthBuckets(records: readonly ResultRecord[]): NonNullable<EvalReport['lengthBuckets']> {
  const acc = new Map<string, { sum: number; n: number }>();
  for (const r of records) {
    const itemLength = r.values['itemLength'];
    if (itemLength === undefined || r.score === null) continue;
    const k = JSON.stringify([r.method, r.length, r.task, longBenchBucket(itemLength)]);
    const a = acc.get(k) ?? { sum: 0, n: 0 };
    a.sum += r.score;
    a.n++;
    acc.set(k, a);
  }
  return [...acc].map(([k, a]) => {
    const [method, length, dataset, bucket] = JSON.parse(k) as [string, number, string, string];
    return { method, length, dataset, bucket, n: a.n, score: (100 * a.sum) / a.n };
  });
}

/** Mean hit rate at one decode step. */
export interface PerStepRow {
  method: string;
  length: number;
  step: number;
  hitRate: number;
  items: number;
}

/** Mean over items of the per-step hit rates a fidelity run stores in details.stepHitRate. */
export function perStepRows(records: readonly ResultRecord[]): PerStepRow[] {
  const acc = new Map<string, { sum: number; n: number }>();
  for (const r of records) {
    const steps = r.details?.['stepHitRate'];
    if (!Array.isArray(steps)) continue;
    steps.forEach((v, step) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) return;
      const k = JSON.stringify([r.method, r.length, step]);
      const a = acc.get(k) ?? { sum: 0, n: 0 };
      a.sum += v;
      a.n++;
      acc.set(k, a);
    });
  }
  return [...acc].map(([k, a]) => {
    const [method, length, step] = JSON.parse(k) as [string, number, number];
    return { method, length, step, hitRate: a.sum / a.n, items: a.n };
  });
}

/** Mean fidelity of one layer (over heads and items). */
export interface PerLayerRow {
  method: string;
  layer: number;
  massCaptured: number;
  topkRecall: number;
  hitRate: number;
}

/** Per-layer means over items of the per-layer arrays a fidelity run stores in details. */
export function perLayerRows(records: readonly ResultRecord[]): PerLayerRow[] {
  const acc = new Map<string, { sums: [number, number, number]; counts: [number, number, number] }>();
  for (const r of records) {
    const layers = r.details?.['perLayer'] as { massCaptured?: number[]; topkRecall?: number[]; hitRate?: number[] } | undefined;
    if (layers === undefined) continue;
    const fields = [layers.massCaptured ?? [], layers.topkRecall ?? [], layers.hitRate ?? []] as const;
    const n = Math.max(...fields.map((f) => f.length));
    for (let l = 0; l < n; l++) {
      const k = JSON.stringify([r.method, l]);
      let a = acc.get(k);
      if (a === undefined) acc.set(k, (a = { sums: [0, 0, 0], counts: [0, 0, 0] }));
      const { sums, counts } = a;
      fields.forEach((f, i) => {
        const v = f[l];
        if (v !== undefined && Number.isFinite(v)) {
          sums[i] = (sums[i] as number) + v;
          counts[i] = (counts[i] as number) + 1;
        }
      });
    }
  }
  return [...acc].map(([k, a]) => {
    const [method, layer] = JSON.parse(k) as [string, number];
    const m = (i: 0 | 1 | 2) => (a.counts[i] > 0 ? a.sums[i] / a.counts[i] : Number.NaN);
    return { method, layer, massCaptured: m(0), topkRecall: m(1), hitRate: m(2) };
  });
}

/** What writeReport summarizes and where it writes. */
export interface WriteReportOptions {
  header: RunHeader;
  records: readonly ResultRecord[];
  resultsFile: string;
  /** Directory for report.json and the plots. */
  outDir: string;
  /** Write SVG + PNG plots (default true). */
  plots?: boolean;
}

/** Writes `report.json` (and plots) into `outDir`; returns the report. */
export async function writeReport(o: WriteReportOptions): Promise<EvalReport> {
  await mkdir(o.outDir, { recursive: true });
  const cells = summarizeCells(o.records);
  const summary = summarizeByMethodLength(cells);
  const report: EvalReport = {
    kind: o.header.kind,
    model: o.header.model,
    settings: o.header.settings,
    generatedAt: new Date().toISOString(),
    resultsFile: o.resultsFile,
    items: o.records.length,
    cells,
    summary,
    plots: [],
  };
  const perLayer = perLayerRows(o.records);
  if (perLayer.length > 0) report.perLayer = perLayer;
  const perStep = perStepRows(o.records);
  if (perStep.length > 0) report.perStep = perStep;
  if (o.header.kind === 'longbench') {
    const buckets = lengthBuckets(o.records);
    if (buckets.length > 0) report.lengthBuckets = buckets;
  }
  if (o.header.kind === 'ppl') {
    report.perplexity = summary.map((s) => {
      const rows = o.records.filter((r) => r.method === s.method && r.length === s.length);
      return { method: s.method, length: s.length, ppl: corpusPerplexity(rows), windows: rows.length, tokens: rows.reduce((a, r) => a + (r.values['tokens'] ?? 0), 0) };
    });
  }
  if (o.plots !== false) {
    try {
      await writePlots(o, report, summary, perLayer);
    } catch (error) {
      report.plotError = `plots not written: ${(error as Error).message}`;
    }
  }
  await writeFile(join(o.outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

/** The plots that fit the run's data, added to report.plots as written. */
async function writePlots(o: WriteReportOptions, report: EvalReport, summary: readonly MethodLengthSummary[], perLayer: readonly PerLayerRow[]): Promise<void> {
  const add = (p: { svg: string; png: string }) => report.plots.push(p.svg, p.png);
  const scored = summary.filter((s) => s.score !== null).map((s) => ({ method: s.method, length: s.length, score: s.score as number }));
  if (scored.length > 0) {
    add(await writePlot(accuracyVsLengthSpec(scored, `${o.header.kind}: accuracy vs length (${o.header.model})`), join(o.outDir, 'accuracy-vs-length')));
  }
  const byTask = report.cells.filter((c) => c.score !== null).map((c) => ({ method: c.method, length: c.length, task: c.task, score: c.score as number }));
  if (new Set(byTask.map((c) => c.task)).size > 1) {
    add(await writePlot(accuracyByTaskSpec(byTask, `${o.header.kind}: accuracy vs length by task (${o.header.model})`), join(o.outDir, 'accuracy-by-task')));
  }
  const ppl = (report.perplexity ?? []).filter((r) => Number.isFinite(r.ppl));
  if (ppl.length > 0) {
    const rows = ppl.map((r) => ({ method: r.method, length: r.length, value: r.ppl }));
    add(await writePlot(metricVsLengthSpec(rows, `perplexity vs window length (${o.header.model})`, 'perplexity'), join(o.outDir, 'perplexity-vs-length')));
  }
  if (perLayer.length > 0) {
    const series = (field: 'massCaptured' | 'topkRecall' | 'hitRate', metric: string) =>
      perLayer.filter((r) => Number.isFinite(r[field])).map((r) => ({ layer: r.layer, value: r[field], method: r.method, metric }));
    const fidelityRows = [...series('massCaptured', 'attention mass captured'), ...series('topkRecall', 'exact top-k recall')];
    if (fidelityRows.length > 0) add(await writePlot(perLayerSpec(fidelityRows, `attention fidelity per layer (${o.header.model})`, 'share'), join(o.outDir, 'fidelity-per-layer')));
    const hits = series('hitRate', 'hit rate');
    if (hits.length > 0) add(await writePlot(perLayerSpec(hits, `hit rate of the resident KV rows per layer (${o.header.model})`, 'hit rate'), join(o.outDir, 'hit-rate-per-layer')));
  }
  const steps = report.perStep ?? [];
  if (steps.length > 0) {
    const rows = steps.map((r) => ({ step: r.step, value: r.hitRate, method: r.method, length: r.length }));
    add(await writePlot(perStepSpec(rows, `hit rate of the resident KV rows by decode step (${o.header.model})`), join(o.outDir, 'hit-rate-per-step')));
  }
}
