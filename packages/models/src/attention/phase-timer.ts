// Where a backend's decode time goes on the GPU: CUDA events recorded between the phases of each
// eager step, read back once per step (one synchronisation, so only for profiling runs). Times are
// device time between consecutive marks, summed over steps.
import { Event } from '@lrqk/tensor';

export class PhaseTimer {
  readonly #events: Event[] = [];
  readonly #names: string[] = [];
  #used = 0;
  readonly #totals = new Map<string, number>();
  #steps = 0;

  /** Starts a step: the reference point of its first phase. */
  start(): void {
    this.#used = 0;
    this.#mark('');
  }

  /** Ends the phase `name` (the device work issued since the previous mark). */
  mark(name: string): void {
    if (this.#used > 0) this.#mark(name);
  }

  #mark(name: string): void {
    if (this.#used === this.#events.length) this.#events.push(new Event({ timing: true }));
    this.#names[this.#used] = name;
    this.#events[this.#used++]!.record();
  }

  /** Ends the step: waits for its last mark and adds every phase's time. */
  finish(): void {
    if (this.#used < 2) return;
    this.#events[this.#used - 1]!.synchronize();
    for (let i = 1; i < this.#used; i++) {
      const name = this.#names[i]!;
      this.#totals.set(name, (this.#totals.get(name) ?? 0) + this.#events[i]!.elapsedSince(this.#events[i - 1]!));
    }
    this.#steps++;
    this.#used = 0;
  }

  /** Milliseconds per phase, summed over the finished steps, and the number of steps. */
  totals(): { steps: number; ms: Record<string, number> } {
    return { steps: this.#steps, ms: Object.fromEntries(this.#totals) };
  }

  dispose(): void {
    for (const e of this.#events) e.dispose();
    this.#events.length = 0;
  }
}
