// The summary table of a report as text cells (the CLI draws it): one row per method and length.
// RULER and LongBench: score per task and the mean, with cost columns; perplexity: corpus
// perplexity per window length; fidelity: mass captured, top-k recall, hit rate.
import type { EvalReport } from './report.ts';

/** Table cells as text: a header row and the body rows. */
export interface ReportTable {
  head: string[];
  rows: string[][];
}

function fmt(v: number | null | undefined, digits = 1): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits);
}

function pct(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? '-' : `${(100 * v).toFixed(1)}%`;
}

function scoreTable(report: EvalReport): ReportTable {
  const tasks = [...new Set(report.cells.map((c) => c.task))];
  const rows = report.summary.map((s) => {
    const cells = tasks.map((t) => fmt(report.cells.find((c) => c.method === s.method && c.length === s.length && c.task === t)?.score));
    const m = s.means;
    const prefill = m['prefillMs'] !== undefined && m['promptTokens'] !== undefined && m['prefillMs'] > 0 ? (1000 * m['promptTokens']) / m['prefillMs'] : null;
    const mib = (v: number | undefined) => (v === undefined ? '-' : fmt(v / 2 ** 20));
    return [s.method, String(s.length), ...cells, fmt(s.score), fmt(prefill, 0), fmt(m['msPerToken'], 2), pct(m['hitRate']), `${mib(m['deviceBytes'])} / ${mib(m['hostBytes'])}`];
  });
  return { head: ['method', 'length', ...tasks, 'avg', 'prefill tok/s', 'ms/token', 'hit rate', 'KV MiB device / host'], rows };
}

function perplexityTable(report: EvalReport): ReportTable {
  const rows = (report.perplexity ?? []).map((p) => {
    const s = report.summary.find((x) => x.method === p.method && x.length === p.length);
    const ppl = p.ppl >= 1e6 ? p.ppl.toExponential(3) : fmt(p.ppl, 3);
    return [p.method, String(p.length), String(p.windows), String(p.tokens), ppl, fmt((s?.means['ms'] ?? Number.NaN) / 1000, 2)];
  });
  return { head: ['method', 'window', 'windows', 'scored tokens', 'perplexity', 's/window'], rows };
}

function fidelityTable(report: EvalReport): ReportTable {
  const rows = report.summary.map((s) => {
    const m = s.means;
    return [s.method, String(s.length), String(s.n), fmt(m['sparseSteps'], 0), pct(m['massCaptured']), pct(m['topkRecall']), pct(m['layerHitRate']), fmt(s.score)];
  });
  return { head: ['method', 'length', 'items', 'sparse steps', 'mass captured', 'top-k recall', 'hit rate', 'accuracy'], rows };
}

/** The summary table of a report, by its kind (ruler, longbench, ppl, fidelity). */
export function reportTable(report: EvalReport): ReportTable {
  if (report.kind === 'ppl') return perplexityTable(report);
  if (report.kind === 'fidelity') return fidelityTable(report);
  return scoreTable(report);
}
