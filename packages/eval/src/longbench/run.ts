// LongBench runs: each item's prompt from its dataset's template, cut in the middle to the length
// budget as LongBench's pred.py does (first half + last half of the tokens), optionally wrapped
// in the model's chat template (not for the few-shot and code datasets), generated greedily with
// the dataset's generation length, and scored with the dataset's official metric.
import { EvalError } from '../errors.ts';
import type { EvalEngine } from '../run/engine-like.ts';
import { generateWith } from '../run/generation.ts';
import type { MethodSpec } from '../run/methods.ts';
import { pendingWeights, ProgressClock, type ProgressEvent } from '../run/progress.ts';
import { resultKey, type ResultRecord, type ResultsLog, type RunHeader } from '../run/results-log.ts';
import type { RunSummary } from '../run/ruler-runner.ts';
import { scoreLongBench } from '../score/longbench.ts';
import type { LongBenchItem } from './load.ts';
import { formatLongBenchPrompt, LONGBENCH_MAX_NEW_TOKENS, LONGBENCH_NO_CHAT, LONGBENCH_PROMPTS } from './prompts.ts';

/** What runLongBench runs: methods × length budgets × items. */
export interface LongBenchRunOptions {
  engine: EvalEngine;
  methods: readonly MethodSpec[];
  /** Prompt budgets in tokens: longer prompts are cut in the middle to this length. */
  lengths: readonly number[];
  items: readonly LongBenchItem[];
  /** Wrap prompts in the model's chat template (except trec, triviaqa, samsum, lsht, lcc, repobench-p). */
  chat: boolean;
  log: ResultsLog;
  signal?: AbortSignal;
  onProgress?: (e: ProgressEvent) => void;
  onResult?: (r: ResultRecord) => void;
}

/** The header of a LongBench run: results resume only with the same model and chat setting. */
export function longBenchHeader(engine: Pick<EvalEngine, 'modelId'>, o: { chat: boolean }): RunHeader {
  return { type: 'header', kind: 'longbench', model: engine.modelId, settings: { chat: o.chat } };
}

/** The text of `prompt` cut to at most `budget` tokens: its first ⌊budget/2⌋ and last ⌊budget/2⌋ tokens (pred.py). */
export function truncateMiddle(tokenizer: EvalEngine['tokenizer'], prompt: string, budget: number): { text: string; tokens: number; truncated: boolean } {
  const ids = tokenizer.encode(prompt, { addSpecialTokens: false });
  if (ids.length <= budget) return { text: prompt, tokens: ids.length, truncated: false };
  const half = Math.floor(budget / 2);
  const text = tokenizer.decode(ids.slice(0, half), { skipSpecialTokens: true }) + tokenizer.decode(ids.slice(ids.length - half), { skipSpecialTokens: true });
  return { text, tokens: ids.length, truncated: true };
}

/** Runs every (length, item, method) not yet in the log, appending each result as it finishes. */
export async function runLongBench(o: LongBenchRunOptions): Promise<RunSummary> {
  const keys = o.lengths.flatMap((length) => o.items.flatMap((it) => o.methods.map((m) => resultKey(m.label, length, it.dataset, it.index))));
  const resumed = keys.filter((k) => o.log.has(k)).length;
  const clock = new ProgressClock(keys.length, resumed, pendingWeights(keys, (k) => o.log.has(k)));
  o.onProgress?.(clock.event());
  let completed = 0;
  const stopped = (): RunSummary => ({ completed, resumed, total: keys.length, aborted: true });
  for (const length of o.lengths) {
    for (const item of o.items) {
      const todo = o.methods.filter((m) => !o.log.has(resultKey(m.label, length, item.dataset, item.index)));
      if (todo.length === 0) continue;
      if (o.signal?.aborted) return stopped();
      const template = LONGBENCH_PROMPTS[item.dataset] as string;
      const cut = truncateMiddle(o.engine.tokenizer, formatLongBenchPrompt(template, item), length);
      const ids =
        o.chat && !LONGBENCH_NO_CHAT.has(item.dataset)
          ? o.engine.encodeChat([{ role: 'user', content: cut.text }], { addGenerationPrompt: true })
          : o.engine.encodePrompt(cut.text);
      const maxNew = LONGBENCH_MAX_NEW_TOKENS[item.dataset] ?? 64;
      if (ids.length + maxNew > o.engine.contextTokens) {
        throw new EvalError(
          `${item.dataset} item ${item.index}: ${ids.length} prompt + ${maxNew} generated tokens exceed the engine's context ${o.engine.contextTokens}; lower the length or raise --context`,
        );
      }
      for (const m of todo) {
        if (o.signal?.aborted) return stopped();
        const g = await generateWith(o.engine, m, ids, {
          maxNewTokens: maxNew,
          label: resultKey(m.label, length, item.dataset, item.index),
          ...(o.signal ? { signal: o.signal } : {}),
          // pred.py stops samsum at a newline (the one-line summary format).
          ...(item.dataset === 'samsum' ? { stop: ['\n'] } : {}),
        });
        if (g.aborted) return stopped();
        const record = o.log.append({
          method: m.label,
          length,
          task: item.dataset,
          index: item.index,
          score: scoreLongBench(item.dataset, g.text, item.answers, item.allClasses),
          values: { ...g.values, originalTokens: cut.tokens, truncated: cut.truncated ? 1 : 0, ...(item.length !== undefined ? { itemLength: item.length } : {}) },
          details: { prediction: g.text, answers: item.answers, ...(item.id !== undefined ? { id: item.id } : {}) },
        });
        completed++;
        o.onResult?.(record);
        o.onProgress?.(clock.tick(record.key, record.length));
      }
    }
  }
  return { completed, resumed, total: keys.length, aborted: false };
}
