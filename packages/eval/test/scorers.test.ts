// Scorers against hand-computed cases (worked out in the comments) and, for difflib's ratio,
// against Python's own difflib (fixtures/difflib-cases.json from fixtures/difflib-cases.py).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  classificationScore,
  codeSimScore,
  countScore,
  fuzzRatio,
  normalizeAnswer,
  postprocessPrediction,
  qaF1Score,
  qaF1ZhScore,
  retrievalScore,
  retrievalZhScore,
  rougeL,
  scoreLongBench,
  scoreRuler,
  sequenceMatcherRatio,
  stringMatchAll,
  stringMatchPart,
} from '../src/index.ts';

describe('RULER string match', () => {
  it('all: the share of references found, case-insensitive', () => {
    expect(stringMatchAll('The numbers are 123 and 456.', ['123', '456', '789'])).toBeCloseTo(2 / 3, 12);
    expect(stringMatchAll('ALPHA-beta', ['alpha-BETA'])).toBe(1);
    expect(stringMatchAll('nothing', ['x'])).toBe(0);
  });
  it('part: 1 when any reference is found', () => {
    expect(stringMatchPart('it is 456', ['123', '456'])).toBe(1);
    expect(stringMatchPart('it is 4 5 6', ['123', '456'])).toBe(0);
  });
  it('predictions are stripped and control characters become newlines', () => {
    expect(postprocessPrediction('  a\x01b\t ')).toBe('a\nb');
    // "12\x0034" must not match "1234" after the control character became a newline.
    expect(scoreRuler('string_match_all', ' 12\x0034', ['1234'])).toBe(0);
    expect(scoreRuler('string_match_part', ' Paris.', ['paris', 'Lyon'])).toBe(1);
  });
});

describe('LongBench QA F1', () => {
  it('normalizes like SQuAD: lowercase, punctuation, articles, whitespace', () => {
    expect(normalizeAnswer('The  Eiffel-Tower, in Paris!')).toBe('eiffeltower in paris');
    expect(normalizeAnswer('an apple a day (the end)')).toBe('apple day end');
    expect(normalizeAnswer('theater')).toBe('theater');
  });
  it('F1 over token multisets', () => {
    // pred tokens [eiffel, tower, in, paris], truth [eiffel, tower]: P = 2/4, R = 1, F1 = 2/3.
    expect(qaF1Score('The Eiffel Tower, in Paris.', 'Eiffel Tower')).toBeCloseTo(2 / 3, 12);
    // pred [x, y, y, z], truth [y, y, y]: common 2, P = 1/2, R = 2/3, F1 = 4/7.
    expect(qaF1Score('x y y z', 'y y y')).toBeCloseTo(4 / 7, 12);
    expect(qaF1Score('the', 'a')).toBe(0);
  });
  it('Chinese F1 segments per character', () => {
    // pred 北京 市 → [北, 京, 市], truth [北, 京]: P = 2/3, R = 1, F1 = 0.8.
    expect(qaF1ZhScore('北京市。', '北京')).toBeCloseTo(0.8, 12);
  });
});

describe('ROUGE-L (summary level, as the rouge package)', () => {
  it('one sentence each: distinct LCS words over distinct words', () => {
    // ref/hyp distinct words: 5 each; LCS "the cat on the mat" has distinct words {the, cat, on, mat}:
    // R = P = 4/5, F = 2·0.64/(1.6 + 1e-8).
    expect(rougeL('the cat sat on the mat', 'the cat is on the mat')).toBeCloseTo((2 * 0.64) / (1.6 + 1e-8), 12);
  });
  it('sentences split at "." and the LCS union over sentence pairs', () => {
    // hyp [a b | c d], ref [a c | b d]: ref "a c" → {a} ∪ {c}; ref "b d" → {b} ∪ {d}; union 4 of 4 words.
    expect(rougeL('a b. c d', 'a c. b d')).toBeCloseTo(2 / (2 + 1e-8), 12);
    // The same text without the sentence split would have LCS 3 ("a c d"): F = 0.75.
    expect(rougeL('a b c d', 'a c b d')).toBeCloseTo((2 * 0.75 * 0.75) / (1.5 + 1e-8), 12);
  });
  it('an empty hypothesis scores 0 (LongBench catches rouge\'s error)', () => {
    expect(rougeL('', 'some text')).toBe(0);
    expect(scoreLongBench('gov_report', '...', ['A summary.'])).toBe(0);
  });
});

describe('LongBench classification, retrieval, count', () => {
  const classes = ['Abbreviation', 'Entity', 'Description', 'Human', 'Location', 'Numeric value'];
  it('classification: 1/|classes named| when the truth is among them', () => {
    expect(classificationScore('Human', 'Human', classes)).toBe(1);
    expect(classificationScore('Human or Location', 'Human', classes)).toBe(0.5);
    expect(classificationScore('Entity', 'Human', classes)).toBe(0);
  });
  it('classification drops classes contained in the truth, skipping as Python does', () => {
    expect(classificationScore('Numeric value', 'Numeric value', ['Numeric', 'Numeric value'])).toBe(1);
    // [A, AB, ABC]: removing A shifts AB under the iterator, which then skips it: [AB, ABC] → 1/2.
    expect(classificationScore('ABC', 'ABC', ['A', 'AB', 'ABC'])).toBe(0.5);
  });
  it('retrieval and count: the share of numbers in the prediction that are right', () => {
    expect(retrievalScore('Paragraph 12', 'Paragraph 12')).toBe(1);
    expect(retrievalScore('Paragraph 3 or Paragraph 12', 'Paragraph 12')).toBe(0.5);
    expect(retrievalScore('no idea', 'Paragraph 12')).toBe(0);
    expect(retrievalZhScore('答案是段落5', '段落5')).toBe(1);
    expect(countScore('There are 7 unique, not 8', '7')).toBe(0.5);
  });
  it('trec/triviaqa/samsum/lsht are scored on the first line; the best ground truth counts', () => {
    expect(scoreLongBench('trec', '\nHuman\nLocation', ['Human'], classes)).toBe(1);
    expect(scoreLongBench('triviaqa', 'Paris\nor maybe London', ['London', 'Paris'])).toBe(1);
    expect(scoreLongBench('hotpotqa', 'Paris, France', ['Lyon', 'Paris'])).toBeCloseTo(2 / 3, 12);
    expect(() => scoreLongBench('nope', 'x', ['x'])).toThrow(/no LongBench metric/);
  });
});

describe('code similarity (fuzzywuzzy ratio on difflib)', () => {
  it('hand-computed cases', () => {
    // Blocks "x = foo(" (8) and ")" (1): ratio 18/20 → 90.
    expect(codeSimScore('```python\nx = foo(1)\n```', 'x = foo(2)')).toBe(0.9);
    // Lines with #, ` or // are skipped; no usable line → "" → 0.
    expect(codeSimScore('# comment\n// c\n', 'x')).toBe(0);
    // 2·5/16 = 0.625 → 62.5 → Python's round → 62.
    expect(fuzzRatio('abcdefgh', 'abcdexyz')).toBe(62);
    expect(fuzzRatio('same', 'same')).toBe(100);
  });
  it('matches Python difflib, autojunk included', () => {
    const cases = JSON.parse(readFileSync(new URL('./fixtures/difflib-cases.json', import.meta.url), 'utf8')) as {
      a: string;
      b: string;
      ratio: number;
      fuzz: number;
    }[];
    expect(cases.some((c) => Array.from(c.b).length >= 200)).toBe(true);
    for (const c of cases) {
      expect(sequenceMatcherRatio(c.a, c.b), `${c.a} | ${c.b}`).toBeCloseTo(c.ratio, 12);
      expect(fuzzRatio(c.a, c.b)).toBe(c.fuzz);
    }
  });
});
