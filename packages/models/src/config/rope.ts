// RoPE scaling variants of the supported models, normalised from config.json's rope_scaling
// ("type" or "rope_type") or transformers 5's rope_parameters.
import { ConfigError } from '../errors.ts';
import type { RawRopeScaling } from './schema.ts';

export const ROPE_SCALING_TYPES = ['linear', 'dynamic', 'yarn', 'llama3'] as const;
export type RopeScalingType = (typeof ROPE_SCALING_TYPES)[number];

export interface RopeScaling {
  type: RopeScalingType;
  /** Context extension factor. */
  factor: number;
  /** Context the model was pre-trained with (llama3: required; yarn: defaults to max_position_embeddings). */
  originalMaxPositionEmbeddings: number | null;
  /** llama3: wavelengths above original/low_freq_factor are scaled by 1/factor. */
  lowFreqFactor: number | null;
  /** llama3: wavelengths below original/high_freq_factor are kept. */
  highFreqFactor: number | null;
  /** yarn: ramp bounds in rotations (defaults 32 and 1). */
  betaFast: number | null;
  betaSlow: number | null;
  /** yarn: attention temperature (default 0.1·ln(factor) + 1). */
  attentionFactor: number | null;
}

/** Normalises a rope_scaling object; null for none or "default". */
export function parseRopeScaling(raw: RawRopeScaling | null | undefined, file: string, field: string): RopeScaling | null {
  if (raw === null || raw === undefined) return null;
  const type = raw.rope_type ?? raw.type;
  if (type === undefined) throw new ConfigError(file, `${field} needs "rope_type" (or "type")`);
  if (type === 'default') return null;
  if (!(ROPE_SCALING_TYPES as readonly string[]).includes(type)) {
    throw new ConfigError(file, `${field} type "${type}" is not supported (supported: default, ${ROPE_SCALING_TYPES.join(', ')})`);
  }
  const need = (key: keyof RawRopeScaling & string): number => {
    const value = raw[key];
    if (typeof value !== 'number') throw new ConfigError(file, `${field} of type "${type}" needs "${key}"`);
    return value;
  };
  const factor = need('factor');
  if (type === 'llama3') {
    need('original_max_position_embeddings');
    need('low_freq_factor');
    need('high_freq_factor');
    if (raw.high_freq_factor! <= raw.low_freq_factor!) {
      throw new ConfigError(file, `${field}: high_freq_factor (${raw.high_freq_factor}) must exceed low_freq_factor (${raw.low_freq_factor})`);
    }
  }
  if (type === 'dynamic' && factor < 1) throw new ConfigError(file, `${field}: dynamic scaling needs factor >= 1, got ${factor}`);
  return {
    type: type as RopeScalingType,
    factor,
    originalMaxPositionEmbeddings: raw.original_max_position_embeddings ?? null,
    lowFreqFactor: raw.low_freq_factor ?? null,
    highFreqFactor: raw.high_freq_factor ?? null,
    betaFast: raw.beta_fast ?? null,
    betaSlow: raw.beta_slow ?? null,
    attentionFactor: raw.attention_factor ?? null,
  };
}
