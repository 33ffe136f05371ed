// @lrqk/eval: long-context evaluation for lrqk: RULER-style tasks, perplexity, LongBench scoring,
// attention fidelity, reports and plots.
export { EvalError } from './errors.ts';
export type { TaskInstance, TokenizerLike, RulerMetric, TaskContext, TaskOutput } from './tasks/types.ts';
export type { Random } from './tasks/random.ts';
export { generateInstance, generateInstances, instanceSeed } from './tasks/generate.ts';
export type { GenerateOptions } from './tasks/generate.ts';
export { TASKS, SYNTHETIC_TASK_NAMES, resolveTasks } from './tasks/registry.ts';
export type { TaskDefinition, QaDatasets } from './tasks/registry.ts';
export { loadSquad, loadHotpotQa } from './tasks/qa.ts';
export type { QaDataset, QaQuestion } from './tasks/qa.ts';
export { TokenCounter, tokenCounter } from './tasks/token-counter.ts';
export { NOISE_SENTENCES } from './tasks/haystack.ts';
export { wikitextArticles, wikitextTestText, essayWords, vocabularyWords } from './wikitext.ts';
export type { WikiArticle } from './wikitext.ts';
export { postprocessPrediction, stringMatchAll, stringMatchPart, scoreRuler } from './score/ruler.ts';
export {
  normalizeAnswer,
  normalizeZhAnswer,
  tokenF1,
  qaF1Score,
  qaF1ZhScore,
  segmentZh,
  rougeScore,
  rougeZhScore,
  classificationScore,
  retrievalScore,
  retrievalZhScore,
  countScore,
  codeSimScore,
  metricScore,
  scoreLongBench,
  LONGBENCH_METRICS,
} from './score/longbench.ts';
export type { LongBenchMetric } from './score/longbench.ts';
export { rougeL } from './score/rouge.ts';
export { sequenceMatcherRatio, fuzzRatio, roundHalfEven } from './score/sequence-matcher.ts';
export { parseMethod, parseMethods } from './run/methods.ts';
export type { MethodSpec } from './run/methods.ts';
export { ResultsLog, resultKey } from './run/results-log.ts';
export type { ResultRecord, RunHeader } from './run/results-log.ts';
export type { EvalEngine } from './run/engine-like.ts';
export { ProgressClock, pendingWeights } from './run/progress.ts';
export type { ProgressEvent } from './run/progress.ts';
export { generateWith } from './run/generation.ts';
export type { GenerationOutcome } from './run/generation.ts';
export { runRuler, rulerHeader, rulerContextTokens, instanceIds, preflight, promptLength } from './run/ruler-runner.ts';
export type { RulerRunOptions, RunMatrixOptions, RunSummary } from './run/ruler-runner.ts';
export { summarizeCells, summarizeByMethodLength } from './report/summary.ts';
export type { CellSummary, MethodLengthSummary } from './report/summary.ts';
export { writeReport, perLayerRows, perStepRows, longBenchBucket } from './report/report.ts';
export type { EvalReport, PerLayerRow, PerStepRow, WriteReportOptions } from './report/report.ts';
export { renderSvg, svgToPng, writePlot, accuracyVsLengthSpec, accuracyByTaskSpec, perLayerSpec, perStepSpec } from './report/plots.ts';
export { runPerplexity, perplexityHeader, windowStarts, corpusPerplexity } from './run/perplexity.ts';
export type { PerplexityOptions } from './run/perplexity.ts';
export { metricVsLengthSpec } from './report/plots.ts';
export type { GenerateWithOptions } from './run/generation.ts';
export { loadLongBench } from './longbench/load.ts';
export type { LongBenchItem } from './longbench/load.ts';
export { LONGBENCH_PROMPTS, LONGBENCH_MAX_NEW_TOKENS, LONGBENCH_NO_CHAT, formatLongBenchPrompt } from './longbench/prompts.ts';
export { runLongBench, longBenchHeader, truncateMiddle } from './longbench/run.ts';
export type { LongBenchRunOptions } from './longbench/run.ts';
export { runFidelity, fidelityHeader, fidelityRecord, perLayerMeans } from './run/fidelity.ts';
export type { FidelityRunOptions } from './run/fidelity.ts';
export { reportTable } from './report/table.ts';
export type { ReportTable } from './report/table.ts';
