// `pnpm bench:lrqk` must not die on the GPU machine over an argument or a report bug: its argument
// checks, and a whole run on the CPU with a tiny random model (every method, two contexts) whose
// JSON, table and goal lines come out complete and consistent.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backendInfo } from '@lrqk/tensor';
import { BENCH_METHODS, BenchArgsError, parseBenchArgs } from '../bench/lrqk-args.ts';
import { benchSpec, weightBytes } from '../bench/lrqk-model.ts';
import { runBench, type BenchOutput } from '../bench/lrqk.bench.ts';

const gpu = backendInfo().available;

describe('bench:lrqk arguments', () => {
  it('defaults follow the issue: Llama-3.1-8B, bf16, CUDA, 32K and 128K, every method, r=32 k=2048 L=64', () => {
    const c = parseBenchArgs([], { LRQK_BENCH_OUT: '/tmp/x' });
    expect(c).toMatchObject({ model: 'llama-3.1-8b', dtype: 'bf16', device: 'cuda', contexts: [32768, 131072], rank: 32, topK: 2048, lite: 64, outDir: '/tmp/x' });
    expect(c.methods).toEqual([...BENCH_METHODS]);
    expect(parseBenchArgs(['--contexts', '512K,4000', '--methods', 'offload,lrqk-kv', '--layers', '0']).contexts).toEqual([524288, 4000]);
  });

  it.each([
    [['--contexts', '32Q'], /not a token count/],
    [['--methods', 'full,lrqk'], /unknown method 'lrqk'/],
    [['--model', 'gpt-5'], /unknown preset/],
    [['--dtype', 'f8'], /--dtype/],
    [['--decode-steps', '0'], /--decode-steps must be an integer ≥ 1/],
    [['--bogus'], /Unknown option/],
    [['--contexts', '2000'], /≤ top-k \+ lite/],
    [['--hbm-gbps', '-1'], /--hbm-gbps/],
  ])('%j is refused with a message naming the problem', (argv, msg) => {
    expect(() => parseBenchArgs(argv)).toThrow(BenchArgsError);
    expect(() => parseBenchArgs(argv)).toThrow(msg);
  });

  it('the 8B spec has the published shape and weight size', () => {
    const { spec, fullLayers } = benchSpec('llama-3.1-8b', 8);
    expect([spec.layers, fullLayers, spec.heads, spec.kvHeads, spec.headDim, spec.hiddenSize, spec.vocabSize]).toEqual([8, 32, 32, 8, 128, 4096, 128256]);
    // Llama-3.1-8B has 8.03 B parameters: 16.06 GB in bf16.
    expect(weightBytes({ ...spec, layers: 32 }, 'bf16') / 1e9).toBeCloseTo(16.06, 1);
  });
});

describe('bench:lrqk on the CPU with a tiny model', () => {
  it('runs every method at two contexts and writes a complete JSON report', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lrqk-bench-'));
    try {
      const cfg = parseBenchArgs(['--model', 'tiny', '--device', 'cpu', '--dtype', 'f32', '--contexts', '40,72', '--top-k', '16', '--lite', '8', '--rank', '4', '--decode-steps', '3', '--warmup', '1', '--out', dir]);
      const lines: string[] = [];
      const out = await runBench(cfg, (l) => lines.push(l));
      expect(out.errors).toEqual([]);
      expect(out.rows.map((r) => `${r.context}/${r.method}`)).toEqual(['40', '72'].flatMap((n) => BENCH_METHODS.map((m) => `${n}/${m}`)));
      for (const r of out.rows) {
        expect(r.decodeMsPerToken).toBeGreaterThan(0);
        expect(r.floorMs).toBeGreaterThan(0);
        expect(r.ratioToFloor).toBeCloseTo(r.decodeMsPerToken / r.floorMs, 9);
        if (r.method.startsWith('lrqk')) {
          expect(r.hitRate).toBeGreaterThanOrEqual(0);
          expect(r.hitRate).toBeLessThanOrEqual(1);
          expect(r.factorizationMs).toBeGreaterThan(0);
          expect(r.factorizationMs).toBeLessThan(r.prefillMs);
        } else {
          expect(r.hitRate).toBeNull();
        }
      }
      // Offload streams the whole KV each step: 2 layers · 2 KV heads · (n at that step) · 2·16 · 4 B.
      const off = out.rows.find((r) => r.context === 72 && r.method === 'offload')!;
      // After one warm-up step the timed steps see n = 74, 75, 76: 75 on average.
      expect(off.bytesHostToDevicePerStep).toBe(2 * 2 * 75 * 32 * 4);
      expect(out.goals.length).toBeGreaterThan(5);
      const text = lines.join('\n');
      expect(text).toContain('×floor');
      expect(text).toContain('goals at 72');
      const json = JSON.parse(readFileSync(join(dir, 'lrqk-bench.json'), 'utf8')) as BenchOutput;
      expect(json.rows).toHaveLength(8);
      expect(json.model).toMatchObject({ name: 'tiny', builtLayers: 2, fullLayers: 2 });
      const md = readFileSync(join(dir, 'lrqk-bench.md'), 'utf8');
      expect(md.split('\n').filter((l) => l.startsWith('| 72 ') || l.startsWith('| 40 '))).toHaveLength(8);
      expect(md).toContain('Goals:');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const tinyCuda = ['--model', 'tiny', '--contexts', '40', '--top-k', '16', '--lite', '8', '--rank', '4', '--decode-steps', '2', '--warmup', '1'];
  it.skipIf(gpu)('refuses CUDA without a GPU with an actionable message', async () => {
    await expect(runBench(parseBenchArgs(tinyCuda), () => {})).rejects.toThrow(/--device cpu/);
  });

  it.skipIf(!gpu)(`runs on CUDA with the tiny model in bf16 (pre-flight of the real run)${gpu ? '' : ' (skipped: no CUDA device)'}`, async () => {
    const out = await runBench(parseBenchArgs([...tinyCuda, '--contexts', '40,72']), () => {});
    expect(out.errors).toEqual([]);
    expect(out.rows).toHaveLength(8);
    for (const r of out.rows) expect(r.decodeMsPerToken).toBeGreaterThan(0);
  });
});
