import { native } from '../native.ts';
import type { Tensor } from '../tensor.ts';

declare module '../native.ts' {
  interface NativeAddon {
    randomNormal(out: Tensor, seedHi: number, seedLo: number, mean: number, std: number): void;
  }
}

/**
 * Fills `out` with N(mean, std²) samples from a counter-based generator (Philox-4x32-10 +
 * Box-Muller): the same seed gives the same values on the CPU and on the GPU, independent of
 * launch configuration. `seed` is an integer below 2^53.
 */
export function randomNormal(out: Tensor, seed: number, opts: { mean?: number; std?: number } = {}): Tensor {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`randomNormal: seed must be a non-negative safe integer, got ${seed}`);
  native.randomNormal(out, Math.floor(seed / 2 ** 32), seed % 2 ** 32, opts.mean ?? 0, opts.std ?? 1);
  return out;
}
