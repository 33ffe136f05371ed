// The one prompt layout every task uses (RULER-like): an instruction, the context, the question,
// then an answer prefix on its own line that the model continues.
import { assemble, type Haystack, type Insertion } from './haystack.ts';
import { fitToLength, PrefixSums } from './fit.ts';
import type { TaskContext } from './types.ts';

/** The parts of a task prompt, in order. */
export interface PromptParts {
  instruction: string;
  context: string;
  question: string;
  /** Ends without a space; the expected continuation starts with one. */
  answerPrefix: string;
}

/** instruction, blank line, context, blank line, question, newline, answer prefix. */
export function formatPrompt(p: PromptParts): string {
  return `${p.instruction}\n\n${p.context}\n\n${p.question}\n${p.answerPrefix}`;
}

/** A prompt fitted by its number of haystack pieces. */
export interface HaystackPrompt {
  prompt: string;
  tokens: number;
  /** Haystack pieces used. */
  pieces: number;
  /** Realized depth of each insertion, in the order given. */
  depths: number[];
}

/** Fits `frame(context)` to the context's length by the number of haystack pieces around the insertions. */
export function fitHaystackPrompt(
  ctx: TaskContext,
  label: string,
  haystack: Haystack,
  insertions: readonly Insertion[],
  frame: (context: string) => string,
): HaystackPrompt {
  const { counter } = ctx;
  const sums = new PrefixSums((i) => counter.countPiece(haystack.piece(i), haystack.cachePieces));
  const build = (n: number): string => frame(assemble(haystack, n, insertions).text);
  const base = counter.countText(build(0));
  const fitted = fitToLength({ target: ctx.length, counter, label, build, estimate: (n) => base + sums.sum(n) });
  return {
    prompt: fitted.text,
    tokens: fitted.tokens,
    pieces: fitted.n,
    depths: assemble(haystack, fitted.n, insertions).depths,
  };
}
