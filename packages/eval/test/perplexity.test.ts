// Sliding-window perplexity on a real tiny model: the windows are the ones the protocol names,
// each scored NLL equals an independent computation (one prefill of the whole window with full
// attention, log-softmax of its logits), and the corpus perplexity is exp(Σ NLL / Σ tokens).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusPerplexity, parseMethods, perplexityHeader, ResultsLog, runPerplexity, windowStarts, wikitextTestText, writeReport } from '../src/index.ts';
import { pngSize } from './svg-png.ts';
import { tinyEngine } from './tiny-engine.ts';

let tiny: Awaited<ReturnType<typeof tinyEngine>>;
const work = mkdtempSync(join(tmpdir(), 'lrqk-eval-ppl-'));
beforeAll(async () => {
  tiny = await tinyEngine();
});
afterAll(async () => {
  await tiny.cleanup();
  rmSync(work, { recursive: true, force: true });
});

describe('windows', () => {
  it('advance by the decoded tokens; a subset is evenly spaced with both ends', () => {
    // n = 20, length 8, D = 4: windows at 0, 4, 8, 12 (12 + 8 = 20 fits; 16 does not).
    expect(windowStarts(20, 8, 4)).toEqual([0, 4, 8, 12]);
    expect(windowStarts(20, 8, 4, 2)).toEqual([0, 12]);
    expect(windowStarts(20, 8, 4, 10)).toEqual([0, 4, 8, 12]);
    expect(() => windowStarts(5, 8, 4)).toThrow(/fewer than the window length/);
    expect(() => windowStarts(20, 8, 8)).toThrow(/decode tokens per window/);
  });
  it('corpus perplexity weights windows by tokens', () => {
    expect(corpusPerplexity([{ values: { nll: 2, tokens: 1 } }, { values: { nll: 4, tokens: 3 } }])).toBeCloseTo(Math.exp(6 / 4), 12);
  });
});

describe('runPerplexity', () => {
  it('scores the last D tokens of each window as an independent full-attention computation does', async () => {
    const { engine } = tiny;
    const ids = engine.encodePrompt(wikitextTestText().slice(0, 4000));
    const methods = parseMethods('full,lrqk:rank=8:topK=64:lite=16');
    const o = { textName: 'wikitext2', textTokens: ids.length, decodeTokens: 32, windows: 3 };
    const header = perplexityHeader(engine, o);
    const log = ResultsLog.open(join(work, 'results.jsonl'), header);
    const summary = await runPerplexity({ ...o, engine, methods, lengths: [256, 512], ids, log });
    expect(summary).toMatchObject({ completed: 12, total: 12, aborted: false });

    for (const length of [256, 512]) {
      const starts = windowStarts(ids.length, length, 32, 3);
      for (const [index, begin] of starts.entries()) {
        const window = ids.slice(begin, begin + length);
        const backend = await engine.createBackend({ method: 'full', maxTokens: length });
        const logProbs = engine.tokenLogProbs(window, { backend, chunkTokens: 128 });
        backend.dispose();
        let nll = 0;
        for (let i = length - 32; i < length; i++) nll -= logProbs[i] as number;
        const full = log.records().find((r) => r.method === 'full' && r.length === length && r.index === index);
        expect(full?.values['begin']).toBe(begin);
        expect(full?.values['nll']).toBeCloseTo(nll, 2);
        const approx = log.records().find((r) => r.method !== 'full' && r.length === length && r.index === index);
        expect(Number.isFinite(approx?.values['nll'])).toBe(true);
      }
    }
    const report = await writeReport({ header, records: log.records(), resultsFile: log.path, outDir: work });
    expect(report.perplexity).toHaveLength(4);
    for (const p of report.perplexity ?? []) {
      const rows = log.records().filter((r) => r.method === p.method && r.length === p.length);
      expect(p.ppl).toBeCloseTo(Math.exp(rows.reduce((a, r) => a + (r.values['nll'] as number), 0) / (32 * rows.length)), 9);
      expect(p.tokens).toBe(96);
    }
    const png = report.plots.find((f) => f.endsWith('perplexity-vs-length.png'));
    expect(png).toBeDefined();
    expect(pngSize(png as string).height).toBeGreaterThan(100);
  });
});
