// The admission queue. A CPU forward pass is synchronous native work, so at most `maxConcurrent`
// generations run at once (they interleave token by token, since generation yields to the event
// loop between tokens); up to `maxQueue` more wait in arrival order; beyond that a request is
// refused at once (the route answers 429 with Retry-After). A waiting request whose signal aborts
// (client gone, timeout, shutdown) leaves the queue without ever taking a slot.

/** Thrown by `acquire` when every slot is busy and the queue is full. */
export class QueueFullError extends Error {
  override name = 'QueueFullError';
}

interface Waiter {
  grant: (release: () => void) => void;
  reject: (reason: unknown) => void;
}

export class RequestQueue {
  readonly maxConcurrent: number;
  readonly maxQueue: number;
  #running = 0;
  readonly #waiting: Waiter[] = [];
  /** Called whenever running/waiting change (metrics). */
  onChange: (() => void) | undefined;

  constructor(maxConcurrent: number, maxQueue: number) {
    if (!(Number.isInteger(maxConcurrent) && maxConcurrent >= 1)) throw new RangeError(`maxConcurrent must be a positive integer, got ${maxConcurrent}`);
    if (!(Number.isInteger(maxQueue) && maxQueue >= 0)) throw new RangeError(`maxQueue must be a non-negative integer, got ${maxQueue}`);
    this.maxConcurrent = maxConcurrent;
    this.maxQueue = maxQueue;
  }

  /** Generations holding a slot. */
  get running(): number {
    return this.#running;
  }

  /** Requests waiting for a slot. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Whether `acquire` would be accepted now (a free slot or room in the queue). */
  get hasRoom(): boolean {
    return this.#running < this.maxConcurrent || this.#waiting.length < this.maxQueue;
  }

  /**
   * Waits for a slot and resolves with its release function (call it exactly once; extra calls are
   * ignored). Rejects with QueueFullError when the queue is full, or with `signal.reason` when the
   * signal aborts first.
   */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#running < this.maxConcurrent) {
      this.#running++;
      this.onChange?.();
      return Promise.resolve(this.#releaser());
    }
    if (this.#waiting.length >= this.maxQueue) {
      return Promise.reject(new QueueFullError(`the server is busy: ${this.#running} running, ${this.#waiting.length} waiting (queue limit ${this.maxQueue})`));
    }
    return new Promise<() => void>((resolve, reject) => {
      const onAbort = () => {
        const i = this.#waiting.indexOf(waiter);
        if (i >= 0) this.#waiting.splice(i, 1);
        this.onChange?.();
        reject(signal!.reason);
      };
      const waiter: Waiter = {
        grant: (release) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
        reject,
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(waiter);
      this.onChange?.();
    });
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      // The slot passes straight to the next waiter, so `running` never dips and a newcomer cannot overtake.
      if (next) next.grant(this.#releaser());
      else this.#running--;
      this.onChange?.();
    };
  }
}
