// What the evaluation uses of an Engine (so unit tests of the bookkeeping can pass a stand-in).
import type { Engine } from '@lrqk/engine';

/** The Engine members the runners use. */
export type EvalEngine = Pick<Engine, 'modelId' | 'contextTokens' | 'tokenizer' | 'encodePrompt' | 'encodeChat' | 'createBackend' | 'generate' | 'tokenLogProbs'>;
