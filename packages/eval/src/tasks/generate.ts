// Generating task instances: one seeded generator per (seed, task, length, index).
import { EvalError } from '../errors.ts';
import { hashString, Random } from './random.ts';
import { resolveTasks, TASKS, type QaDatasets } from './registry.ts';
import { tokenCounter } from './token-counter.ts';
import type { TaskInstance, TokenizerLike } from './types.ts';

/** Which instances generateInstances makes. */
export interface GenerateOptions {
  /** Task names or families (see resolveTasks). */
  tasks: readonly string[];
  /** Prompt lengths in tokens. */
  lengths: readonly number[];
  /** Instances per (task, length). */
  count: number;
  seed: number;
  /** QA datasets for qa_squad / qa_hotpotqa. */
  data?: QaDatasets;
}

/** The seed of one instance. */
export function instanceSeed(seed: number, task: string, length: number, index: number): number {
  return hashString(`${seed}|${task}|${length}|${index}`);
}

/** One instance: the same arguments give the same instance. */
export function generateInstance(
  tokenizer: TokenizerLike,
  task: string,
  length: number,
  index: number,
  seed: number,
  data: QaDatasets = {},
): TaskInstance {
  const def = TASKS.get(task);
  if (def === undefined) throw new EvalError(`unknown task "${task}"; tasks: ${[...TASKS.keys()].join(', ')}`);
  if (!Number.isInteger(length) || length <= 0) throw new EvalError(`length must be a positive integer, got ${length}`);
  const out = def.generate({ counter: tokenCounter(tokenizer), length, random: new Random(instanceSeed(seed, task, length, index)) }, data);
  return {
    id: `${task}/${length}/${index}`,
    task,
    length,
    index,
    seed,
    prompt: out.prompt,
    input: out.prompt.slice(0, out.prompt.length - out.answerPrefix.length - 1),
    answerPrefix: out.answerPrefix,
    answers: out.answers,
    completion: out.completion,
    metric: def.metric,
    maxNewTokens: def.maxNewTokens,
    tokens: out.tokens,
    metadata: out.metadata,
  };
}

/** Instances for every length × task × index, in that order (lazily). */
export function* generateInstances(tokenizer: TokenizerLike, options: GenerateOptions): Generator<TaskInstance> {
  const tasks = resolveTasks(options.tasks);
  if (!Number.isInteger(options.count) || options.count < 0) throw new EvalError(`count must be a non-negative integer, got ${options.count}`);
  for (const length of options.lengths) {
    for (const task of tasks) {
      for (let index = 0; index < options.count; index++) yield generateInstance(tokenizer, task, length, index, options.seed, options.data);
    }
  }
}
