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
import { lrqk, synthTiny, tempDir } from './model-fixture.ts';

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
  it('greedy output equals a direct tokenizer → forward → argmax loop; prompt as argument', () => {
    const r = lrqk(['generate', '-m', dir, '-n', String(N), '--json', '-q', PROMPT]);
    expect(r.code, r.stderr).toBe(0);
    const out = json(r.stdout);
    expect(out.ids).toEqual(reference);
    expect(out.promptTokens).toBeGreaterThan(5);
    expect(r.stderr).toBe('');
  });

  it('the prompt from a file, from --prompt-file -, and piped on stdin gives the same ids', () => {
    const file = join(tmp.dir, 'prompt.txt');
    writeFileSync(file, PROMPT);
    for (const [args, input] of [
      [['--prompt-file', file], ''],
      [['--prompt-file', '-'], PROMPT],
      [[], PROMPT],
    ] as const) {
      const r = lrqk(['generate', '-m', dir, '-n', String(N), '--json', '-q', ...args], { input });
      expect(r.code, r.stderr).toBe(0);
      expect(json(r.stdout).ids).toEqual(reference);
    }
  });

  it('streams text to stdout and statistics to stderr', () => {
    const r = lrqk(['generate', '-m', dir, '-n', '4', PROMPT]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/loaded tiny: LlamaForCausalLM, 2 layers, on cpu in f32/);
    expect(r.stderr).toMatch(/\d+ prompt tokens, prefill .* tokens\/s\); 4 generated, .* ms\/token; finish length/);
  });

  it('--chat renders the chat template; LRQK attention runs through --attention lrqk', () => {
    const plain = json(lrqk(['generate', '-m', dir, '-n', '2', '--json', '-q', 'hello']).stdout);
    const chat = json(lrqk(['generate', '-m', dir, '-n', '2', '--json', '-q', '--chat', '--system', 'be brief', 'hello']).stdout);
    expect(chat.promptTokens).toBeGreaterThan(plain.promptTokens + 5); // header tokens of the template
    const r = lrqk(['generate', '-m', dir, '-n', '6', '--json', '-q', '--attention', 'lrqk', '--top-k', '4', '--lite', '2', '--rank', '4', PROMPT]);
    expect(r.code, r.stderr).toBe(0);
    const out = json(r.stdout);
    expect(out.usage.completionTokens).toBe(6);
    expect(out.attention.hits! + out.attention.misses!).toBeGreaterThan(0);
  });

  it('clear errors: no prompt, prompt over the context, LRQK flags without lrqk, missing dir, corrupt checkpoint', () => {
    const empty = lrqk(['generate', '-m', dir], { input: '' });
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/the prompt is empty/);
    const long = lrqk(['generate', '-m', dir, '--context', '16', '-n', '8', '-q', PROMPT]);
    expect(long.code).toBe(1);
    expect(long.stderr).toMatch(/ContextLengthError: the prompt has \d+ tokens and 8 new tokens were requested: \d+ > the context limit of 16 tokens/);
    const flags = lrqk(['generate', '-m', dir, '--top-k', '8', 'x']);
    expect(flags.stderr).toMatch(/--rank, --top-k and --lite are LRQK parameters; add --attention lrqk/);
    const missing = lrqk(['generate', '-m', join(tmp.dir, 'absent'), 'x']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/absent: no such directory/);
    const broken = join(tmp.dir, 'broken');
    synthTiny(broken);
    truncateSync(join(broken, 'model.safetensors'), statSync(join(broken, 'model.safetensors')).size - 64);
    const corrupt = lrqk(['generate', '-m', broken, '-q', 'x']);
    expect(corrupt.code).toBe(1);
    expect(corrupt.stderr).toMatch(/^lrqk: CheckpointError: .*model\.safetensors/m);
  });
});
