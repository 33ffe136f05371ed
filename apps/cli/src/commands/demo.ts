// `lrqk demo`: for now a self-check of the tensor core (the long-context demo replaces it). Prints
// the device report, then runs rmsnorm on every available backend on a fresh random input and
// compares with a float64 computation written here, independent of the kernels.
import { Command } from '@commander-js/extra-typings';
import type { Device } from '@lrqk/tensor';
import { CliError } from '../errors.ts';
import { deviceReport, formatDeviceReport } from '../device-report.ts';
import { formatMs } from '../format.ts';
import { loadTensor, type TensorModule } from '../tensor.ts';

const ROWS = 64;
const DIM = 4096;
const EPS = 1e-6;
/** f32 accumulation over 4096 elements: errors stay well below this, relative to max |want|. */
const TOL = 1e-5;

/** Standard normal samples rounded to f32 (so the reference sees exactly the kernel's inputs). */
function randn(n: number, scale: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = Math.max(Math.random(), 1e-12);
    out[i] = scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * Math.random());
  }
  return out;
}

/** float64 RMSNorm over the last dim of a (rows, dim) row-major array. */
function rmsnormF64(x: Float32Array, w: Float32Array, rows: number, dim: number, eps: number): Float64Array {
  const out = new Float64Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    let ss = 0;
    for (let i = 0; i < dim; i++) ss += x[r * dim + i]! ** 2;
    const inv = 1 / Math.sqrt(ss / dim + eps);
    for (let i = 0; i < dim; i++) out[r * dim + i] = x[r * dim + i]! * inv * w[i]!;
  }
  return out;
}

interface CheckResult {
  device: Device;
  maxAbsErr: number;
  scale: number;
  ms: number;
  ok: boolean;
}

function checkRmsnorm(t: TensorModule, device: Device, x: Float32Array, w: Float32Array, want: Float64Array): CheckResult {
  const xt = t.Tensor.from(x, [ROWS, DIM], { dtype: 'f32', device });
  const wt = t.Tensor.from(w, [DIM], { dtype: 'f32', device });
  const out = t.Tensor.empty([ROWS, DIM], { dtype: 'f32', device });
  try {
    t.fill(out, NaN); // poison: an element the kernel skips shows up as NaN
    t.rmsnorm(xt, wt, { eps: EPS, out }); // warm-up (CUDA module load, pool growth)
    t.synchronize();
    t.fill(out, NaN);
    const start = performance.now();
    t.rmsnorm(xt, wt, { eps: EPS, out });
    t.synchronize();
    const ms = performance.now() - start;
    const got = out.toFloat64Array();
    let scale = 1;
    for (const v of want) scale = Math.max(scale, Math.abs(v));
    let maxAbsErr = 0;
    for (let i = 0; i < want.length; i++) {
      const d = Math.abs(got[i]! - want[i]!);
      maxAbsErr = Number.isNaN(d) ? Infinity : Math.max(maxAbsErr, d);
    }
    return { device, maxAbsErr, scale, ms, ok: maxAbsErr <= TOL * scale };
  } finally {
    xt.dispose();
    wt.dispose();
    out.dispose();
  }
}

export function demoCommand(): Command {
  return new Command('demo')
    .description('self-check of the tensor core: device report, then rmsnorm on each backend vs a float64 reference')
    .action(async () => {
      const t = await loadTensor();
      const report = await deviceReport(t);
      process.stdout.write(`lrqk demo (self-check; the long-context demo replaces it)\n\n${formatDeviceReport(report)}\n\n`);

      const x = randn(ROWS * DIM, 2);
      const w = randn(DIM, 1);
      const want = rmsnormF64(x, w, ROWS, DIM, EPS);
      process.stdout.write(`self-check: rmsnorm f32 [${ROWS}, ${DIM}], eps ${EPS.toExponential()}, vs float64, tolerance ${TOL.toExponential()} x max|want|\n`);
      const devices: Device[] = report.backend.available ? ['cpu', 'cuda'] : ['cpu'];
      let failed = 0;
      for (const device of devices) {
        const r = checkRmsnorm(t, device, x, w, want);
        if (!r.ok) failed++;
        process.stdout.write(
          `  ${device.padEnd(4)}  max abs err ${r.maxAbsErr.toExponential(2)} (max|want| ${r.scale.toFixed(1)})  ${r.ok ? 'ok' : 'FAIL'}  (${formatMs(r.ms)})\n`,
        );
      }
      if (!report.backend.available) process.stdout.write('  cuda  skipped: no usable GPU (see the report above)\n');
      if (failed > 0) throw new CliError(`self-check FAILED on ${failed} backend(s)`);
      process.stdout.write('self-check: ok\n');
    });
}
