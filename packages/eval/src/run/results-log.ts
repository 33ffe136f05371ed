// The results file of a run: JSONL, one record per finished item, appended (and flushed) as each
// item finishes, so an interrupted run resumes where it stopped. The first line describes the run;
// resuming with different settings (model, seed, count…) is refused rather than mixing results.
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { EvalError } from '../errors.ts';

/** What identifies a run; a results file only resumes a run with the same header. */
export interface RunHeader {
  type: 'header';
  /** ruler | ppl | longbench | fidelity */
  kind: string;
  model: string;
  /** Settings that change what an item's result means (seed, count, maxNewTokens…). */
  settings: Record<string, unknown>;
}

/** One finished item. */
export interface ResultRecord {
  type: 'result';
  /** `${method}|${length}|${task}|${index}` */
  key: string;
  method: string;
  length: number;
  task: string;
  index: number;
  /** Score in [0, 1] (accuracy, F1…), or null when the item has none (perplexity keeps its numbers in `values`). */
  score: number | null;
  /** Item-specific numbers: tokens, timings, perplexity, fidelity… */
  values: Record<string, number>;
  /** Item-specific details kept for inspection: prediction, answers, per-layer arrays… */
  details?: Record<string, unknown>;
  finishedAt: string;
}

/** The key of an item in a results file. */
export function resultKey(method: string, length: number, task: string, index: number): string {
  return `${method}|${length}|${task}|${index}`;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function checkHeader(path: string, found: Record<string, unknown>, header: RunHeader): void {
  if (found['type'] !== 'header' || found['kind'] !== header.kind || found['model'] !== header.model || !sameJson(found['settings'], header.settings)) {
    throw new EvalError(
      `${path} holds results of another run (${JSON.stringify({ kind: found['kind'], model: found['model'], settings: found['settings'] })}); ` +
        `resume with the same model and settings, or write to another --out`,
    );
  }
}

/** A results file opened for appending, with the keys already finished. */
export class ResultsLog {
  readonly path: string;
  readonly #records = new Map<string, ResultRecord>();

  private constructor(path: string) {
    this.path = path;
  }

  /**
   * Opens (creating) a results file for a run. Existing records of the same run are kept (a
   * truncated last line, from a run killed mid-write, is dropped); another run's file is refused.
   */
  static open(path: string, header: RunHeader): ResultsLog {
    const log = new ResultsLog(path);
    if (existsSync(path)) {
      let text = readFileSync(path, 'utf8');
      if (!text.endsWith('\n') && text !== '') {
        // A run killed mid-write leaves a torn last line: drop it if it does not parse, else end it.
        const tail = text.slice(text.lastIndexOf('\n') + 1);
        let torn = false;
        try {
          JSON.parse(tail);
        } catch {
          torn = true;
        }
        text = torn ? text.slice(0, text.length - tail.length) : `${text}\n`;
        writeFileSync(path, text);
      }
      const lines = text.split('\n').filter((l) => l.trim() !== '');
      if (lines.length === 0) writeFileSync(path, `${JSON.stringify(header)}\n`);
      lines.forEach((line, i) => {
        let obj: Record<string, unknown>;
        try {
          obj = JSON.parse(line) as Record<string, unknown>;
        } catch (error) {
          throw new EvalError(`${path}:${i + 1}: not a JSON line (${(error as Error).message}); use another --out`, { cause: error });
        }
        if (i === 0) checkHeader(path, obj, header);
        else if (obj['type'] === 'result' && typeof obj['key'] === 'string') {
          log.#records.set(obj['key'], obj as unknown as ResultRecord);
        }
      });
    } else {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, `${JSON.stringify(header)}\n`);
    }
    return log;
  }

  /** Throws as `open` would when `path` belongs to another run; writes nothing (check before loading a model). */
  static check(path: string, header: RunHeader): void {
    if (!existsSync(path)) return;
    const first = readFileSync(path, 'utf8').split('\n', 1)[0] ?? '';
    if (first.trim() === '') return;
    let obj: Record<string, unknown>;
    try {
      obj = JSON.parse(first) as Record<string, unknown>;
    } catch (error) {
      throw new EvalError(`${path}:1: not a JSON line (${(error as Error).message}); use another --out`, { cause: error });
    }
    checkHeader(path, obj, header);
  }

  has(key: string): boolean {
    return this.#records.has(key);
  }

  get size(): number {
    return this.#records.size;
  }

  /** Every record so far, in file order. */
  records(): ResultRecord[] {
    return [...this.#records.values()];
  }

  /** Appends one record (synchronously, so a crash right after loses nothing that was reported). */
  append(record: Omit<ResultRecord, 'type' | 'key' | 'finishedAt'>): ResultRecord {
    const full: ResultRecord = {
      type: 'result',
      key: resultKey(record.method, record.length, record.task, record.index),
      ...record,
      finishedAt: new Date().toISOString(),
    };
    appendFileSync(this.path, `${JSON.stringify(full)}\n`);
    this.#records.set(full.key, full);
    return full;
  }
}
