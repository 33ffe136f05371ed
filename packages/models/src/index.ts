// @lrqk/models: model checkpoints (safetensors reading and writing), config.json parsing and
// memory estimates, the forward pass with pluggable attention backends, generation, synthesis.
export * from './safetensors/index.ts';
export * from './config/index.ts';
export { countParameters, estimateMemory } from './memory.ts';
export type { MemoryEstimate, MemoryEstimateOptions, ParameterCounts, StorageDtype } from './memory.ts';
export { CheckpointError, ConfigError } from './errors.ts';
export { LlamaModel, DEFAULT_MLP_CHUNK_TOKENS, type PrefillStep, type LlamaSpec, type LlamaWeights, type LlamaLayerWeights, type ForwardOptions } from './arch/llama.ts';
export { loadModel, specFromConfig, planMemory, checkMemoryPlan, ModelLoadError, type LoadOptions, type LoadedModel, type ComputeDType, type MemoryPlan } from './load.ts';
export type { AttentionBackend, AttentionBackendFactory, AttentionShape, AttentionStats, AttentionStep, DecodeStepTensors, FidelityStats } from './attention/backend.ts';
export { LlamaDecodeGraph } from './arch/decode-graph.ts';
export { FullAttention } from './attention/full.ts';
export { OffloadAttention } from './attention/offload.ts';
export { defaultLrqkOptions, resolveLrqkOptions, type LrqkOptions } from './attention/lrqk-options.ts';
export { generate, prefill, acceptsChunkedPrefill, DEFAULT_PREFILL_CHUNK_TOKENS, type CausalLM, type DecodeStepper, type TextDecoder, type GenerateOptions, type GeneratedToken, type GenerationResult, type FinishReason } from './generate/generate.ts';
export { chooseToken, SeededRandom, validateSampling, type SamplingParams } from './generate/sampling.ts';
export { LrqkAttention } from './attention/lrqk.ts';
export { createAttention, attentionMethods, type AttentionMethod } from './attention/factory.ts';
export * from './synth/index.ts';
