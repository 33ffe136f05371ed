// config.json → a typed, validated ModelConfig for the architectures lrqk runs. What differs:
//   LlamaForCausalLM   attention_bias adds biases to q/k/v/o, mlp_bias to gate/up/down; no sliding window.
//   Qwen2ForCausalLM   q/k/v always have biases, o_proj none; sliding window only with
//                      use_sliding_window, and then only on layers >= max_window_layers.
//   MistralForCausalLM no biases; sliding_window (default 4096, null = none) on every layer.
// Defaults are transformers' for each config class.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../errors.ts';
import { parseRopeScaling } from './rope.ts';
import type { RopeScaling } from './rope.ts';
import { rawConfigSchema } from './schema.ts';
import type { RawConfig } from './schema.ts';

export const SUPPORTED_ARCHITECTURES = ['LlamaForCausalLM', 'Qwen2ForCausalLM', 'MistralForCausalLM'] as const;
export type Architecture = (typeof SUPPORTED_ARCHITECTURES)[number];

const MODEL_TYPES: Record<string, Architecture> = {
  llama: 'LlamaForCausalLM',
  qwen2: 'Qwen2ForCausalLM',
  mistral: 'MistralForCausalLM',
};

export type LayerType = 'full_attention' | 'sliding_attention';
export type TorchDtype = 'bfloat16' | 'float16' | 'float32';

export interface ModelConfig {
  architecture: Architecture;
  hiddenSize: number;
  intermediateSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  numKeyValueHeads: number;
  /** head_dim, or hidden_size / num_attention_heads when absent. */
  headDim: number;
  vocabSize: number;
  hiddenAct: string;
  rmsNormEps: number;
  ropeTheta: number;
  ropeScaling: RopeScaling | null;
  maxPositionEmbeddings: number;
  tieWordEmbeddings: boolean;
  /** Biases on q_proj, k_proj, v_proj. */
  qkvBias: boolean;
  /** Bias on o_proj. */
  oBias: boolean;
  /** Biases on gate_proj, up_proj, down_proj. */
  mlpBias: boolean;
  /** Window in tokens of the sliding-attention layers, or null when every layer attends fully. */
  slidingWindow: number | null;
  /** Per layer: full or sliding-window attention. */
  layerTypes: LayerType[];
  /** torch_dtype (or transformers 5's dtype): the checkpoint's weight dtype, when stated. */
  dtype: TorchDtype | null;
  bosTokenId: number | null;
  /** eos_token_id as a list (empty when absent). */
  eosTokenIds: number[];
  padTokenId: number | null;
  /** The parsed config.json, unmodified. */
  raw: Readonly<Record<string, unknown>>;
}

interface ArchitectureDefaults {
  rmsNormEps: number;
  ropeTheta: number;
  maxPositionEmbeddings: number;
}
const DEFAULTS: Record<Architecture, ArchitectureDefaults> = {
  LlamaForCausalLM: { rmsNormEps: 1e-6, ropeTheta: 10000, maxPositionEmbeddings: 2048 },
  Qwen2ForCausalLM: { rmsNormEps: 1e-6, ropeTheta: 10000, maxPositionEmbeddings: 32768 },
  MistralForCausalLM: { rmsNormEps: 1e-6, ropeTheta: 10000, maxPositionEmbeddings: 4096 * 32 },
};

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const key of path) v = (v as Record<PropertyKey, unknown> | undefined)?.[key];
  return v;
}

function architectureOf(input: Record<string, unknown>, file: string): Architecture {
  const supported = SUPPORTED_ARCHITECTURES.join(', ');
  const list = input['architectures'];
  if (list === undefined || list === null) {
    const modelType = input['model_type'];
    if (typeof modelType === 'string' && modelType in MODEL_TYPES) return MODEL_TYPES[modelType]!;
    throw new ConfigError(file, `no "architectures" (and model_type ${JSON.stringify(modelType)} is not one of ${Object.keys(MODEL_TYPES).join(', ')}); supported architectures: ${supported}`);
  }
  if (!Array.isArray(list) || list.length !== 1 || typeof list[0] !== 'string') {
    throw new ConfigError(file, `"architectures" must list exactly one architecture, got ${JSON.stringify(list)}; supported: ${supported}`);
  }
  const name = list[0];
  if (!(SUPPORTED_ARCHITECTURES as readonly string[]).includes(name)) {
    throw new ConfigError(file, `architecture "${name}" is not supported; supported architectures: ${supported}`);
  }
  return name as Architecture;
}

/** Validates a parsed config.json; `file` labels error messages. */
export function parseModelConfig(input: unknown, file = 'config.json'): ModelConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ConfigError(file, 'config.json must contain a JSON object');
  }
  const architecture = architectureOf(input as Record<string, unknown>, file);
  const parsed = rawConfigSchema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const path = issue.path.map(String).join('.') || '(root)';
      const value = valueAt(input, issue.path);
      return `  ${path}: ${issue.message}${value === undefined ? ' (missing)' : ` (got ${JSON.stringify(value)})`}`;
    });
    throw new ConfigError(file, `invalid ${architecture} config:\n${lines.join('\n')}`);
  }
  return normalize(architecture, parsed.data, input as Record<string, unknown>, file);
}

function normalize(architecture: Architecture, c: RawConfig, raw: Record<string, unknown>, file: string): ModelConfig {
  const defaults = DEFAULTS[architecture];
  const numKeyValueHeads = c.num_key_value_heads ?? c.num_attention_heads;
  if (c.num_attention_heads % numKeyValueHeads !== 0) {
    throw new ConfigError(file, `num_attention_heads (${c.num_attention_heads}) must be a multiple of num_key_value_heads (${numKeyValueHeads})`);
  }
  let headDim = c.head_dim;
  if (headDim === undefined || headDim === null) {
    if (c.hidden_size % c.num_attention_heads !== 0) {
      throw new ConfigError(file, `hidden_size (${c.hidden_size}) is not a multiple of num_attention_heads (${c.num_attention_heads}) and head_dim is not given`);
    }
    headDim = c.hidden_size / c.num_attention_heads;
  }

  // transformers 5 moves rope_theta and the scaling into rope_parameters.
  const ropeTheta = c.rope_parameters?.rope_theta ?? c.rope_theta ?? defaults.ropeTheta;
  const ropeScaling = c.rope_parameters
    ? parseRopeScaling({ rope_type: 'default', ...c.rope_parameters }, file, 'rope_parameters')
    : parseRopeScaling(c.rope_scaling, file, 'rope_scaling');

  let slidingWindow: number | null = null;
  let layerTypes: LayerType[];
  if (architecture === 'MistralForCausalLM') {
    slidingWindow = c.sliding_window === undefined ? 4096 : c.sliding_window;
    layerTypes = Array.from({ length: c.num_hidden_layers }, () => (slidingWindow === null ? 'full_attention' : 'sliding_attention'));
  } else if (architecture === 'Qwen2ForCausalLM') {
    slidingWindow = c.use_sliding_window ? (c.sliding_window === undefined ? 4096 : c.sliding_window) : null;
    const maxWindowLayers = c.max_window_layers ?? 28;
    layerTypes = Array.from({ length: c.num_hidden_layers }, (_, i) =>
      slidingWindow !== null && i >= maxWindowLayers ? 'sliding_attention' : 'full_attention',
    );
  } else {
    layerTypes = Array.from({ length: c.num_hidden_layers }, () => 'full_attention');
  }
  if (c.layer_types !== undefined && architecture !== 'LlamaForCausalLM') {
    if (c.layer_types.length !== c.num_hidden_layers) {
      throw new ConfigError(file, `layer_types lists ${c.layer_types.length} layers, but num_hidden_layers is ${c.num_hidden_layers}`);
    }
    layerTypes = [...c.layer_types];
  }
  if (layerTypes.includes('sliding_attention') && slidingWindow === null) {
    throw new ConfigError(file, 'layer_types has sliding_attention layers but no sliding_window is set');
  }
  if (!layerTypes.includes('sliding_attention')) slidingWindow = null;

  const eos = c.eos_token_id;
  return {
    architecture,
    hiddenSize: c.hidden_size,
    intermediateSize: c.intermediate_size,
    numHiddenLayers: c.num_hidden_layers,
    numAttentionHeads: c.num_attention_heads,
    numKeyValueHeads,
    headDim,
    vocabSize: c.vocab_size,
    hiddenAct: c.hidden_act ?? 'silu',
    rmsNormEps: c.rms_norm_eps ?? defaults.rmsNormEps,
    ropeTheta,
    ropeScaling,
    maxPositionEmbeddings: c.max_position_embeddings ?? defaults.maxPositionEmbeddings,
    tieWordEmbeddings: c.tie_word_embeddings ?? false,
    qkvBias: architecture === 'Qwen2ForCausalLM' || (architecture === 'LlamaForCausalLM' && (c.attention_bias ?? false)),
    oBias: architecture === 'LlamaForCausalLM' && (c.attention_bias ?? false),
    mlpBias: architecture === 'LlamaForCausalLM' && (c.mlp_bias ?? false),
    slidingWindow,
    layerTypes,
    dtype: c.dtype ?? c.torch_dtype ?? null,
    bosTokenId: c.bos_token_id ?? null,
    eosTokenIds: eos === undefined || eos === null ? [] : Array.isArray(eos) ? [...eos] : [eos],
    padTokenId: c.pad_token_id ?? null,
    raw,
  };
}

/** Reads and validates config.json from a model directory (or the file itself). */
export async function loadModelConfig(path: string): Promise<ModelConfig> {
  let file = path;
  try {
    if ((await stat(path)).isDirectory()) file = join(path, 'config.json');
  } catch {
    // Reported below as a missing file.
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(file, code === 'ENOENT' ? 'file not found' : `cannot read: ${(error as Error).message}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(file, `not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  return parseModelConfig(json, file);
}
