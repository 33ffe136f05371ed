// The synthetic task generators on real tokenizers: deterministic, within ±1% of the requested
// length in the model's own tokens, every answer present in its prompt, and each task's answer
// actually right (counted from the prompt text, not taken from the generator's metadata).
import { describe, expect, it } from 'vitest';
import { generateInstance, generateInstances, resolveTasks, SYNTHETIC_TASK_NAMES, NOISE_SENTENCES, type TaskInstance } from '../src/index.ts';
import { TOKENIZERS, tokenizerFor } from './helpers.ts';

function checkInstance(inst: TaskInstance, encode: (t: string) => number[]): void {
  const tokens = encode(inst.prompt).length;
  expect(inst.tokens).toBe(tokens);
  expect(Math.abs(tokens - inst.length), `${inst.id}: ${tokens} tokens`).toBeLessThanOrEqual(inst.length * 0.01);
  for (const a of inst.answers) expect(inst.prompt, `${inst.id}: answer ${a}`).toContain(a);
  expect(inst.prompt.endsWith(`\n${inst.answerPrefix}`)).toBe(true);
  expect(inst.completion.startsWith(' ')).toBe(true);
  for (const a of inst.answers) {
    if (inst.metric === 'string_match_all') expect(inst.completion).toContain(a);
  }
}

/** Occurrences of each whitespace-separated word in a text. */
function wordCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const w of text.split(/\s+/)) counts.set(w, (counts.get(w) ?? 0) + 1);
  return counts;
}

/** The context part of a prompt (between the instruction and the question). */
function contextOf(prompt: string): string {
  const parts = prompt.split('\n\n');
  return parts.slice(1, -1).join('\n\n');
}

describe.each(TOKENIZERS)('generators on the %s tokenizer', (name) => {
  for (const task of SYNTHETIC_TASK_NAMES) {
    it(`${task}: length within 1%, answers present, deterministic`, async () => {
      const tok = await tokenizerFor(name);
      for (const length of [512, 1024, 4096]) {
        const a = generateInstance(tok, task, length, 0, 7);
        checkInstance(a, (t) => tok.encode(t));
        const b = generateInstance(tok, task, length, 0, 7);
        expect(b).toEqual(a);
        const c = generateInstance(tok, task, length, 1, 7);
        expect(c.prompt).not.toBe(a.prompt);
      }
    });
  }
});

describe('task answers are right', () => {
  it('niah: each needle sentence appears once, with its key and value', async () => {
    const tok = await tokenizerFor('llama3_1');
    for (const task of resolveTasks(['niah'])) {
      const inst = generateInstance(tok, task, 2048, 3, 1);
      const needles = inst.metadata['needles'] as { key: string; value: string }[];
      const queries = inst.metadata['queries'] as string[];
      for (const q of queries) expect(inst.answerPrefix).toContain(q);
      const expected = needles.filter((n) => queries.includes(n.key)).map((n) => n.value);
      expect(new Set(inst.answers)).toEqual(new Set(expected));
      for (const n of needles) {
        const sentence = `One of the special magic ${inst.metadata['valueType'] as string} for ${n.key} is: ${n.value}.`;
        expect(inst.prompt.split(sentence).length - 1, `${task}: ${sentence}`).toBe(1);
      }
      // Each queried key is said in the context only in its own needles.
      const context = contextOf(inst.prompt);
      for (const q of queries) {
        expect(context.split(q).length - 1).toBe(needles.filter((n) => n.key === q).length);
      }
    }
  });

  it('niah_single_1 hides the needle in RULER noise', async () => {
    const tok = await tokenizerFor('llama3_1');
    const inst = generateInstance(tok, 'niah_single_1', 1024, 0, 1);
    let rest = contextOf(inst.prompt);
    for (const s of NOISE_SENTENCES) rest = rest.split(s).join('');
    // What is left: at most the unfinished last noise sentence (the haystack is cut at a word).
    const left = rest.replace(/One of the special magic numbers for \S+ is: \d{7}\./, '').trim();
    expect(NOISE_SENTENCES.some((s) => s.startsWith(left))).toBe(true);
  });

  it('haystacks end at a sentence when a whole one fits the length', async () => {
    const tok = await tokenizerFor('llama3_1');
    for (const task of ['niah_single_1', 'vt']) {
      for (const index of [0, 1, 2]) {
        const inst = generateInstance(tok, task, 4096, index, 9);
        expect(contextOf(inst.prompt)).toMatch(/[.!?]$/);
      }
    }
  });

  it('vt: following the chain from the value gives exactly the answers', async () => {
    const tok = await tokenizerFor('qwen3');
    const inst = generateInstance(tok, 'vt', 2048, 0, 5);
    const value = /assigned the value (\d+)/.exec(inst.answerPrefix)?.[1];
    expect(value).toBeDefined();
    const holds = new Set<string>();
    for (const m of inst.prompt.matchAll(/VAR ([A-Z]{5}) = (VAR ([A-Z]{5})|(\d+))\./g)) {
      const [, name, , from, literal] = m;
      if (literal === value || (from !== undefined && holds.has(from))) holds.add(name as string);
    }
    expect(holds).toEqual(new Set(inst.answers));
    expect(inst.answers).toHaveLength(5);
  });

  it('cwe: the answers are the 10 most frequent words of the list, strictly', async () => {
    const tok = await tokenizerFor('llama3_1');
    for (const length of [1024, 8192]) {
      const inst = generateInstance(tok, 'cwe', length, 0, 2);
      const items = [...contextOf(inst.prompt).matchAll(/(\d+)\. ([a-z]+)/g)];
      items.forEach((m, k) => expect(Number(m[1])).toBe(k + 1));
      const counts = wordCounts(items.map((m) => m[2]).join(' '));
      const minAnswer = Math.min(...inst.answers.map((a) => counts.get(a) ?? 0));
      const maxOther = Math.max(...[...counts].filter(([w]) => !inst.answers.includes(w)).map(([, c]) => c));
      expect(minAnswer).toBeGreaterThan(maxOther);
    }
  });

  it('fwe: the answers are the 3 most frequent coded words after the dots', async () => {
    const tok = await tokenizerFor('llama3_1');
    const inst = generateInstance(tok, 'fwe', 2048, 0, 3);
    const counts = [...wordCounts(contextOf(inst.prompt))].filter(([w]) => /^[a-z]{6}$/.test(w)).sort((a, b) => b[1] - a[1]);
    expect(counts.slice(0, 3).map(([w]) => w).sort()).toEqual([...inst.answers].sort());
    expect((counts[2] as [string, number])[1]).toBeGreaterThan((counts[3] as [string, number])[1]);
  });
});

describe('lengths and names', () => {
  it('meets 128K tokens within 1% (noise and prose haystacks)', async () => {
    const tok = await tokenizerFor('llama3_1');
    for (const task of ['niah_single_2', 'niah_multikey_3']) {
      const inst = generateInstance(tok, task, 131072, 0, 1);
      expect(Math.abs(inst.tokens - 131072)).toBeLessThanOrEqual(1311);
      for (const a of inst.answers) expect(inst.prompt).toContain(a);
    }
  });

  it('generateInstances walks lengths × tasks × index; families expand', async () => {
    const tok = await tokenizerFor('qwen3');
    const ids = [...generateInstances(tok, { tasks: ['niah_single', 'vt'], lengths: [512, 768], count: 2, seed: 0 })].map((i) => i.id);
    expect(ids).toEqual([
      ...['niah_single_1', 'niah_single_2', 'niah_single_3', 'vt'].flatMap((t) => [`${t}/512/0`, `${t}/512/1`]),
      ...['niah_single_1', 'niah_single_2', 'niah_single_3', 'vt'].flatMap((t) => [`${t}/768/0`, `${t}/768/1`]),
    ]);
  });

  it('unknown tasks and impossible lengths fail clearly', async () => {
    const tok = await tokenizerFor('qwen3');
    expect(() => resolveTasks(['niah_single_9'])).toThrow(/unknown task "niah_single_9"/);
    expect(() => generateInstance(tok, 'cwe', 64, 0, 0)).toThrow(/at least \d+ tokens/);
  });
});
