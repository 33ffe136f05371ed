export { loadTokenizer, Tokenizer } from './tokenizer.ts';
export type { DecodeOptions, EncodeOptions, SpecialToken, TokenizerFiles } from './tokenizer.ts';
export { IncrementalDecoder } from './incremental-decoder.ts';
export type { Detokenizer, IncrementalDecoderOptions } from './incremental-decoder.ts';
export type { ChatMessage, ChatTemplateOptions, ChatTool } from './chat-template.ts';
export { TokenizerError } from './errors.ts';
export type { JsonObject } from './files.ts';
