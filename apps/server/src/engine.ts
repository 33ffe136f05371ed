// What the server needs of an engine: the parts of @lrqk/engine's Engine it calls. Typed as a Pick
// so a real Engine always fits, and nothing else of the engine leaks into the server.
import type { Engine } from '@lrqk/engine';

export type ServedEngine = Pick<
  Engine,
  'modelId' | 'contextTokens' | 'device' | 'tokenizer' | 'encodePrompt' | 'encodeChat' | 'createBackend' | 'generate' | 'tokenLogProbs'
>;
