// Haystacks: the filler that brings a prompt to its length, as a stream of pieces (each written
// with its leading space) into which needles are inserted at chosen depths.
import { essayWords } from '../wikitext.ts';
import type { Random } from './random.ts';

/** RULER's noise haystack, repeated sentence by sentence. */
export const NOISE_SENTENCES = [
  'The grass is green.',
  'The sky is blue.',
  'The sun is yellow.',
  'Here we go.',
  'There and back again.',
] as const;

/** What fills a needle task: RULER noise, WikiText prose, or distractor needles. */
export type HaystackKind = 'noise' | 'essay' | 'needle';

/** A stream of filler pieces; the fitter takes as many as the length needs. */
export interface Haystack {
  kind: HaystackKind;
  /** Piece i, with its leading separator. */
  piece(i: number): string;
  /** Whether piece counts may be cached (pieces recur). */
  readonly cachePieces: boolean;
  /** Whether text may be inserted right after piece i (a sentence ends there). */
  boundaryAfter(i: number): boolean;
}

/** The noise sentences word by word (a whole sentence is too coarse a step for short prompts in byte-level tokenizers). */
const NOISE_WORDS = NOISE_SENTENCES.flatMap((s) => s.split(' '));

/** RULER's noise sentences, repeated. */
export function noiseHaystack(): Haystack {
  const word = (i: number): string => NOISE_WORDS[i % NOISE_WORDS.length] as string;
  return {
    kind: 'noise',
    piece: (i) => ` ${word(i)}`,
    cachePieces: true,
    boundaryAfter: (i) => word(i).endsWith('.'),
  };
}

/** WikiText prose as words, starting at a random word of the corpus and wrapping around. */
export function essayHaystack(random: Random): Haystack & { start: number } {
  const words = essayWords();
  // Start at the beginning of a random sentence.
  let start = random.int(0, words.length - 1);
  for (let k = 0; k < words.length && !/[.!?]["')]?$/.test(words[(start + words.length - 1) % words.length] as string); k++) {
    start = (start + 1) % words.length;
  }
  const word = (i: number): string => words[(start + i) % words.length] as string;
  return {
    kind: 'essay',
    start,
    piece: (i) => ` ${word(i)}`,
    cachePieces: true,
    boundaryAfter: (i) => /[.!?]["')]?$/.test(word(i)),
  };
}

/**
 * A haystack of distractor sentences made by `make(i)` (e.g. needles with other keys), split into
 * runs of letters, digits and punctuation (a UUID is ~25 tokens, too coarse a step to meet a short
 * length within 1%); text is inserted only between whole sentences. Memoized.
 */
export function generatedHaystack(make: (i: number) => string): Haystack {
  const words: string[] = [];
  const lastOfSentence: boolean[] = [];
  let sentences = 0;
  const extend = (i: number): void => {
    while (words.length <= i) {
      const ws = ` ${make(sentences++)}`.match(/ ?(?:[A-Za-z]+|\d+|[^A-Za-z\d\s]+)/g) ?? [];
      ws.forEach((w, k) => {
        words.push(w);
        lastOfSentence.push(k === ws.length - 1);
      });
    }
  };
  return {
    kind: 'needle',
    piece: (i) => {
      extend(i);
      return words[i] as string;
    },
    // Most runs recur (" One", " of", " magic"…); the counter's cache bounds itself.
    cachePieces: true,
    boundaryAfter: (i) => {
      extend(i);
      return lastOfSentence[i] as boolean;
    },
  };
}

/** A sentence to hide in a haystack. */
export interface Insertion {
  /** Relative depth in [0, 1]: 0 before the first piece, 1 after the last. */
  depth: number;
  /** The sentence to insert (no leading space). */
  text: string;
}

/** A haystack with its insertions in place. */
export interface Assembled {
  text: string;
  /** Realized depth of each insertion (piece index / n), in the order given. */
  depths: number[];
}

/**
 * The first n pieces with the insertions placed at their depths, each moved forward to the next
 * sentence boundary. Insertions at the same position keep their given order.
 */
export function assemble(h: Haystack, n: number, insertions: readonly Insertion[]): Assembled {
  const positions = insertions.map((ins) => {
    let p = Math.min(n, Math.max(0, Math.floor(ins.depth * n)));
    while (p > 0 && p < n && !h.boundaryAfter(p - 1)) p++;
    return p;
  });
  const order = insertions.map((_, i) => i).sort((a, b) => (positions[a] as number) - (positions[b] as number) || a - b);
  const parts: string[] = [];
  let next = 0;
  for (const k of order) {
    const p = positions[k] as number;
    for (; next < p; next++) parts.push(h.piece(next));
    parts.push(` ${(insertions[k] as Insertion).text}`);
  }
  for (; next < n; next++) parts.push(h.piece(next));
  return { text: parts.join('').trimStart(), depths: positions.map((p) => (n === 0 ? 0 : p / n)) };
}

/** RULER's needle depths: 40 evenly spaced percentages from 0 to 100. */
export const DEPTHS = Array.from({ length: 40 }, (_, i) => Math.round((i * 100) / 39) / 100);
