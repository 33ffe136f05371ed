// Fitting a prompt to a target length in tokens. A task describes its prompt as a function of one
// size parameter n (haystack pieces, list items, words) with a cheap monotone estimate of its
// token count; the fitter picks n from the estimate, encodes the built prompt once, corrects the
// estimate by the difference it saw, and repeats (usually one or two full encodes, even at 128K).
import { EvalError } from '../errors.ts';
import type { TokenCounter } from './token-counter.ts';

/** A prompt as a function of one size parameter, with a cheap estimate of its tokens. */
export interface FitProblem {
  /** Target prompt length in tokens. */
  target: number;
  counter: TokenCounter;
  /** Estimated prompt tokens for size n; non-decreasing in n. */
  estimate(n: number): number;
  /** The prompt for size n. */
  build(n: number): string;
  /** Names the task in error messages. */
  label: string;
  /** Allowed relative error (default 0.01). */
  tolerance?: number;
}

/** The chosen size, its prompt and its exact token count. */
export interface Fitted {
  n: number;
  text: string;
  tokens: number;
}

const MAX_SIZE = 1 << 28;

/** The n whose estimate is closest to `goal` (the smaller one on ties). */
function closestSize(estimate: (n: number) => number, goal: number): number {
  if (estimate(0) >= goal) return 0;
  let hi = 1;
  while (estimate(hi) < goal) {
    hi *= 2;
    if (hi > MAX_SIZE) throw new RangeError('fit: estimate never reaches the goal');
  }
  let lo = hi >> 1; // estimate(lo) < goal <= estimate(hi)
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (estimate(mid) < goal) lo = mid;
    else hi = mid;
  }
  return goal - estimate(lo) <= estimate(hi) - goal ? lo : hi;
}

/** Builds the prompt whose token count is closest to `target`; throws when none is within tolerance. */
export function fitToLength(p: FitProblem): Fitted {
  const tolerance = p.tolerance ?? 0.01;
  const minimum = p.counter.countText(p.build(0));
  if (minimum > p.target * (1 + tolerance)) {
    throw new EvalError(
      `${p.label}: the prompt needs at least ${minimum} tokens without any filler, more than the requested length ${p.target}; ask for a longer length`,
    );
  }
  const tried = new Map<number, number>();
  let best: Fitted | undefined;
  let bias = 0;
  for (let iteration = 0; iteration < 8; iteration++) {
    const n = closestSize(p.estimate, p.target - bias);
    if (tried.has(n)) break;
    const text = p.build(n);
    const tokens = p.counter.countText(text);
    tried.set(n, tokens);
    if (best === undefined || Math.abs(tokens - p.target) < Math.abs(best.tokens - p.target)) best = { n, text, tokens };
    if (tokens === p.target) break;
    bias = tokens - p.estimate(n);
  }
  if (best === undefined || Math.abs(best.tokens - p.target) > p.target * tolerance) {
    throw new EvalError(
      `${p.label}: could not fit the prompt to ${p.target} tokens ±${(tolerance * 100).toFixed(1)}% (closest: ${best?.tokens ?? 'none'})`,
    );
  }
  return best;
}

/** Lazily extended prefix sums of a per-item token count: sum(n) = count(0) + … + count(n-1). */
export class PrefixSums {
  readonly #count: (i: number) => number;
  readonly #sums: number[] = [0];

  constructor(count: (i: number) => number) {
    this.#count = count;
  }

  sum(n: number): number {
    while (this.#sums.length <= n) {
      const i = this.#sums.length - 1;
      this.#sums.push((this.#sums[i] as number) + this.#count(i));
    }
    return this.#sums[n] as number;
  }
}
