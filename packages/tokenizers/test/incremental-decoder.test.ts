// Streaming detokenization: chunks never contain half a character, and together they are exactly
// the decoding of all ids; text is emitted as soon as it is complete.
import { describe, expect, it } from 'vitest';
import { IncrementalDecoder, Tokenizer, TokenizerError } from '../src/index.ts';
import type { Detokenizer } from '../src/index.ts';
import { byteFallbackTokenizerJson } from './byte-fallback.ts';
import { MODELS, tokenizerFor } from './helpers.ts';

const STREAMS = [
  'Emoji 😀😃 family 👨‍👩‍👧‍👦 flag 🇯🇵 thumbs 👍🏽 heart ❤️ robot 🤖 rare 🫠🧌𓀀𝄞',
  '你好，世界！今天天气很好。我们去公园散步吧，然后吃饺子。',
  '日本語のテキストとカタカナ、한국어 문장입니다, and English mixed with 中文 and 😀.',
  'def f(x):\n    return "🐍" * x  # 蛇\n',
];

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Streams ids one at a time and checks every chunk; returns the chunks. */
function streamAndCheck(tokenizer: Detokenizer, ids: readonly number[], skipSpecialTokens = false): string[] {
  const decoder = new IncrementalDecoder(tokenizer, { skipSpecialTokens });
  const chunks: string[] = [];
  let text = '';
  for (let k = 1; k <= ids.length; k++) {
    const chunk = decoder.push(ids[k - 1]!);
    expect(chunk).not.toContain('\uFFFD');
    expect(chunk).not.toMatch(LONE_SURROGATE);
    text += chunk;
    const prefix = tokenizer.decode(ids.slice(0, k), { skipSpecialTokens });
    if (!prefix.endsWith('\uFFFD')) expect(text, `after ${k} tokens`).toBe(prefix);
    else expect(prefix.startsWith(text)).toBe(true);
    chunks.push(chunk);
  }
  chunks.push(decoder.flush());
  expect(chunks.join('')).toBe(tokenizer.decode(ids, { skipSpecialTokens }));
  return chunks;
}

describe.each(MODELS)('%s', (name) => {
  it.each(STREAMS.map((s) => [s.slice(0, 24), s] as const))('streams %s…', async (_label, text) => {
    const t = await tokenizerFor(name);
    const ids = t.encode(text, { addSpecialTokens: false });
    const chunks = streamAndCheck(t, ids);
    expect(chunks.join('')).toBe(text);
  });

  it('holds back tokens that end inside a character', async () => {
    const t = await tokenizerFor(name);
    const ids = t.encode(STREAMS[0]!, { addSpecialTokens: false });
    const partial = ids.filter((id) => t.decode([id]).includes('\uFFFD'));
    expect(partial.length, 'the stream must split some characters over tokens').toBeGreaterThan(0);
    const chunks = streamAndCheck(t, ids);
    expect(chunks.filter((c) => c === '').length).toBeGreaterThan(0);
  });

  it('skips special tokens when asked', async () => {
    const t = await tokenizerFor(name);
    const ids = name === 'qwen3'
      ? t.encode('<|im_start|>assistant\n你好 😀<|im_end|>', { addSpecialTokens: false })
      : t.encode('<|start_header_id|>assistant<|end_header_id|>\n\n你好 😀<|eot_id|>', { addSpecialTokens: false });
    expect(streamAndCheck(t, ids, true).join('')).toBe(name === 'qwen3' ? 'assistant\n你好 😀' : 'assistant\n\n你好 😀');
    expect(streamAndCheck(t, ids, false).join('')).toBe(t.decode(ids));
  });

  it('push accepts several ids, flush returns an unfinished character and resets', async () => {
    const t = await tokenizerFor(name);
    // A rare character that the tokenizer spells over several byte-level tokens.
    const char = ['😀', '🫠', '𓀀', '𝄞'].find((c) => t.encode(c, { addSpecialTokens: false }).length > 1)!;
    const ids = t.encode(`a${char}`, { addSpecialTokens: false });
    const decoder = t.incrementalDecoder();
    // Feed 'a' and the first piece of the character only.
    const charStart = ids.findIndex((id) => t.decode([id]).includes('\uFFFD'));
    expect(charStart).toBeGreaterThan(-1);
    expect(decoder.push(ids.slice(0, charStart + 1))).toBe('a');
    expect(decoder.pendingTokens).toBe(1);
    expect(decoder.flush()).toContain('\uFFFD');
    expect(decoder.pendingTokens).toBe(0);
    expect(decoder.push(ids)).toBe(`a${char}`);
    expect(() => decoder.push(1.5)).toThrow(TokenizerError);
  });
});

describe('byte-fallback (SentencePiece-style) tokenizer', () => {
  const t = new Tokenizer({ tokenizerJson: byteFallbackTokenizerJson(), tokenizerConfig: { bos_token: '<s>', eos_token: '</s>' } });

  it('streams multibyte characters spelled as <0xNN> byte tokens', () => {
    const text = 'Hello 😀 world 世界 héllo';
    const ids = t.encode(text, { addSpecialTokens: false });
    expect(ids.filter((id) => (t.idToToken(id) ?? '').startsWith('<0x')).length).toBeGreaterThanOrEqual(11);
    expect(streamAndCheck(t, ids).join('')).toBe(text);
  });

  it('keeps the leading space of the first generated piece when given the prompt', () => {
    const ids = t.encode('Hello world!', { addSpecialTokens: false });
    const split = ids.findIndex((id) => t.idToToken(id) === '▁w');
    expect(split).toBeGreaterThan(0);
    const withPrompt = t.incrementalDecoder({ promptIds: ids.slice(0, split) });
    expect(withPrompt.push(ids.slice(split)) + withPrompt.flush()).toBe(' world!');
    // Without context, SentencePiece's Strip decoder drops the space, as decoding alone would.
    const alone = t.incrementalDecoder();
    expect(alone.push(ids.slice(split)) + alone.flush()).toBe('world!');
  });
});
