// Device timing for benchmark cases: warm-up, then the median of several runs measured with
// CUDA events on the current stream.
import { Event, synchronize } from '../src/index.ts';

export function timeMs(fn: () => void, opts: { warmup?: number; iters?: number } = {}): number {
  for (let i = 0; i < (opts.warmup ?? 3); i++) fn();
  synchronize();
  const times: number[] = [];
  const start = new Event({ timing: true });
  const end = new Event({ timing: true });
  try {
    for (let i = 0; i < (opts.iters ?? 10); i++) {
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
