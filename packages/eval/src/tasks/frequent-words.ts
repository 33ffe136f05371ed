// Frequent words extraction (RULER's fwe): coded words drawn with Zipf frequencies (the most
// frequent one is the noise "...."); the question asks for the three most frequent coded words.
// Counts are RULER's: floor(N · k^-alpha / zeta(alpha)) for rank k, so the answer is exact.
import { EvalError } from '../errors.ts';
import { fitToLength } from './fit.ts';
import { Random } from './random.ts';
import { formatPrompt } from './template.ts';
import type { TaskContext, TaskOutput } from './types.ts';

/** RULER's frequent words extraction parameters. */
export interface FrequentWordsConfig {
  alpha: number;
  /** Distinct coded words, the noise word included. */
  vocabSize: number;
  /** Letters per coded word. */
  wordLength: number;
}

/** Riemann zeta for s > 1: direct sum plus the Euler–Maclaurin tail. */
export function zeta(s: number): number {
  const n = 10_000;
  let sum = 0;
  for (let k = 1; k < n; k++) sum += k ** -s;
  return sum + n ** (1 - s) / (s - 1) + 0.5 * n ** -s + (s / 12) * n ** (-s - 1);
}

const NOISE = '....';

/** One frequent words extraction instance fitted to ctx.length tokens. */
export function generateFrequentWords(ctx: TaskContext, label: string, config: FrequentWordsConfig): TaskOutput {
  const { counter, random } = ctx;
  const seen = new Set<string>([NOISE]);
  const vocab = [NOISE];
  while (vocab.length < config.vocabSize) {
    let w = '';
    for (let i = 0; i < config.wordLength; i++) w += String.fromCharCode(97 + random.int(0, 25));
    if (!seen.has(w)) {
      seen.add(w);
      vocab.push(w);
    }
  }
  const z = zeta(config.alpha);
  const weights = vocab.map((_, k) => (k + 1) ** -config.alpha / z);
  const counts = (n: number): number[] => weights.map((w) => Math.floor(n * w));
  const wordTokens = vocab.map((w) => counter.countPiece(` ${w}`));
  const shuffleSeed = random.int(0, 0xffffffff);

  const answerPrefix = 'Answer: According to the coded text above, the three most frequently appeared words are:';
  const frame = (context: string): string =>
    formatPrompt({
      instruction:
        'Read the following coded text and track the frequency of each coded word. Find the three most frequently appeared coded words.',
      context,
      question:
        "Question: Do not provide any explanation. Please ignore the dots '....'. What are the three most frequently appeared words in the above coded text?",
      answerPrefix,
    });
  const build = (n: number): string => {
    const items: string[] = [];
    counts(n).forEach((c, k) => {
      for (let i = 0; i < c; i++) items.push(vocab[k] as string);
    });
    new Random(shuffleSeed).shuffle(items);
    return frame(items.join(' '));
  };
  const base = counter.countText(build(0));
  const fitted = fitToLength({
    target: ctx.length,
    counter,
    label,
    build,
    estimate: (n) => counts(n).reduce((sum, c, k) => sum + c * (wordTokens[k] as number), base),
  });
  const final = counts(fitted.n);
  if (!((final[3] as number) > (final[4] as number) && (final[3] as number) > 0)) {
    throw new EvalError(`${label}: ${ctx.length} tokens are too few to make the three most frequent words unambiguous; ask for a longer length`);
  }
  const answers = vocab.slice(1, 4);
  return {
    prompt: fitted.text,
    answerPrefix,
    answers,
    completion: ` ${answers.join(', ')}`,
    tokens: fitted.tokens,
    metadata: { alpha: config.alpha, words: fitted.n, counts: Object.fromEntries(vocab.slice(0, 6).map((w, k) => [w, final[k]])) },
  };
}
