// Float64 reference of lowRankDecodeUpdate (spec C.2 + C.3, generalised to Gq queries per factor
// head), written directly from the formulas: explicit matrices, Gaussian elimination with partial
// pivoting for the r×r systems, and the line-search step computed from G itself (not from the
// Gram-matrix shortcut the kernels use). Also returns the objective J after every half-step.

export interface DecodeUpdateInput {
  hf: number;
  gq: number;
  group: number;
  r: number;
  d: number;
  kact: number;
  lite: number;
  cap: number;
  position: number;
  q: Float64Array; // (hf·gq, d)
  k: Float64Array; // (hkv, d)
  bQ: Float64Array; // (hf, r, d)
  bK: Float64Array; // (hf, r, d)
  kOmega: Float64Array; // (hf, S, d), contiguous
  aK: Float64Array; // (hf, cap, r)
  slotMap: ArrayLike<number>; // (hf, kact)
  litePos: ArrayLike<number>; // (lite)
  lambda1: number;
  lambda2: number;
  maxIter: number;
  tol: number;
  eps: number;
}

export interface DecodeUpdateOutput {
  qHat: Float64Array; // (hf·gq, r)
  kHat: Float64Array; // (hf, r)
  bQ: Float64Array; // updated copies
  bK: Float64Array;
  aK: Float64Array; // copy with row `position` of every head set to k̂
  delta: Float64Array; // (hf) last δ
  iterations: number[]; // (hf)
  deltas: number[][]; // per head, δ of every iteration run
  objective: number[][]; // per head, J after each half-step (q̂ step, k̂ step, q̂ step, …)
}

type Mat = number[][];

function zeros(n: number, m: number): Mat {
  return Array.from({ length: n }, () => new Array<number>(m).fill(0));
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** x = rhs · M⁻¹ (row vector), i.e. solves Mᵀ xᵀ = rhsᵀ, by Gaussian elimination with partial pivoting. */
export function solveRow(M: Mat, rhs: number[]): number[] {
  const n = rhs.length;
  const a = M.map((row, i) => [...row.map((_, j) => M[j]![i]!), rhs[i]!]); // [Mᵀ | rhs]
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let i = c + 1; i < n; i++) if (Math.abs(a[i]![c]!) > Math.abs(a[p]![c]!)) p = i;
    [a[c], a[p]] = [a[p]!, a[c]!];
    const piv = a[c]![c]!;
    if (piv === 0) throw new Error('reference: singular system');
    for (let i = c + 1; i < n; i++) {
      const f = a[i]![c]! / piv;
      if (f !== 0) for (let j = c; j <= n; j++) a[i]![j]! -= f * a[c]![j]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = a[i]![n]!;
    for (let j = i + 1; j < n; j++) s -= a[i]![j]! * x[j]!;
    x[i] = s / a[i]![i]!;
  }
  return x;
}

/** The per-head data the objective needs. */
export interface HeadData {
  qs: number[][]; // gq × d
  k: number[]; // d
  BQ: Mat; // r × d
  BK: Mat; // r × d
  A: Mat; // S × r (A_Ω, zero rows included)
  Kom: Mat; // S × d
  lambda1: number;
  lambda2: number;
}

/** x · B for a row vector x (r) and B (r × d). */
function rowTimes(x: number[], B: Mat): number[] {
  const d = B[0]?.length ?? 0;
  const out = new Array<number>(d).fill(0);
  x.forEach((xi, i) => B[i]!.forEach((bij, j) => (out[j]! += xi * bij)));
  return out;
}

/**
 * J(q̂, k̂) = Σ_g ½‖q̂_gB_Q − q_g‖² + ½‖k̂B_K − k‖² + λ1/2 Σ_g (q̂_g·k̂ − q_g·k)² + λ2/2 Σ_g ‖q̂_gA_Ωᵀ − q_gK_Ωᵀ‖²
 * (spec C.1, summed over the head's queries).
 */
export function decodeObjective(h: HeadData, qh: number[][], kh: number[]): number {
  let J = 0;
  const ek = rowTimes(kh, h.BK).map((v, j) => v - h.k[j]!);
  J += 0.5 * dot(ek, ek);
  h.qs.forEach((q, g) => {
    const e = rowTimes(qh[g]!, h.BQ).map((v, j) => v - q[j]!);
    J += 0.5 * dot(e, e);
    const ip = dot(qh[g]!, kh) - dot(q, h.k);
    J += 0.5 * h.lambda1 * ip * ip;
    let c = 0;
    h.A.forEach((arow, s) => {
      const diff = dot(qh[g]!, arow) - dot(q, h.Kom[s]!);
      c += diff * diff;
    });
    J += 0.5 * h.lambda2 * c;
  });
  return J;
}

/** The rows of head b, in the reference's own layout. */
export function headData(inp: DecodeUpdateInput, b: number): HeadData {
  const { gq, group, r, d, kact, lite, cap, position } = inp;
  const S = kact + lite;
  const qs = Array.from({ length: gq }, (_, g) => Array.from(inp.q.subarray((b * gq + g) * d, (b * gq + g + 1) * d)));
  const kv = Math.floor((b * gq) / group);
  const k = Array.from(inp.k.subarray(kv * d, (kv + 1) * d));
  const mat = (src: Float64Array, rows: number, cols: number, base: number): Mat =>
    Array.from({ length: rows }, (_, i) => Array.from(src.subarray(base + i * cols, base + (i + 1) * cols)));
  const BQ = mat(inp.bQ, r, d, b * r * d);
  const BK = mat(inp.bK, r, d, b * r * d);
  const Kom = mat(inp.kOmega, S, d, b * S * d);
  const A = Array.from({ length: S }, (_, s) => {
    const pos = s < kact ? inp.slotMap[b * kact + s]! : inp.litePos[s - kact]!;
    if (pos < 0 || pos >= cap || pos === position) return new Array<number>(r).fill(0);
    return Array.from(inp.aK.subarray((b * cap + pos) * r, (b * cap + pos + 1) * r));
  });
  return { qs, k, BQ, BK, A, Kom, lambda1: inp.lambda1, lambda2: inp.lambda2 };
}

function gram(X: Mat): Mat {
  return X.map((xi) => X.map((xj) => dot(xi, xj)));
}

/** One exact-line-search gradient step on Σ_g ½‖x_g B − t_g‖², returning the new B. */
function lineSearchStep(B: Mat, xs: number[][], ts: number[][], eps: number): Mat {
  const r = B.length;
  const d = B[0]!.length;
  const es = xs.map((x, g) => rowTimes(x, B).map((v, j) => v - ts[g]![j]!));
  const G = zeros(r, d);
  xs.forEach((x, g) => x.forEach((xi, i) => es[g]!.forEach((ej, j) => (G[i]![j]! += xi * ej))));
  let num = 0;
  G.forEach((row) => row.forEach((v) => (num += v * v)));
  let den = 0;
  for (const x of xs) {
    const xG = rowTimes(x, G);
    den += dot(xG, xG);
  }
  den += eps;
  const eta = den > 0 ? num / den : 0;
  return B.map((row, i) => row.map((v, j) => v - eta * G[i]![j]!));
}

export function lowRankDecodeUpdateRef(inp: DecodeUpdateInput): DecodeUpdateOutput {
  const { hf, gq, r, d, cap, position, lambda1: l1, lambda2: l2 } = inp;
  const out: DecodeUpdateOutput = {
    qHat: new Float64Array(hf * gq * r),
    kHat: new Float64Array(hf * r),
    bQ: Float64Array.from(inp.bQ),
    bK: Float64Array.from(inp.bK),
    aK: Float64Array.from(inp.aK),
    delta: new Float64Array(hf),
    iterations: [],
    deltas: [],
    objective: [],
  };
  for (let b = 0; b < hf; b++) {
    const h = headData(inp, b);
    const MQ = gram(h.BQ);
    const MK = gram(h.BK);
    const AtA = zeros(r, r);
    h.A.forEach((a) => a.forEach((ai, i) => a.forEach((aj, j) => (AtA[i]![j]! += ai * aj))));
    const aQ = h.qs.map((q) => h.BQ.map((row) => dot(q, row)));
    const aKv = h.BK.map((row) => dot(h.k, row));
    const c = h.qs.map((q) => dot(q, h.k));
    const v = h.qs.map((q) => {
      const w = h.Kom.map((krow) => dot(q, krow));
      const vg = new Array<number>(r).fill(0);
      h.A.forEach((a, s) => a.forEach((ai, i) => (vg[i]! += w[s]! * ai)));
      return vg;
    });

    let kh = solveRow(MK, aKv);
    let qh: number[][] = h.qs.map(() => new Array<number>(r).fill(0));
    const deltas: number[] = [];
    const objective: number[] = [];
    let iters = 0;
    for (let it = 1; it <= Math.max(1, inp.maxIter); it++) {
      const Mq = MQ.map((row, i) => row.map((m, j) => m + l2 * AtA[i]![j]! + l1 * kh[i]! * kh[j]!));
      qh = h.qs.map((_, g) => solveRow(Mq, aQ[g]!.map((x, i) => x + l2 * v[g]![i]! + l1 * c[g]! * kh[i]!)));
      objective.push(decodeObjective(h, qh, kh));
      const Mk = MK.map((row, i) => row.map((m, j) => m + l1 * qh.reduce((s, x) => s + x[i]! * x[j]!, 0)));
      const kn = solveRow(
        Mk,
        aKv.map((x, i) => x + l1 * qh.reduce((s, xg, g) => s + c[g]! * xg[i]!, 0)),
      );
      const delta = kh.reduce((s, x, i) => s + (x - kn[i]!) ** 2, 0) / r;
      deltas.push(delta);
      kh = kn;
      objective.push(decodeObjective(h, qh, kh));
      iters = it;
      if (delta < inp.tol) break;
    }

    const BQn = lineSearchStep(h.BQ, qh, h.qs, inp.eps);
    const BKn = lineSearchStep(h.BK, [kh], [h.k], inp.eps);
    BQn.forEach((row, i) => out.bQ.set(row, (b * r + i) * d));
    BKn.forEach((row, i) => out.bK.set(row, (b * r + i) * d));
    qh.forEach((x, g) => out.qHat.set(x, (b * gq + g) * r));
    out.kHat.set(kh, b * r);
    out.aK.set(kh, (b * cap + position) * r);
    out.delta[b] = deltas[deltas.length - 1]!;
    out.iterations.push(iters);
    out.deltas.push(deltas);
    out.objective.push(objective);
  }
  return out;
}
