// Common words extraction (RULER's cwe): a numbered list where 10 words appear many times and the
// rest a few times each; the question asks for the 10 most common. Words come from WikiText.
import { EvalError } from '../errors.ts';
import { vocabularyWords } from '../wikitext.ts';
import { fitToLength, PrefixSums } from './fit.ts';
import { Random } from './random.ts';
import { formatPrompt } from './template.ts';
import type { TaskContext, TaskOutput } from './types.ts';

/** RULER's common words extraction parameters. */
export interface CommonWordsConfig {
  /** Words to find (RULER num_cw). */
  numCommon: number;
}

/** One common words extraction instance fitted to ctx.length tokens. */
export function generateCommonWords(ctx: TaskContext, label: string, config: CommonWordsConfig): TaskOutput {
  const { counter, random } = ctx;
  const words = random.shuffle(vocabularyWords().slice());
  const common = words.slice(0, config.numCommon);
  const pool = words.slice(config.numCommon);
  const shuffleSeed = random.int(0, 0xffffffff);

  const answerPrefix = `Answer: The top ${config.numCommon} words that appear most often in the list are:`;
  const frame = (context: string): string =>
    formatPrompt({
      instruction:
        'Below is a numbered list of words. In these words, some appear more often than others. Memorize the ones that appear most often.',
      context,
      question: `Question: What are the ${config.numCommon} most common words in the above list?`,
      answerPrefix,
    });

  // Frequencies as RULER (30 and 3) when the length allows, lower for short prompts so the
  // common words take at most about half the list; higher for the rare words when the word list
  // would run out.
  const numberTokens = new PrefixSums((k) => counter.countPiece(` ${k + 1}.`));
  const approxItemTokens = counter.countPiece(' 100.') + 2;
  const approxItems = Math.max(0, (ctx.length - counter.countText(frame(''))) / approxItemTokens);
  let freqCommon = Math.min(30, Math.max(2, Math.floor(approxItems / (2 * config.numCommon))));
  let freqRare = Math.max(1, Math.min(3, Math.floor(freqCommon / 3)));
  const rareItems = approxItems - config.numCommon * freqCommon;
  if (rareItems / freqRare > pool.length) {
    freqRare = Math.ceil(rareItems / pool.length);
    if (freqRare >= freqCommon) freqCommon = freqRare * 3;
  }
  if (pool.length === 0) throw new EvalError(`${label}: the word list is empty`);
  const commonItems = config.numCommon * freqCommon;

  const build = (u: number): string => {
    if (u > pool.length) throw new EvalError(`${label}: needs more distinct words than the ${words.length} available`);
    const items: string[] = [];
    for (const w of common) for (let i = 0; i < freqCommon; i++) items.push(w);
    for (let j = 0; j < u; j++) for (let i = 0; i < freqRare; i++) items.push(pool[j] as string);
    new Random(shuffleSeed).shuffle(items);
    return frame(items.map((w, k) => `${k + 1}. ${w}`).join(' '));
  };
  const rareWordTokens = new PrefixSums((j) => freqRare * counter.countPiece(` ${pool[Math.min(j, pool.length - 1)]}`));
  const base = counter.countText(build(0));
  const fitted = fitToLength({
    target: ctx.length,
    counter,
    label,
    build,
    estimate: (u) =>
      base + rareWordTokens.sum(u) + numberTokens.sum(commonItems + u * freqRare) - numberTokens.sum(commonItems),
  });
  return {
    prompt: fitted.text,
    answerPrefix,
    answers: common,
    completion: ` ${common.join(', ')}`,
    tokens: fitted.tokens,
    metadata: { freqCommon, freqRare, rareWords: fitted.n, items: commonItems + fitted.n * freqRare },
  };
}
