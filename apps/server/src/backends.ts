// Every attention backend the server creates goes through a BackendTracker, so that a request's KV
// cache is disposed exactly once whatever ends the request (done, error, timeout, client gone,
// shutdown), and so that /metrics and the tests can see how many caches are alive and what they hold.
import type { AttentionBackend, AttentionStats } from '@lrqk/models';

/** Totals over the tracked backends. */
export interface BackendTotals {
  /** Backends created and not yet disposed. */
  live: number;
  /** Backends created since the tracker started. */
  created: number;
  /** Device / host bytes held by live backends' caches. */
  deviceBytes: number;
  hostBytes: number;
  /** Cache hits/misses reported by approximate backends (LRQK), live and disposed together. */
  hits: number;
  misses: number;
}

/** A tracked backend: the backend plus an idempotent dispose that also unregisters it. */
export interface TrackedBackend {
  readonly backend: AttentionBackend;
  /** Disposes the backend once (later calls do nothing) and returns its final stats. */
  dispose(): AttentionStats | undefined;
}

export class BackendTracker {
  readonly #live = new Set<AttentionBackend>();
  #created = 0;
  #doneHits = 0;
  #doneMisses = 0;

  /** Registers a freshly created backend. */
  track(backend: AttentionBackend): TrackedBackend {
    this.#live.add(backend);
    this.#created++;
    let final: AttentionStats | undefined;
    let disposed = false;
    return {
      backend,
      dispose: () => {
        if (disposed) return final;
        disposed = true;
        this.#live.delete(backend);
        try {
          final = backend.stats();
          this.#doneHits += final.hits ?? 0;
          this.#doneMisses += final.misses ?? 0;
        } finally {
          backend.dispose();
        }
        return final;
      },
    };
  }

  totals(): BackendTotals {
    const t: BackendTotals = { live: this.#live.size, created: this.#created, deviceBytes: 0, hostBytes: 0, hits: this.#doneHits, misses: this.#doneMisses };
    for (const b of this.#live) {
      const s = b.stats();
      t.deviceBytes += s.deviceBytes;
      t.hostBytes += s.hostBytes;
      t.hits += s.hits ?? 0;
      t.misses += s.misses ?? 0;
    }
    return t;
  }
}
