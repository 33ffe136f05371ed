// @lrqk/engine: a local model directory ready to generate — checkpoint + tokenizer + attention
// backends, opened with one call. Composes @lrqk/models and @lrqk/tokenizers; knows nothing of HTTP.
export { Engine, openEngine } from './engine.ts';
export type { AttentionChoice, EngineGenerateOptions, EngineResult, OpenEngineOptions } from './engine.ts';
export { ContextLengthError, EngineError } from './errors.ts';
export type { AttentionBackend, AttentionMethod, AttentionStats, LrqkOptions, SamplingParams } from '@lrqk/models';
export type { ChatMessage } from '@lrqk/tokenizers';
