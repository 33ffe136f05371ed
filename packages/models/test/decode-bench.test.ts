// The decode benchmark's pieces, on the CPU, so the GPU run cannot fail on a typo: argument parsing
// (flags, env, errors), the floor arithmetic against a hand computation, the table and the
// comparison, and a whole run of decode.bench.ts as a process on a tiny synthesized checkpoint.
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BenchArgError, parseDecodeBenchArgs } from '../bench/decode-args.ts';
import { formatComparison } from '../bench/decode-compare.ts';
import { decodeCase, floorMs, formatDecodeTable, type DecodeReport } from '../bench/decode-report.ts';
import { modelPreset, synthesizeCheckpoint } from '../src/index.ts';
import { tempDir } from './helpers.ts';

const pkgDir = join(import.meta.dirname, '..');

describe('decode bench arguments', () => {
  it('defaults, k suffixes, env fallbacks and --flag=value', () => {
    const a = parseDecodeBenchArgs(['--model', '/m'], { LRQK_BENCH_OUT: '/out' });
    expect(a).toMatchObject({ model: '/m', contexts: [8192, 32768, 131072], decodeSteps: 32, warmupSteps: 2, prefillChunk: 4096, device: 'auto', bandwidth: 3e12, out: '/out/decode.json' });
    const b = parseDecodeBenchArgs(['--contexts=8k,100', '--decode-steps', '4', '--warmup-steps', '0', '--dtype', 'f32', '--out', 'x.json'], { LRQK_BENCH_MODEL: '/env-model', LRQK_BENCH_DEVICE: 'cpu' });
    expect(b).toMatchObject({ model: '/env-model', contexts: [8192, 100], decodeSteps: 4, warmupSteps: 0, dtype: 'f32', device: 'cpu', out: 'x.json' });
  });

  it('errors name the flag and show the usage', () => {
    const bad = (argv: string[]) => () => parseDecodeBenchArgs(argv, {});
    expect(bad([])).toThrow(/--model DIR \(or LRQK_BENCH_MODEL\) is required\nusage:/);
    expect(bad(['--model', 'm', '--contexts', '8q'])).toThrow(/--contexts: expected a positive integer .* got '8q'/);
    expect(bad(['--model', 'm', '--decode-step', '3'])).toThrow(/unknown flag --decode-step/);
    expect(bad(['--model', 'm', '--device', 'tpu'])).toThrow(/--device must be auto, cuda or cpu/);
    expect(bad(['--model'])).toThrow(/--model needs a value/);
    expect(bad(['m'])).toThrow(BenchArgError);
  });
});

describe('decode bench report', () => {
  it('floor = (weights + KV × mean position) / bandwidth, ratios and prefill rate', () => {
    // 15 GB of weights, 128 KiB of KV per token, 8192-token prompt, 2 warm-up + 32 timed steps.
    const c = decodeCase(
      { contextTokens: 8192, prefillMs: 1000, decodeMsPerToken: 6, decodeSteps: 32, warmupSteps: 2, peakAllocatedBytes: 1, peakReservedBytes: 2 },
      15e9,
      131072,
      3e12,
    );
    const positions = 8192 + 2 + 16.5;
    expect(c.bytesPerStep).toBe(15e9 + 131072 * positions);
    expect(c.floorMsPerToken).toBeCloseTo(((15e9 + 131072 * positions) / 3e12) * 1000, 12);
    expect(c.floorRatio).toBeCloseTo(6 / c.floorMsPerToken, 12);
    expect(c.prefillTokensPerS).toBe(8192);
    expect(floorMs(3e12, 0, 0, 3e12)).toBe(1000);
  });

  it('table and comparison show every context, errors and missing HF columns', () => {
    // rate: prefill tokens per ms
    const report = (impl: string, rate: number): DecodeReport => ({
      bench: 'decode', implementation: impl, model: 'm', device: 'd', dtype: 'bf16', parameters: 8e9, weightBytesPerStep: 15e9, kvBytesPerToken: 131072,
      bandwidthBytesPerS: 3e12, decodeSteps: 32, prefillChunkTokens: 4096, loadMs: 1, date: 'now', host: 'h',
      cases: [
        decodeCase({ contextTokens: 8192, prefillMs: 8192 / rate, decodeMsPerToken: 6, decodeSteps: 32, warmupSteps: 2, peakAllocatedBytes: 2 ** 30, peakReservedBytes: 2 ** 31 }, 15e9, 131072, 3e12),
        { ...decodeCase({ contextTokens: 131072, prefillMs: NaN, decodeMsPerToken: NaN, decodeSteps: 32, warmupSteps: 2, peakAllocatedBytes: NaN, peakReservedBytes: NaN }, 15e9, 131072, 3e12), error: 'out of memory' },
      ],
    });
    const ours = report('lrqk', 10);
    const text = formatDecodeTable(ours);
    expect(text).toMatch(/^8192 +0\.82 +10000 +6\.00 +5\.36 +1\.12 +1\.0 GiB +2\.0 GiB$/m);
    expect(text).toMatch(/^131072 +error: out of memory/m);
    const md = formatComparison(ours, report('hf', 5));
    expect(md).toMatch(/\| 8192 \| 10000 \| 5000 \| 2\.00 \| 6\.00 \| 6\.00 \| 5\.36 \| 1\.12 \| 1\.12 \| 2\.0 \| 2\.0 \|/);
    expect(md).toMatch(/\| 131072 \| error: out of memory \| error: out of memory \|/);
    expect(formatComparison(ours, null)).toMatch(/HF: not run[\s\S]*\| 8192 \| 10000 \| – \| – \|/);
  });
});

describe('decode.bench.ts end to end (CPU, tiny synthesized checkpoint)', () => {
  it('prints the table and writes JSON with one case per context', async () => {
    await using t = await tempDir();
    const model = join(t.dir, 'tiny');
    const p = modelPreset('llama-3.2-1b');
    await synthesizeCheckpoint(model, { config: p.config, overrides: { num_hidden_layers: 1, hidden_size: 64, intermediate_size: 128, num_attention_heads: 4, num_key_value_heads: 2, head_dim: 16, vocab_size: 512 } });
    const out = join(t.dir, 'out', 'decode.json');
    const r = spawnSync(process.execPath, ['--conditions=source', 'bench/decode.bench.ts', '--model', model, '--contexts', '40,72', '--decode-steps', '3', '--prefill-chunk', '32', '--device', 'cpu', '--out', out], { cwd: pkgDir, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^context +prefill s +prefill tok\/s +decode ms\/tok +floor ms\/tok +ratio/m);
    const json = JSON.parse(await readFile(out, 'utf8')) as DecodeReport;
    expect(json).toMatchObject({ implementation: 'lrqk', model: 'tiny', device: 'cpu', dtype: 'f32', decodeSteps: 3, prefillChunkTokens: 32, kvBytesPerToken: 2 * 1 * 2 * 16 * 4 });
    expect(json.cases.map((c) => c.contextTokens)).toEqual([40, 72]);
    for (const c of json.cases) {
      expect(c.error).toBeUndefined();
      expect(c.decodeMsPerToken).toBeGreaterThan(0);
      expect(c.floorRatio).toBeCloseTo(c.decodeMsPerToken / c.floorMsPerToken, 9);
    }
    const bad = spawnSync(process.execPath, ['--conditions=source', 'bench/decode.bench.ts', '--contexts', '8k'], { cwd: pkgDir, encoding: 'utf8', env: { ...process.env, LRQK_BENCH_MODEL: '' } });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--model DIR/);
  });

  it('bench_hf.py checks its arguments before importing torch', () => {
    const py = spawnSync('python3', [join(pkgDir, '../../tools/oracle/bench_hf.py'), '--model', 'x', '--contexts', '8q'], { encoding: 'utf8' });
    if (py.error) return; // no python3 on this machine: nothing to check
    expect(py.status).toBe(2);
    expect(py.stderr).toMatch(/--contexts: expected positive integers/);
  });
});
