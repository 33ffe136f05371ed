// Shared test helpers: seeded data, closeness checks, an independent symmetric eigen solver for the
// truncated-SVD oracle, and a driver that feeds a layer random tokens while keeping the full history.
import { expect } from 'vitest';
import {
  addScaled,
  attention,
  cholesky,
  gatherRows,
  kvHeadOf,
  LrqkLayerReference,
  mat,
  matmul,
  matmulTN,
  randnMat,
  Rng,
  RowBuffer,
  transpose,
  type LayerStepResult,
  type LrqkLayerConfig,
  type Mat,
  type TokenBlock,
} from '../src/index.ts';

/** Asserts max |got − want| ≤ tol · max(1, max|want|), no NaN; names the worst index. */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what = ''): void {
  expect(got.length, `${what} length`).toBe(want.length);
  let scaleRef = 1;
  for (let i = 0; i < want.length; i++) scaleRef = Math.max(scaleRef, Math.abs(want[i]!));
  let worst = 0;
  let worstAt = -1;
  for (let i = 0; i < want.length; i++) {
    const e = Math.abs(got[i]! - want[i]!);
    if (!(e <= worst)) {
      worst = e;
      worstAt = i;
    }
  }
  expect(worst, `${what}: worst error at ${worstAt} (got ${got[worstAt]}, want ${want[worstAt]})`).toBeLessThanOrEqual(tol * scaleRef);
}

/** X = U·W + noise·E with U (n×t), W (t×d), E i.i.d. N(0,1): low rank plus noise. */
export function lowRankPlusNoise(rng: Rng, n: number, d: number, t: number, noise: number): Mat {
  return addScaled(matmul(randnMat(n, t, rng), randnMat(t, d, rng)), randnMat(n, d, rng), noise);
}

/** Eigenvalues (descending) of a symmetric matrix by cyclic Jacobi rotations. */
export function jacobiEigenvalues(sym: Mat): number[] {
  const n = sym.rows;
  const a = sym.data.slice();
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (i !== j) off += a[i * n + j]! ** 2;
        else diag += a[i * n + j]! ** 2;
      }
    }
    if (off <= 1e-30 * diag) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (apq === 0) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
      }
    }
  }
  return Array.from({ length: n }, (_, i) => a[i * n + i]!).sort((x, y) => y - x);
}

/**
 * ½ Σ_{i>r} σᵢ² of QKᵀ: the squared singular values are the eigenvalues of L_Qᵀ(KᵀK)L_Q with
 * QᵀQ = L_Q L_Qᵀ (same nonzero spectrum as (QKᵀ)ᵀ(QKᵀ)), a d×d symmetric matrix.
 */
export function truncatedSvdError(q: Mat, k: Mat, r: number): { error: number; eigenvalues: number[] } {
  const l = cholesky(matmulTN(q, q), { system: 'generic' }).l;
  const s = matmul(matmul(transpose(l), matmulTN(k, k)), l);
  const eigenvalues = jacobiEigenvalues(s);
  return { error: 0.5 * eigenvalues.slice(r).reduce((a, b) => a + b, 0), eigenvalues };
}

/** A random token block: H query heads, H_kv KV heads, m tokens of dimension d. */
export function randomBlock(rng: Rng, heads: number, kvHeads: number, d: number, m: number): TokenBlock {
  const gen = (count: number): Mat[] => Array.from({ length: count }, () => randnMat(m, d, rng));
  return { q: gen(heads), k: gen(kvHeads), v: gen(kvHeads) };
}

/** Feeds a layer random tokens and keeps the full K/V history per KV head as an independent oracle. */
export class Driver {
  readonly layer: LrqkLayerReference;
  readonly rng: Rng;
  readonly keys: RowBuffer[];
  readonly values: RowBuffer[];
  readonly results: LayerStepResult[] = [];
  lastBlock: TokenBlock | undefined;

  constructor(config: LrqkLayerConfig, seed: number) {
    this.layer = new LrqkLayerReference(config);
    this.rng = new Rng(seed);
    this.keys = Array.from({ length: config.kvHeads }, () => new RowBuffer(config.headDim));
    this.values = Array.from({ length: config.kvHeads }, () => new RowBuffer(config.headDim));
  }

  /** Feeds `block` (random with m tokens when a number is given) and records it. */
  step(block: TokenBlock | number): LayerStepResult {
    const c = this.layer.config;
    const b = typeof block === 'number' ? randomBlock(this.rng, c.heads, c.kvHeads, c.headDim, block) : block;
    b.k.forEach((k, j) => this.keys[j]!.pushMat(k));
    b.v.forEach((v, j) => this.values[j]!.pushMat(v));
    this.lastBlock = b;
    const res = this.layer.step(b);
    this.results.push(res);
    return res;
  }

  kv(head: number): number {
    return kvHeadOf(head, this.layer.config.groupSize);
  }

  /** Full K‖V row of `position` of KV head j from the history. */
  historyRow(j: number, position: number): Float64Array {
    const out = new Float64Array(2 * this.layer.config.headDim);
    out.set(this.keys[j]!.row(position), 0);
    out.set(this.values[j]!.row(position), this.layer.config.headDim);
    return out;
  }

  /** Exact attention of query `q` of head h over `positions` of the history. */
  attendHistory(head: number, q: ArrayLike<number>, positions: readonly number[]): Float64Array {
    const j = this.kv(head);
    return attention(q, gatherRows(this.keys[j]!.view(), positions), gatherRows(this.values[j]!.view(), positions));
  }

  /** The query of head h of the last block, row i. */
  lastQuery(head: number, i = 0): Float64Array {
    const q = this.lastBlock!.q[head]!;
    return q.data.slice(i * q.cols, (i + 1) * q.cols);
  }
}

/** [from, to). */
export function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}

/** A 1×d matrix. */
export function rowMat(values: Float64Array): Mat {
  return mat(1, values.length, values);
}
