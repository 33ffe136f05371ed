// Where prefill time goes: with LRQK_PREFILL_PROFILE=1 the decode bench wraps the attention backend
// so that CUDA events bracket every attention call of the prefill (the cache append and the
// attention kernel); everything between them is the rest of the model (norms, RoPE, the GEMMs).
// Events are recorded on the stream without synchronising, so the timed prefill is not disturbed;
// they are read once it has finished.
import type { Event as TensorEvent } from '@lrqk/tensor';
import type { AttentionBackend } from '../src/index.ts';

export interface PrefillProfile {
  /** Device milliseconds inside the backend's attention calls, summed over layers and chunks. */
  attentionMs: number;
  calls: number;
}

export class PrefillAttentionTimer {
  readonly #make: () => TensorEvent;
  readonly #pairs: [TensorEvent, TensorEvent][] = [];

  constructor(make: () => TensorEvent) {
    this.#make = make;
  }

  /** `backend` with its `forward` bracketed by events; every other member is the backend's own. */
  wrap<B extends AttentionBackend>(backend: B): B {
    return new Proxy(backend, {
      get: (target, prop) => {
        const value: unknown = Reflect.get(target, prop);
        if (prop === 'forward') {
          return (...args: Parameters<AttentionBackend['forward']>) => {
            const pair: [TensorEvent, TensorEvent] = [this.#make().record(), this.#make()];
            target.forward(...args);
            pair[1].record();
            this.#pairs.push(pair);
          };
        }
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  /** Sums the recorded calls (their work must have finished) and frees the events. */
  collect(): PrefillProfile {
    let attentionMs = 0;
    for (const [a, b] of this.#pairs) {
      b.synchronize();
      attentionMs += b.elapsedSince(a);
      a.dispose();
      b.dispose();
    }
    const calls = this.#pairs.length;
    this.#pairs.length = 0;
    return { attentionMs, calls };
  }
}

/** FLOPs of causal attention over a whole prompt of n tokens: 4·D per (query head, visible key). */
export function causalAttentionFlops(n: number, heads: number, headDim: number, layers: number): number {
  return 4 * headDim * heads * layers * ((n * (n + 1)) / 2);
}
