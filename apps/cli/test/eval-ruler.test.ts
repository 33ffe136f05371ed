// `lrqk eval ruler` end to end on a real tiny random-weight Llama (written by @lrqk/engine/testing,
// byte-level tokenizer): the matrix runs on the CPU, results/report/plots are written, and a
// second run with more instances runs only the new ones.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyModel } from '@lrqk/engine/testing';
import { lrqk } from './model-fixture.ts';

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(join(tmpdir(), 'lrqk-eval-ruler-'));
let modelDir: string;
beforeAll(async () => {
  modelDir = await writeTinyModel(join(work, 'tiny-llama'), { maxPositionEmbeddings: 4096 });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function results(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((r) => r['type'] === 'result');
}

function pngSize(path: string): { width: number; height: number } {
  const b = readFileSync(path);
  expect([...b.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(b.toString('latin1', 12, 16)).toBe('IHDR');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

describe('lrqk eval ruler', () => {
  it('runs the method × length × task matrix, writes results, report and plots, and resumes', () => {
    const out = join(work, 'run');
    const base = ['eval', 'ruler', '--model', modelDir, '--device', 'cpu', '--attention', 'full,lrqk:rank=8:topK=64:lite=16', '--lengths', '512,1k', '--tasks', 'niah_single_1,vt', '--max-new-tokens', '8', '--out', out];
    const first = lrqk([...base, '--count', '1']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('ruler: 8 items run, 0 resumed, 8 in the matrix');
    expect(first.stdout).toMatch(/lrqk:rank=8:topK=64:lite=16 +│ 1024/);
    expect(first.stdout).toContain('niah_single_1');
    expect(results(join(out, 'results.jsonl'))).toHaveLength(8);

    // Twice the instances: only the 8 new items run.
    const second = lrqk([...base, '--count', '2', '--json']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain('ruler: 8 items run, 8 resumed, 16 in the matrix');
    const lines = results(join(out, 'results.jsonl'));
    expect(lines).toHaveLength(16);
    expect(new Set(lines.map((l) => l['key'])).size).toBe(16);
    const report = JSON.parse(second.stdout) as { items: number; summary: { method: string; length: number; n: number }[]; plots: string[] };
    expect(report.items).toBe(16);
    expect(report.summary.map((s) => [s.method, s.length, s.n])).toEqual([
      ['full', 512, 4],
      ['full', 1024, 4],
      ['lrqk:rank=8:topK=64:lite=16', 512, 4],
      ['lrqk:rank=8:topK=64:lite=16', 1024, 4],
    ]);
    expect(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'))).toMatchObject({ kind: 'ruler', items: 16 });
    const png = report.plots.find((p) => p.endsWith('.png')) as string;
    expect(pngSize(png).width).toBeGreaterThan(200);
    const svg = readFileSync(report.plots.find((p) => p.endsWith('.svg')) as string, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);

    // Another seed into the same directory is refused instead of mixing results.
    const other = lrqk([...base, '--count', '1', '--seed', '9']);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/^lrqk: .*holds results of another run/);
    expect(other.stderr).not.toContain('loading');
  });

  it('Ctrl-C stops after the current item; rerunning redoes none of the finished ones', async () => {
    const out = join(work, 'sigint');
    const args = ['--conditions=source', 'src/main.ts', 'eval', 'ruler', '--model', modelDir, '--device', 'cpu', '--attention', 'full,lrqk:rank=8:topK=64:lite=16', '--lengths', '1k,2k', '--tasks', 'niah_single_1,vt', '--count', '4', '--max-new-tokens', '64', '--out', out];
    const child = spawn(process.execPath, args, { cwd: pkgDir, env: { ...process.env, LRQK_DEBUG: undefined }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const path = join(out, 'results.jsonl');
    for (let i = 0; i < 1000 && !(existsSync(path) && results(path).length >= 3); i++) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toContain('interrupted; finished items are saved');
    const done = results(path).length;
    expect(done).toBeGreaterThanOrEqual(3);
    expect(done).toBeLessThan(32);
    const rerun = lrqk(args.slice(2));
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stderr).toContain(`ruler: ${32 - done} items run, ${done} resumed, 32 in the matrix`);
    const keys = results(path).map((l) => l['key']);
    expect(keys).toHaveLength(32);
    expect(new Set(keys).size).toBe(32);
  });

  it('rejects an unknown attention method before loading anything', () => {
    const r = lrqk(['eval', 'ruler', '--model', modelDir, '--attention', 'full,sparse', '--lengths', '512']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unknown attention method "sparse"');
  });
});
