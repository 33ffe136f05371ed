// Random-string parity with the Rust `tokenizers` library (its napi-rs npm binding, a devDependency):
// fresh strings each run mixing words, whitespace runs, digits, punctuation, accents, CJK, emoji
// (with ZWJ and skin tones) and special-token text. The seed is in the failure message.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MODELS, modelDir, tokenizerFor } from './helpers.ts';

interface RustEncoding {
  getIds(): number[];
}
interface RustTokenizer {
  encode(text: string, pair: null, options: { addSpecialTokens: boolean }): Promise<RustEncoding>;
  decode(ids: number[], skipSpecialTokens: boolean): Promise<string>;
}
const { Tokenizer: RustTokenizerClass } = createRequire(import.meta.url)('tokenizers') as {
  Tokenizer: { fromFile(path: string): RustTokenizer };
};

/** mulberry32: a small seeded generator so a failure can be replayed from its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  'the', 'The', ' quick', 'HELLO', "'s", "'LL", "n't", 'über', 'café', 'naïve', 'Straße',
  ' ', '  ', '   ', '\t', '\n', '\n\n', '\r\n', ' \n ', '\u00a0', '\u3000',
  '0', '42', '1234567', '3.14', '-', '_', '.', ',', '!?', '...', '()', '{}', '[]', '<', '>', '/', '\\', '"', '`',
  '你好', '世界', '日本語', 'カタカナ', '한국어', 'مرحبا', 'שלום', 'नमस्ते', 'Привет', 'κόσμε',
  '😀', '👍🏽', '👨‍👩‍👧', '🇫🇷', '❤️', '🤖', '𝄞', '🫠',
  '<|im_start|>', '<|im_end|>', '<|endoftext|>', '<|begin_of_text|>', '<|eot_id|>', '<think>', '<|im_start',
  'def', '=>', '==', '!==', '&&', '||', '::', '#', '@', '$', '%',
];

function randomText(next: () => number): string {
  const n = 1 + Math.floor(next() * 24);
  let s = '';
  for (let i = 0; i < n; i++) {
    if (next() < 0.1) s += String.fromCodePoint(0x20 + Math.floor(next() * 0x2fe0)); // any BMP-ish char
    else s += PIECES[Math.floor(next() * PIECES.length)];
  }
  return s;
}

describe.each(MODELS)('%s: random strings', (name) => {
  it('encode and decode match the Rust library', async () => {
    const seed = (Math.random() * 2 ** 32) >>> 0;
    const next = rng(seed);
    const ours = await tokenizerFor(name);
    const rust = RustTokenizerClass.fromFile(join(modelDir(name), 'tokenizer.json'));
    for (let i = 0; i < 150; i++) {
      const text = randomText(next);
      const where = `seed ${seed}, string ${i}: ${JSON.stringify(text)}`;
      for (const addSpecialTokens of [false, true]) {
        const expected = (await rust.encode(text, null, { addSpecialTokens })).getIds();
        expect(ours.encode(text, { addSpecialTokens }), where).toEqual(expected);
        for (const skip of [false, true]) {
          expect(ours.decode(expected, { skipSpecialTokens: skip }), where).toBe(await rust.decode(expected, skip));
        }
      }
    }
  });
});
