// Summaries and the report table from hand-made records: means per cell, the mean of task means
// per row, cost columns computed from the recorded values.
import { describe, expect, it } from 'vitest';
import { reportTable, summarizeByMethodLength, summarizeCells, type EvalReport, type ResultRecord } from '../src/index.ts';

function rec(method: string, task: string, index: number, score: number, values: Record<string, number>): ResultRecord {
  return { type: 'result', key: `${method}|512|${task}|${index}`, method, length: 512, task, index, score, values, finishedAt: '' };
}

describe('summaries and tables', () => {
  it('scores are means per cell × 100, rows the mean of task means; cost from the values', () => {
    const records = [
      rec('full', 'vt', 0, 1, { prefillMs: 100, promptTokens: 500, msPerToken: 2, deviceBytes: 2 ** 21 }),
      rec('full', 'vt', 1, 0, { prefillMs: 300, promptTokens: 500, msPerToken: 4, deviceBytes: 2 ** 21 }),
      rec('full', 'cwe', 0, 0.5, { prefillMs: 200, promptTokens: 500, msPerToken: 3, deviceBytes: 2 ** 21 }),
      rec('lrqk', 'vt', 0, 1, { prefillMs: 100, promptTokens: 500, msPerToken: 1, hitRate: 0.75 }),
    ];
    const cells = summarizeCells(records);
    expect(cells.map((c) => [c.method, c.task, c.n, c.score])).toEqual([
      ['full', 'vt', 2, 50],
      ['full', 'cwe', 1, 50],
      ['lrqk', 'vt', 1, 100],
    ]);
    const summary = summarizeByMethodLength(cells);
    // full: task means vt 50, cwe 50 → 50; prefillMs task means vt 200, cwe 200 → 200.
    expect(summary[0]).toMatchObject({ method: 'full', tasks: 2, n: 3, score: 50 });
    expect(summary[0]?.means['prefillMs']).toBe(200);
    const report = { kind: 'ruler', cells, summary } as unknown as EvalReport;
    const t = reportTable(report);
    expect(t.head).toEqual(['method', 'length', 'vt', 'cwe', 'avg', 'prefill tok/s', 'ms/token', 'hit rate', 'KV MiB device / host']);
    // 500 tokens / 200 ms = 2500 tokens/s; ms/token: task means 3 and 3 → 3; 2 MiB.
    expect(t.rows[0]).toEqual(['full', '512', '50.0', '50.0', '50.0', '2500', '3.00', '-', '2.0 / -']);
    expect(t.rows[1]).toEqual(['lrqk', '512', '100.0', '-', '100.0', '5000', '1.00', '75.0%', '- / -']);
  });
});
