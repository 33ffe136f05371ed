// config.json parsing for the supported architectures (real configs of released models as
// fixtures), parameter counts against the models' published totals, and the memory estimate.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, countParameters, estimateMemory, loadModelConfig, parseModelConfig } from '../src/index.ts';

const fixtureDir = new URL('./fixtures/', import.meta.url).pathname;
const raw = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(fixtureDir, `${name}.config.json`), 'utf8')) as Record<string, unknown>;
const LLAMA = 'llama-3.1-8b-instruct';
const QWEN = 'qwen2.5-7b-instruct';
const MISTRAL = 'mistral-7b-instruct-v0.3';

describe('real configs', () => {
  it('Llama-3.1-8B-Instruct', async () => {
    const c = await loadModelConfig(join(fixtureDir, `${LLAMA}.config.json`));
    expect(c).toMatchObject({
      architecture: 'LlamaForCausalLM',
      hiddenSize: 4096,
      intermediateSize: 14336,
      numHiddenLayers: 32,
      numAttentionHeads: 32,
      numKeyValueHeads: 8,
      headDim: 128,
      vocabSize: 128256,
      rmsNormEps: 1e-5,
      ropeTheta: 500000,
      maxPositionEmbeddings: 131072,
      tieWordEmbeddings: false,
      qkvBias: false,
      oBias: false,
      mlpBias: false,
      slidingWindow: null,
      dtype: 'bfloat16',
      bosTokenId: 128000,
      eosTokenIds: [128001, 128008, 128009],
      hiddenAct: 'silu',
    });
    expect(c.ropeScaling).toEqual({
      type: 'llama3',
      factor: 8,
      originalMaxPositionEmbeddings: 8192,
      lowFreqFactor: 1,
      highFreqFactor: 4,
      betaFast: null,
      betaSlow: null,
      attentionFactor: null,
    });
    expect(c.layerTypes).toEqual(Array(32).fill('full_attention'));
    expect(c.raw['pretraining_tp']).toBe(1);
    expect(countParameters(c).total).toBe(8_030_261_248);
  });

  it('Qwen2.5-7B-Instruct', () => {
    const c = parseModelConfig(raw(QWEN));
    expect(c).toMatchObject({
      architecture: 'Qwen2ForCausalLM',
      hiddenSize: 3584,
      numHiddenLayers: 28,
      numAttentionHeads: 28,
      numKeyValueHeads: 4,
      headDim: 128,
      vocabSize: 152064,
      rmsNormEps: 1e-6,
      ropeTheta: 1e6,
      ropeScaling: null,
      qkvBias: true,
      oBias: false,
      mlpBias: false,
      slidingWindow: null, // use_sliding_window: false
      eosTokenIds: [151645],
      bosTokenId: 151643,
    });
    expect(c.layerTypes.every((t) => t === 'full_attention')).toBe(true);
    expect(countParameters(c).total).toBe(7_615_616_512);
  });

  it('Mistral-7B-Instruct-v0.3', () => {
    const c = parseModelConfig(raw(MISTRAL));
    expect(c).toMatchObject({
      architecture: 'MistralForCausalLM',
      vocabSize: 32768,
      headDim: 128,
      ropeTheta: 1e6,
      slidingWindow: null,
      qkvBias: false,
      oBias: false,
      eosTokenIds: [2],
      maxPositionEmbeddings: 32768,
    });
    expect(countParameters(c).total).toBe(7_248_023_552);
  });

  it('parameter breakdown of Llama-3.1-8B', () => {
    const p = countParameters(parseModelConfig(raw(LLAMA)));
    expect(p.embedding).toBe(128256 * 4096);
    expect(p.lmHead).toBe(128256 * 4096);
    expect(p.perLayer).toEqual({ attention: 4096 * 4096 * 2 + 4096 * 1024 * 2, mlp: 3 * 4096 * 14336, norms: 8192 });
    expect(p.finalNorm).toBe(4096);
  });
});

describe('variants', () => {
  it('tied embeddings drop lm_head; Llama attention_bias and mlp_bias add biases', () => {
    const base = parseModelConfig(raw(LLAMA));
    const tied = parseModelConfig({ ...raw(LLAMA), tie_word_embeddings: true });
    expect(countParameters(base).total - countParameters(tied).total).toBe(128256 * 4096);
    const biased = parseModelConfig({ ...raw(LLAMA), attention_bias: true, mlp_bias: true });
    expect(biased).toMatchObject({ qkvBias: true, oBias: true, mlpBias: true });
    expect(countParameters(biased).total - countParameters(base).total).toBe(32 * (4096 + 1024 * 2 + 4096 + 14336 * 2 + 4096));
  });

  it('Qwen2 sliding window applies from max_window_layers when use_sliding_window', () => {
    const c = parseModelConfig({ ...raw(QWEN), use_sliding_window: true, sliding_window: 4096, max_window_layers: 20 });
    expect(c.slidingWindow).toBe(4096);
    expect(c.layerTypes.slice(18, 22)).toEqual(['full_attention', 'full_attention', 'sliding_attention', 'sliding_attention']);
    expect(c.layerTypes.filter((t) => t === 'sliding_attention')).toHaveLength(8);
    // With max_window_layers = num_hidden_layers (Qwen2.5's value) no layer slides.
    expect(parseModelConfig({ ...raw(QWEN), use_sliding_window: true }).slidingWindow).toBeNull();
  });

  it('Mistral sliding_window defaults to 4096 on every layer when absent (v0.1 style)', () => {
    const { sliding_window: _drop, ...v01 } = raw(MISTRAL);
    const c = parseModelConfig(v01);
    expect(c.slidingWindow).toBe(4096);
    expect(c.layerTypes.every((t) => t === 'sliding_attention')).toBe(true);
  });

  it('explicit head_dim, missing num_key_value_heads, model_type without architectures, dtype', () => {
    const { architectures: _a, num_key_value_heads: _k, torch_dtype: _t, ...rest } = raw(LLAMA);
    const c = parseModelConfig({ ...rest, head_dim: 64, dtype: 'float16' });
    expect(c).toMatchObject({ architecture: 'LlamaForCausalLM', headDim: 64, numKeyValueHeads: 32, dtype: 'float16' });
  });

  it('transformers 5 rope_parameters', () => {
    const { rope_scaling: _s, rope_theta: _t, ...rest } = raw(LLAMA);
    const c = parseModelConfig({ ...rest, rope_parameters: { rope_type: 'llama3', rope_theta: 500000, factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 } });
    expect(c.ropeTheta).toBe(500000);
    expect(c.ropeScaling?.type).toBe('llama3');
    const plain = parseModelConfig({ ...rest, rope_parameters: { rope_type: 'default', rope_theta: 1e6 } });
    expect(plain.ropeTheta).toBe(1e6);
    expect(plain.ropeScaling).toBeNull();
  });

  it('yarn (Qwen2.5 long context) and legacy "type"', () => {
    const c = parseModelConfig({ ...raw(QWEN), rope_scaling: { type: 'yarn', factor: 4, original_max_position_embeddings: 32768 } });
    expect(c.ropeScaling).toMatchObject({ type: 'yarn', factor: 4, originalMaxPositionEmbeddings: 32768 });
    expect(parseModelConfig({ ...raw(QWEN), rope_scaling: { type: 'linear', factor: 2 } }).ropeScaling?.type).toBe('linear');
  });
});

describe('errors', () => {
  const expectConfigError = (input: unknown, message: RegExp): void => {
    let error: unknown;
    try {
      parseModelConfig(input, '/m/config.json');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).file).toBe('/m/config.json');
    expect((error as Error).message).toMatch(message);
  };

  it('unknown architecture lists the supported ones', () => {
    expectConfigError(
      { ...raw(LLAMA), architectures: ['GemmaForCausalLM'] },
      /^\/m\/config\.json: architecture "GemmaForCausalLM" is not supported; supported architectures: LlamaForCausalLM, Qwen2ForCausalLM, MistralForCausalLM$/,
    );
    const { architectures: _a, ...noArch } = raw(LLAMA);
    expectConfigError({ ...noArch, model_type: 'gemma' }, /no "architectures".*supported architectures: LlamaForCausalLM/);
    expectConfigError({ ...raw(LLAMA), architectures: ['LlamaForCausalLM', 'X'] }, /must list exactly one architecture/);
    expectConfigError([1], /must contain a JSON object/);
  });

  it('bad and missing fields are listed with their values', () => {
    const { hidden_size: _h, ...noHidden } = raw(LLAMA);
    expectConfigError(noHidden, /invalid LlamaForCausalLM config:\n {2}hidden_size: .*\(missing\)/);
    expectConfigError({ ...raw(LLAMA), num_hidden_layers: -2, vocab_size: 1.5 }, /num_hidden_layers: .*\(got -2\)\n {2}vocab_size: .*\(got 1\.5\)/);
    expectConfigError({ ...raw(LLAMA), eos_token_id: 'x' }, /eos_token_id: must be a token id or a list of token ids \(got "x"\)/);
    expectConfigError({ ...raw(LLAMA), torch_dtype: 'int8' }, /torch_dtype: must be "bfloat16", "float16" or "float32"/);
  });

  it('inconsistent heads', () => {
    expectConfigError({ ...raw(LLAMA), num_key_value_heads: 5 }, /num_attention_heads \(32\) must be a multiple of num_key_value_heads \(5\)/);
    expectConfigError({ ...raw(LLAMA), hidden_size: 4100 }, /hidden_size \(4100\) is not a multiple of num_attention_heads \(32\)/);
  });

  it('rope scaling', () => {
    expectConfigError({ ...raw(LLAMA), rope_scaling: { rope_type: 'longrope', factor: 2 } }, /rope_scaling type "longrope" is not supported \(supported: default, linear, dynamic, yarn, llama3\)/);
    expectConfigError({ ...raw(LLAMA), rope_scaling: { rope_type: 'llama3', factor: 8 } }, /rope_scaling of type "llama3" needs "original_max_position_embeddings"/);
    expectConfigError({ ...raw(LLAMA), rope_scaling: { factor: 8 } }, /rope_scaling needs "rope_type"/);
  });

  it('sliding layers need a window; layer_types must match the layer count', () => {
    expectConfigError({ ...raw(QWEN), layer_types: ['full_attention'] }, /layer_types lists 1 layers, but num_hidden_layers is 28/);
    expectConfigError({ ...raw(MISTRAL), layer_types: Array(32).fill('sliding_attention') }, /no sliding_window is set/);
  });

  it('loadModelConfig names missing and corrupt files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lrqk-config-'));
    try {
      await expect(loadModelConfig(dir)).rejects.toThrow(`${join(dir, 'config.json')}: file not found`);
      await writeFile(join(dir, 'config.json'), '{"architectures": [');
      await expect(loadModelConfig(dir)).rejects.toThrow(new RegExp(`${join(dir, 'config.json')}: not valid JSON`));
      await expect(loadModelConfig(dir)).rejects.toBeInstanceOf(ConfigError);
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});

describe('estimateMemory', () => {
  it('Llama-3.1-8B in bf16 with an 8K context', () => {
    const c = parseModelConfig(raw(LLAMA));
    const m = estimateMemory(c, { contextTokens: 8192 });
    expect(m.parameterCount).toBe(8_030_261_248);
    expect(m.weightBytes).toBe(8_030_261_248 * 2);
    expect(m.kvBytesPerToken).toBe(2 * 32 * 8 * 128 * 2); // 128 KiB
    expect(m.kvBytes).toBe(8192 * 131072); // 1 GiB
    expect(m.totalBytes).toBe(m.weightBytes + m.kvBytes);
    const f32kv = estimateMemory(c, { contextTokens: 8192, dtype: 'f16', kvDtype: 'f32' });
    expect(f32kv.weightBytes).toBe(m.weightBytes);
    expect(f32kv.kvBytes).toBe(2 * m.kvBytes);
    expect(estimateMemory(c, { contextTokens: 0 }).kvBytes).toBe(0);
  });

  it('sliding-window layers hold at most their window', () => {
    const c = parseModelConfig({ ...raw(MISTRAL), sliding_window: 4096 });
    const m = estimateMemory(c, { contextTokens: 32768 });
    expect(m.kvBytes).toBe(4096 * m.kvBytesPerToken);
    expect(estimateMemory(c, { contextTokens: 1000 }).kvBytes).toBe(1000 * m.kvBytesPerToken);
  });

  it('rejects bad arguments', () => {
    const c = parseModelConfig(raw(QWEN));
    expect(() => estimateMemory(c, { contextTokens: -1 })).toThrow(RangeError);
    expect(() => estimateMemory(c, { contextTokens: 10, dtype: 'int4' as never })).toThrow(/unknown dtype "int4"/);
  });
});
