// Progress of a run: items done of the total (items found finished in the results file count as
// done but not toward the rate), elapsed time and an ETA from this session's rate.

export interface ProgressEvent {
  /** Items finished, resumed ones included. */
  done: number;
  total: number;
  /** Items found finished in the results file at the start. */
  resumed: number;
  elapsedMs: number;
  /** Remaining time at this session's rate; null before the first item of this session. */
  etaMs: number | null;
  /** The item just finished (its key), or '' for the initial event. */
  item: string;
}

export class ProgressClock {
  readonly total: number;
  readonly resumed: number;
  #done: number;
  readonly #t0 = performance.now();

  constructor(total: number, resumed: number) {
    this.total = total;
    this.resumed = resumed;
    this.#done = resumed;
  }

  /** The event for the state now (call `tick` when an item finishes). */
  event(item = ''): ProgressEvent {
    const elapsedMs = performance.now() - this.#t0;
    const fresh = this.#done - this.resumed;
    return {
      done: this.#done,
      total: this.total,
      resumed: this.resumed,
      elapsedMs,
      etaMs: fresh > 0 ? (elapsedMs / fresh) * (this.total - this.#done) : null,
      item,
    };
  }

  tick(item: string): ProgressEvent {
    this.#done++;
    return this.event(item);
  }
}
