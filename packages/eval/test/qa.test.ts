// QA tasks from local SQuAD / HotpotQA files: loading (impossible and yes/no questions left out,
// so every answer is in its prompt), the question's own paragraphs among distractors at the
// requested length, and clear errors for malformed files.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { essayWords, generateInstance, loadHotpotQa, loadSquad } from '../src/index.ts';
import { tokenizerFor } from './helpers.ts';

const work = mkdtempSync(join(tmpdir(), 'lrqk-eval-qa-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const words = essayWords();
const paragraph = (i: number) => words.slice(i * 60, i * 60 + 60).join(' ');

function squadFile(): string {
  const paragraphs = Array.from({ length: 30 }, (_, i) => {
    const context = `${paragraph(i)} The code of room ${i} is K${1000 + i}.`;
    return {
      context,
      qas: [
        { id: `q${i}`, question: `What is the code of room ${i}?`, answers: [{ text: `K${1000 + i}`, answer_start: context.indexOf('K') }] },
        { id: `x${i}`, question: 'Unanswerable?', answers: [], is_impossible: true },
      ],
    };
  });
  const path = join(work, 'squad.json');
  writeFileSync(path, JSON.stringify({ version: 'v2.0', data: [{ title: 'Rooms', paragraphs }] }));
  return path;
}

function hotpotFile(): string {
  const items = Array.from({ length: 20 }, (_, i) => ({
    _id: `h${i}`,
    question: i % 5 === 0 ? `Is room ${i} open?` : `Which city hosts team ${i}?`,
    answer: i % 5 === 0 ? 'yes' : `City${i}`,
    context: [
      [`Team ${i}`, [`Team ${i} plays in City${i}. `, paragraph(i)]],
      [`Other ${i}`, [paragraph(i + 40)]],
    ],
  }));
  const path = join(work, 'hotpot.json');
  writeFileSync(path, JSON.stringify(items));
  return path;
}

describe('QA datasets', () => {
  it('loadSquad keeps answerable questions whose answers are spans of their paragraph', () => {
    const d = loadSquad(squadFile());
    expect(d.questions).toHaveLength(30);
    expect(d.documents).toHaveLength(30);
    expect(d.questions[3]).toEqual({ question: 'What is the code of room 3?', answers: ['K1003'], gold: [3] });
  });

  it('loadHotpotQa leaves out yes/no questions (their answer is in no paragraph)', () => {
    const d = loadHotpotQa(hotpotFile());
    expect(d.questions).toHaveLength(16);
    expect(d.questions.every((q) => q.answers[0] !== 'yes' && q.gold.length === 2)).toBe(true);
  });

  it('qa_squad / qa_hotpotqa: answer and gold paragraphs in a prompt of the requested length', async () => {
    const tok = await tokenizerFor('llama3_1');
    const data = { squad: loadSquad(squadFile()), hotpotqa: loadHotpotQa(hotpotFile()) };
    for (const task of ['qa_squad', 'qa_hotpotqa']) {
      for (const length of [1024, 4096]) {
        const inst = generateInstance(tok, task, length, 0, 1, data);
        expect(Math.abs(inst.tokens - length)).toBeLessThanOrEqual(length * 0.01);
        expect(inst.metric).toBe('string_match_part');
        expect(inst.prompt).toContain(`Question: ${inst.metadata['question'] as string}`);
        expect(inst.answers.some((a) => inst.prompt.includes(a))).toBe(true);
        const dataset = task === 'qa_squad' ? data.squad : data.hotpotqa;
        const q = dataset.questions[inst.metadata['questionIndex'] as number];
        for (const g of q?.gold ?? []) expect(inst.prompt).toContain(dataset.documents[g] as string);
        const positions = inst.metadata['goldDocuments'] as number[];
        for (const p of positions) expect(inst.prompt).toContain(`Document ${p}:\n`);
        expect(generateInstance(tok, task, length, 0, 1, data)).toEqual(inst);
      }
    }
  });

  it('malformed files fail with the file named', () => {
    const bad = join(work, 'bad.json');
    writeFileSync(bad, JSON.stringify({ version: 'x' }));
    expect(() => loadSquad(bad)).toThrow(/bad\.json: a SQuAD file needs a "data" list/);
    writeFileSync(bad, '[{"question": "q"}]');
    expect(() => loadHotpotQa(bad)).toThrow(/bad\.json: every item needs/);
    expect(() => loadSquad(join(work, 'none.json'))).toThrow(/cannot read/);
  });
});
