// Attention fidelity of LRQK: the task instances of a RULER run generated with `fidelity: true`,
// which makes the backend compare every sparse decode step with exact attention over all cached
// keys. Recorded per item: per layer (mean over query heads) the share of the exact attention mass
// on the attended set, the recall of the exact top-k, and the hit rate of the resident slots over
// the steps; per layer × head in details; the hit rate of every decode step; and the task score
// of the generated answer.
import type { FidelityStats } from '@lrqk/models';
import { EvalError } from '../errors.ts';
import { scoreRuler } from '../score/ruler.ts';
import { generateInstance } from '../tasks/generate.ts';
import { resolveTasks } from '../tasks/registry.ts';
import type { EvalEngine } from './engine-like.ts';
import { generateWith } from './generation.ts';
import type { MethodSpec } from './methods.ts';
import { pendingWeights, ProgressClock } from './progress.ts';
import { resultKey, type RunHeader } from './results-log.ts';
import { openCells, preflight, promptLength, rulerContextTokens, type RunMatrixOptions, type RunSummary } from './ruler-runner.ts';

/** What runFidelity runs: LRQK configurations × lengths × tasks × instances. */
export interface FidelityRunOptions extends RunMatrixOptions {
  /** LRQK configurations (other methods attend exactly and are refused). */
  methods: readonly MethodSpec[];
  /** Decode steps measured per item (tokens generated; default 32). */
  maxNewTokens: number;
}

/** The header of a fidelity run. */
export function fidelityHeader(engine: Pick<EvalEngine, 'modelId'>, o: { seed: number; maxNewTokens: number }): RunHeader {
  return { type: 'header', kind: 'fidelity', model: engine.modelId, settings: { seed: o.seed, maxNewTokens: o.maxNewTokens } };
}

/** Means over heads of a [layer · heads + head] array, per layer. */
export function perLayerMeans(values: ArrayLike<number>, layers: number, heads: number): number[] {
  return Array.from({ length: layers }, (_, l) => {
    let sum = 0;
    for (let h = 0; h < heads; h++) sum += values[l * heads + h] as number;
    return sum / heads;
  });
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** The values and details a fidelity record stores (finite numbers only: JSON has no NaN). */
export function fidelityRecord(f: FidelityStats): { values: Record<string, number>; details: Record<string, unknown> } {
  const mass = perLayerMeans(f.massCaptured, f.layers, f.heads);
  const recall = perLayerMeans(f.topkRecall, f.layers, f.heads);
  const hit = Array.from(f.hitRate);
  const values: Record<string, number> = { sparseSteps: f.steps };
  if (f.steps > 0) {
    values['massCaptured'] = mean(mass);
    values['topkRecall'] = mean(recall);
    values['minLayerMassCaptured'] = Math.min(...mass);
  }
  if (hit.every(Number.isFinite)) values['layerHitRate'] = mean(hit);
  const finite = (xs: readonly number[]) => xs.map((x) => (Number.isFinite(x) ? x : null));
  return {
    values,
    details: {
      perLayer: { massCaptured: finite(mass), topkRecall: finite(recall), hitRate: finite(hit) },
      perHead: { heads: f.heads, massCaptured: finite(Array.from(f.massCaptured)), topkRecall: finite(Array.from(f.topkRecall)) },
    },
  };
}

/** Runs every item not yet in the log with fidelity measurement on, appending each result as it finishes. */
export async function runFidelity(o: FidelityRunOptions): Promise<RunSummary> {
  const exact = o.methods.filter((m) => m.method !== 'lrqk');
  if (exact.length > 0) {
    throw new EvalError(`fidelity measures LRQK against exact attention; ${exact.map((m) => m.label).join(', ')} attend exactly (use e.g. --attention lrqk,lrqk:topK=256)`);
  }
  const tasks = resolveTasks(o.tasks);
  const longest = rulerContextTokens(o.lengths);
  if (longest > o.engine.contextTokens) throw new EvalError(`the longest item needs ${longest} tokens but the engine's context is ${o.engine.contextTokens} (--context)`);
  const keys: string[] = [];
  for (const length of o.lengths) for (const task of tasks) for (let i = 0; i < o.count; i++) for (const m of o.methods) keys.push(resultKey(m.label, length, task, i));
  const resumed = keys.filter((k) => o.log.has(k)).length;
  preflight(o.engine.tokenizer, openCells(keys, o.log), o);
  const clock = new ProgressClock(keys.length, resumed, pendingWeights(keys, (k) => o.log.has(k)));
  o.onProgress?.(clock.event());
  let completed = 0;
  const stopped = (): RunSummary => ({ completed, resumed, total: keys.length, aborted: true });
  for (const length of o.lengths) {
    for (const task of tasks) {
      for (let index = 0; index < o.count; index++) {
        const todo = o.methods.filter((m) => !o.log.has(resultKey(m.label, length, task, index)));
        if (todo.length === 0) continue;
        if (o.signal?.aborted) return stopped();
        const inst = generateInstance(o.engine.tokenizer, task, promptLength(task, length, o.maxNewTokens), index, o.seed, o.data);
        const ids = o.engine.encodePrompt(inst.prompt);
        for (const m of todo) {
          if (o.signal?.aborted) return stopped();
          const g = await generateWith(o.engine, m, ids, {
            maxNewTokens: o.maxNewTokens,
            extraLrqk: { fidelity: true },
            trackHitRate: true,
            label: resultKey(m.label, length, task, index),
            ...(o.signal ? { signal: o.signal } : {}),
          });
          if (g.aborted) return stopped();
          const f = g.result.attention.fidelity;
          if (f === undefined) throw new EvalError(`the ${m.method} backend reported no fidelity statistics (it needs the option fidelity: true)`);
          const fr = fidelityRecord(f);
          const record = o.log.append({
            method: m.label,
            length,
            task,
            index,
            score: scoreRuler(inst.metric, g.text, inst.answers),
            values: { ...g.values, ...fr.values },
            details: { ...fr.details, stepHitRate: g.stepHitRate ?? [], prediction: g.text, answers: inst.answers },
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
