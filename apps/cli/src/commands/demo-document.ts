// The demo's document: @lrqk/eval's niah_multikey_1 instance (WikiText prose with four "special
// magic number" sentences, fitted to a length in the model's tokens), and one question per hidden
// fact in the generator's own question template, which is what the embedded model was trained on.
import { generateInstance, type TokenizerLike } from '@lrqk/eval';
import { CliError } from '../errors.ts';

const TASK = 'niah_multikey_1';

export interface DemoFact {
  key: string;
  value: string;
  /** Relative position of the fact's sentence in the document, 0..1. */
  depth: number;
}

export interface DemoQuestion {
  key: string;
  value: string;
  /** The whole prompt: instruction, document, question, answer prefix. */
  prompt: string;
}

export interface DemoDocument {
  /** Prompt tokens of the generated instance (the document and one question). */
  tokens: number;
  /** Every hidden fact, in document order. */
  facts: DemoFact[];
  questions: DemoQuestion[];
}

const question = (key: string): string => `What are all the special magic numbers for ${key} mentioned in the provided text?`;
const answerPrefix = (key: string): string => `Answer: The special magic numbers for ${key} mentioned in the provided text are:`;

function needlesOf(metadata: Record<string, unknown>): DemoFact[] {
  const needles = metadata['needles'];
  if (!Array.isArray(needles)) throw new CliError(`${TASK}: the generator's metadata has no needles`);
  return needles.map((n: unknown) => {
    const { key, value, depth } = (n ?? {}) as { key?: unknown; value?: unknown; depth?: unknown };
    if (typeof key !== 'string' || typeof value !== 'string' || typeof depth !== 'number') throw new CliError(`${TASK}: unexpected needle metadata`);
    return { key, value, depth };
  });
}

/** A document of about `length` tokens with four hidden facts, and `questions` questions about them. */
export function buildDemoDocument(tokenizer: TokenizerLike, length: number, questions: number, seed: number): DemoDocument {
  const inst = generateInstance(tokenizer, TASK, length, 0, seed);
  const facts = needlesOf(inst.metadata).sort((a, b) => a.depth - b.depth);
  const asked = (inst.metadata['queries'] as string[] | undefined)?.[0];
  const tail = asked === undefined ? undefined : `\n\n${question(asked)}\n${answerPrefix(asked)}`;
  if (tail === undefined || !inst.prompt.endsWith(tail)) {
    throw new CliError(`${TASK}: the prompt does not end with the question template this demo expects`);
  }
  const head = inst.prompt.slice(0, inst.prompt.length - tail.length);
  // Ask in the generator's key order (random), not document order.
  const keys = inst.metadata['keys'] as string[];
  return {
    tokens: inst.tokens,
    facts,
    questions: keys.slice(0, questions).map((key) => ({
      key,
      value: facts.find((f) => f.key === key)!.value,
      prompt: `${head}\n\n${question(key)}\n${answerPrefix(key)}`,
    })),
  };
}
