// One request's lifetime: a single AbortSignal that fires when the client goes away, the request's
// time runs out, or the server shuts down — and remembers which, so the route can answer (or not)
// accordingly. Queue waits, prefill and decode all watch this one signal.
import { ApiError } from './errors.ts';

export type EndReason = 'timeout' | 'client_gone' | 'shutdown';

/** The abort reason carried by a RequestScope's signal. */
export class RequestEnded extends Error {
  override name = 'RequestEnded';
  readonly reason: EndReason;
  constructor(reason: EndReason) {
    super(`request ended: ${reason}`);
    this.reason = reason;
  }
}

export class RequestScope {
  readonly #controller = new AbortController();
  readonly #cleanups: Array<() => void> = [];
  /** performance.now() at arrival. */
  readonly arrivalMs = performance.now();

  constructor(opts: { timeoutMs: number; client?: AbortSignal; shutdown?: AbortSignal }) {
    if (opts.timeoutMs > 0 && Number.isFinite(opts.timeoutMs)) {
      const timer = setTimeout(() => this.end('timeout'), opts.timeoutMs);
      this.#cleanups.push(() => clearTimeout(timer));
    }
    for (const [signal, reason] of [[opts.client, 'client_gone'], [opts.shutdown, 'shutdown']] as const) {
      if (!signal) continue;
      if (signal.aborted) this.end(reason);
      const onAbort = () => this.end(reason);
      signal.addEventListener('abort', onAbort, { once: true });
      this.#cleanups.push(() => signal.removeEventListener('abort', onAbort));
    }
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Why the request was cut short, or null while it runs (or when it ended normally). */
  get reason(): EndReason | null {
    const r: unknown = this.#controller.signal.reason;
    return this.#controller.signal.aborted && r instanceof RequestEnded ? r.reason : null;
  }

  /** Aborts the request (first reason wins). */
  end(reason: EndReason): void {
    if (!this.#controller.signal.aborted) this.#controller.abort(new RequestEnded(reason));
  }

  /** Stops the timer and detaches from the client and shutdown signals. */
  dispose(): void {
    for (const f of this.#cleanups.splice(0)) f();
  }
}

/** What the client is told when its request is cut short (client_gone: nobody is listening). */
export function endedError(reason: EndReason, timeoutMs: number): ApiError {
  switch (reason) {
    case 'timeout':
      return new ApiError(504, 'timeout_error', `the request did not finish within ${timeoutMs / 1000} s (server --request-timeout)`, { code: 'request_timeout' });
    case 'shutdown':
      return new ApiError(503, 'service_unavailable_error', 'the server is shutting down', { code: 'server_shutting_down' });
    case 'client_gone':
      return new ApiError(499, 'invalid_request_error', 'the client closed the connection', { code: 'client_closed_request' });
  }
}
