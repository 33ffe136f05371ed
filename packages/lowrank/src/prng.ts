// A small, fully specified PRNG so `randn` initialization is reproducible (the reference draws from
// the unseeded global torch RNG). Any implementation (e.g. a GPU one that builds its init on the
// host) can reproduce the exact stream:
//   state  = xoshiro128** seeded with four successive splitmix32 outputs of the uint32 seed;
//   float  = (hi >>> 5) · 2²⁶ + (lo >>> 6), divided by 2⁵³ (two 32-bit draws, hi first): [0, 1);
//   gauss  = Box–Muller on (u1, u2) = (1 − float, float): z0 = √(−2 ln u1)·cos(2πu2) is returned
//            first, z1 = √(−2 ln u1)·sin(2πu2) second; then a fresh pair is drawn.
import { mat, type Mat } from './mat.ts';

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) >>> 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** Deterministic random numbers (xoshiro128**), uniform and standard normal. */
export class Rng {
  #s0: number;
  #s1: number;
  #s2: number;
  #s3: number;
  #spare: number | null = null;

  /** @param seed any number; it is reduced to a uint32. */
  constructor(seed: number) {
    const st = { s: seed >>> 0 };
    this.#s0 = splitmix32(st);
    this.#s1 = splitmix32(st);
    this.#s2 = splitmix32(st);
    this.#s3 = splitmix32(st);
    if ((this.#s0 | this.#s1 | this.#s2 | this.#s3) === 0) this.#s0 = 1; // all-zero state is absorbing
  }

  /** An Rng with an explicit xoshiro128** state (not all zero), e.g. to check reference vectors. */
  static fromState(s0: number, s1: number, s2: number, s3: number): Rng {
    const rng = new Rng(0);
    rng.#s0 = s0 >>> 0;
    rng.#s1 = s1 >>> 0;
    rng.#s2 = s2 >>> 0;
    rng.#s3 = s3 >>> 0;
    if ((rng.#s0 | rng.#s1 | rng.#s2 | rng.#s3) === 0) rng.#s0 = 1;
    return rng;
  }

  /** The next uniform uint32. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.#s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.#s1 << 9) >>> 0;
    this.#s2 = (this.#s2 ^ this.#s0) >>> 0;
    this.#s3 = (this.#s3 ^ this.#s1) >>> 0;
    this.#s1 = (this.#s1 ^ this.#s2) >>> 0;
    this.#s0 = (this.#s0 ^ this.#s3) >>> 0;
    this.#s2 = (this.#s2 ^ t) >>> 0;
    this.#s3 = rotl(this.#s3, 11);
    return result;
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  nextFloat(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A standard normal sample (Box–Muller, both values of each pair used). */
  nextGaussian(): number {
    if (this.#spare !== null) {
      const z = this.#spare;
      this.#spare = null;
      return z;
    }
    const u1 = 1 - this.nextFloat(); // (0, 1]: log is finite
    const u2 = this.nextFloat();
    const rad = Math.sqrt(-2 * Math.log(u1));
    this.#spare = rad * Math.sin(2 * Math.PI * u2);
    return rad * Math.cos(2 * Math.PI * u2);
  }
}

/** A rows×cols matrix of i.i.d. N(0, 1) samples drawn in row-major order from `rng`. */
export function randnMat(rows: number, cols: number, rng: Rng): Mat {
  const m = mat(rows, cols);
  for (let i = 0; i < m.data.length; i++) m.data[i] = rng.nextGaussian();
  return m;
}

/**
 * The seed used for head `head` of a multi-head call with base seed `seed`: heads get independent
 * streams, and head 0 uses `seed` itself (so a one-head call matches head 0 of a many-head call).
 */
export function headSeed(seed: number, head: number): number {
  return ((seed >>> 0) + Math.imul(head, 0x9e3779b9)) >>> 0;
}
