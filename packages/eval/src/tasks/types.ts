// The shape of a generated task instance and of what the generators need from a tokenizer.
import type { Random } from './random.ts';
import type { TokenCounter } from './token-counter.ts';

/**
 * What the generators need from a tokenizer: any `@lrqk/tokenizers` Tokenizer fits. `encode(text)`
 * must return the ids the evaluated model sees for `text` as a whole prompt (BOS included when the
 * model adds one), because the requested length is measured that way.
 */
export interface TokenizerLike {
  encode(text: string): number[];
}

/** How an instance's prediction is scored (RULER): every answer must appear, or any one. */
export type RulerMetric = 'string_match_all' | 'string_match_part';

/** One generated example: the prompt a model continues, and what a correct continuation contains. */
export interface TaskInstance {
  /** `${task}/${length}/${index}`: unique within a run, stable across runs. */
  id: string;
  task: string;
  /** The requested prompt length in the model's tokens. */
  length: number;
  /** Index of the instance within (task, length). */
  index: number;
  /** The seed of the run; with task, length and index it determines the instance. */
  seed: number;
  /**
   * The whole text given to the model: instruction, context, question, then `answerPrefix`
   * (the prompt ends with it, without a trailing space).
   */
  prompt: string;
  /**
   * `prompt` without its last line (the answer prefix): for chat models the user message, after
   * which the answer prefix starts the assistant's reply.
   */
  input: string;
  /** The last line of `prompt`, which the model continues (e.g. "Answer: The special magic numbers for x are:"). */
  answerPrefix: string;
  /** Strings a correct answer contains (all of them for string_match_all, one for string_match_part). */
  answers: string[];
  /** A canonical correct continuation of `prompt` (starts with a space), for training. */
  completion: string;
  metric: RulerMetric;
  /** How many tokens a model should generate to answer (RULER's tokens_to_generate). */
  maxNewTokens: number;
  /** Prompt tokens as counted by the tokenizer (within ±1% of `length`). */
  tokens: number;
  /** Task-specific facts: needle depths, keys, haystack kind, word frequencies… */
  metadata: Record<string, unknown>;
}

/** What every task generator receives. */
export interface TaskContext {
  counter: TokenCounter;
  /** Target prompt length in tokens. */
  length: number;
  random: Random;
}

/** The task-specific part of an instance; the generator driver adds id, task, length, index, seed, tokens. */
export interface TaskOutput {
  prompt: string;
  answerPrefix: string;
  answers: string[];
  completion: string;
  tokens: number;
  metadata: Record<string, unknown>;
}
