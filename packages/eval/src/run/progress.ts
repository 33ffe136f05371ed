// Progress of a run: items done of the total (items found finished in the results file count as
// done but not toward the rate), elapsed time and an ETA. Items are weighted by their length in
// tokens, so the first (short) items of a run that goes 4K → 128K do not make the ETA hopeful.

/** Where a run stands, after each item. */
export interface ProgressEvent {
  /** Items finished, resumed ones included. */
  done: number;
  total: number;
  /** Items found finished in the results file at the start. */
  resumed: number;
  elapsedMs: number;
  /** Remaining time at this session's rate per token of item length; null before the first item. */
  etaMs: number | null;
  /** The item just finished (its key), or '' for the initial event. */
  item: string;
}

/** Counts items and times them for the ETA. */
export class ProgressClock {
  readonly total: number;
  readonly resumed: number;
  #done: number;
  /** Length-weighted work left, and done in this session. */
  #weightLeft: number;
  #weightDone = 0;
  readonly #t0 = performance.now();

  /** `weights`: the length of every item still to run (resumed items excluded). */
  constructor(total: number, resumed: number, weights: readonly number[]) {
    this.total = total;
    this.resumed = resumed;
    this.#done = resumed;
    this.#weightLeft = weights.reduce((a, b) => a + b, 0);
  }

  /** The event for the state now (call `tick` when an item finishes). */
  event(item = ''): ProgressEvent {
    const elapsedMs = performance.now() - this.#t0;
    return {
      done: this.#done,
      total: this.total,
      resumed: this.resumed,
      elapsedMs,
      etaMs: this.#weightDone > 0 ? (elapsedMs / this.#weightDone) * Math.max(0, this.#weightLeft) : null,
      item,
    };
  }

  /** One item of `weight` (its length) finished. */
  tick(item: string, weight: number): ProgressEvent {
    this.#done++;
    this.#weightDone += weight;
    this.#weightLeft -= weight;
    return this.event(item);
  }
}

/** The lengths of the keys (`method|length|task|index`) not yet in the log: the clock's weights. */
export function pendingWeights(keys: readonly string[], has: (key: string) => boolean): number[] {
  return keys.filter((k) => !has(k)).map((k) => Number(k.split('|')[1]));
}
