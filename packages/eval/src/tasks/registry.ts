// The synthetic tasks by name (RULER's 13 task configurations; QA needs user files, see qa.ts).
import { EvalError } from '../errors.ts';
import { generateCommonWords } from './common-words.ts';
import { generateFrequentWords } from './frequent-words.ts';
import { generateNiah, type NiahConfig } from './niah.ts';
import type { QaDataset } from './qa.ts';
import { generateQa } from './qa.ts';
import type { RulerMetric, TaskContext, TaskOutput } from './types.ts';
import { generateVariableTracking } from './variable-tracking.ts';

/** A task by name: how to generate it and how RULER scores it. */
export interface TaskDefinition {
  name: string;
  description: string;
  metric: RulerMetric;
  /** RULER's tokens_to_generate. */
  maxNewTokens: number;
  /** Which user-supplied QA file the task needs, if any. */
  dataset?: 'squad' | 'hotpotqa';
  generate(ctx: TaskContext, data: QaDatasets): TaskOutput;
}

/** QA datasets loaded from the user's files (see loadSquad / loadHotpotQa). */
export interface QaDatasets {
  squad?: QaDataset;
  hotpotqa?: QaDataset;
}

function niah(name: string, description: string, config: Partial<NiahConfig> & Pick<NiahConfig, 'haystack'>): TaskDefinition {
  const full: NiahConfig = { keyType: 'words', valueType: 'numbers', numKeys: 1, numValues: 1, numQueries: 1, ...config };
  return {
    name,
    description,
    metric: 'string_match_all',
    maxNewTokens: 128,
    generate: (ctx) => generateNiah(ctx, name, full),
  };
}

const definitions: TaskDefinition[] = [
  niah('niah_single_1', 'one needle (word key, number value) in the noise haystack', { haystack: 'noise' }),
  niah('niah_single_2', 'one needle (word key, number value) in WikiText prose', { haystack: 'essay' }),
  niah('niah_single_3', 'one needle (word key, UUID value) in WikiText prose', { haystack: 'essay', valueType: 'uuids' }),
  niah('niah_multikey_1', 'four needles with different keys in WikiText prose; one is asked', { haystack: 'essay', numKeys: 4 }),
  niah('niah_multikey_2', 'one needle among needles with other word keys', { haystack: 'needle' }),
  niah('niah_multikey_3', 'one needle among needles with other keys, UUID keys and values', {
    haystack: 'needle',
    keyType: 'uuids',
    valueType: 'uuids',
  }),
  niah('niah_multivalue', 'four values for the same key in WikiText prose; all are asked', { haystack: 'essay', numValues: 4 }),
  niah('niah_multiquery', 'four keys in WikiText prose; all are asked', { haystack: 'essay', numKeys: 4, numQueries: 4 }),
  {
    name: 'vt',
    description: 'variable tracking: a chain of 5 assignments in the noise haystack',
    metric: 'string_match_all',
    maxNewTokens: 30,
    generate: (ctx) => generateVariableTracking(ctx, 'vt', { chains: 1, hops: 4 }),
  },
  {
    name: 'cwe',
    description: 'common words extraction: the 10 most common words of a numbered list',
    metric: 'string_match_all',
    maxNewTokens: 120,
    generate: (ctx) => generateCommonWords(ctx, 'cwe', { numCommon: 10 }),
  },
  {
    name: 'fwe',
    description: 'frequent words extraction: the 3 most frequent coded words (Zipf, alpha 2)',
    metric: 'string_match_all',
    maxNewTokens: 50,
    generate: (ctx) => generateFrequentWords(ctx, 'fwe', { alpha: 2, vocabSize: 2000, wordLength: 6 }),
  },
  {
    name: 'qa_squad',
    description: 'single-hop QA: a SQuAD question over its paragraph among distractor paragraphs (needs --squad FILE)',
    metric: 'string_match_part',
    maxNewTokens: 32,
    dataset: 'squad',
    generate: (ctx, data) => generateQa(ctx, 'qa_squad', requireDataset(data.squad, 'qa_squad', '--squad')),
  },
  {
    name: 'qa_hotpotqa',
    description: 'multi-hop QA: a HotpotQA question over its paragraphs among distractors (needs --hotpotqa FILE)',
    metric: 'string_match_part',
    maxNewTokens: 32,
    dataset: 'hotpotqa',
    generate: (ctx, data) => generateQa(ctx, 'qa_hotpotqa', requireDataset(data.hotpotqa, 'qa_hotpotqa', '--hotpotqa')),
  },
];

function requireDataset(data: QaDataset | undefined, task: string, option: string): QaDataset {
  if (data === undefined) throw new EvalError(`task ${task} needs a local dataset file: pass ${option} FILE`);
  return data;
}

/** Every task by name. */
export const TASKS: ReadonlyMap<string, TaskDefinition> = new Map(definitions.map((d) => [d.name, d]));

/** The synthetic tasks (no data files needed), in RULER's order. */
export const SYNTHETIC_TASK_NAMES: readonly string[] = definitions.filter((d) => d.dataset === undefined).map((d) => d.name);

/**
 * Task names from a user's list: exact names, `all` / `ruler` (the synthetic tasks), `qa` (both QA
 * tasks), or a prefix that names a family (`niah`, `niah_single`, `niah_multikey`). Duplicates
 * are dropped, order kept.
 */
export function resolveTasks(names: readonly string[]): string[] {
  const out: string[] = [];
  const add = (n: string): void => {
    if (!out.includes(n)) out.push(n);
  };
  for (const raw of names) {
    const name = raw.trim();
    if (name === '') continue;
    if (TASKS.has(name)) add(name);
    else if (name === 'all' || name === 'ruler') SYNTHETIC_TASK_NAMES.forEach(add);
    else {
      const family = [...TASKS.keys()].filter((t) => t.startsWith(`${name}_`));
      if (family.length === 0) {
        throw new EvalError(`unknown task "${name}"; tasks: ${[...TASKS.keys()].join(', ')} (or all, niah, niah_single, niah_multikey, qa)`);
      }
      family.forEach(add);
    }
  }
  if (out.length === 0) throw new EvalError('no task given');
  return out;
}
