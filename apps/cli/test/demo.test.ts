// `lrqk demo` end to end on the CPU with the embedded model, at a reduced length (as CI runs it).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { DemoReport } from '../src/commands/demo.ts';

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..');

function lrqk(args: string[]) {
  const r = spawnSync(process.execPath, ['--conditions=source', 'src/main.ts', ...args], {
    cwd: pkgDir,
    encoding: 'utf8',
    env: { ...process.env, LRQK_DEBUG: undefined, LRQK_DEMO_MODEL: undefined },
    timeout: 110_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('lrqk demo', () => {
  it('answers questions about a 1K-token document with full attention and LRQK (--json)', () => {
    const r = lrqk(['demo', '--device', 'cpu', '--length', '1024', '--questions', '1', '--top-k', '128', '--lite', '32', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as DemoReport;
    expect(report.device).toBe('cpu');
    expect(report.lengthTokens).toBeGreaterThan(1000);
    expect(report.lengthTokens).toBeLessThan(1050);
    expect(report.facts).toHaveLength(4);
    expect(report.lrqk).toEqual({ rank: 16, topK: 128, lite: 32 });
    expect(report.answers.map((a) => a.method)).toEqual(['full', 'lrqk']);
    for (const a of report.answers) {
      // The question is about one of the hidden facts, and "right" means its value is in the answer.
      expect(report.facts.map((f) => f.key)).toContain(a.key);
      expect(a.expected).toBe(report.facts.find((f) => f.key === a.key)!.value);
      expect(a.right).toBe(a.answer.includes(a.expected));
      expect(a.promptTokens).toBeGreaterThan(1000);
      expect(a.prefillMs).toBeGreaterThan(0);
      expect(a.hostBytes + a.deviceBytes).toBeGreaterThan(0);
    }
    const lrqkAnswer = report.answers[1]!;
    // 1K tokens > top-k + lite, so LRQK decodes sparsely and reports its hit rate.
    expect(lrqkAnswer.hitRate).toBeGreaterThanOrEqual(0);
    expect(lrqkAnswer.hitRate).toBeLessThanOrEqual(1);
    expect(report.answers[0]!.hitRate).toBeNull();
    expect(report.summary.full.asked).toBe(1);
    expect(report.summary.lrqk.asked).toBe(1);
    expect(report.peakRssBytes).toBeGreaterThan(0);
  }, 120_000);

  it('prints the document, the answers and a summary', () => {
    const r = lrqk(['demo', '--device', 'cpu', '--length', '600', '--questions', '1', '--top-k', '64', '--lite', '16']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^device {2}cpu/m);
    expect(r.stdout).toMatch(/^document \d+ tokens of WikiText-2 prose with 4 facts hidden in it:/m);
    expect(r.stdout).toMatch(/^ {2}full {2}".*" +(right|WRONG \(expected \d{7}\)) {3}prefill/m);
    expect(r.stdout).toMatch(/^ {2}LRQK {2}".*" +(right|WRONG \(expected \d{7}\)) {3}prefill .*hit rate \d+\.\d%$/m);
    expect(r.stdout).toMatch(/^ {2}LRQK {12}\d\/1 right, .* mean hit rate/m);
  }, 120_000);

  it('rejects bad input with one line and exit code 1', () => {
    const many = lrqk(['demo', '--questions', '5']);
    expect(many.code).toBe(1);
    expect(many.stderr).toContain('--questions');
    const missing = lrqk(['demo', '--model', join(pkgDir, 'no-such-model')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^lrqk: cannot open the demo model .*no-such-model/);
  });
});
