import { describe, expect, it } from 'vitest';
import {
  ArgumentError,
  DTypeError,
  IndexOutOfRangeError,
  lowRankDecodeUpdate,
  NumericError,
  roundTo,
  ShapeError,
  Tensor,
  type Device,
  type FloatDType,
} from '../src/index.ts';
import { devices, expectClose, freshSeed, quantize, randn, rng } from './helpers.ts';
import {
  decodeObjective,
  headData,
  lowRankDecodeUpdateRef,
  type DecodeUpdateInput,
} from './reference/low-rank-decode-update.ts';

// The kernels compute in f32 from the same (already rounded) inputs as the float64 reference, so
// every f32 output is compared at f32-level accuracy whatever the input dtype; only the A_K row
// written in aK's dtype carries that dtype's rounding.
const F32_TOL = 2e-4;

/** How kOmega is laid out: inside a K‖V row buffer (the slot buffer), padded by one element so
 * 16-byte loads are impossible, or contiguous. */
type KLayout = 'kv' | 'pad' | 'none';

interface Cfg {
  hf: number;
  gq: number;
  group: number;
  r: number;
  d: number;
  kact: number;
  lite: number;
  dtype: FloatDType; // q, k, kOmega
  ak: FloatDType; // aK
  layout?: KLayout;
  lambda1?: number;
  lambda2?: number;
  maxIter?: number;
  tol?: number;
  eps?: number;
  qScale?: number;
  /** Comparison tolerance for the f32 outputs (default F32_TOL). */
  tolerance?: number;
}

interface Case {
  cfg: Required<Cfg>;
  inp: DecodeUpdateInput;
  kOmegaBuf: Float64Array; // values of the whole kOmega buffer (layout-dependent)
  kOmegaBufShape: number[];
}

function makeCase(c: Cfg, seed: number, edit?: (inp: DecodeUpdateInput) => void): Case {
  const cfg: Required<Cfg> = {
    layout: 'kv',
    lambda1: 1,
    lambda2: 1,
    maxIter: 2,
    tol: 0,
    eps: 1e-6,
    qScale: 1,
    tolerance: F32_TOL,
    ...c,
  };
  const { hf, gq, group, r, d, kact, lite } = cfg;
  const hkv = (hf * gq) / group;
  const S = kact + lite;
  const cap = S + 12;
  const position = cap - 3;
  const rand = rng(seed ^ 0x5bd1e995);
  // Well-conditioned B: Gaussian entries scaled by 1/sqrt(d), r ≤ d/2 in every config.
  const bQ = quantize(randn(hf * r * d, seed + 1, 1 / Math.sqrt(d)), 'f32');
  const bK = quantize(randn(hf * r * d, seed + 2, 1 / Math.sqrt(d)), 'f32');
  const q = quantize(randn(hf * gq * d, seed + 3, cfg.qScale), cfg.dtype);
  const k = quantize(randn(hkv * d, seed + 4), cfg.dtype);
  const kOmega = quantize(randn(hf * S * d, seed + 5), cfg.dtype);
  const aK = quantize(randn(hf * cap * r, seed + 6), cfg.ak);
  // Row `position` is not written yet: poison it so reading it would show.
  for (let b = 0; b < hf; b++) aK.fill(NaN, (b * cap + position) * r, (b * cap + position + 1) * r);
  // Distinct earlier positions per head; head 0 has an empty slot (-1), the last head holds the
  // current position in an active slot; the lite window ends with the current token and (when
  // long enough) starts with an unfilled slot.
  const slotMap: number[] = [];
  for (let b = 0; b < hf; b++) {
    const pool = Array.from({ length: position }, (_, i) => i);
    for (let i = pool.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [pool[i], pool[j]] = [pool[j]!, pool[i]!];
    }
    const row = pool.slice(0, kact);
    if (b === 0 && kact >= 2) row[0] = -1;
    if (b === hf - 1 && kact >= 3) row[kact - 1] = position;
    slotMap.push(...row);
  }
  const litePos = Array.from({ length: lite }, (_, j) => position - lite + 1 + j);
  if (lite >= 3) litePos[0] = -1;
  const inp: DecodeUpdateInput = {
    hf, gq, group, r, d, kact, lite, cap, position, q, k, bQ, bK, kOmega, aK, slotMap, litePos,
    lambda1: cfg.lambda1, lambda2: cfg.lambda2, maxIter: cfg.maxIter, tol: cfg.tol, eps: cfg.eps,
  };
  edit?.(inp);
  // The buffer that holds kOmega on the device.
  const width = cfg.layout === 'kv' ? 2 * d : cfg.layout === 'pad' ? 2 * d + 1 : d;
  const off = cfg.layout === 'pad' ? 1 : 0;
  const buf = quantize(randn(hf * S * width, seed + 7), cfg.dtype);
  for (let b = 0; b < hf; b++)
    for (let s = 0; s < S; s++)
      for (let j = 0; j < d; j++) buf[(b * S + s) * width + off + j] = inp.kOmega[(b * S + s) * d + j]!;
  return { cfg, inp, kOmegaBuf: buf, kOmegaBufShape: [hf, S, width] };
}

interface Uploaded {
  q: Tensor;
  k: Tensor;
  bQ: Tensor;
  bK: Tensor;
  kOmega: Tensor;
  aK: Tensor;
  slotMap: Tensor;
  litePos: Tensor;
  kOmegaBuf: Tensor; // the buffer kOmega is a view of
}

function upload(c: Case, device: Device): Uploaded {
  const { inp, cfg } = c;
  const { hf, gq, group, r, d, kact, lite, cap } = inp;
  const buf = Tensor.from(c.kOmegaBuf, c.kOmegaBufShape, { dtype: cfg.dtype, device });
  const off = cfg.layout === 'pad' ? 1 : 0;
  return {
    q: Tensor.from(inp.q, [hf * gq, d], { dtype: cfg.dtype, device }),
    k: Tensor.from(inp.k, [(hf * gq) / group, d], { dtype: cfg.dtype, device }),
    bQ: Tensor.from(inp.bQ, [hf, r, d], { device }),
    bK: Tensor.from(inp.bK, [hf, r, d], { device }),
    kOmega: buf.slice(2, off, off + d),
    aK: Tensor.from(inp.aK, [hf, cap, r], { dtype: cfg.ak, device }),
    slotMap: Tensor.from(inp.slotMap, [hf, kact], { dtype: 'i32', device }),
    litePos: Tensor.from(inp.litePos, [lite], { dtype: 'i32', device }),
    kOmegaBuf: buf,
  };
}

function poisonedF32(shape: number[], device: Device): Tensor {
  return Tensor.from(new Float64Array(shape.reduce((a, b) => a * b, 1)).fill(NaN), shape, { device });
}
function poisonedI32(n: number, device: Device): Tensor {
  return Tensor.from(new Array<number>(n).fill(-7777), [n], { dtype: 'i32', device });
}

/** Runs the op with poisoned outputs; returns every output as float64. */
function run(
  c: Case,
  device: Device,
  extra: { check?: boolean; position?: number; positionTensor?: Tensor; worstStatus?: Tensor; bUpdate?: 'inline' | 'skip' | 'only' } = {},
) {
  const t = upload(c, device);
  const { hf, gq, r } = c.inp;
  const { kOmegaBuf, ...inputs } = t;
  const res = lowRankDecodeUpdate({
    ...inputs,
    position: c.inp.position,
    groupSize: c.inp.group,
    queriesPerHead: gq,
    lambda1: c.cfg.lambda1,
    lambda2: c.cfg.lambda2,
    maxIter: c.cfg.maxIter,
    tol: c.cfg.tol,
    eps: c.cfg.eps,
    qHat: poisonedF32([hf * gq, r], device),
    kHat: poisonedF32([hf, r], device),
    status: poisonedI32(hf, device),
    delta: poisonedF32([hf], device),
    iterations: poisonedI32(hf, device),
    ...extra,
  });
  return {
    qHat: res.qHat.toFloat64Array(),
    kHat: res.kHat.toFloat64Array(),
    status: res.status.toArray(),
    delta: res.delta!.toFloat64Array(),
    iterations: res.iterations!.toArray(),
    bQ: t.bQ.toFloat64Array(),
    bK: t.bK.toFloat64Array(),
    aK: t.aK.toFloat64Array(),
    kOmegaBuf: kOmegaBuf.toFloat64Array(),
  };
}

/** Every output against the reference, and A_K rows other than `position` untouched. */
function checkAgainstRef(c: Case, got: ReturnType<typeof run>, what: string, tolerance = c.cfg.tolerance): void {
  const ref = lowRankDecodeUpdateRef(c.inp);
  if (process.env.LRDU_DEBUG) {
    // Diagnostics: the errors relative to scale, to calibrate tolerances on a new backend.
    const rel = (g: ArrayLike<number>, w: ArrayLike<number>) => {
      let m = 0;
      let sc = 1;
      for (let i = 0; i < w.length; i++) {
        m = Math.max(m, Math.abs(g[i]! - w[i]!));
        sc = Math.max(sc, Math.abs(w[i]!));
      }
      return (m / sc).toExponential(1);
    };
    console.log(`${what}: rel err qHat ${rel(got.qHat, ref.qHat)} kHat ${rel(got.kHat, ref.kHat)} bQ ${rel(got.bQ, ref.bQ)} bK ${rel(got.bK, ref.bK)}`);
  }
  const { hf, r, cap, position } = c.inp;
  expect(got.status, `${what} status`).toEqual(new Array<number>(hf).fill(0));
  expect(got.iterations, `${what} iterations`).toEqual(ref.iterations);
  expectClose(got.qHat, ref.qHat, tolerance, `${what} qHat`);
  expectClose(got.kHat, ref.kHat, tolerance, `${what} kHat`);
  expectClose(got.bQ, ref.bQ, tolerance, `${what} bQ`);
  expectClose(got.bK, ref.bK, tolerance, `${what} bK`);
  // δ is a mean of squared differences of nearly equal vectors: compare at its own scale.
  for (let b = 0; b < hf; b++) {
    const want = ref.delta[b]!;
    expect(Math.abs(got.delta[b]! - want), `${what} delta[${b}] got ${got.delta[b]} want ${want}`).toBeLessThanOrEqual(
      1e-2 * want + 1e-7,
    );
  }
  // A_K: row `position` is exactly k̂ rounded to aK's dtype; every other row is unchanged.
  for (let b = 0; b < hf; b++) {
    for (let p = 0; p < cap; p++) {
      const row = Array.from(got.aK.subarray((b * cap + p) * r, (b * cap + p + 1) * r));
      if (p === position) {
        const want = Array.from(got.kHat.subarray(b * r, (b + 1) * r), (v) => roundTo(c.cfg.ak, v));
        expect(row, `${what} aK[${b}, position]`).toEqual(want);
      } else {
        expect(row, `${what} aK[${b}, ${p}] untouched`).toEqual(Array.from(c.inp.aK.subarray((b * cap + p) * r, (b * cap + p + 1) * r)));
      }
    }
  }
  // The resident keys are read-only.
  expect(Array.from(got.kOmegaBuf), `${what} kOmega untouched`).toEqual(Array.from(c.kOmegaBuf));
}

const configs: Cfg[] = [
  { hf: 1, gq: 1, group: 1, r: 3, d: 8, kact: 5, lite: 1, dtype: 'f32', ak: 'f32' },
  { hf: 3, gq: 1, group: 3, r: 8, d: 64, kact: 17, lite: 4, dtype: 'bf16', ak: 'bf16' },
  { hf: 8, gq: 1, group: 4, r: 32, d: 128, kact: 64, lite: 7, dtype: 'bf16', ak: 'bf16' },
  { hf: 3, gq: 2, group: 2, r: 8, d: 20, kact: 9, lite: 3, dtype: 'f16', ak: 'f32' },
  { hf: 2, gq: 4, group: 4, r: 32, d: 128, kact: 40, lite: 5, dtype: 'bf16', ak: 'bf16' },
  { hf: 4, gq: 2, group: 4, r: 8, d: 64, kact: 12, lite: 2, dtype: 'f32', ak: 'bf16', layout: 'pad' },
  { hf: 2, gq: 1, group: 1, r: 16, d: 128, kact: 300, lite: 16, dtype: 'bf16', ak: 'f32', layout: 'none' },
  { hf: 3, gq: 1, group: 1, r: 33, d: 96, kact: 37, lite: 6, dtype: 'f32', ak: 'f32', layout: 'pad' },
  // Σ_g q̂_gᵀq̂_g over 16 queries makes the k̂ system's condition number ~1e4: f32 error ~1e-4.
  { hf: 1, gq: 16, group: 16, r: 64, d: 256, kact: 70, lite: 3, dtype: 'bf16', ak: 'bf16', tolerance: 1e-3 },
  { hf: 3, gq: 2, group: 2, r: 8, d: 64, kact: 0, lite: 3, dtype: 'bf16', ak: 'bf16' },
  { hf: 2, gq: 1, group: 2, r: 8, d: 32, kact: 6, lite: 0, dtype: 'f32', ak: 'f32', lambda1: 0.5, lambda2: 2, maxIter: 3 },
];

const name = (c: Cfg) =>
  `Hf=${c.hf} Gq=${c.gq} G=${c.group} r=${c.r} d=${c.d} Kact=${c.kact} L=${c.lite} ${c.dtype}/aK ${c.ak}` +
  `${c.layout ? ` ${c.layout}` : ''}${c.maxIter ? ` it=${c.maxIter}` : ''}${c.lambda1 !== undefined ? ` λ=${c.lambda1},${c.lambda2}` : ''}`;

describe.each(devices)('lowRankDecodeUpdate on $label', ({ device, skip }) => {
  for (const cfg of configs) {
    it.skipIf(skip)(name(cfg), () => {
      const seed = freshSeed();
      const c = makeCase(cfg, seed);
      checkAgainstRef(c, run(c, device), `seed ${seed}`);
    });
  }

  for (const cfg of [configs[3]!, configs[4]!, configs[7]!]) {
    it.skipIf(skip)(`bUpdate 'skip' then 'only' gives the inline results (r=${cfg.r} Gq=${cfg.gq} d=${cfg.d})`, () => {
      const seed = freshSeed();
      const c = makeCase(cfg, seed);
      const inline = run(c, device);
      const skipped = run(c, device, { bUpdate: 'skip' });
      // 'skip' leaves B alone and computes the rest exactly as inline does.
      expect(skipped.bQ).toEqual(Float64Array.from(c.inp.bQ));
      expect(skipped.bK).toEqual(Float64Array.from(c.inp.bK));
      for (const key of ['qHat', 'kHat', 'status', 'aK'] as const) expect(skipped[key], key).toEqual(inline[key]);
      // 'only' on the same tensors then performs that update.
      const { kOmegaBuf: _b, ...inputs } = upload(c, device);
      const k = c.cfg;
      const common = { ...inputs, position: c.inp.position, groupSize: c.inp.group, queriesPerHead: k.gq, lambda1: k.lambda1, lambda2: k.lambda2, maxIter: k.maxIter, tol: k.tol, eps: k.eps };
      const out = { qHat: poisonedF32([c.inp.hf * cfg.gq, cfg.r], device), kHat: poisonedF32([c.inp.hf, cfg.r], device), status: poisonedI32(c.inp.hf, device) };
      lowRankDecodeUpdate({ ...common, ...out, bUpdate: 'skip' });
      lowRankDecodeUpdate({ ...common, ...out, bUpdate: 'only' });
      expectClose(inputs.bQ.toFloat64Array(), inline.bQ, 1e-6, `seed ${seed} bQ`);
      expectClose(inputs.bK.toFloat64Array(), inline.bK, 1e-6, `seed ${seed} bK`);
      expect(() => lowRankDecodeUpdate({ ...common, bUpdate: 'only' })).toThrow(ArgumentError);
    });
  }

  it.skipIf(skip)('positionTensor replaces position (read when the op runs)', () => {
    const seed = freshSeed();
    const c = makeCase(configs[configs.length - 1]!, seed);
    const positionTensor = Tensor.from([c.inp.position], [1], { dtype: 'i32', device });
    checkAgainstRef(c, run(c, device, { position: 0, positionTensor }), `seed ${seed}`);
  });

  it.skipIf(skip)('stops per head when δ < tol (and maxIter 0 runs one iteration)', () => {
    const seed = freshSeed();
    const base: Cfg = { hf: 6, gq: 1, group: 2, r: 8, d: 64, kact: 20, lite: 3, dtype: 'bf16', ak: 'bf16', maxIter: 4 };
    // Choose tol in the widest log-gap between the heads' first δ, away from every δ the
    // reference produces, so that f32 rounding cannot flip a decision.
    const probe = lowRankDecodeUpdateRef(makeCase(base, seed).inp);
    const first = probe.deltas.map((d) => d[0]!).sort((a, b) => a - b);
    const all = probe.deltas.flat().sort((a, b) => a - b);
    let best = { gap: 0, tol: 0 };
    for (let i = 0; i + 1 < all.length; i++) {
      const lo = all[i]!, hi = all[i + 1]!;
      if (lo < first[0]! || hi > first[first.length - 1]!) continue;
      const gap = Math.log(hi / lo);
      if (gap > best.gap) best = { gap, tol: Math.sqrt(lo * hi) };
    }
    expect(best.gap, `seed ${seed}: heads' δ too close to pick a tol`).toBeGreaterThan(Math.log(1.5));
    const c = makeCase({ ...base, tol: best.tol }, seed);
    const got = run(c, device);
    checkAgainstRef(c, got, `seed ${seed} tol ${best.tol}`);
    expect(new Set(got.iterations).size, `seed ${seed}: heads stopped at different iterations`).toBeGreaterThan(1);

    const once = makeCase({ ...base, maxIter: 0, tol: 1e30 }, seed);
    const g1 = run(once, device);
    expect(g1.iterations).toEqual(new Array<number>(6).fill(1));
    checkAgainstRef(once, g1, `seed ${seed} maxIter 0`);
  });

  it.skipIf(skip)('(a) with λ1 = 0, k̂ is the least-squares code: k = c·B_K gives k̂ = c and leaves B_K unchanged', () => {
    const seed = freshSeed();
    const coef = randn(2 * 8, seed + 99);
    const c = makeCase({ hf: 2, gq: 1, group: 1, r: 8, d: 64, kact: 10, lite: 2, dtype: 'f32', ak: 'f32', lambda1: 0 }, seed, (inp) => {
      for (let b = 0; b < 2; b++)
        for (let j = 0; j < 64; j++) {
          let s = 0;
          for (let i = 0; i < 8; i++) s += coef[b * 8 + i]! * inp.bK[(b * 8 + i) * 64 + j]!;
          inp.k[b * 64 + j] = Math.fround(s);
        }
    });
    const got = run(c, device);
    expectClose(got.kHat, coef, 1e-4, `seed ${seed} k̂ = c`);
    expectClose(got.bK, c.inp.bK, 1e-6, `seed ${seed} B_K unchanged`);
    checkAgainstRef(c, got, `seed ${seed}`);
  });

  for (const gq of [1, 2]) {
    it.skipIf(skip)(`(b) J is non-increasing across half-steps (Gq=${gq})`, () => {
      const seed = freshSeed();
      const cfg: Cfg = { hf: 3, gq, group: gq, r: 8, d: 32, kact: 12, lite: 3, dtype: 'f32', ak: 'f32', maxIter: 4 };
      const c = makeCase(cfg, seed);
      const ref = lowRankDecodeUpdateRef(c.inp);
      for (const trace of ref.objective) {
        expect(trace.length).toBe(8);
        for (let i = 1; i < trace.length; i++) expect(trace[i]!, `seed ${seed} ref J ${trace}`).toBeLessThanOrEqual(trace[i - 1]! * (1 + 1e-12));
      }
      // The kernel's (q̂, k̂) after m iterations is the reference's point after half-step 2m, and
      // J at those points does not increase with m.
      const Js: number[][] = [];
      for (let m = 1; m <= 3; m++) {
        const cm = makeCase({ ...cfg, maxIter: m }, seed);
        const got = run(cm, device);
        Js.push(
          Array.from({ length: cfg.hf }, (_, b) => {
            const qh = Array.from({ length: gq }, (_, g) => Array.from(got.qHat.subarray((b * gq + g) * 8, (b * gq + g + 1) * 8)));
            return decodeObjective(headData(cm.inp, b), qh, Array.from(got.kHat.subarray(b * 8, (b + 1) * 8)));
          }),
        );
      }
      for (let b = 0; b < cfg.hf; b++) {
        for (let m = 0; m < 3; m++) {
          const want = ref.objective[b]![2 * m + 1]!;
          expect(Math.abs(Js[m]![b]! - want), `seed ${seed} head ${b} J after ${m + 1} its`).toBeLessThanOrEqual(1e-4 * want);
          if (m > 0) expect(Js[m]![b]!).toBeLessThanOrEqual(Js[m - 1]![b]! * (1 + 1e-5));
        }
      }
    });
  }

  for (const qScale of [0.025, 1]) {
    it.skipIf(skip)(`(c) after the B update q̂B' − q = ε/(‖q̂‖⁴‖e‖²+ε)·e and B' − B is rank 1 (|q| ~ ${qScale})`, () => {
      const seed = freshSeed();
      const [hf, r, d] = [3, 8, 64];
      const lam = qScale < 1 ? 0 : 1; // λ = 0 keeps q̂ at the least-squares code, so the factor is O(1)
      const c = makeCase({ hf, gq: 1, group: 1, r, d, kact: 10, lite: 2, dtype: 'f32', ak: 'f32', lambda1: lam, lambda2: lam, qScale }, seed);
      const got = run(c, device);
      for (let b = 0; b < hf; b++) {
        for (const which of ['Q', 'K'] as const) {
          const x = Array.from((which === 'Q' ? got.qHat : got.kHat).subarray(b * r, (b + 1) * r));
          const t = Array.from((which === 'Q' ? c.inp.q : c.inp.k).subarray(b * d, (b + 1) * d));
          const B0 = (which === 'Q' ? c.inp.bQ : c.inp.bK).subarray(b * r * d, (b + 1) * r * d);
          const B1 = (which === 'Q' ? got.bQ : got.bK).subarray(b * r * d, (b + 1) * r * d);
          const xB = (B: Float64Array) => Array.from({ length: d }, (_, j) => x.reduce((s, xi, i) => s + xi * B[i * d + j]!, 0));
          const e = xB(B0).map((v, j) => v - t[j]!);
          const nx = x.reduce((s, v) => s + v * v, 0);
          const ne = e.reduce((s, v) => s + v * v, 0);
          const factor = 1e-6 / (nx * nx * ne + 1e-6);
          const resid = xB(B1).map((v, j) => v - t[j]!);
          const want = e.map((v) => factor * v);
          const scale = Math.sqrt(ne);
          const err = Math.max(...resid.map((v, j) => Math.abs(v - want[j]!)));
          expect(err, `seed ${seed} head ${b} ${which}: factor ${factor}`).toBeLessThanOrEqual(2e-4 * scale + 1e-6);
          // Rank 1 along x: ΔB = xᵀu with u = xΔB/‖x‖².
          const dB = Array.from(B1, (v, i) => v - B0[i]!);
          const u = Array.from({ length: d }, (_, j) => x.reduce((s, xi, i) => s + xi * dB[i * d + j]!, 0) / nx);
          let res = 0;
          let tot = 0;
          for (let i = 0; i < r; i++)
            for (let j = 0; j < d; j++) {
              res += (dB[i * d + j]! - x[i]! * u[j]!) ** 2;
              tot += dB[i * d + j]! ** 2;
            }
          expect(Math.sqrt(res), `seed ${seed} head ${b} ${which} rank-1`).toBeLessThanOrEqual(1e-4 * Math.sqrt(tot) + 1e-6);
        }
      }
      checkAgainstRef(c, got, `seed ${seed}`);
    });
  }

  it.skipIf(skip)('a singular B_K fails that head only: NumericError with check, status 2 and finite outputs without', () => {
    const seed = freshSeed();
    const cfg: Cfg = { hf: 3, gq: 1, group: 1, r: 8, d: 32, kact: 9, lite: 2, dtype: 'bf16', ak: 'bf16' };
    const c = makeCase(cfg, seed, (inp) => inp.bK.fill(0, 8 * 32, 2 * 8 * 32)); // head 1: B_K = 0
    expect(() => run(c, device)).toThrow(NumericError);
    // worstStatus keeps the max over calls: 1 stays 1 where the head is fine, 2 where it failed.
    const worstStatus = Tensor.from([1, 0, 0], [3], { dtype: 'i32', device });
    const got = run(c, device, { check: false, worstStatus });
    expect(got.status).toEqual([0, 2, 0]);
    expect(worstStatus.toArray()).toEqual([1, 2, 0]);
    for (const arr of [got.qHat, got.kHat, got.bQ, got.bK]) expect(arr.every(Number.isFinite)).toBe(true);
    // The failed head keeps its B matrices and reports zero codes; A_K row `position` gets zeros.
    expect(Array.from(got.bQ.subarray(8 * 32, 16 * 32))).toEqual(Array.from(c.inp.bQ.subarray(8 * 32, 16 * 32)));
    expect(Array.from(got.kHat.subarray(8, 16))).toEqual(new Array<number>(8).fill(0));
    expect(got.iterations[1]).toBe(0);
    // The other heads are unaffected.
    const ref = lowRankDecodeUpdateRef({ ...c.inp, hf: 1, bQ: c.inp.bQ.subarray(0, 256), bK: c.inp.bK.subarray(0, 256) });
    expectClose(got.kHat.subarray(0, 8), ref.kHat, F32_TOL, `seed ${seed} head 0 kHat`);
    expectClose(got.bQ.subarray(0, 256), ref.bQ, F32_TOL, `seed ${seed} head 0 bQ`);
  });

  it.skipIf(skip)('a rank-deficient B_K is regularised with jitter (status 1, finite results)', () => {
    const seed = freshSeed();
    const cfg: Cfg = { hf: 2, gq: 1, group: 1, r: 8, d: 32, kact: 9, lite: 2, dtype: 'f32', ak: 'f32' };
    // Head 0: rows 0 and 1 of B_K equal → B_KB_Kᵀ singular in exact arithmetic.
    const c = makeCase(cfg, seed, (inp) => inp.bK.copyWithin(32, 0, 32));
    const got = run(c, device);
    expect(got.status[0]).toBe(1);
    expect(got.status[1]).toBe(0);
    for (const arr of [got.qHat, got.kHat, got.bQ, got.bK]) expect(arr.every(Number.isFinite)).toBe(true);
  });

  it.skipIf(skip)('validates shapes, dtypes and arguments', () => {
    const c = makeCase({ hf: 2, gq: 1, group: 1, r: 4, d: 16, kact: 3, lite: 2, dtype: 'f32', ak: 'f32' }, 1);
    const { kOmegaBuf: _buf, ...t } = upload(c, device);
    const base = { ...t, position: c.inp.position, groupSize: 1, queriesPerHead: 1 };
    const bf = (x: Tensor) => Tensor.from(x.toFloat64Array(), x.shape, { dtype: 'bf16', device });
    expect(() => lowRankDecodeUpdate({ ...base, bQ: bf(t.bQ) })).toThrow(DTypeError);
    expect(() => lowRankDecodeUpdate({ ...base, slotMap: Tensor.zeros([2, 3], { dtype: 'i64', device }) })).toThrow(DTypeError);
    expect(() => lowRankDecodeUpdate({ ...base, q: Tensor.zeros([2, 16], { dtype: 'i32', device }) })).toThrow(DTypeError);
    expect(() => lowRankDecodeUpdate({ ...base, kOmega: t.kOmega.slice(1, 0, 4) })).toThrow(ShapeError); // S ≠ Kact + L
    expect(() => lowRankDecodeUpdate({ ...base, q: Tensor.zeros([3, 16], { device }) })).toThrow(ShapeError);
    expect(() => lowRankDecodeUpdate({ ...base, k: Tensor.zeros([2, 15], { device }) })).toThrow(ShapeError);
    expect(() => lowRankDecodeUpdate({ ...base, aK: t.aK.slice(2, 0, 3) })).toThrow(ShapeError);
    expect(() => lowRankDecodeUpdate({ ...base, bK: Tensor.zeros([2, 4, 15], { device }) })).toThrow(ShapeError);
    const colStrided = Tensor.zeros([2, 5, 32], { device }).view([2, 5, 16, 2]).select(3, 0); // last-dim stride 2
    expect(() => lowRankDecodeUpdate({ ...base, kOmega: colStrided })).toThrow(ShapeError);
    expect(() => lowRankDecodeUpdate({ ...base, position: c.inp.cap })).toThrow(IndexOutOfRangeError);
    expect(() => lowRankDecodeUpdate({ ...base, position: -1 })).toThrow(IndexOutOfRangeError);
    expect(() => lowRankDecodeUpdate({ ...base, groupSize: 2, queriesPerHead: 1 })).toThrow(ShapeError); // Hkv·G ≠ Hf·Gq
    expect(() => lowRankDecodeUpdate({ ...base, groupSize: 3, queriesPerHead: 2 })).toThrow(ArgumentError);
    expect(() => lowRankDecodeUpdate({ ...base, lambda1: -1 })).toThrow(ArgumentError);
    expect(() => lowRankDecodeUpdate({ ...base, maxIter: 1.5 })).toThrow(ArgumentError);
    expect(() => lowRankDecodeUpdate({ ...base, qHat: Tensor.zeros([2, 5], { device }) })).toThrow(ShapeError);
    expect(() => lowRankDecodeUpdate({ ...base, worstStatus: Tensor.zeros([3], { dtype: 'i32', device }) })).toThrow(ShapeError);
    expect(() => lowRankDecodeUpdate({ ...base, worstStatus: Tensor.zeros([2], { device }) })).toThrow(DTypeError);
    expect(() => lowRankDecodeUpdate({ ...base, kHat: Tensor.zeros([2, 4], { dtype: 'bf16', device }) })).toThrow(DTypeError);
    expect(() => lowRankDecodeUpdate(base)).not.toThrow();
    const big = Tensor.zeros([1, 65, 16], { device });
    expect(() =>
      lowRankDecodeUpdate({ ...base, q: Tensor.zeros([1, 16], { device }), k: Tensor.zeros([1, 16], { device }), bQ: big, bK: big }),
    ).toThrow(ShapeError);
  });
});
