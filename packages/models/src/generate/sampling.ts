// Token choice from f32 logits. Greedy and plain sampling without a repetition penalty run on the
// device (argmax / sampleLogits, one id back per step); a repetition penalty needs the logits of
// already-seen tokens changed, which is done on the host copy of the row.
import { argmax, sampleLogits, Tensor } from '@lrqk/tensor';

export interface SamplingParams {
  /** 0 = greedy. Default 0. */
  temperature?: number;
  topK?: number;
  topP?: number;
  minP?: number;
  /** HF semantics: seen tokens' logits divided (if > 0) or multiplied (if < 0) by this. */
  repetitionPenalty?: number;
  seed?: number;
}

/** mulberry32: a small seeded generator; one uniform per sampled token. */
export class SeededRandom {
  #a: number;
  constructor(seed: number) {
    this.#a = seed >>> 0;
  }
  next(): number {
    this.#a = (this.#a + 0x6d2b79f5) >>> 0;
    let t = this.#a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

export function validateSampling(p: SamplingParams): void {
  const bad = (m: string) => {
    throw new RangeError(`sampling: ${m}`);
  };
  if (p.temperature !== undefined && !(p.temperature >= 0)) bad(`temperature must be ≥ 0, got ${p.temperature}`);
  if (p.topK !== undefined && !(Number.isInteger(p.topK) && p.topK >= 0)) bad(`topK must be a non-negative integer, got ${p.topK}`);
  if (p.topP !== undefined && !(p.topP > 0 && p.topP <= 1)) bad(`topP must be in (0, 1], got ${p.topP}`);
  if (p.minP !== undefined && !(p.minP >= 0 && p.minP <= 1)) bad(`minP must be in [0, 1], got ${p.minP}`);
  if (p.repetitionPenalty !== undefined && !(p.repetitionPenalty > 0)) bad(`repetitionPenalty must be > 0, got ${p.repetitionPenalty}`);
}

/** Picks the next token from logits (1, V) f32. */
export function chooseToken(logits: Tensor, params: SamplingParams, rng: SeededRandom, seen: ReadonlySet<number>): number {
  const greedy = !params.temperature;
  const penalty = params.repetitionPenalty ?? 1;
  if (penalty !== 1 && seen.size > 0) {
    const row = logits.toFloat32Array();
    for (const id of seen) {
      const v = row[id]!;
      row[id] = v > 0 ? v / penalty : v * penalty;
    }
    const fixed = Tensor.from(row, logits.shape, { dtype: 'f32', device: logits.device });
    try {
      return chooseToken(fixed, { ...params, repetitionPenalty: 1 }, rng, seen);
    } finally {
      fixed.dispose();
    }
  }
  if (greedy) {
    const id = argmax(logits, { indexDType: 'i32' });
    try {
      return id.toArray()[0]!;
    } finally {
      id.dispose();
    }
  }
  const u = Tensor.from([rng.next()], [1], { dtype: 'f32', device: logits.device });
  try {
    const id = sampleLogits(logits, u, {
      temperature: params.temperature!,
      ...(params.topK ? { topK: params.topK } : {}),
      ...(params.topP !== undefined ? { topP: params.topP } : {}),
      ...(params.minP !== undefined ? { minP: params.minP } : {}),
    });
    try {
      return id.toArray()[0]!;
    } finally {
      id.dispose();
    }
  } finally {
    u.dispose();
  }
}
