// `lrqk demo` end to end on the CPU at a reduced length (as CI runs it): on a tiny random-weight
// model written here (the demo's machinery: document, questions, both attention methods, report),
// and on the embedded model when its trained weights are in the checkout.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeTinyModel } from '@lrqk/engine/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findDemoModel, hasWeights, type DemoReport } from '../src/commands/demo.ts';
import { lrqk as runCli } from './model-fixture.ts';

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const embedded = findDemoModel();
const embeddedTrained = hasWeights(embedded);

/** The CLI with the demo model left to its default (never the caller's LRQK_DEMO_MODEL). */
function lrqk(args: string[]) {
  return runCli(args, { env: { LRQK_DEMO_MODEL: undefined } });
}

/** The report's invariants, whatever the model answers. */
function checkReport(report: DemoReport, length: number, lrqk: DemoReport['lrqk']): void {
  expect(report.device).toBe('cpu');
  expect(Math.abs(report.lengthTokens - length)).toBeLessThanOrEqual(length * 0.01 + 1);
  // One document, so one hidden fact, per question.
  expect(report.facts).toHaveLength(report.answers.length / 2);
  expect(report.lrqk).toEqual(lrqk);
  expect(report.answers.map((a) => a.method)).toEqual(['full', 'lrqk']);
  for (const a of report.answers) {
    // The question is about one of the hidden facts, and "right" means its value is in the answer.
    expect(report.facts.map((f) => f.key)).toContain(a.key);
    expect(a.expected).toBe(report.facts.find((f) => f.key === a.key)!.value);
    expect(a.right).toBe(a.answer.includes(a.expected));
    expect(a.promptTokens).toBeGreaterThan(length * 0.95);
    expect(a.prefillMs).toBeGreaterThan(0);
    expect(a.hostBytes + a.deviceBytes).toBeGreaterThan(0);
  }
  // The document is longer than top-k + lite, so LRQK decodes sparsely and reports its hit rate.
  const hit = report.answers[1]!.hitRate;
  expect(hit).not.toBeNull();
  expect(hit!).toBeGreaterThanOrEqual(0);
  expect(hit!).toBeLessThanOrEqual(1);
  expect(report.answers[0]!.hitRate).toBeNull();
  expect(report.summary.full.asked).toBe(1);
  expect(report.summary.lrqk.asked).toBe(1);
  expect(report.summary.full.right + report.summary.lrqk.right).toBe(report.answers.filter((a) => a.right).length);
  expect(report.peakRssBytes).toBeGreaterThan(0);
}

describe('lrqk demo on a tiny random-weight model', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lrqk-demo-'));
    // Byte-level tokenizer, head_dim 128 and GQA as in the embedded model, random weights.
    await writeTinyModel(dir, { layers: 2, hiddenSize: 64, heads: 4, kvHeads: 2, headDim: 128, ropeTheta: 500_000 });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--json reports both methods on a 1K-token document', () => {
    const r = lrqk(['demo', '--model', dir, '--device', 'cpu', '--length', '1024', '--questions', '1', '--top-k', '128', '--lite', '32', '--json']);
    expect(r.code, r.stderr).toBe(0);
    checkReport(JSON.parse(r.stdout) as DemoReport, 1024, { rank: 16, topK: 128, lite: 32 });
  });

  it('prints the document, the answers and a summary', () => {
    const r = lrqk(['demo', '--model', dir, '--device', 'cpu', '--length', '1024', '--questions', '2', '--top-k', '64', '--lite', '16']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^device {2}cpu/m);
    expect(r.stdout).toMatch(/^documents 2 of 1,0\d\d tokens, filler text \("The grass is green\. .*\) with one fact hidden in each$/m);
    expect(r.stdout.match(/^document [12]\/2 hides at \d+%: "One of the special magic numbers for \S+ is: \d{7}\."$/gm)).toHaveLength(2);
    expect(r.stdout.match(/^question [12]\/2: What is the special magic number for \S+\?$/gm)).toHaveLength(2);
    expect(r.stdout.match(/^ {2}full {2}".*" +(right|WRONG \(expected \d{7}\)) {3}prefill \d+\.\d\d s/gm)).toHaveLength(2);
    expect(r.stdout.match(/^ {2}LRQK {2}".*" +(right|WRONG \(expected \d{7}\)) {3}prefill .*hit rate \d+\.\d%$/gm)).toHaveLength(2);
    expect(r.stdout).toMatch(/^ {2}full attention {2}\d\/2 right, \d+\.\d s$/m);
    expect(r.stdout).toMatch(/^ {2}LRQK {12}\d\/2 right, \d+\.\d s, mean hit rate \d+\.\d%$/m);
    expect(r.stdout).toMatch(/^ {2}peak memory {5}\d+\.\d MiB \(process RSS\)$/m);
  });
});

describe('lrqk demo on the embedded model', () => {
  it.runIf(embeddedTrained)('answers a question about a 1K-token document rightly, with full attention and with LRQK', () => {
    const r = lrqk(['demo', '--device', 'cpu', '--length', '1024', '--questions', '1', '--top-k', '128', '--lite', '32', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as DemoReport;
    checkReport(report, 1024, { rank: 16, topK: 128, lite: 32 });
    expect(report.untrained).toBe(false);
    for (const a of report.answers) expect(a.right, `${a.method} answered ${JSON.stringify(a.answer)}, expected ${a.expected}`).toBe(true);
  });

  it.runIf(!embeddedTrained)('without trained weights, runs on an untrained stand-in of its shape and says so', () => {
    const r = lrqk(['demo', '--device', 'cpu', '--length', '1024', '--questions', '1', '--top-k', '128', '--lite', '32']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^NOTE {4}the embedded model has no trained weights in this checkout yet/m);
    expect(r.stdout).toContain('tools/train/README.md');
    expect(r.stdout).toMatch(/UNTRAINED random-weight model of\n {8}the same shape and tokenizer/);
    expect(r.stdout).toMatch(/^model {3}lrqk-demo-model-untrained: 4 layers, 4 query \/ 1 KV head of dim 128/m);
    const json = lrqk(['demo', '--device', 'cpu', '--length', '1024', '--questions', '1', '--top-k', '128', '--lite', '32', '--json']);
    expect(json.code, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout) as DemoReport;
    expect(report.untrained).toBe(true);
    checkReport(report, 1024, { rank: 16, topK: 128, lite: 32 });
  });
});

describe('lrqk demo input errors', () => {
  it('rejects bad input with one line and exit code 1', () => {
    const many = lrqk(['demo', '--questions', '11']);
    expect(many.code).toBe(1);
    expect(many.stderr).toContain('--questions');
    const missing = lrqk(['demo', '--model', join(pkgDir, 'no-such-model')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^lrqk: cannot open the demo model .*no-such-model/);
  });
});
