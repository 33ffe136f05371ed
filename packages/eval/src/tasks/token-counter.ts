// Token counting for length fitting. A long prompt is built from many small pieces (words,
// sentences, list items); counting each distinct piece once and summing is close to exact for
// byte-level BPE tokenizers whose pre-tokenizer splits at spaces (checked on Llama-3.1 and Qwen3:
// the sum over " word" pieces equals the count of the joined text). The fitter then encodes the
// whole prompt once or twice to correct what is left.
import type { TokenizerLike } from './types.ts';

/** Counts tokens of whole prompts and of pieces (cached) for one tokenizer. */
export class TokenCounter {
  readonly tokenizer: TokenizerLike;
  /** Tokens that `encode` adds to any text (e.g. 1 for a BOS), subtracted from piece counts. */
  readonly overhead: number;
  readonly #cache = new Map<string, number>();

  constructor(tokenizer: TokenizerLike) {
    this.tokenizer = tokenizer;
    this.overhead = tokenizer.encode('').length;
  }

  /** Tokens of `text` as a whole prompt (with whatever `encode` adds). */
  countText(text: string): number {
    return this.tokenizer.encode(text).length;
  }

  /**
   * Tokens a piece adds when appended to a text (write it with its leading separator, e.g.
   * " word"). Cached when `cache` is true: use that for pieces that recur (haystack words).
   */
  countPiece(piece: string, cache = true): number {
    if (!cache) return this.tokenizer.encode(piece).length - this.overhead;
    let n = this.#cache.get(piece);
    if (n === undefined) {
      n = this.tokenizer.encode(piece).length - this.overhead;
      if (this.#cache.size > 500_000) this.#cache.clear();
      this.#cache.set(piece, n);
    }
    return n;
  }
}

const counters = new WeakMap<TokenizerLike, TokenCounter>();

/** The (shared, cached) counter of a tokenizer. */
export function tokenCounter(tokenizer: TokenizerLike): TokenCounter {
  let c = counters.get(tokenizer);
  if (c === undefined) {
    c = new TokenCounter(tokenizer);
    counters.set(tokenizer, c);
  }
  return c;
}
