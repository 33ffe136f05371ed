// Streaming detokenization that never emits half a character.
//
// One token may hold only part of a UTF-8 character (byte-level BPE splits a 4-byte emoji over
// several tokens; SentencePiece byte fallback emits `<0xF0>`-style tokens), and decoding a token
// alone loses context (SentencePiece drops the leading space of the first piece). So, as in TGI
// and vLLM, we keep two offsets into the token list:
//   ids[prefixOffset .. readOffset)  tokens whose text was already emitted (context only),
//   ids[readOffset ..]               tokens not yet emitted.
// Each step decodes ids[prefixOffset..] and ids[prefixOffset..readOffset); when the former is
// longer and does not end in U+FFFD (an incomplete character), the difference is new text and both
// offsets move forward. Each step decodes only a few tokens, so streaming is O(1) per token.
import { TokenizerError } from './errors.ts';

/** What the decoder needs from a tokenizer. */
export interface Detokenizer {
  decode(ids: readonly number[], options?: { skipSpecialTokens?: boolean }): string;
}

export interface IncrementalDecoderOptions {
  /** Leave out special tokens (default false). */
  skipSpecialTokens?: boolean;
  /**
   * The prompt's ids: its last few tokens are used as decoding context (so the first generated
   * piece keeps its leading space with SentencePiece tokenizers); their text is not emitted.
   */
  promptIds?: readonly number[];
}

const REPLACEMENT_CHARACTER = '\uFFFD';
/** Prompt tokens kept as context (vLLM uses 5). */
const PROMPT_CONTEXT_TOKENS = 5;

export class IncrementalDecoder {
  readonly #tokenizer: Detokenizer;
  readonly #skipSpecialTokens: boolean;
  #ids: number[];
  #prefixOffset = 0;
  #readOffset: number;

  constructor(tokenizer: Detokenizer, options: IncrementalDecoderOptions = {}) {
    this.#tokenizer = tokenizer;
    this.#skipSpecialTokens = options.skipSpecialTokens ?? false;
    this.#ids = options.promptIds === undefined ? [] : options.promptIds.slice(-PROMPT_CONTEXT_TOKENS);
    this.#readOffset = this.#ids.length;
  }

  /** Adds one or more token ids; returns the text that became complete ('' when none did). */
  push(ids: number | readonly number[]): string {
    const list = typeof ids === 'number' ? [ids] : ids;
    let out = '';
    for (const id of list) {
      if (!Number.isInteger(id)) throw new TokenizerError(`IncrementalDecoder.push: ${id} is not a token id`);
      this.#ids.push(id);
      out += this.#step(false);
    }
    return out;
  }

  /** Returns whatever is still held back (an incomplete character decodes to U+FFFD) and resets. */
  flush(): string {
    const out = this.#step(true);
    this.#ids = [];
    this.#prefixOffset = 0;
    this.#readOffset = 0;
    return out;
  }

  /** Number of tokens pushed but whose text is not yet emitted. */
  get pendingTokens(): number {
    return this.#ids.length - this.#readOffset;
  }

  #step(final: boolean): string {
    if (this.#readOffset === this.#ids.length) return '';
    const decodeOptions = { skipSpecialTokens: this.#skipSpecialTokens };
    const prefixText = this.#tokenizer.decode(this.#ids.slice(this.#prefixOffset, this.#readOffset), decodeOptions);
    const newText = this.#tokenizer.decode(this.#ids.slice(this.#prefixOffset), decodeOptions);
    if (!final && (newText.length <= prefixText.length || newText.endsWith(REPLACEMENT_CHARACTER))) return '';
    // Drop ids that are no longer needed as context, so the list does not grow without bound.
    this.#ids = this.#ids.slice(this.#readOffset);
    this.#prefixOffset = 0;
    this.#readOffset = this.#ids.length;
    return newText.slice(prefixText.length);
  }
}
