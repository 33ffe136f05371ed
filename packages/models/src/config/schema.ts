// The fields of a Hugging Face config.json that lrqk reads, as a zod schema (snake_case, as in the
// file; other fields pass through). Defaults that differ per architecture are applied in config.ts.
import { z } from 'zod';

const positiveInt = z.number().int().positive();
const tokenId = z.number().int().nonnegative();
const torchDtype = z.enum(['bfloat16', 'float16', 'float32'], {
  error: 'must be "bfloat16", "float16" or "float32"',
});

/** rope_scaling (transformers ≤4) or rope_parameters (transformers 5): type-specific fields are checked in rope.ts. */
export const ropeScalingSchema = z.looseObject({
  rope_type: z.string().optional(),
  type: z.string().optional(),
  rope_theta: z.number().positive().optional(),
  factor: z.number().positive().optional(),
  original_max_position_embeddings: positiveInt.optional(),
  low_freq_factor: z.number().positive().optional(),
  high_freq_factor: z.number().positive().optional(),
  beta_fast: z.number().positive().optional(),
  beta_slow: z.number().positive().optional(),
  attention_factor: z.number().positive().optional(),
  mscale: z.number().optional(),
  mscale_all_dim: z.number().optional(),
});

export const rawConfigSchema = z.looseObject({
  architectures: z.array(z.string()).min(1).optional(),
  model_type: z.string().optional(),
  hidden_size: positiveInt,
  intermediate_size: positiveInt,
  num_hidden_layers: positiveInt,
  num_attention_heads: positiveInt,
  num_key_value_heads: positiveInt.nullish(),
  head_dim: positiveInt.nullish(),
  vocab_size: positiveInt,
  hidden_act: z.string().optional(),
  rms_norm_eps: z.number().positive().optional(),
  rope_theta: z.number().positive().optional(),
  rope_scaling: ropeScalingSchema.nullish(),
  rope_parameters: ropeScalingSchema.nullish(),
  max_position_embeddings: positiveInt.optional(),
  tie_word_embeddings: z.boolean().optional(),
  attention_bias: z.boolean().optional(),
  mlp_bias: z.boolean().optional(),
  sliding_window: positiveInt.nullish(),
  use_sliding_window: z.boolean().optional(),
  max_window_layers: z.number().int().nonnegative().optional(),
  layer_types: z.array(z.enum(['full_attention', 'sliding_attention'])).optional(),
  torch_dtype: torchDtype.nullish(),
  dtype: torchDtype.nullish(),
  bos_token_id: tokenId.nullish(),
  eos_token_id: z.union([tokenId, z.array(tokenId)], { error: 'must be a token id or a list of token ids' }).nullish(),
  pad_token_id: tokenId.nullish(),
});

export type RawConfig = z.infer<typeof rawConfigSchema>;
export type RawRopeScaling = z.infer<typeof ropeScalingSchema>;
