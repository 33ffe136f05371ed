// `lrqk generate` end to end on a synthesized model: the greedy continuation equals one computed
// here directly with @lrqk/models + @lrqk/tokenizers; the prompt comes from an argument, a file or
// stdin with the same result; --chat uses the template; the LRQK backend runs through the flags;
// a missing directory, a corrupt checkpoint and a prompt over the context fail with clear errors.
import { truncateSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { argmax } from '@lrqk/tensor';
import { FullAttention, loadModel } from '@lrqk/models';
import { loadTokenizer } from '@lrqk/tokenizers';
import { Readable } from 'node:stream';
import { assertModelDir, parseModelOptions } from '../src/model-options.ts';
import { readPrompt } from '../src/prompt-input.ts';
import { lrqk, synthTiny, tempDir } from './model-fixture.ts';

/** A stdin stand-in carrying `text` (a pipe unless `tty`). */
function fakeStdin(text: string, tty = false): NodeJS.ReadStream {
  return Object.assign(Readable.from(text ? [Buffer.from(text)] : []), { isTTY: tty }) as unknown as NodeJS.ReadStream;
}

const tmp = tempDir();
const dir = join(tmp.dir, 'tiny');
const PROMPT = 'The quick brown fox jumps over the lazy dog.';
const N = 8;
let reference: number[];

/** Greedy ids computed without the engine or the CLI: tokenizer → model.forward → argmax. */
async function greedyReference(prompt: string, n: number): Promise<number[]> {
  const tok = await loadTokenizer(dir);
  const { model } = await loadModel(dir, { device: 'cpu', dtype: 'f32' });
  const s = model.spec;
  const be = new FullAttention({ layers: s.layers, heads: s.heads, kvHeads: s.kvHeads, headDim: s.headDim, maxTokens: 256, dtype: 'f32', device: 'cpu' });
  const out: number[] = [];
  try {
    let ids = tok.encode(prompt, { addSpecialTokens: true });
    for (let i = 0; i < n; i++) {
      const logits = model.forward(ids, be);
      const best = argmax(logits.view([s.vocabSize]));
      const id = best.toFloat64Array()[0]!;
      best.dispose();
      logits.dispose();
      if (tok.eosTokenIds.includes(id)) break;
      out.push(id);
      ids = [id];
    }
  } finally {
    be.dispose();
    model.dispose();
  }
  return out;
}

beforeAll(async () => {
  synthTiny(dir);
  reference = await greedyReference(PROMPT, N);
});
afterAll(() => tmp.remove());

function json(stdout: string): { ids: number[]; text: string; finishReason: string; promptTokens: number; usage: { completionTokens: number }; attention: Record<string, number> } {
  return JSON.parse(stdout);
}

describe('lrqk generate', () => {
  it('greedy output equals a direct tokenizer → forward → argmax loop, in one prefill pass and in chunks; prompt as argument', () => {
    const r = lrqk(['generate', '-m', dir, '-n', String(N), '--json', '-q', PROMPT]);
    expect(r.code, r.stderr).toBe(0);
    const out = json(r.stdout);
    expect(out.ids).toEqual(reference);
    expect(out.promptTokens).toBeGreaterThan(5);
    expect(r.stderr).toBe('');
    // The same through chunked prefill (3-token chunks).
    const chunked = lrqk(['generate', '-m', dir, '-n', String(N), '--json', '-q', '--prefill-chunk', '3', PROMPT]);
    expect(chunked.code, chunked.stderr).toBe(0);
    expect(json(chunked.stdout).ids).toEqual(reference);
  });

  it('the prompt piped on stdin gives the same ids; --prompt-file FILE and - read the same text', async () => {
    const r = lrqk(['generate', '-m', dir, '-n', String(N), '--json', '-q'], { input: PROMPT });
    expect(r.code, r.stderr).toBe(0);
    expect(json(r.stdout).ids).toEqual(reference);
    const file = join(tmp.dir, 'prompt.txt');
    writeFileSync(file, PROMPT);
    expect(await readPrompt({ args: [], file })).toBe(PROMPT);
    expect(await readPrompt({ args: [], file: '-', stdin: fakeStdin(PROMPT) })).toBe(PROMPT);
    expect(await readPrompt({ args: [], stdin: fakeStdin(PROMPT) })).toBe(PROMPT);
    expect(await readPrompt({ args: ['a', 'b'], stdin: fakeStdin('ignored') })).toBe('a b');
  });

  it('streams text to stdout and statistics to stderr; LRQK attention runs through --attention lrqk; --chat uses the template', () => {
    const r = lrqk(['generate', '-m', dir, '-n', '6', '--attention', 'lrqk', '--top-k', '4', '--lite', '2', '--rank', '4', PROMPT]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/loaded tiny: LlamaForCausalLM, 2 layers, on cpu in f32, context \d+ tokens, attention lrqk/);
    expect(r.stderr).toMatch(/\d+ prompt tokens, prefill .* tokens\/s\); 6 generated, .* ms\/token; finish length; .* hit rate \d+\.\d%/);
    expect(r.stdout.length).toBeGreaterThan(1);
    const chat = lrqk(['generate', '-m', dir, '-n', '2', '--json', '-q', '--chat', '--system', 'be brief', PROMPT]);
    expect(chat.code, chat.stderr).toBe(0);
    const plain = lrqk(['generate', '-m', dir, '-n', '0', '--json', '-q', PROMPT]);
    expect(json(chat.stdout).promptTokens).toBeGreaterThan(json(plain.stdout).promptTokens + 5); // the template's header tokens
  });

  it('clear errors: no prompt, prompt over the context, LRQK flags without lrqk, missing dir, corrupt checkpoint', async () => {
    await expect(readPrompt({ args: [], stdin: fakeStdin('') })).rejects.toThrow(/the prompt is empty/);
    await expect(readPrompt({ args: [], stdin: fakeStdin('x', true) })).rejects.toThrow(/no prompt: pass it as an argument, with --prompt-file FILE, or on stdin/);
    await expect(readPrompt({ args: [], file: join(tmp.dir, 'none.txt') })).rejects.toThrow(/--prompt-file .*none\.txt: no such file/);
    expect(() => parseModelOptions({ model: dir, attention: 'full', topK: '8' })).toThrow(/--rank, --top-k and --lite are LRQK parameters; add --attention lrqk/);
    expect(() => parseModelOptions({ model: dir, context: '12q' })).toThrow(/--context must be a positive number of tokens/);
    await expect(assertModelDir(join(tmp.dir, 'absent'))).rejects.toThrow(/absent: no such directory/);
    const long = lrqk(['generate', '-m', dir, '--context', '16', '-n', '8', '-q', PROMPT]);
    expect(long.code).toBe(1);
    expect(long.stderr).toMatch(/ContextLengthError: the prompt has \d+ tokens and 8 new tokens were requested: \d+ > the context limit of 16 tokens/);
    const broken = join(tmp.dir, 'broken');
    synthTiny(broken);
    truncateSync(join(broken, 'model.safetensors'), statSync(join(broken, 'model.safetensors')).size - 64);
    const corrupt = lrqk(['generate', '-m', broken, '-q', 'x']);
    expect(corrupt.code).toBe(1);
    expect(corrupt.stderr).toMatch(/^lrqk: CheckpointError: .*model\.safetensors/m);
    const missing = lrqk(['generate', '-m', join(tmp.dir, 'absent'), 'x']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`lrqk: ${join(tmp.dir, 'absent')}: no such directory (pass a local Hugging Face model directory; lrqk never downloads)\n`);
  });
});
