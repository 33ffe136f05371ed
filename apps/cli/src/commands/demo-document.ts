// The demo's documents: @lrqk/eval's niah_single_1 instances (repeated filler text with one
// "special magic number" sentence hidden at a depth RULER draws, fitted to a length in the model's
// tokens), one document per question, each asked in the generator's own question template —
// the task the embedded model was trained on and is measured on (tools/train, MODEL_CARD).
import { generateInstance, type TokenizerLike } from '@lrqk/eval';
import { CliError } from '../errors.ts';

const TASK = 'niah_single_1';
/** The haystack sentences of niah_single_1 (packages/eval's noise haystack), for the printout. */
export const FILLER_SAMPLE = 'The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again.';

export interface DemoQuestion {
  /** The key the question asks about and the value hidden for it. */
  key: string;
  value: string;
  /** Relative position of the fact's sentence in its document, 0..1. */
  depth: number;
  /** Prompt tokens of the generated instance (instruction, document, question, answer prefix). */
  tokens: number;
  /** The whole prompt. */
  prompt: string;
}

function needleOf(metadata: Record<string, unknown>): { key: string; value: string; depth: number } {
  const needles = metadata['needles'];
  if (!Array.isArray(needles) || needles.length !== 1) throw new CliError(`${TASK}: expected one needle in the generator's metadata`);
  const { key, value, depth } = (needles[0] ?? {}) as { key?: unknown; value?: unknown; depth?: unknown };
  if (typeof key !== 'string' || typeof value !== 'string' || typeof depth !== 'number') throw new CliError(`${TASK}: unexpected needle metadata`);
  return { key, value, depth };
}

/** `questions` documents of about `length` tokens, each with one hidden fact and its question. */
export function buildDemoQuestions(tokenizer: TokenizerLike, length: number, questions: number, seed: number): DemoQuestion[] {
  return Array.from({ length: questions }, (_, q) => {
    const inst = generateInstance(tokenizer, TASK, length, q, seed);
    return { ...needleOf(inst.metadata), tokens: inst.tokens, prompt: inst.prompt };
  });
}
