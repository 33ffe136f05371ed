// Loading a model directory: special tokens, stop ids, vocabulary size and errors naming the file.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTokenizer, Tokenizer, TokenizerError } from '../src/index.ts';
import { modelDir, readModelJson, tempModelDir, tokenizerFor } from './helpers.ts';

describe('special tokens', () => {
  it('Llama 3.1: bos, eos, vocabulary, added tokens', async () => {
    const t = await tokenizerFor('llama3_1');
    expect(t.dir).toBe(modelDir('llama3_1'));
    expect(t.vocabSize).toBe(128256);
    expect(t.bos).toEqual({ content: '<|begin_of_text|>', id: 128000 });
    expect(t.bosTokenId).toBe(128000);
    expect(t.eos).toEqual({ content: '<|eot_id|>', id: 128009 });
    expect(t.eosTokenId).toBe(128009);
    expect(t.eosTokenIds).toEqual([128009]);
    expect(t.pad).toBeNull();
    expect(t.specialTokens.size).toBe(256);
    expect(t.specialTokens.get('<|start_header_id|>')).toBe(128006);
    expect(t.isSpecialId(128001)).toBe(true);
    expect(t.isSpecialId(9906)).toBe(false);
    expect(t.tokenToId('Hello')).toBe(9906);
    expect(t.idToToken(9906)).toBe('Hello');
    expect(t.tokenToId('<|eot_id|>')).toBe(128009);
    expect(t.tokenToId('no such token ~~~')).toBeUndefined();
    expect(t.hasChatTemplate).toBe(true);
  });

  it('Qwen3: no bos, eos <|im_end|>, pad <|endoftext|>, non-special added tokens', async () => {
    const t = await tokenizerFor('qwen3');
    expect(t.vocabSize).toBe(151669);
    expect(t.bos).toBeNull();
    expect(t.bosTokenId).toBeNull();
    expect(t.eos).toEqual({ content: '<|im_end|>', id: 151645 });
    expect(t.pad).toEqual({ content: '<|endoftext|>', id: 151643 });
    expect(t.eosTokenIds).toEqual([151645]);
    expect(t.specialTokens.size).toBe(14);
    // <think> is an added token, but not special: kept by skipSpecialTokens, as in Rust tokenizers.
    expect(t.tokenToId('<think>')).toBe(151667);
    expect(t.isSpecialId(151667)).toBe(false);
    expect(t.decode([151644, 151667, 151645], { skipSpecialTokens: true })).toBe('<think>');
    expect(t.encode('hi')).toEqual([6023]); // no bos added
  });

  it('eosTokenIds takes generation_config eos_token_id (a list or a number) first', async () => {
    await using list = await tempModelDir('llama3_1', ['tokenizer.json', 'tokenizer_config.json'], {
      'generation_config.json': JSON.stringify({ bos_token_id: 128000, eos_token_id: [128001, 128008, 128009] }),
    });
    expect((await loadTokenizer(list.dir)).eosTokenIds).toEqual([128001, 128008, 128009]);
    await using one = await tempModelDir('qwen3', ['tokenizer.json', 'tokenizer_config.json'], {
      'generation_config.json': JSON.stringify({ eos_token_id: 151643 }),
    });
    expect((await loadTokenizer(one.dir)).eosTokenIds).toEqual([151643, 151645]);
    await using none = await tempModelDir('qwen3', ['tokenizer.json', 'tokenizer_config.json'], {
      'generation_config.json': JSON.stringify({ temperature: 0.7 }),
    });
    expect((await loadTokenizer(none.dir)).eosTokenIds).toEqual([151645]);
  });

  it('accepts AddedToken objects for special tokens in tokenizer_config.json', () => {
    const config = { ...readModelJson('qwen3', 'tokenizer_config.json'), eos_token: { __type: 'AddedToken', content: '<|endoftext|>' } };
    const t = new Tokenizer({ tokenizerJson: readModelJson('qwen3', 'tokenizer.json'), tokenizerConfig: config });
    expect(t.eos).toEqual({ content: '<|endoftext|>', id: 151643 });
  });

  it('decode handles empty input and rejects ids outside the vocabulary', async () => {
    const t = await tokenizerFor('llama3_1');
    expect(t.decode([])).toBe('');
    expect(t.decode([128000], { skipSpecialTokens: true })).toBe('');
    expect(() => t.decode([128256])).toThrow(TokenizerError);
    expect(() => t.decode([-1])).toThrow(/token id -1 is outside the vocabulary \[0, 128256\)/);
    expect(() => t.decode([1.5])).toThrow(TokenizerError);
  });

  it('decode does not rewrite spaces unless asked (transformers clean_up_tokenization_spaces)', async () => {
    const t = await tokenizerFor('llama3_1');
    const ids = t.encode('a . b ?', { addSpecialTokens: false });
    expect(t.decode(ids)).toBe('a . b ?');
    expect(t.decode(ids, { cleanUpTokenizationSpaces: true })).toBe('a. b?');
  });
});

describe('errors name the file', () => {
  it('missing directory or tokenizer.json', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'lrqk-tok-'));
    try {
      const error = await loadTokenizer(empty).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TokenizerError);
      expect((error as TokenizerError).file).toBe(join(empty, 'tokenizer.json'));
      expect((error as Error).message).toMatch(/tokenizer\.json: file not found/);
    } finally {
      await rm(empty, { recursive: true });
    }
    await expect(loadTokenizer('/nonexistent/model')).rejects.toThrow(/\/nonexistent\/model\/tokenizer\.json: file not found/);
  });

  it('missing tokenizer_config.json', async () => {
    await using tmp = await tempModelDir('qwen3', ['tokenizer.json']);
    await expect(loadTokenizer(tmp.dir)).rejects.toThrow(
      new RegExp(`${join(tmp.dir, 'tokenizer_config.json')}: file not found`),
    );
  });

  it.each([
    ['tokenizer.json', '{"model": {"type": "BPE", '],
    ['tokenizer_config.json', '{ not json'],
    ['generation_config.json', '{"eos_token_id": [1,'],
  ])('corrupt %s', async (file, text) => {
    const links = ['tokenizer.json', 'tokenizer_config.json'].filter((f) => f !== file);
    await using tmp = await tempModelDir('qwen3', links, { [file]: text });
    const error = await loadTokenizer(tmp.dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenizerError);
    expect((error as TokenizerError).file).toBe(join(tmp.dir, file));
    expect((error as Error).message).toContain(`${join(tmp.dir, file)}: ${file} is not valid JSON`);
  });

  it.each([
    ['tokenizer.json', '[1, 2]', /tokenizer\.json must contain a JSON object/],
    ['tokenizer.json', '{"version": "1.0"}', /tokenizer\.json has no "model" object/],
    ['tokenizer.json', '{"model": {"type": "NoSuchModel", "vocab": {}}, "added_tokens": []}', /tokenizer\.json: cannot build the tokenizer/],
  ])('unusable %s: %s', async (file, text, message) => {
    await using tmp = await tempModelDir('qwen3', ['tokenizer_config.json'], { [file]: text });
    await expect(loadTokenizer(tmp.dir)).rejects.toThrow(message);
  });

  it('special tokens and eos ids that the vocabulary lacks', async () => {
    const config = JSON.stringify({ ...readModelJson('qwen3', 'tokenizer_config.json'), eos_token: '<|nope|>' });
    await using badEos = await tempModelDir('qwen3', ['tokenizer.json'], { 'tokenizer_config.json': config });
    await expect(loadTokenizer(badEos.dir)).rejects.toThrow(/tokenizer_config\.json: eos_token "<\|nope\|>" is not a token of tokenizer\.json/);

    await using badGen = await tempModelDir('qwen3', ['tokenizer.json', 'tokenizer_config.json'], {
      'generation_config.json': JSON.stringify({ eos_token_id: [151645, 999999] }),
    });
    await expect(loadTokenizer(badGen.dir)).rejects.toThrow(/generation_config\.json: eos_token_id must be a token id or a list of token ids below 151669/);

    const badType = JSON.stringify({ ...readModelJson('qwen3', 'tokenizer_config.json'), bos_token: 7 });
    await using badBos = await tempModelDir('qwen3', ['tokenizer.json'], { 'tokenizer_config.json': badType });
    await expect(loadTokenizer(badBos.dir)).rejects.toThrow(/bos_token must be a string, an object with "content", or null/);
  });
});
