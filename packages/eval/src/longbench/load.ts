// Loading LongBench-format JSONL files (one item a line: input, context, answers, all_classes,
// length, dataset, _id), as distributed in THUDM/LongBench's data.zip. The dataset comes from the
// item's "dataset" field, else from the file name (hotpotqa.jsonl, hotpotqa_e.jsonl → hotpotqa).
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { EvalError } from '../errors.ts';
import { LONGBENCH_METRICS } from '../score/longbench.ts';

/** One LongBench item. */
export interface LongBenchItem {
  dataset: string;
  /** Line index in its file (the item's index in results). */
  index: number;
  input: string;
  context: string;
  answers: string[];
  allClasses: string[];
  /** LongBench's "length" field (words, or characters for Chinese), when present. */
  length?: number;
  id?: string;
}

/** Loads a LongBench JSONL file; throws EvalError naming the file and line on malformed items. */
export function loadLongBench(file: string): LongBenchItem[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new EvalError(`cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  const fromName = basename(file).replace(/\.jsonl$/i, '').replace(/_e$/, '');
  const items: LongBenchItem[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let obj: Record<string, unknown>;
    try {
      obj = JSON.parse(line) as Record<string, unknown>;
    } catch (error) {
      throw new EvalError(`${file}:${i + 1}: not a JSON line (${(error as Error).message})`, { cause: error });
    }
    const dataset = typeof obj['dataset'] === 'string' ? obj['dataset'] : fromName;
    if (LONGBENCH_METRICS[dataset] === undefined) {
      throw new EvalError(`${file}:${i + 1}: unknown LongBench dataset "${dataset}" (known: ${Object.keys(LONGBENCH_METRICS).join(', ')}); name the file after its dataset or set "dataset"`);
    }
    const answers = obj['answers'];
    if (typeof obj['input'] !== 'string' || typeof obj['context'] !== 'string' || !Array.isArray(answers) || !answers.every((a) => typeof a === 'string')) {
      throw new EvalError(`${file}:${i + 1}: a LongBench item needs string "input" and "context" and a list of string "answers"`);
    }
    const classes = obj['all_classes'];
    items.push({
      dataset,
      index: items.length,
      input: obj['input'],
      context: obj['context'],
      answers: answers as string[],
      allClasses: Array.isArray(classes) ? classes.filter((c): c is string => typeof c === 'string') : [],
      ...(typeof obj['length'] === 'number' ? { length: obj['length'] } : {}),
      ...(typeof obj['_id'] === 'string' ? { id: obj['_id'] } : {}),
    });
  });
  if (items.length === 0) throw new EvalError(`${file}: no items`);
  return items;
}
