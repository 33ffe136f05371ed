// `lrqk inspect model DIR` / `lrqk inspect DIR`: architecture, parameters, stored dtypes,
// completeness and memory, read from config.json and the safetensors headers only; a checkpoint
// that does not match its config, a truncated shard and a missing directory fail clearly.
import { readFileSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lrqk, synthTiny, tempDir } from './model-fixture.ts';

const tmp = tempDir();
const dir = join(tmp.dir, 'tiny');
beforeAll(() => void synthTiny(dir));
afterAll(() => tmp.remove());

describe('lrqk inspect model', () => {
  it('--json: architecture, parameters, dtypes, completeness and memory per context', () => {
    const r = lrqk(['inspect', 'model', dir, '--json', '--context', '1k,4096']);
    expect(r.code, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout) as Record<string, any>;
    expect(info.config).toMatchObject({ architecture: 'LlamaForCausalLM', numHiddenLayers: 2, hiddenSize: 64, numKeyValueHeads: 2, headDim: 16, vocabSize: 128256, tieWordEmbeddings: true });
    // embedding 128256·64 + per layer (q 64·64 + k,v 2·32·64 + o 64·64 + mlp 3·64·128 + norms 2·64) + final norm
    const perLayer = 64 * 64 + 2 * 32 * 64 + 64 * 64 + 3 * 64 * 128 + 2 * 64;
    expect(info.parameters.total).toBe(128256 * 64 + 2 * perLayer + 64);
    expect(info.checkpoint).toMatchObject({ tensors: 20, missing: [], wrongShape: [], unused: [] });
    expect(info.checkpoint.dtypes.BF16.bytes).toBe(2 * info.parameters.total);
    expect(info.synthetic).toMatchObject({ preset: 'llama-3.2-1b' });
    // KV per token: 2 layers × 2 (K, V) × 2 heads × 16 × 2 bytes
    expect(info.kvBytesPerToken.bf16).toBe(256);
    const m = info.memory.find((x: { dtype: string; contextTokens: number }) => x.dtype === 'bf16' && x.contextTokens === 1024);
    expect(m).toMatchObject({ weightBytes: 2 * info.parameters.total, kvBytes: 256 * 1024 });
  });

  it('text report via the short form `lrqk inspect DIR`', () => {
    const r = lrqk(['inspect', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/RANDOM WEIGHTS \(lrqk synth --like llama-3\.2-1b\)/);
    expect(r.stdout).toMatch(/architecture\s+LlamaForCausalLM/);
    expect(r.stdout).toMatch(/complete\s+yes/);
    expect(r.stdout).toMatch(/bf16 @ 4096 tokens/);
  });

  it('a config that contradicts the weights is reported, tensor by tensor, with exit code 1', () => {
    const other = join(tmp.dir, 'mismatch');
    synthTiny(other);
    const cfgFile = join(other, 'config.json');
    const cfg = JSON.parse(readFileSync(cfgFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(cfgFile, JSON.stringify({ ...cfg, intermediate_size: 256, num_hidden_layers: 3 }));
    const r = lrqk(['inspect', 'model', other]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/complete\s+NO/);
    expect(r.stdout).toMatch(/missing: model\.layers\.2\./);
    expect(r.stdout).toMatch(/wrong shape: model\.layers\.0\.mlp\.gate_proj\.weight is \[128,64\], config implies \[256,64\]/);
  });

  it('a truncated shard and a missing directory fail in one line', () => {
    const broken = join(tmp.dir, 'broken');
    synthTiny(broken);
    const shard = join(broken, 'model.safetensors');
    truncateSync(shard, statSync(shard).size - 100);
    const t = lrqk(['inspect', broken]);
    expect(t.code).toBe(1);
    expect(t.stderr).toMatch(/^lrqk: CheckpointError: .*model\.safetensors: .*\n$/);
    const missing = lrqk(['inspect', 'model', join(tmp.dir, 'nope')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope: no such directory/);
  });
});
