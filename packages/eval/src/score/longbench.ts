// LongBench (v1) metrics, as THUDM/LongBench metrics.py and eval.py compute them: QA F1 with
// SQuAD normalization, ROUGE-L (rouge package), classification accuracy, passage retrieval and
// count accuracy, code edit similarity (fuzzywuzzy ratio). Chinese tasks use jieba word
// segmentation upstream; here Chinese text is segmented per character (jieba is Python-only), so
// scores of multifieldqa_zh, dureader and vcsum are close to, not equal to, the official ones.
import { rougeL } from './rouge.ts';
import { fuzzRatio } from './sequence-matcher.ts';

const PY_PUNCTUATION = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');
const ZH_PUNCTUATION = new Set(
  '！？｡。＂＃＄％＆＇（）＊＋，－／：；＜＝＞＠［＼］＾＿｀｛｜｝～｟｠｢｣､、〃》「」『』【】〔〕〖〗〘〙〚〛〜〝〞〟〰〾〿–—‘’‛“”„‟…‧﹏.',
);

function pySplit(s: string): string[] {
  return s.split(/\s+/).filter((w) => w !== '');
}

/** SQuAD's normalize_answer: lowercase, drop punctuation, drop articles, collapse whitespace. */
export function normalizeAnswer(s: string): string {
  const lower = s.toLowerCase();
  const noPunct = Array.from(lower)
    .filter((c) => !PY_PUNCTUATION.has(c))
    .join('');
  const noArticles = noPunct.replace(/(?<![\p{L}\p{N}_])(a|an|the)(?![\p{L}\p{N}_])/gu, ' ');
  return pySplit(noArticles).join(' ');
}

/** LongBench's normalize_zh_answer: lowercase, drop ASCII and Chinese punctuation, drop all whitespace. */
export function normalizeZhAnswer(s: string): string {
  return Array.from(s.toLowerCase())
    .filter((c) => !PY_PUNCTUATION.has(c) && !ZH_PUNCTUATION.has(c) && !/\s/.test(c))
    .join('');
}

/** Token-multiset F1 (LongBench's f1_score). */
export function tokenF1(prediction: readonly string[], groundTruth: readonly string[]): number {
  const counts = new Map<string, number>();
  for (const t of groundTruth) counts.set(t, (counts.get(t) ?? 0) + 1);
  let same = 0;
  for (const t of prediction) {
    const c = counts.get(t) ?? 0;
    if (c > 0) {
      same++;
      counts.set(t, c - 1);
    }
  }
  if (same === 0) return 0;
  const precision = same / prediction.length;
  const recall = same / groundTruth.length;
  return (2 * precision * recall) / (precision + recall);
}

/** LongBench's qa_f1_score: token F1 after SQuAD normalization. */
export function qaF1Score(prediction: string, groundTruth: string): number {
  return tokenF1(pySplit(normalizeAnswer(prediction)), pySplit(normalizeAnswer(groundTruth)));
}

/**
 * Chinese segmentation stand-in for jieba: every CJK character is a token, runs of other
 * non-space characters (Latin words, numbers) are tokens, whitespace separates.
 */
export function segmentZh(text: string): string[] {
  return text.match(/[\p{Script=Han}]|[^\s\p{Script=Han}]+|\s+/gu) ?? [];
}

/** LongBench's qa_f1_zh_score, with per-character segmentation for jieba. */
export function qaF1ZhScore(prediction: string, groundTruth: string): number {
  const norm = (t: string) => segmentZh(t).map(normalizeZhAnswer).filter((x) => x.length > 0);
  return tokenF1(norm(prediction), norm(groundTruth));
}

/** LongBench's rouge_score: ROUGE-L F. */
export function rougeScore(prediction: string, groundTruth: string): number {
  return rougeL(prediction, groundTruth);
}

/** LongBench's rouge_zh_score, with per-character segmentation for jieba. */
export function rougeZhScore(prediction: string, groundTruth: string): number {
  return rougeL(segmentZh(prediction).join(' '), segmentZh(groundTruth).join(' '));
}

/**
 * LongBench's classification_score: the classes named in the prediction, minus those that are
 * substrings of the (different) ground truth — with Python's skip-the-next-element behaviour of
 * removing from a list while iterating it — scored 1/|matches| when the ground truth is among them.
 */
export function classificationScore(prediction: string, groundTruth: string, allClasses: readonly string[]): number {
  const matches = allClasses.filter((c) => prediction.includes(c));
  for (let i = 0; i < matches.length; i++) {
    const term = matches[i] as string;
    if (groundTruth.includes(term) && term !== groundTruth) matches.splice(matches.indexOf(term), 1);
  }
  return matches.includes(groundTruth) ? 1 / matches.length : 0;
}

function numberShare(prediction: string, target: string): number {
  const numbers = prediction.match(/\d+/g) ?? [];
  if (numbers.length === 0) return 0;
  return numbers.filter((n) => n === target).length / numbers.length;
}

/** Share of the numbers in the prediction that equal the paragraph number of "Paragraph N". */
export function retrievalScore(prediction: string, groundTruth: string): number {
  const id = /Paragraph (\d+)/.exec(groundTruth)?.[1];
  return id === undefined ? 0 : numberShare(prediction, id);
}

/** retrievalScore for "段落N" answers. */
export function retrievalZhScore(prediction: string, groundTruth: string): number {
  const id = /段落(\d+)/.exec(groundTruth)?.[1];
  return id === undefined ? 0 : numberShare(prediction, id);
}

/** Share of the numbers in the prediction equal to the count. */
export function countScore(prediction: string, groundTruth: string): number {
  return numberShare(prediction, groundTruth);
}

/** fuzz.ratio / 100 between the first line with no "`", "#" or "//" and the ground truth. */
export function codeSimScore(prediction: string, groundTruth: string): number {
  const lines = prediction.replace(/^\n+/, '').split('\n');
  const line = lines.find((l) => !l.includes('`') && !l.includes('#') && !l.includes('//')) ?? '';
  return fuzzRatio(line, groundTruth) / 100;
}

/** The metrics of LongBench (metrics.py). */
export type LongBenchMetric =
  | 'qa_f1'
  | 'qa_f1_zh'
  | 'rouge'
  | 'rouge_zh'
  | 'classification'
  | 'retrieval'
  | 'retrieval_zh'
  | 'count'
  | 'code_sim';

/** LongBench's dataset2metric. */
export const LONGBENCH_METRICS: Readonly<Record<string, LongBenchMetric>> = {
  narrativeqa: 'qa_f1',
  qasper: 'qa_f1',
  multifieldqa_en: 'qa_f1',
  multifieldqa_zh: 'qa_f1_zh',
  hotpotqa: 'qa_f1',
  '2wikimqa': 'qa_f1',
  musique: 'qa_f1',
  dureader: 'rouge_zh',
  gov_report: 'rouge',
  qmsum: 'rouge',
  multi_news: 'rouge',
  vcsum: 'rouge_zh',
  trec: 'classification',
  triviaqa: 'qa_f1',
  samsum: 'rouge',
  lsht: 'classification',
  passage_retrieval_en: 'retrieval',
  passage_count: 'count',
  passage_retrieval_zh: 'retrieval_zh',
  lcc: 'code_sim',
  'repobench-p': 'code_sim',
};

/** Datasets whose prediction is cut to its first line before scoring (eval.py). */
const FIRST_LINE_DATASETS = new Set(['trec', 'triviaqa', 'samsum', 'lsht']);

/** One metric on one (prediction, ground truth) pair, in [0, 1]. */
export function metricScore(metric: LongBenchMetric, prediction: string, groundTruth: string, allClasses: readonly string[]): number {
  switch (metric) {
    case 'qa_f1':
      return qaF1Score(prediction, groundTruth);
    case 'qa_f1_zh':
      return qaF1ZhScore(prediction, groundTruth);
    case 'rouge':
      return rougeScore(prediction, groundTruth);
    case 'rouge_zh':
      return rougeZhScore(prediction, groundTruth);
    case 'classification':
      return classificationScore(prediction, groundTruth, allClasses);
    case 'retrieval':
      return retrievalScore(prediction, groundTruth);
    case 'retrieval_zh':
      return retrievalZhScore(prediction, groundTruth);
    case 'count':
      return countScore(prediction, groundTruth);
    case 'code_sim':
      return codeSimScore(prediction, groundTruth);
  }
}

/**
 * One prediction's LongBench score in [0, 1]: the best over the ground truths, after eval.py's
 * first-line cut for trec/triviaqa/samsum/lsht. The dataset's score is the mean × 100.
 */
export function scoreLongBench(dataset: string, prediction: string, answers: readonly string[], allClasses: readonly string[] = []): number {
  const metric = LONGBENCH_METRICS[dataset];
  if (metric === undefined) throw new RangeError(`no LongBench metric for dataset "${dataset}"; known: ${Object.keys(LONGBENCH_METRICS).join(', ')}`);
  const p = FIRST_LINE_DATASETS.has(dataset) ? (prediction.replace(/^\n+/, '').split('\n')[0] as string) : prediction;
  let best = 0;
  for (const gt of answers) best = Math.max(best, metricScore(metric, p, gt, allClasses));
  return best;
}
