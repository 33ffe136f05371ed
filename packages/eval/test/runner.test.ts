// The RULER runner on a real (tiny, random-weight) model: the method × length × task matrix,
// results appended as items finish, an interrupted run resumed without redoing finished items,
// a torn last line dropped, another run's file refused, and the report's plots valid images.
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '@lrqk/engine';
import { generateInstance, instanceIds, parseMethods, resultKey, ResultsLog, rulerHeader, runRuler, writeReport, type ProgressEvent } from '../src/index.ts';
import { parseSvg, pngSize } from './svg-png.ts';
import { counting, tinyEngine } from './tiny-engine.ts';

let tiny: Awaited<ReturnType<typeof tinyEngine>>;
let engine: Engine;
const work = mkdtempSync(join(tmpdir(), 'lrqk-eval-run-'));
beforeAll(async () => {
  tiny = await tinyEngine();
  engine = tiny.engine;
});
afterAll(async () => {
  await tiny.cleanup();
  rmSync(work, { recursive: true, force: true });
});

const methods = parseMethods('full,lrqk:rank=8:topK=64:lite=16');
const plan = { tasks: ['niah_single_1', 'vt'], lengths: [512, 768], count: 2, seed: 11, maxNewTokens: 8 };
const total = methods.length * plan.tasks.length * plan.lengths.length * plan.count;

function resultLines(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((r) => r['type'] === 'result');
}

describe('runRuler', () => {
  it('an interrupted run resumes without redoing finished items', async () => {
    const path = join(work, 'resume', 'results.jsonl');
    const header = rulerHeader(engine, plan);
    const first = counting(engine);
    const controller = new AbortController();
    const events: ProgressEvent[] = [];
    const s1 = await runRuler({
      ...plan,
      engine: first.engine,
      methods,
      log: ResultsLog.open(path, header),
      signal: controller.signal,
      onResult: () => {
        if (resultLines(path).length === 5) controller.abort();
      },
      onProgress: (e) => events.push(e),
    });
    expect(s1).toMatchObject({ completed: 5, resumed: 0, total, aborted: true });
    expect(first.calls()).toBe(5);
    expect(resultLines(path)).toHaveLength(5);
    expect(events[0]).toMatchObject({ done: 0, total, etaMs: null });
    expect(events.at(-1)).toMatchObject({ done: 5, total });
    expect(events.at(-1)?.etaMs).toBeGreaterThan(0);

    // A run killed mid-write leaves half a line; resuming drops it.
    appendFileSync(path, '{"type":"result","key":"full|512|vt|1","sco');
    const second = counting(engine);
    const log = ResultsLog.open(path, header);
    expect(log.size).toBe(5);
    const s2 = await runRuler({ ...plan, engine: second.engine, methods, log });
    expect(s2).toMatchObject({ completed: total - 5, resumed: 5, total, aborted: false });
    expect(second.calls()).toBe(total - 5);
    const lines = resultLines(path);
    const keys = lines.map((l) => l['key'] as string);
    expect(new Set(keys).size).toBe(total);
    for (const length of plan.lengths) {
      for (const task of plan.tasks) for (let i = 0; i < plan.count; i++) for (const m of methods) expect(keys).toContain(resultKey(m.label, length, task, i));
    }
    for (const l of lines) {
      expect(l['score']).toBeGreaterThanOrEqual(0);
      expect(l['score']).toBeLessThanOrEqual(1);
      const values = l['values'] as Record<string, number>;
      // RULER's convention: the length covers prompt and answer, so the prompt gets length − 8.
      const prompt = (l['length'] as number) - 8;
      expect(Math.abs((values['promptTokens'] as number) - prompt)).toBeLessThanOrEqual(prompt * 0.01);
      expect(values['generatedTokens']).toBeLessThanOrEqual(8);
    }

    // A third run has nothing left to do.
    const third = counting(engine);
    const s3 = await runRuler({ ...plan, engine: third.engine, methods, log: ResultsLog.open(path, header) });
    expect(s3).toMatchObject({ completed: 0, resumed: total });
    expect(third.calls()).toBe(0);

    // The report covers every item and its plots are valid images.
    const report = await writeReport({ header, records: ResultsLog.open(path, header).records(), resultsFile: path, outDir: join(work, 'resume') });
    expect(report.items).toBe(total);
    expect(report.summary).toHaveLength(methods.length * plan.lengths.length);
    for (const s of report.summary) expect(s.tasks).toBe(plan.tasks.length);
    const png = report.plots.find((p) => p.endsWith('.png')) as string;
    const svg = report.plots.find((p) => p.endsWith('.svg')) as string;
    const size = pngSize(png);
    const parsed = parseSvg(readFileSync(svg, 'utf8'));
    expect(size.width).toBeGreaterThan(200);
    expect(size.width).toBe(Math.round(parsed.width * 2));
    expect(parsed.elements).toBeGreaterThan(20);
    expect(readFileSync(svg, 'utf8')).toContain('lrqk:rank=8:topK=64:lite=16');
  });

  it('chat runs put the task in the chat template and start the reply with the answer prefix', async () => {
    const inst = generateInstance(engine.tokenizer, 'vt', 512, 0, 1);
    expect(inst.prompt).toBe(`${inst.input}\n${inst.answerPrefix}`);
    expect(instanceIds(engine, inst, false)).toEqual(engine.encodePrompt(inst.prompt));
    const text = engine.tokenizer.decode(instanceIds(engine, inst, true));
    // The tiny model's template: "<s>user: {content}\nassistant:".
    expect(text).toBe(`<s>user: ${inst.input}\nassistant:${inst.answerPrefix}`);
    const log = ResultsLog.open(join(work, 'chat', 'results.jsonl'), rulerHeader(engine, { ...plan, chat: true }));
    const s = await runRuler({ ...plan, tasks: ['vt'], lengths: [512], count: 1, chat: true, engine, methods, log });
    expect(s.completed).toBe(2);
    expect(log.records()[0]?.values['promptTokens']).toBe(instanceIds(engine, generateInstance(engine.tokenizer, 'vt', 512 - 8, 0, plan.seed), true).length);
  });

  it('checks that every task fits its length before running anything', async () => {
    const path = join(work, 'preflight', 'results.jsonl');
    const first = counting(engine);
    // The four needles of niah_multiquery do not fit in 512 byte-level tokens.
    await expect(
      runRuler({ ...plan, tasks: ['vt', 'niah_multiquery'], engine: first.engine, methods, log: ResultsLog.open(path, rulerHeader(engine, plan)) }),
    ).rejects.toThrow(/niah_multiquery: the prompt needs at least \d+ tokens/);
    expect(first.calls()).toBe(0);
    expect(resultLines(path)).toHaveLength(0);
  });

  it('refuses a results file of another run, and a context too small for the lengths', async () => {
    const path = join(work, 'other', 'results.jsonl');
    ResultsLog.open(path, rulerHeader(engine, plan));
    expect(() => ResultsLog.open(path, rulerHeader(engine, { ...plan, seed: 12 }))).toThrow(/another run/);
    await expect(
      runRuler({ ...plan, lengths: [4096], engine, methods, log: ResultsLog.open(path, rulerHeader(engine, plan)) }),
    ).rejects.toThrow(/context is 2048/);
    // A failing item names itself and the method.
    const bad = parseMethods('lrqk:rank=65');
    await expect(
      runRuler({ ...plan, tasks: ['vt'], engine, methods: bad, log: ResultsLog.open(join(work, 'bad', 'results.jsonl'), rulerHeader(engine, plan)) }),
    ).rejects.toThrow(/^lrqk:rank=65\|512\|vt\|0: .*rank/);
  });
});
