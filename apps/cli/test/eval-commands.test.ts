// `lrqk eval ppl | longbench | fidelity` end to end on a real tiny random-weight Llama (byte-level
// tokenizer, CPU): each writes results, a report and valid plots, and prints its table.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyModel } from '@lrqk/engine/testing';
import { lrqk } from './model-fixture.ts';

const work = mkdtempSync(join(tmpdir(), 'lrqk-eval-cmds-'));
let modelDir: string;
beforeAll(async () => {
  modelDir = await writeTinyModel(join(work, 'tiny-llama'), { maxPositionEmbeddings: 4096 });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function report(dir: string): { kind: string; items: number; plots: string[]; perplexity?: { ppl: number }[]; perLayer?: unknown[] } {
  return JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as never;
}

function isPng(path: string): boolean {
  const b = readFileSync(path);
  return b.subarray(1, 4).toString('latin1') === 'PNG' && b.toString('latin1', 12, 16) === 'IHDR' && b.readUInt32BE(16) > 0;
}

const model = () => ['--model', modelDir, '--device', 'cpu', '-q'];

describe('lrqk eval ppl', () => {
  it('reports corpus perplexity per method and window length (WikiText-2 shipped with @lrqk/eval)', () => {
    const out = join(work, 'ppl');
    const r = lrqk(['eval', 'ppl', ...model(), '--attention', 'full,lrqk:rank=8:topK=64:lite=16', '--lengths', '256,512', '--decode-tokens', '32', '--windows', '2', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/full +│ 512 +│ 2 +│ 64 /);
    const rep = report(out);
    expect(rep).toMatchObject({ kind: 'ppl', items: 8 });
    for (const p of rep.perplexity ?? []) expect(p.ppl).toBeGreaterThan(1);
    expect(rep.plots.map((p) => p.slice(p.lastIndexOf('/') + 1))).toEqual(['perplexity-vs-length.svg', 'perplexity-vs-length.png']);
    expect(isPng(rep.plots[1] as string)).toBe(true);
  });
});

describe('lrqk eval longbench', () => {
  it('scores local LongBench files with their metrics', () => {
    const file = join(work, 'passage_retrieval_en.jsonl');
    writeFileSync(file, `${JSON.stringify({ input: 'An abstract.', context: 'Paragraph 1: a. Paragraph 2: b.', answers: ['Paragraph 2'] })}\n`);
    const out = join(work, 'lb');
    const r = lrqk(['eval', 'longbench', file, ...model(), '--attention', 'full', '--lengths', '512', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('passage_retrieval_en');
    expect(report(out)).toMatchObject({ kind: 'longbench', items: 1 });
    const bad = lrqk(['eval', 'longbench', join(work, 'missing.jsonl'), ...model(), '--lengths', '512', '--out', out]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^lrqk: .*cannot read .*missing\.jsonl/);
  });
});

describe('lrqk eval fidelity', () => {
  it('writes per-layer fidelity and hit-rate plots for LRQK configurations', () => {
    const out = join(work, 'fid');
    const r = lrqk(['eval', 'fidelity', ...model(), '--attention', 'lrqk:rank=8:topK=64:lite=16', '--lengths', '1024', '--tasks', 'niah_single_2', '--count', '1', '--max-new-tokens', '4', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/mass captured/);
    const rep = report(out);
    expect(rep.perLayer).toHaveLength(2);
    for (const base of ['fidelity-per-layer', 'hit-rate-per-layer', 'hit-rate-per-step']) expect(isPng(join(out, `${base}.png`))).toBe(true);
    // A run without plots (as on the GPU machine), then its report and plots written from the results.
    const bare = join(work, 'fid-bare');
    expect(lrqk(['eval', 'fidelity', ...model(), '--attention', 'lrqk:rank=8:topK=64:lite=16', '--lengths', '1024', '--tasks', 'vt', '--count', '1', '--max-new-tokens', '4', '--no-plots', '--out', bare]).code).toBe(0);
    expect(report(bare).plots).toEqual([]);
    const again = lrqk(['eval', 'report', bare, '--json']);
    expect(again.code, again.stderr).toBe(0);
    const rep2 = JSON.parse(again.stdout) as { kind: string; items: number; plots: string[] };
    expect(rep2).toMatchObject({ kind: 'fidelity', items: 1 });
    expect(rep2.plots.filter((p) => p.endsWith('.png')).every(isPng)).toBe(true);
    expect(rep2.plots).toHaveLength(8);
    expect(lrqk(['eval', 'report', join(work, 'nothing')]).stderr).toContain('no results file here');

    const exact = lrqk(['eval', 'fidelity', ...model(), '--attention', 'full', '--lengths', '1024', '--out', join(work, 'fid2')]);
    expect(exact.code).toBe(1);
    expect(exact.stderr).toContain('attend exactly');
  });
});
