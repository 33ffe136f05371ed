// Aggregates result records into the tables of a report: per (method, length, task) cell and per
// (method, length) over tasks (the mean of the task means, as RULER averages tasks).
import type { ResultRecord } from '../run/results-log.ts';

/** One (method, length, task) cell. */
export interface CellSummary {
  method: string;
  length: number;
  task: string;
  /** Items in the cell. */
  n: number;
  /** Mean score × 100 (null when the items carry no score, e.g. perplexity). */
  score: number | null;
  /** Mean of each numeric value over the items that have it. */
  means: Record<string, number>;
}

/** One (method, length) row over tasks. */
export interface MethodLengthSummary {
  method: string;
  length: number;
  /** Tasks with at least one item. */
  tasks: number;
  n: number;
  /** Mean over tasks of the task's mean score × 100. */
  score: number | null;
  /** Mean over tasks of each value's task mean. */
  means: Record<string, number>;
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function meansOf(rows: readonly Record<string, number>[]): Record<string, number> {
  const acc = new Map<string, number[]>();
  for (const r of rows) {
    for (const [k, v] of Object.entries(r)) {
      if (!Number.isFinite(v)) continue;
      let list = acc.get(k);
      if (list === undefined) acc.set(k, (list = []));
      list.push(v);
    }
  }
  return Object.fromEntries([...acc].map(([k, v]) => [k, mean(v)]));
}

/** Groups in first-seen order of method, sorted by length, tasks in first-seen order. */
export function summarizeCells(records: readonly ResultRecord[]): CellSummary[] {
  const groups = new Map<string, ResultRecord[]>();
  for (const r of records) {
    const k = JSON.stringify([r.method, r.length, r.task]);
    let g = groups.get(k);
    if (g === undefined) groups.set(k, (g = []));
    g.push(r);
  }
  const methods = [...new Set(records.map((r) => r.method))];
  const tasks = [...new Set(records.map((r) => r.task))];
  const cells = [...groups.values()].map((g) => {
    const first = g[0] as ResultRecord;
    const scores = g.map((r) => r.score).filter((s): s is number => s !== null && Number.isFinite(s));
    return {
      method: first.method,
      length: first.length,
      task: first.task,
      n: g.length,
      score: scores.length > 0 ? 100 * mean(scores) : null,
      means: meansOf(g.map((r) => r.values)),
    };
  });
  return cells.sort(
    (a, b) => methods.indexOf(a.method) - methods.indexOf(b.method) || a.length - b.length || tasks.indexOf(a.task) - tasks.indexOf(b.task),
  );
}

/** Rows per (method, length): the mean over tasks of the cell means. */
export function summarizeByMethodLength(cells: readonly CellSummary[]): MethodLengthSummary[] {
  const groups = new Map<string, CellSummary[]>();
  for (const c of cells) {
    const k = JSON.stringify([c.method, c.length]);
    let g = groups.get(k);
    if (g === undefined) groups.set(k, (g = []));
    g.push(c);
  }
  return [...groups.values()].map((g) => {
    const first = g[0] as CellSummary;
    const scores = g.map((c) => c.score).filter((s): s is number => s !== null);
    return {
      method: first.method,
      length: first.length,
      tasks: g.length,
      n: g.reduce((a, c) => a + c.n, 0),
      score: scores.length > 0 ? mean(scores) : null,
      means: meansOf(g.map((c) => c.means)),
    };
  });
}
