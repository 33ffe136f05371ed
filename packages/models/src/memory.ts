// Parameter count and memory estimate of a model from its config alone (no weights needed).
// Per layer: q/k/v/o projections (+ biases), gate/up/down (+ biases), two RMSNorm weights;
// plus the embedding, the final norm and lm_head unless tied to the embedding.
import type { ModelConfig } from './config/config.ts';

/** Element types lrqk stores weights and KV in (the names of @lrqk/tensor). */
export type StorageDtype = 'f32' | 'f16' | 'bf16';

const DTYPE_BYTES: Record<StorageDtype, number> = { f32: 4, f16: 2, bf16: 2 };
const FROM_TORCH: Record<string, StorageDtype> = { float32: 'f32', float16: 'f16', bfloat16: 'bf16' };

export interface ParameterCounts {
  embedding: number;
  /** All decoder layers together. */
  layers: number;
  perLayer: { attention: number; mlp: number; norms: number };
  finalNorm: number;
  /** 0 when tied to the embedding. */
  lmHead: number;
  total: number;
}

export function countParameters(config: ModelConfig): ParameterCounts {
  const h = config.hiddenSize;
  const qDim = config.numAttentionHeads * config.headDim;
  const kvDim = config.numKeyValueHeads * config.headDim;
  const i = config.intermediateSize;
  const attention =
    h * qDim + h * kvDim * 2 + qDim * h + (config.qkvBias ? qDim + 2 * kvDim : 0) + (config.oBias ? h : 0);
  const mlp = 3 * h * i + (config.mlpBias ? 2 * i + h : 0);
  const norms = 2 * h;
  const embedding = config.vocabSize * h;
  const lmHead = config.tieWordEmbeddings ? 0 : config.vocabSize * h;
  const layers = config.numHiddenLayers * (attention + mlp + norms);
  return {
    embedding,
    layers,
    perLayer: { attention, mlp, norms },
    finalNorm: h,
    lmHead,
    total: embedding + layers + h + lmHead,
  };
}

export interface MemoryEstimateOptions {
  /** Tokens of context the KV cache must hold (prompt + generated). */
  contextTokens: number;
  /** Weight dtype (default: the config's torch_dtype, else bf16). */
  dtype?: StorageDtype;
  /** KV cache dtype (default: the weight dtype). */
  kvDtype?: StorageDtype;
}

export interface MemoryEstimate {
  parameterCount: number;
  weightBytes: number;
  /** K and V of one token over all layers. */
  kvBytesPerToken: number;
  /** KV for contextTokens; sliding-window layers hold at most their window. */
  kvBytes: number;
  /** weightBytes + kvBytes (activations and workspace are not included). */
  totalBytes: number;
}

export function estimateMemory(config: ModelConfig, options: MemoryEstimateOptions): MemoryEstimate {
  const { contextTokens } = options;
  if (!Number.isSafeInteger(contextTokens) || contextTokens < 0) {
    throw new RangeError(`estimateMemory: contextTokens must be a non-negative integer, got ${contextTokens}`);
  }
  const dtype = options.dtype ?? (config.dtype === null ? 'bf16' : FROM_TORCH[config.dtype]!);
  const kvDtype = options.kvDtype ?? dtype;
  for (const d of [dtype, kvDtype]) {
    if (!(d in DTYPE_BYTES)) throw new RangeError(`estimateMemory: unknown dtype "${d}" (use f32, f16 or bf16)`);
  }
  const parameterCount = countParameters(config).total;
  const weightBytes = parameterCount * DTYPE_BYTES[dtype];
  const kvBytesPerLayerToken = 2 * config.numKeyValueHeads * config.headDim * DTYPE_BYTES[kvDtype];
  let kvBytes = 0;
  for (const type of config.layerTypes) {
    const tokens = type === 'sliding_attention' && config.slidingWindow !== null ? Math.min(contextTokens, config.slidingWindow) : contextTokens;
    kvBytes += kvBytesPerLayerToken * tokens;
  }
  return {
    parameterCount,
    weightBytes,
    kvBytesPerToken: kvBytesPerLayerToken * config.numHiddenLayers,
    kvBytes,
    totalBytes: weightBytes + kvBytes,
  };
}
