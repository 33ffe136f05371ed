// A random-weight checkpoint directory of a real model's shape: config.json (the real one, with
// optional overrides), safetensors shards generated on the fly, generation_config.json, and the
// tokenizer files the caller supplies. Lets benchmarks and tests run real shapes without downloads.
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseModelConfig, type ModelConfig } from '../config/index.ts';
import { countParameters } from '../memory.ts';
import type { FillDType } from './random-fill.ts';
import { generatedByteLength, writeGeneratedCheckpoint, type GeneratedTensor } from './stream-writer.ts';

/** Marker file that says a directory holds random weights (read by `lrqk inspect`). */
export const SYNTH_MARKER = 'lrqk-synth.json';

export interface SynthesizeOptions {
  /** Base config.json (e.g. a preset's). */
  config: Readonly<Record<string, unknown>>;
  /** Fields replaced in the config (e.g. { num_hidden_layers: 2 }); validated like any config. */
  overrides?: Readonly<Record<string, unknown>>;
  dtype?: FillDType;
  seed?: number;
  /** Standard deviation of the random matrices (default: the config's initializer_range, else 0.02). */
  std?: number;
  /** Files copied into the directory (tokenizer.json, tokenizer_config.json, …): absolute paths. */
  extraFiles?: readonly string[];
  /** Recorded in lrqk-synth.json (e.g. the preset name and where the config came from). */
  provenance?: Readonly<Record<string, unknown>>;
  maxShardBytes?: number;
  /** Allow writing into a directory that already has files. */
  overwrite?: boolean;
  onProgress?: (doneBytes: number, totalBytes: number) => void;
}

export interface SynthesizeResult {
  dir: string;
  config: ModelConfig;
  parameterCount: number;
  bytes: number;
  files: string[];
  ms: number;
}

const TORCH_NAME: Record<FillDType, string> = { bf16: 'bfloat16', f16: 'float16', f32: 'float32' };

/** The tensors of a Llama/Qwen2/Mistral checkpoint, in module order (as save_pretrained writes them). */
export function checkpointTensors(c: ModelConfig, dtype: FillDType, std: number): GeneratedTensor[] {
  const H = c.hiddenSize;
  const qDim = c.numAttentionHeads * c.headDim;
  const kvDim = c.numKeyValueHeads * c.headDim;
  const I = c.intermediateSize;
  const normal = { kind: 'normal', std } as const;
  const ones = { kind: 'constant', value: 1 } as const;
  const out: GeneratedTensor[] = [];
  const add = (name: string, shape: number[], init: GeneratedTensor['init']) => out.push({ name, dtype, shape, init });
  add('model.embed_tokens.weight', [c.vocabSize, H], normal);
  for (let l = 0; l < c.numHiddenLayers; l++) {
    const p = `model.layers.${l}.`;
    add(`${p}self_attn.q_proj.weight`, [qDim, H], normal);
    if (c.qkvBias) add(`${p}self_attn.q_proj.bias`, [qDim], normal);
    add(`${p}self_attn.k_proj.weight`, [kvDim, H], normal);
    if (c.qkvBias) add(`${p}self_attn.k_proj.bias`, [kvDim], normal);
    add(`${p}self_attn.v_proj.weight`, [kvDim, H], normal);
    if (c.qkvBias) add(`${p}self_attn.v_proj.bias`, [kvDim], normal);
    add(`${p}self_attn.o_proj.weight`, [H, qDim], normal);
    if (c.oBias) add(`${p}self_attn.o_proj.bias`, [H], normal);
    add(`${p}mlp.gate_proj.weight`, [I, H], normal);
    if (c.mlpBias) add(`${p}mlp.gate_proj.bias`, [I], normal);
    add(`${p}mlp.up_proj.weight`, [I, H], normal);
    if (c.mlpBias) add(`${p}mlp.up_proj.bias`, [I], normal);
    add(`${p}mlp.down_proj.weight`, [H, I], normal);
    if (c.mlpBias) add(`${p}mlp.down_proj.bias`, [H], normal);
    add(`${p}input_layernorm.weight`, [H], ones);
    add(`${p}post_attention_layernorm.weight`, [H], ones);
  }
  add('model.norm.weight', [H], ones);
  if (!c.tieWordEmbeddings) add('lm_head.weight', [c.vocabSize, H], normal);
  return out;
}

/** Writes a random-weight checkpoint into `dir` (created if needed). */
export async function synthesizeCheckpoint(dir: string, opts: SynthesizeOptions): Promise<SynthesizeResult> {
  const t0 = performance.now();
  const dtype = opts.dtype ?? 'bf16';
  const seed = opts.seed ?? 0;
  const raw: Record<string, unknown> = { ...opts.config, ...(opts.overrides ?? {}), torch_dtype: TORCH_NAME[dtype] };
  delete raw.dtype; // transformers 5's alias of torch_dtype; keep one
  const config = parseModelConfig(raw, `${dir}/config.json`);
  const std = opts.std ?? (typeof raw.initializer_range === 'number' ? raw.initializer_range : 0.02);
  await mkdir(dir, { recursive: true });
  if (!opts.overwrite) {
    const existing = await readdir(dir);
    if (existing.length > 0) throw new Error(`${dir} is not empty (${existing.length} entries); choose a new directory or allow overwriting`);
  }
  const tensors = checkpointTensors(config, dtype, std);
  const written = await writeGeneratedCheckpoint(dir, tensors, {
    seed,
    ...(opts.maxShardBytes !== undefined ? { maxShardBytes: opts.maxShardBytes } : {}),
    ...(opts.onProgress !== undefined ? { onProgress: opts.onProgress } : {}),
  });
  const json = (name: string, value: unknown) => writeFile(join(dir, name), `${JSON.stringify(value, null, 2)}\n`);
  await json('config.json', raw);
  const generation: Record<string, unknown> = { _from_model_config: true };
  if (raw.bos_token_id !== undefined) generation.bos_token_id = raw.bos_token_id;
  if (raw.eos_token_id !== undefined) generation.eos_token_id = raw.eos_token_id;
  await json('generation_config.json', generation);
  const files = [...written.files];
  for (const f of opts.extraFiles ?? []) {
    const target = join(dir, f.split(/[\\/]/).pop()!);
    await copyFile(f, target);
    files.push(target);
  }
  const parameterCount = countParameters(config).total;
  await json(SYNTH_MARKER, {
    note: 'random weights written by lrqk synth: the shapes of a real model, not its behaviour',
    seed,
    dtype,
    std,
    overrides: opts.overrides ?? {},
    ...(opts.provenance ?? {}),
  });
  const bytes = tensors.reduce((a, t) => a + generatedByteLength(t), 0);
  return { dir, config, parameterCount, bytes, files, ms: performance.now() - t0 };
}
