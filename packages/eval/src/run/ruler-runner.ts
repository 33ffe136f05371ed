// The RULER matrix: lengths × tasks × instances, each instance generated once and run with every
// attention method; results appended to the log as each item finishes, finished items skipped.
import { EvalError } from '../errors.ts';
import { scoreRuler } from '../score/ruler.ts';
import { generateInstance } from '../tasks/generate.ts';
import { resolveTasks, TASKS, type QaDatasets } from '../tasks/registry.ts';
import type { TaskInstance } from '../tasks/types.ts';
import type { EvalEngine } from './engine-like.ts';
import { generateWith } from './generation.ts';
import type { MethodSpec } from './methods.ts';
import { pendingWeights, ProgressClock, type ProgressEvent } from './progress.ts';
import { resultKey, type ResultRecord, type ResultsLog, type RunHeader } from './results-log.ts';

/** What every evaluation run takes: engine, the methods × lengths × tasks × instances matrix, the log, progress. */
export interface RunMatrixOptions {
  engine: EvalEngine;
  methods: readonly MethodSpec[];
  tasks: readonly string[];
  lengths: readonly number[];
  /** Instances per (task, length). */
  count: number;
  seed: number;
  data?: QaDatasets;
  log: ResultsLog;
  signal?: AbortSignal;
  onProgress?: (e: ProgressEvent) => void;
  onResult?: (r: ResultRecord) => void;
}

/** What runRuler runs: methods × lengths × tasks × instances. */
export interface RulerRunOptions extends RunMatrixOptions {  /** Overrides every task's tokens to generate. */
  maxNewTokens?: number;
  /**
   * Chat models: the task input as the user message of the model's chat template, and the answer
   * prefix as the start of the assistant's reply (as RULER runs instruct models).
   */
  chat?: boolean;
}

/** How a run ended. */
export interface RunSummary {
  /** Items run in this session. */
  completed: number;
  /** Items found finished in the log. */
  resumed: number;
  total: number;
  aborted: boolean;
}

/** The header of a RULER run: results resume only with the same model, seed and generation length. */
export function rulerHeader(engine: Pick<EvalEngine, 'modelId'>, o: { seed: number; maxNewTokens?: number; chat?: boolean }): RunHeader {
  return { type: 'header', kind: 'ruler', model: engine.modelId, settings: { seed: o.seed, maxNewTokens: o.maxNewTokens ?? null, chat: o.chat === true } };
}

/** The ids a model sees for an instance: the plain prompt, or chat template + answer prefix. */
export function instanceIds(engine: Pick<EvalEngine, 'encodePrompt' | 'encodeChat' | 'tokenizer'>, inst: TaskInstance, chat: boolean): number[] {
  if (!chat) return engine.encodePrompt(inst.prompt);
  return [
    ...engine.encodeChat([{ role: 'user', content: inst.input }], { addGenerationPrompt: true }),
    ...engine.tokenizer.encode(inst.answerPrefix, { addSpecialTokens: false }),
  ];
}

/** The (task, length) cells that still have unfinished keys. */
export function openCells(keys: readonly string[], log: ResultsLog): { task: string; length: number }[] {
  const cells = new Map<string, { task: string; length: number }>();
  for (const k of keys) {
    if (log.has(k)) continue;
    const [, length, task] = k.split('|');
    cells.set(`${task}|${length}`, { task: task as string, length: Number(length) });
  }
  return [...cells.values()];
}

/**
 * RULER's convention: a length is the whole sequence, prompt and answer, so the prompt is made
 * `length − tokens to generate` long.
 */
export function promptLength(task: string, length: number, maxNewTokens?: number): number {
  const gen = maxNewTokens ?? TASKS.get(task)?.maxNewTokens ?? 0;
  if (length - gen < 1) throw new EvalError(`length ${length} leaves no room for a ${task} prompt after ${gen} generated tokens`);
  return length - gen;
}

/** Tokens the longest item may need: its length with the 1% fitting tolerance, plus room for a chat template. */
export function rulerContextTokens(lengths: readonly number[]): number {
  return Math.ceil(Math.max(...lengths) * 1.01) + 64;
}

/**
 * Generates instance 0 of every (task, length) with work left, so a length a task cannot fit
 * fails before hours of model time rather than in the middle.
 */
export function preflight(
  tokenizer: EvalEngine['tokenizer'],
  cells: readonly { task: string; length: number }[],
  o: { seed: number; data?: QaDatasets | undefined; maxNewTokens?: number | undefined },
): void {
  for (const { task, length } of cells) generateInstance(tokenizer, task, promptLength(task, length, o.maxNewTokens), 0, o.seed, o.data);
}

/** Runs every (length, task, index, method) not yet in the log, appending each result as it finishes; stops between items when `signal` aborts. */
export async function runRuler(o: RulerRunOptions): Promise<RunSummary> {
  const tasks = resolveTasks(o.tasks);
  const need = rulerContextTokens(o.lengths);
  if (need > o.engine.contextTokens) {
    throw new EvalError(`the longest item needs ${need} tokens (prompt + answer) but the engine's context is ${o.engine.contextTokens}; open it with a larger contextTokens (--context)`);
  }
  const keys: string[] = [];
  for (const length of o.lengths) for (const task of tasks) for (let i = 0; i < o.count; i++) for (const m of o.methods) keys.push(resultKey(m.label, length, task, i));
  const resumed = keys.filter((k) => o.log.has(k)).length;
  preflight(o.engine.tokenizer, openCells(keys, o.log), o);
  const clock = new ProgressClock(keys.length, resumed, pendingWeights(keys, (k) => o.log.has(k)));
  o.onProgress?.(clock.event());
  let completed = 0;
  for (const length of o.lengths) {
    for (const task of tasks) {
      for (let index = 0; index < o.count; index++) {
        const todo = o.methods.filter((m) => !o.log.has(resultKey(m.label, length, task, index)));
        if (todo.length === 0) continue;
        if (o.signal?.aborted) return { completed, resumed, total: keys.length, aborted: true };
        const inst = generateInstance(o.engine.tokenizer, task, promptLength(task, length, o.maxNewTokens), index, o.seed, o.data);
        const ids = instanceIds(o.engine, inst, o.chat === true);
        const maxNew = o.maxNewTokens ?? inst.maxNewTokens;
        for (const m of todo) {
          if (o.signal?.aborted) return { completed, resumed, total: keys.length, aborted: true };
          const g = await generateWith(o.engine, m, ids, { maxNewTokens: maxNew, label: resultKey(m.label, length, task, index), ...(o.signal ? { signal: o.signal } : {}) });
          if (g.aborted) return { completed, resumed, total: keys.length, aborted: true };
          const record = o.log.append({
            method: m.label,
            length,
            task,
            index,
            score: scoreRuler(inst.metric, g.text, inst.answers),
            values: g.values,
            details: { prediction: g.text, answers: inst.answers, metric: inst.metric },
          });
          completed++;
          o.onResult?.(record);
          o.onProgress?.(clock.tick(record.key, record.length));
        }
      }
    }
  }
  return { completed, resumed, total: keys.length, aborted: false };
}
