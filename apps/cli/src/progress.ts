// Progress for long steps (writing or loading a checkpoint, prefill) on stderr: a cli-progress bar
// when stderr is a terminal, otherwise one plain line every few seconds (logs stay readable).
import { createRequire } from 'node:module';
import type cliProgressModule from 'cli-progress';
import { formatBytes } from './format.ts';

/** cli-progress is loaded only for a terminal, so the CLI runs where it is not installed (the GPU machine's pack). */
function loadCliProgress(): typeof cliProgressModule {
  return createRequire(import.meta.url)('cli-progress') as typeof cliProgressModule;
}

export interface Progress {
  /** Reports `done` of `total` units. */
  update(done: number, total: number): void;
  /** Ends the bar / prints the final line. */
  stop(): void;
}

export interface ProgressOptions {
  /** What is being done, e.g. "writing" or "loading". */
  label: string;
  /** 'bytes' formats as GiB; 'tokens' as counts. */
  unit: 'bytes' | 'tokens';
  /** Seconds between plain lines when stderr is not a terminal (default 5). */
  intervalS?: number;
  /** Stream to write to (default process.stderr). */
  stream?: NodeJS.WriteStream;
  /** Suppress all output. */
  quiet?: boolean;
}

function amount(v: number, unit: ProgressOptions['unit']): string {
  return unit === 'bytes' ? formatBytes(v) : `${v} tokens`;
}

/** A progress reporter; rate and ETA come from the wall clock since creation. */
export function createProgress(opts: ProgressOptions): Progress {
  const stream = opts.stream ?? process.stderr;
  if (opts.quiet) return { update() {}, stop() {} };
  const t0 = performance.now();
  const rate = (done: number) => {
    const s = (performance.now() - t0) / 1000;
    return s > 0 ? done / s : 0;
  };
  const rateText = (done: number) => (opts.unit === 'bytes' ? `${formatBytes(rate(done))}/s` : `${Math.round(rate(done))} tokens/s`);
  if (stream.isTTY) {
    const cliProgress = loadCliProgress();
    const bar = new cliProgress.SingleBar(
      { stream, format: `${opts.label} [{bar}] {percentage}% | {amount} | {rate} | ETA {eta_formatted}`, hideCursor: true, clearOnComplete: false },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(done, total) {
        const payload = { amount: `${amount(done, opts.unit)} / ${amount(total, opts.unit)}`, rate: rateText(done) };
        if (!started) {
          bar.start(total, done, payload);
          started = true;
        } else bar.update(done, payload);
      },
      stop() {
        if (started) bar.stop();
      },
    };
  }
  const intervalMs = (opts.intervalS ?? 5) * 1000;
  let last = performance.now(); // the first plain line after one interval: quick steps print only the final line
  let lastDone = 0;
  let lastTotal = 0;
  const line = (done: number, total: number) => {
    const pct = total > 0 ? ((100 * done) / total).toFixed(0) : '100';
    const r = rate(done);
    const eta = r > 0 && total > done ? `, ETA ${((total - done) / r).toFixed(0)} s` : '';
    stream.write(`${opts.label}: ${amount(done, opts.unit)} / ${amount(total, opts.unit)} (${pct}%, ${rateText(done)}${eta})\n`);
  };
  return {
    update(done, total) {
      lastDone = done;
      lastTotal = total;
      const now = performance.now();
      if (now - last >= intervalMs && done < total) {
        last = now;
        line(done, total);
      }
    },
    stop() {
      if (lastTotal > 0) line(lastDone, lastTotal);
    },
  };
}
