// QA with distractors (RULER's qa_1 / qa_2) from the user's local SQuAD (v1.1/v2.0 JSON) or
// HotpotQA (JSON list or JSONL) files: the question's own paragraph(s) among distractor paragraphs
// of other questions, numbered "Document i:", filled to the length (the last distractor cut at a
// word). Questions whose answer is not a span of their paragraphs (SQuAD v2 impossible questions,
// HotpotQA yes/no) are left out, so every answer is present in its prompt.
import { readFileSync } from 'node:fs';
import { EvalError } from '../errors.ts';
import { fitToLength, PrefixSums } from './fit.ts';
import { formatPrompt } from './template.ts';
import type { TaskContext, TaskOutput } from './types.ts';

/** An answerable question of a QA file. */
export interface QaQuestion {
  question: string;
  answers: string[];
  /** Indices into `documents` of the question's own paragraphs. */
  gold: number[];
}

/** A QA file: its distinct paragraphs and its answerable questions. */
export interface QaDataset {
  kind: 'squad' | 'hotpotqa';
  file: string;
  documents: string[];
  questions: QaQuestion[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function readJsonOrJsonl(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new EvalError(`cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  try {
    const trimmed = text.trimStart();
    if (trimmed.startsWith('[') || (trimmed.startsWith('{') && !/}\s*\n\s*{/.test(trimmed))) return JSON.parse(text);
    return text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as unknown);
  } catch (error) {
    throw new EvalError(`${file}: not valid JSON or JSONL: ${(error as Error).message}`, { cause: error });
  }
}

class DocumentPool {
  readonly documents: string[] = [];
  readonly #index = new Map<string, number>();
  add(text: string): number {
    let i = this.#index.get(text);
    if (i === undefined) {
      i = this.documents.length;
      this.documents.push(text);
      this.#index.set(text, i);
    }
    return i;
  }
}

/** Loads a SQuAD-format file: `{ data: [{ paragraphs: [{ context, qas: [{ question, answers: [{ text }] }] }] }] }`. */
export function loadSquad(file: string): QaDataset {
  const json = readJsonOrJsonl(file);
  const data = isRecord(json) ? json['data'] : undefined;
  if (!Array.isArray(data)) throw new EvalError(`${file}: a SQuAD file needs a "data" list`);
  const pool = new DocumentPool();
  const questions: QaQuestion[] = [];
  for (const article of data) {
    const paragraphs = isRecord(article) ? article['paragraphs'] : undefined;
    if (!Array.isArray(paragraphs)) throw new EvalError(`${file}: every article needs a "paragraphs" list`);
    for (const p of paragraphs) {
      if (!isRecord(p) || typeof p['context'] !== 'string' || !Array.isArray(p['qas'])) {
        throw new EvalError(`${file}: every paragraph needs a "context" string and a "qas" list`);
      }
      const context = p['context'];
      const doc = pool.add(context);
      for (const qa of p['qas']) {
        if (!isRecord(qa) || typeof qa['question'] !== 'string') throw new EvalError(`${file}: every qa needs a "question"`);
        if (qa['is_impossible'] === true) continue;
        const answers = Array.isArray(qa['answers']) ? qa['answers'] : [];
        const texts = [
          ...new Set(answers.map((a) => (isRecord(a) && typeof a['text'] === 'string' ? a['text'] : '')).filter((t) => t !== '' && context.includes(t))),
        ];
        if (texts.length > 0) questions.push({ question: qa['question'], answers: texts, gold: [doc] });
      }
    }
  }
  if (questions.length === 0) throw new EvalError(`${file}: no answerable question found`);
  return { kind: 'squad', file, documents: pool.documents, questions };
}

/** Loads a HotpotQA file (a JSON list or JSONL of `{ question, answer, context: [[title, [sentences]]] }`). */
export function loadHotpotQa(file: string): QaDataset {
  const json = readJsonOrJsonl(file);
  const items = Array.isArray(json) ? json : [json];
  const pool = new DocumentPool();
  const questions: QaQuestion[] = [];
  for (const item of items) {
    if (!isRecord(item) || typeof item['question'] !== 'string' || typeof item['answer'] !== 'string' || !Array.isArray(item['context'])) {
      throw new EvalError(`${file}: every item needs "question", "answer" and a "context" list`);
    }
    const gold: number[] = [];
    const texts: string[] = [];
    for (const entry of item['context']) {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !Array.isArray(entry[1])) {
        throw new EvalError(`${file}: every context entry must be [title, [sentences]]`);
      }
      const text = `${entry[0]}\n${(entry[1] as unknown[]).map(String).join('')}`;
      texts.push(text);
      gold.push(pool.add(text));
    }
    const answer = item['answer'];
    if (answer !== '' && texts.some((t) => t.includes(answer))) questions.push({ question: item['question'], answers: [answer], gold });
  }
  if (questions.length === 0) throw new EvalError(`${file}: no question whose answer is in its paragraphs`);
  return { kind: 'hotpotqa', file, documents: pool.documents, questions };
}

const INSTRUCTION = 'Answer the question based on the given documents. Only give me the answer and do not output any other words.';

/** One QA instance: the question with its paragraphs among distractors, fitted to ctx.length tokens. */
export function generateQa(ctx: TaskContext, label: string, data: QaDataset): TaskOutput {
  const { counter, random } = ctx;
  const questionIndex = random.int(0, data.questions.length - 1);
  const q = data.questions[questionIndex] as QaQuestion;
  const goldSet = new Set(q.gold);
  const others = random.shuffle(data.documents.map((_, i) => i).filter((i) => !goldSet.has(i)));
  if (others.length === 0) throw new EvalError(`${label}: ${data.file} has no distractor paragraphs`);
  const goldDepths = q.gold.map(() => random.next());

  // The distractor stream as pieces: a header, then the words of a document (cycling if the file
  // has too few documents for the length).
  const words = others.map((d) => (data.documents[d] as string).split(' '));
  const pieceAt: { doc: number; word: number }[] = [];
  const piece = (i: number): { doc: number; word: number } => {
    while (pieceAt.length <= i) {
      const last = pieceAt.at(-1);
      if (last === undefined) pieceAt.push({ doc: 0, word: -1 });
      else if (last.word + 1 < (words[last.doc % words.length] as string[]).length) pieceAt.push({ doc: last.doc, word: last.word + 1 });
      else pieceAt.push({ doc: last.doc + 1, word: -1 });
    }
    return pieceAt[i] as { doc: number; word: number };
  };
  const sums = new PrefixSums((i) => {
    const p = piece(i);
    return p.word < 0 ? counter.countPiece('\n\nDocument 10:\n') : counter.countPiece(` ${(words[p.doc % words.length] as string[])[p.word]}`);
  });

  const answerPrefix = 'Answer:';
  const layout = (n: number): { text: string; goldPositions: number[]; distractors: number } => {
    const distractorTexts: string[] = [];
    for (let i = 0; i < n; i++) {
      const p = piece(i);
      const w = words[p.doc % words.length] as string[];
      if (p.word === 0) distractorTexts.push(w[0] as string);
      else if (p.word > 0) distractorTexts[distractorTexts.length - 1] += ` ${w[p.word]}`;
    }
    const docs = distractorTexts.map((t) => ({ text: t, gold: false }));
    const goldPositions: number[] = [];
    q.gold.forEach((g, k) => {
      const pos = Math.round((goldDepths[k] as number) * docs.length);
      docs.splice(pos, 0, { text: data.documents[g] as string, gold: true });
    });
    docs.forEach((d, i) => {
      if (d.gold) goldPositions.push(i + 1);
    });
    const context = docs.map((d, i) => `Document ${i + 1}:\n${d.text}`).join('\n\n');
    const text = formatPrompt({
      instruction: `${INSTRUCTION}\n\nThe following are given documents.`,
      context,
      question: `${INSTRUCTION}\n\nQuestion: ${q.question}`,
      answerPrefix,
    });
    return { text, goldPositions, distractors: distractorTexts.length };
  };
  const base = counter.countText(layout(0).text);
  const fitted = fitToLength({ target: ctx.length, counter, label, build: (n) => layout(n).text, estimate: (n) => base + sums.sum(n) });
  const final = layout(fitted.n);
  return {
    prompt: fitted.text,
    answerPrefix,
    answers: q.answers,
    completion: ` ${q.answers[0]}`,
    tokens: fitted.tokens,
    metadata: {
      dataset: data.kind,
      questionIndex,
      question: q.question,
      goldDocuments: final.goldPositions,
      distractorDocuments: final.distractors,
      repeatedDistractors: final.distractors > others.length,
    },
  };
}
