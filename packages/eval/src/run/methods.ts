// Attention methods to compare, from a command-line list: "full,offload,lrqk,lrqk:rank=16:topK=256".
// The label (the whole item) names the method in results, tables and plots.
import type { AttentionMethod, LrqkOptions } from '@lrqk/engine';
import { EvalError } from '../errors.ts';

/** One attention method of a comparison. */
export interface MethodSpec {
  /** The label in results: the item as written, e.g. "lrqk:rank=16:topK=256". */
  label: string;
  method: AttentionMethod;
  lrqk: Partial<LrqkOptions>;
}

const METHODS: readonly AttentionMethod[] = ['full', 'offload', 'lrqk'];
const INTEGER_OPTIONS = ['rank', 'topK', 'lite', 'seed'] as const;
const ALIASES: Readonly<Record<string, string>> = { r: 'rank', k: 'topK', topk: 'topK', l: 'lite' };

/** Parses one method item ("lrqk:rank=16:topK=256"). */
export function parseMethod(item: string): MethodSpec {
  const [name, ...params] = item.trim().split(':');
  if (!METHODS.includes(name as AttentionMethod)) {
    throw new EvalError(`unknown attention method "${name}" in "${item}"; choose ${METHODS.join(', ')} (LRQK options as lrqk:rank=16:topK=256:lite=64)`);
  }
  const lrqk: Record<string, unknown> = {};
  for (const p of params) {
    const m = /^([A-Za-z]+)=(.+)$/.exec(p);
    if (m === null || name !== 'lrqk') throw new EvalError(`bad option "${p}" in "${item}"; only lrqk takes options, as lrqk:rank=16:topK=256`);
    const key = ALIASES[m[1] as string] ?? (m[1] as string);
    const value = m[2] as string;
    if ((INTEGER_OPTIONS as readonly string[]).includes(key)) {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) throw new EvalError(`lrqk option ${key} must be a non-negative integer, got "${value}" in "${item}"`);
      lrqk[key] = n;
    } else if (key === 'layout' && (value === 'per-kv-head' || value === 'per-query-head')) lrqk[key] = value;
    else if (key === 'groupScore' && (value === 'max' || value === 'sum')) lrqk[key] = value;
    else throw new EvalError(`unknown lrqk option "${p}" in "${item}"; options: rank, topK, lite, seed, layout=per-kv-head|per-query-head, groupScore=max|sum`);
  }
  return { label: item.trim(), method: name as AttentionMethod, lrqk: lrqk as Partial<LrqkOptions> };
}

/** Parses a comma-separated list of methods; labels must be distinct. */
export function parseMethods(list: string | readonly string[]): MethodSpec[] {
  const items = (typeof list === 'string' ? list.split(',') : list).map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new EvalError('no attention method given (e.g. --attention full,lrqk)');
  const specs = items.map(parseMethod);
  const seen = new Set<string>();
  for (const s of specs) {
    if (seen.has(s.label)) throw new EvalError(`attention method "${s.label}" is listed twice`);
    seen.add(s.label);
  }
  return specs;
}
