// LongBench-format files on a real tiny model: loading (dataset from the field or the file name),
// middle truncation to the length budget as pred.py does, chat wrapping except for the few-shot
// datasets, and each record scored with its dataset's metric.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { essayWords, loadLongBench, longBenchBucket, longBenchHeader, parseMethods, ResultsLog, runLongBench, scoreLongBench, truncateMiddle, writeReport } from '../src/index.ts';
import { tokenizerFor } from './helpers.ts';
import { tinyEngine } from './tiny-engine.ts';

let tiny: Awaited<ReturnType<typeof tinyEngine>>;
const work = mkdtempSync(join(tmpdir(), 'lrqk-eval-lb-'));
beforeAll(async () => {
  tiny = await tinyEngine();
});
afterAll(async () => {
  await tiny.cleanup();
  rmSync(work, { recursive: true, force: true });
});

const prose = (from: number, words: number) => essayWords().slice(from, from + words).join(' ');

function writeJsonl(name: string, rows: unknown[]): string {
  const path = join(work, name);
  writeFileSync(path, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return path;
}

describe('loadLongBench', () => {
  it('takes the dataset from the item or the file name (hotpotqa_e.jsonl → hotpotqa)', () => {
    const f = writeJsonl('hotpotqa_e.jsonl', [{ input: 'q?', context: 'c', answers: ['a'], length: 12, _id: 'x1' }]);
    expect(loadLongBench(f)).toEqual([{ dataset: 'hotpotqa', index: 0, input: 'q?', context: 'c', answers: ['a'], allClasses: [], length: 12, id: 'x1' }]);
    const g = writeJsonl('mine.jsonl', [{ input: 'q', context: 'c', answers: ['Human'], all_classes: ['Human', 'Entity'], dataset: 'trec' }]);
    expect(loadLongBench(g)[0]).toMatchObject({ dataset: 'trec', allClasses: ['Human', 'Entity'] });
  });
  it('fails clearly on unknown datasets and malformed items', () => {
    expect(() => loadLongBench(writeJsonl('mystery.jsonl', [{ input: 'q', context: 'c', answers: ['a'] }]))).toThrow(/unknown LongBench dataset "mystery"/);
    expect(() => loadLongBench(writeJsonl('qasper.jsonl', [{ input: 'q', context: 'c' }]))).toThrow(/qasper.jsonl:1: .*"answers"/);
  });
});

describe('longBenchBucket', () => {
  it('splits at 4000 and 8000 as eval.py --e', () => {
    expect([0, 3999, 4000, 7999, 8000].map(longBenchBucket)).toEqual(['0-4k', '0-4k', '4-8k', '4-8k', '8k+']);
  });
});

describe('truncateMiddle', () => {
  it('keeps the first and last halves of the token budget (Qwen3 tokenizer)', async () => {
    const tok = await tokenizerFor('qwen3');
    const text = prose(0, 400);
    const cut = truncateMiddle(tok, text, 100);
    expect(cut.truncated).toBe(true);
    expect(cut.tokens).toBe(tok.encode(text, { addSpecialTokens: false }).length);
    expect(Math.abs(tok.encode(cut.text, { addSpecialTokens: false }).length - 100)).toBeLessThanOrEqual(2);
    expect(text.startsWith(cut.text.slice(0, 100))).toBe(true);
    expect(text.endsWith(cut.text.slice(-100))).toBe(true);
    expect(truncateMiddle(tok, 'short', 100)).toEqual({ text: 'short', tokens: 1, truncated: false });
  });
});

describe('runLongBench', () => {
  it('truncates, generates and scores every item with its dataset metric', async () => {
    const { engine } = tiny;
    const items = [
      ...loadLongBench(
        writeJsonl('hotpotqa.jsonl', [
          { input: 'Who wrote the play?', context: prose(100, 600), answers: ['Simon Stephens'], length: 5200 },
          { input: 'Where is the theatre?', context: prose(2000, 40), answers: ['London'], length: 40 },
        ]),
      ),
      ...loadLongBench(writeJsonl('trec.jsonl', [{ input: 'What is the capital of France?', context: prose(50, 300), answers: ['Location'], all_classes: ['Human', 'Location', 'Entity'] }])),
      ...loadLongBench(writeJsonl('passage_retrieval_en.jsonl', [{ input: 'An abstract.', context: prose(500, 500), answers: ['Paragraph 2'] }])),
    ];
    const methods = parseMethods('full,lrqk:rank=8:topK=64:lite=16');
    for (const chat of [false, true]) {
      const log = ResultsLog.open(join(work, `results-${chat}.jsonl`), longBenchHeader(engine, { chat }));
      const s = await runLongBench({ engine, methods, lengths: [512], items, chat, log });
      expect(s).toMatchObject({ completed: 8, total: 8, aborted: false });
      for (const r of log.records()) {
        const item = items.find((i) => i.dataset === r.task && i.index === r.index);
        expect(item).toBeDefined();
        expect(r.score).toBe(scoreLongBench(r.task, r.details?.['prediction'] as string, item?.answers ?? [], item?.allClasses ?? []));
        const prompt = r.values['promptTokens'] as number;
        if (r.values['truncated'] === 1) {
          expect(r.values['originalTokens']).toBeGreaterThan(512);
          // 512 kept tokens + BOS, plus the chat template's own text for datasets that use it.
          if (!chat || r.task === 'trec') expect(prompt).toBe(513);
          else expect(prompt).toBeGreaterThan(513);
        } else expect(prompt).toBeLessThan(513 + 40);
      }
      const short = log.records().find((r) => r.task === 'hotpotqa' && r.index === 1);
      expect(short?.values['truncated']).toBe(0);
      // LongBench-E buckets from the items' "length" field (only the hotpotqa items carry one).
      const report = await writeReport({ header: longBenchHeader(engine, { chat }), records: log.records(), resultsFile: log.path, outDir: join(work, `report-${chat}`), plots: false });
      expect(report.lengthBuckets?.map((b) => [b.method, b.dataset, b.bucket, b.n]).sort()).toEqual([
        ['full', 'hotpotqa', '0-4k', 1],
        ['full', 'hotpotqa', '4-8k', 1],
        ['lrqk:rank=8:topK=64:lite=16', 'hotpotqa', '0-4k', 1],
        ['lrqk:rank=8:topK=64:lite=16', 'hotpotqa', '4-8k', 1],
      ]);
    }
  });
});
