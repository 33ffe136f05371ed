// Synthetic checkpoints: the written files are valid safetensors that the loader reads, with the
// preset's real config (plus overrides), every tensor the architecture needs, values drawn from
// N(0, std) (checked by moments, independently of the generator) and norm weights of exactly 1;
// generation is deterministic in the seed and independent of chunk size; sharding writes an index.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  bf16Bits,
  checkpointTensors,
  f16Bits,
  FullAttention,
  loadModel,
  loadModelConfig,
  modelPreset,
  NormalFiller,
  openCheckpoint,
  presetNames,
  synthesizeCheckpoint,
  writeGeneratedCheckpoint,
} from '../src/index.ts';
import { tempDir } from './helpers.ts';

const tiny = { num_hidden_layers: 2, hidden_size: 64, intermediate_size: 96, num_attention_heads: 4, num_key_value_heads: 2, head_dim: 16, vocab_size: 512 };

function bf16ToNumber(bits: number): number {
  return new Float32Array(new Uint32Array([bits << 16]).buffer)[0]!;
}

describe('presets', () => {
  it('every preset is a valid config of a supported architecture, with its real shape', async () => {
    for (const name of presetNames) {
      await using t = await tempDir();
      const p = modelPreset(name);
      // Parse through the same code path as a downloaded config.json.
      const { writeFile } = await import('node:fs/promises');
      await writeFile(join(t.dir, 'config.json'), JSON.stringify(p.config));
      const c = await loadModelConfig(t.dir);
      expect(c.numHiddenLayers).toBeGreaterThan(0);
    }
    expect(modelPreset('mistral-7b').name).toBe('mistral-7b-v0.3');
    expect(() => modelPreset('gpt-5')).toThrow(/unknown model 'gpt-5' \(known: llama-3.1-8b/);
  });

  it('llama-3.1-8b has 8.03 B parameters and 32 layers of GQA 4 (the published numbers)', async () => {
    await using t = await tempDir();
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(t.dir, 'config.json'), JSON.stringify(modelPreset('llama-3.1-8b').config));
    const c = await loadModelConfig(t.dir);
    const n = checkpointTensors(c, 'bf16', 0.02).reduce((a, x) => a + x.shape.reduce((p, d) => p * d, 1), 0);
    expect(n).toBe(8_030_261_248);
    expect(c.ropeScaling?.type).toBe('llama3');
  });
});

describe('NormalFiller', () => {
  it('draws N(0, std) in bf16, f16 and f32 (mean, variance, tails), deterministic in the seed', () => {
    for (const dtype of ['bf16', 'f16', 'f32'] as const) {
      const n = 1 << 18;
      const bytes = new Uint8Array(n * (dtype === 'f32' ? 4 : 2));
      new NormalFiller(0.5, dtype, 42).fill(bytes);
      const vals =
        dtype === 'f32'
          ? Array.from(new Float32Array(bytes.buffer))
          : Array.from(new Uint16Array(bytes.buffer), (b) =>
              dtype === 'bf16' ? bf16ToNumber(b) : new Float32Array([0])[0]! + halfToNumber(b),
            );
      let s = 0;
      let s2 = 0;
      let beyond2 = 0;
      for (const v of vals) {
        s += v;
        s2 += v * v;
        if (Math.abs(v) > 1) beyond2++;
      }
      const mean = s / n;
      const std = Math.sqrt(s2 / n - mean * mean);
      expect(Math.abs(mean), dtype).toBeLessThan(0.01);
      expect(Math.abs(std - 0.5), dtype).toBeLessThan(0.01);
      // P(|z| > 2) = 4.55 %
      expect(Math.abs(beyond2 / n - 0.0455), dtype).toBeLessThan(0.004);
      const again = new Uint8Array(bytes.byteLength);
      new NormalFiller(0.5, dtype, 42).fill(again);
      expect(again).toEqual(bytes);
      new NormalFiller(0.5, dtype, 43).fill(again);
      expect(again).not.toEqual(bytes);
    }
  });

  it('the stream does not depend on how the output is chunked', () => {
    const whole = new Uint8Array(2 * 1000);
    new NormalFiller(1, 'bf16', 7).fill(whole);
    const parts = new Uint8Array(2 * 1000);
    const f = new NormalFiller(1, 'bf16', 7);
    for (let off = 0; off < parts.byteLength; off += 2 * 250) f.fill(parts.subarray(off, off + 2 * 250));
    expect(parts).toEqual(whole);
  });

  it('bf16/f16 encodings round to nearest', () => {
    expect(bf16Bits(1)).toBe(0x3f80);
    expect(bf16Bits(-2)).toBe(0xc000);
    expect(bf16Bits(1 + 2 ** -8)).toBe(0x3f80); // tie → even
    expect(bf16Bits(1 + 3 * 2 ** -9)).toBe(0x3f81);
    expect(f16Bits(1)).toBe(0x3c00);
    expect(f16Bits(-0.5)).toBe(0xb800);
    expect(f16Bits(65504)).toBe(0x7bff);
    expect(f16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
  });
});

/** IEEE half bits → number (independent of the encoder under test). */
function halfToNumber(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

describe('synthesizeCheckpoint', () => {
  it('writes a checkpoint the loader runs, with the real config, overrides, ones for norms', async () => {
    await using t = await tempDir();
    const p = modelPreset('qwen2.5-0.5b');
    const r = await synthesizeCheckpoint(t.dir, { config: p.config, overrides: tiny, seed: 3, provenance: { preset: p.name } });
    const cfg = JSON.parse(await readFile(join(t.dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(cfg).toMatchObject({ ...tiny, architectures: ['Qwen2ForCausalLM'], rope_theta: 1000000.0, torch_dtype: 'bfloat16', eos_token_id: 151645 });
    expect(JSON.parse(await readFile(join(t.dir, 'generation_config.json'), 'utf8'))).toMatchObject({ eos_token_id: 151645, bos_token_id: 151643 });
    expect(JSON.parse(await readFile(join(t.dir, 'lrqk-synth.json'), 'utf8'))).toMatchObject({ seed: 3, preset: 'qwen2.5-0.5b', dtype: 'bf16' });
    const ck = await openCheckpoint(t.dir);
    try {
      expect(ck.tensors.size).toBe(checkpointTensors(r.config, 'bf16', 0.02).length);
      expect(ck.has('model.layers.1.self_attn.q_proj.bias')).toBe(true); // Qwen2: qkv biases
      expect(ck.has('lm_head.weight')).toBe(false); // tied
      const norm = new Uint16Array((await ck.read('model.layers.0.input_layernorm.weight')).slice().buffer);
      expect([...new Set(norm)]).toEqual([0x3f80]);
      const q = new Uint16Array((await ck.read('model.layers.0.self_attn.q_proj.weight')).slice().buffer);
      let s2 = 0;
      for (const b of q) s2 += bf16ToNumber(b) ** 2;
      expect(Math.sqrt(s2 / q.length)).toBeCloseTo(0.02, 2);
    } finally {
      await ck.close();
    }
    const { model } = await loadModel(t.dir, { device: 'cpu', dtype: 'f32' });
    const s = model.spec;
    const be = new FullAttention({ layers: s.layers, heads: s.heads, kvHeads: s.kvHeads, headDim: s.headDim, maxTokens: 16, dtype: 'f32', device: 'cpu' });
    const logits = model.forward([1, 2, 3], be);
    const v = logits.toFloat64Array();
    expect(v.length).toBe(512);
    expect(v.every(Number.isFinite)).toBe(true);
    logits.dispose();
    be.dispose();
    model.dispose();
  });

  it('writes the same tensor names and shapes as transformers save_pretrained, for every fixture architecture', async () => {
    const fixtures = join(import.meta.dirname, 'fixtures', 'hf');
    const dirs = (await readdir(fixtures, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
    expect(dirs.length).toBeGreaterThanOrEqual(7);
    for (const name of dirs) {
      const hf = join(fixtures, name);
      await using t = await tempDir();
      const config = JSON.parse(await readFile(join(hf, 'config.json'), 'utf8')) as Record<string, unknown>;
      await synthesizeCheckpoint(t.dir, { config });
      const want = await openCheckpoint(hf);
      const got = await openCheckpoint(t.dir);
      try {
        const shapes = (c: typeof want) => Object.fromEntries([...c.tensors.values()].map((x) => [x.name, x.shape.join('x')]));
        expect(shapes(got), name).toEqual(shapes(want));
      } finally {
        await want.close();
        await got.close();
      }
    }
  });

  it('is deterministic in the seed and refuses a non-empty directory', async () => {
    await using a = await tempDir();
    await using b = await tempDir();
    const p = modelPreset('llama-3.2-1b');
    await synthesizeCheckpoint(a.dir, { config: p.config, overrides: tiny, seed: 9 });
    await synthesizeCheckpoint(b.dir, { config: p.config, overrides: tiny, seed: 9 });
    expect(await readFile(join(a.dir, 'model.safetensors'))).toEqual(await readFile(join(b.dir, 'model.safetensors')));
    await expect(synthesizeCheckpoint(a.dir, { config: p.config, overrides: tiny })).rejects.toThrow(/is not empty/);
    await expect(synthesizeCheckpoint(b.dir, { config: p.config, overrides: { hidden_size: 0 }, overwrite: true })).rejects.toThrow(/hidden_size/);
  });

  it('shards by size with an index the checkpoint reader accepts', async () => {
    await using t = await tempDir();
    const tensors = [0, 1, 2, 3].map((i) => ({ name: `w${i}`, dtype: 'bf16' as const, shape: [100, 30], init: { kind: 'normal' as const, std: 1 } }));
    const r = await writeGeneratedCheckpoint(t.dir, tensors, { seed: 1, maxShardBytes: 12_000, chunkBytes: 1024 });
    expect(r.files.map((f) => f.split('/').pop())).toEqual(['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
    const ck = await openCheckpoint(t.dir);
    try {
      expect(ck.indexFile).not.toBeNull();
      expect([...ck.tensors.keys()]).toEqual(['w0', 'w1', 'w2', 'w3']);
      // Same data as one unchunked fill of the same stream.
      const one = await writeGeneratedCheckpoint(join(t.dir, 'single'), tensors.slice(0, 1), { seed: 1, chunkBytes: 6000 });
      const ck1 = await openCheckpoint(one.files[0]!);
      expect(await ck1.read('w0')).toEqual(await ck.read('w0'));
      await ck1.close();
    } finally {
      await ck.close();
    }
  });
});
