// The loader's memory plan and refusal: weights + KV + prefill workspace against a hand count for
// Llama-3.1-8B, the KV term following deviceKvTokens, and a refusal that happens before any weight
// is read, names the numbers and the settings to change, and leaves loading with room working.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModel, loadModelConfig, modelPreset, ModelLoadError, planMemory, synthesizeCheckpoint } from '../src/index.ts';
import { tempDir } from './helpers.ts';

describe('planMemory', () => {
  it('Llama-3.1-8B in bf16 at 32K: weights, KV and workspace by hand', async () => {
    await using t = await tempDir();
    await writeFile(join(t.dir, 'config.json'), JSON.stringify(modelPreset('llama-3.1-8b').config));
    const c = await loadModelConfig(t.dir);
    const p = planMemory(c, { device: 'cuda', dtype: 'bf16', contextTokens: 32768 });
    expect(p.weightBytes).toBe(8_030_261_248 * 2);
    // 32 layers × (K, V) × 8 KV heads × 128 × 2 bytes per token
    expect(p.kvBytes).toBe(32768 * 32 * 2 * 8 * 128 * 2);
    // 4096 tokens × (4·4096 + (4096 + 2·1024) + 4096 + 3·14336) × 2 bytes + 128256 f32 logits
    expect(p.workspaceBytes).toBe(4096 * (4 * 4096 + 6144 + 4096 + 3 * 14336) * 2 + 128256 * 4);
    expect(p.totalBytes).toBe(p.weightBytes + p.kvBytes + p.workspaceBytes);
    const lrqk = planMemory(c, { device: 'cuda', dtype: 'bf16', contextTokens: 131072, deviceKvTokens: 2048 + 64 });
    expect(lrqk.kvBytes).toBe((2048 + 64) * 32 * 2 * 8 * 128 * 2);
    expect(lrqk.workspaceBytes).toBe(p.workspaceBytes);
  });
});

describe('loadModel memory check', () => {
  it('refuses before reading weights, with the numbers and the settings to change; loads when it fits', async () => {
    await using t = await tempDir();
    const p = modelPreset('llama-3.2-1b');
    await synthesizeCheckpoint(t.dir, { config: p.config, overrides: { num_hidden_layers: 1, hidden_size: 64, intermediate_size: 128, num_attention_heads: 4, num_key_value_heads: 2, head_dim: 16, vocab_size: 512 } });
    let progressCalls = 0;
    const err = await loadModel(t.dir, { device: 'cpu', dtype: 'f32', contextTokens: 4096, memoryLimitBytes: 100_000, onProgress: () => progressCalls++ }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelLoadError);
    expect((err as Error).message).toMatch(/needs 0\.0 GiB of host memory \(weights 0\.0 GiB in f32 \+ KV cache 0\.0 GiB \+ prefill workspace 0\.0 GiB, for a 4096-token context\) but only 0\.0 GiB is available; lower --context, use --dtype bf16/);
    expect(progressCalls).toBe(0);
    const { model } = await loadModel(t.dir, { device: 'cpu', dtype: 'f32', contextTokens: 4096, memoryLimitBytes: 1e9, onProgress: () => progressCalls++ });
    expect(progressCalls).toBeGreaterThan(0);
    model.dispose();
  });
});
