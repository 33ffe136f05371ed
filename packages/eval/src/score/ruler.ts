// RULER's scoring (scripts/eval/synthetic/constants.py): a prediction is stripped and control
// characters become newlines; string_match_all is the share of references found in it
// (case-insensitive substring), string_match_part is 1 when any reference is found.
import type { RulerMetric } from '../tasks/types.ts';

/** RULER's postprocess_pred: strip, control characters (\x00–\x1f) → "\n", strip again. */
export function postprocessPrediction(prediction: string): string {
  return prediction.trim().replace(/[\x00-\x1f]/g, '\n').trim();
}

/** Share of `references` contained in `prediction` (case-insensitive), in [0, 1]. */
export function stringMatchAll(prediction: string, references: readonly string[]): number {
  if (references.length === 0) return 0;
  const p = prediction.toLowerCase();
  let found = 0;
  for (const r of references) if (p.includes(r.toLowerCase())) found++;
  return found / references.length;
}

/** 1 when any of `references` is contained in `prediction` (case-insensitive), else 0. */
export function stringMatchPart(prediction: string, references: readonly string[]): number {
  const p = prediction.toLowerCase();
  return references.some((r) => p.includes(r.toLowerCase())) ? 1 : 0;
}

/** Scores one generated continuation of a task instance, in [0, 1]. */
export function scoreRuler(metric: RulerMetric, prediction: string, answers: readonly string[]): number {
  const p = postprocessPrediction(prediction);
  return metric === 'string_match_all' ? stringMatchAll(p, answers) : stringMatchPart(p, answers);
}
