// The one prompt layout every task uses (RULER-like): an instruction, the context, the question,
// then an answer prefix on its own line that the model continues.
import { assemble, type Haystack, type Insertion } from './haystack.ts';
import { fitToLength, PrefixSums, type Fitted } from './fit.ts';
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
  const fitted = endAtSentence(ctx, haystack, build, sums, fitToLength({ target: ctx.length, counter, label, build, estimate: (n) => base + sums.sum(n) }));
  return {
    prompt: fitted.text,
    tokens: fitted.tokens,
    pieces: fitted.n,
    depths: assemble(haystack, fitted.n, insertions).depths,
  };
}

/**
 * Moves the end of the haystack to the nearest sentence end when the length stays within 1%
 * (a haystack cut mid-sentence right before the question reads oddly; with fine-grained
 * tokenizers and longer prompts a whole sentence usually fits).
 */
function endAtSentence(ctx: TaskContext, haystack: Haystack, build: (n: number) => string, sums: PrefixSums, fitted: Fitted): Fitted {
  const n = fitted.n;
  if (n === 0 || haystack.boundaryAfter(n - 1)) return fitted;
  const tolerance = ctx.length * 0.01;
  let below = n - 1;
  while (below > 0 && !haystack.boundaryAfter(below - 1)) below--;
  let above = n + 1;
  while (above < n + 256 && !haystack.boundaryAfter(above - 1)) above++;
  const candidates = [below, above]
    .map((m) => ({ m, estimate: fitted.tokens + sums.sum(m) - sums.sum(n) }))
    .filter((c) => c.m > 0 && haystack.boundaryAfter(c.m - 1) && Math.abs(c.estimate - ctx.length) <= tolerance)
    .sort((a, b) => Math.abs(a.estimate - ctx.length) - Math.abs(b.estimate - ctx.length));
  for (const c of candidates) {
    const text = build(c.m);
    const tokens = ctx.counter.countText(text);
    if (Math.abs(tokens - ctx.length) <= tolerance) return { n: c.m, text, tokens };
  }
  return fitted;
}
