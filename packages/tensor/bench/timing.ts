// Device timing for benchmark cases, with CUDA events on the current stream.
import { Event, synchronize } from '../src/index.ts';

/**
 * Median milliseconds of single calls, each between two events, after a warm-up. `before` runs
 * ahead of every timed call, outside the events (e.g. a large copy that evicts the L2).
 */
export function timeMs(fn: () => void, opts: { warmup?: number; iters?: number; before?: () => void } = {}): number {
  for (let i = 0; i < (opts.warmup ?? 3); i++) fn();
  synchronize();
  const times: number[] = [];
  const start = new Event({ timing: true });
  const end = new Event({ timing: true });
  try {
    for (let i = 0; i < (opts.iters ?? 10); i++) {
      opts.before?.();
      start.record();
      fn();
      end.record();
      end.synchronize();
      times.push(end.elapsedSince(start));
    }
  } finally {
    start.dispose();
    end.dispose();
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/**
 * Median over `samples` of the per-call device time of `fn(i)`, from CUDA events around `reps`
 * back-to-back calls (the call counter `i` runs on across samples, for rotating buffers). A few
 * untimed calls go first in each sample so that the queue is already full when the start event
 * runs: short kernels then never wait on the host's launch. `prime` (e.g. a 1 ms copy) is queued
 * just before the start event instead: the host then enqueues all `reps` calls while the device
 * is still busy with it, so the events see device time alone even when the host submits a call
 * more slowly than the device runs it (no CUDA graphs in the addon).
 */
export function medianMs(
  fn: (i: number) => void,
  opts: { reps: number; samples: number; lead?: number; warmup?: number; prime?: () => void },
): number {
  let call = 0;
  for (let i = 0; i < (opts.warmup ?? 3); i++) fn(call++);
  synchronize();
  const start = new Event({ timing: true });
  const end = new Event({ timing: true });
  const times: number[] = [];
  try {
    for (let s = 0; s < opts.samples; s++) {
      for (let i = 0; i < (opts.lead ?? 0); i++) fn(call++);
      opts.prime?.();
      start.record();
      for (let i = 0; i < opts.reps; i++) fn(call++);
      end.record();
      end.synchronize();
      times.push(end.elapsedSince(start) / opts.reps);
    }
  } finally {
    start.dispose();
    end.dispose();
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}
