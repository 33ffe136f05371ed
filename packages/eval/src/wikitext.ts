// The WikiText-2 (v1) test split shipped in data/ (CC BY-SA 3.0, Merity et al. 2016; see
// data/README.md): the perplexity corpus, and the natural-language text and word list of the
// synthetic tasks. This file sits one level below the package root in src/ and in dist/, so
// ../data resolves in both.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { EvalError } from './errors.ts';

/** One WikiText article. */
export interface WikiArticle {
  heading: string;
  /** Tokenized text as in the original release (" @-@ ", "<unk>"), paragraphs separated by "\n". */
  content: string;
}

const DATA_URL = new URL('../data/wikitext-2-v1_test.jsonl.gz', import.meta.url);

let articles: WikiArticle[] | undefined;
let essay: string[] | undefined;
let vocabulary: string[] | undefined;

/** The 62 articles of the WikiText-2 test split, in order. */
export function wikitextArticles(): readonly WikiArticle[] {
  if (articles === undefined) {
    let text: string;
    try {
      text = gunzipSync(readFileSync(DATA_URL)).toString('utf8');
    } catch (error) {
      throw new EvalError(`cannot read the WikiText-2 data shipped with @lrqk/eval (${DATA_URL.pathname})`, { cause: error });
    }
    articles = text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as WikiArticle);
  }
  return articles;
}

/**
 * The test split as one text for perplexity, in the layout of the original file: each article is
 * its " = heading = " line followed by its content, articles separated by a newline.
 */
export function wikitextTestText(): string {
  return wikitextArticles()
    .map((a) => ` = ${a.heading} = \n${a.content}`)
    .join('\n');
}

/** Undoes WikiText's tokenization enough to read as prose, and drops `<unk>`. */
export function detokenize(line: string): string {
  return line
    .replace(/ ?<unk>/g, '')
    .replace(/ @(.)@ /g, '$1')
    .replace(/" ([^"]*?) "/g, '"$1"')
    .replace(/ (n't|'s|'re|'ve|'ll|'d|'m)\b/g, '$1')
    .replace(/ ([.,;:!?%)\]])/g, '$1')
    .replace(/([(\[$]) /g, '$1')
    .replace(/ ?\(\)/g, '')
    .replace(/([,;:])(\s*[,;:])+/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The prose of every article (headings left out), detokenized, as words in order. */
export function essayWords(): readonly string[] {
  if (essay === undefined) {
    essay = [];
    for (const a of wikitextArticles()) {
      for (const line of a.content.split('\n')) {
        if (line.trim().startsWith('=')) continue;
        const prose = detokenize(line);
        if (prose !== '') for (const w of prose.split(' ')) essay.push(w);
      }
    }
  }
  return essay;
}

/** Distinct lowercase words of 4–12 letters in the prose, sorted: the vocabulary for keys and word lists. */
export function vocabularyWords(): readonly string[] {
  if (vocabulary === undefined) {
    const set = new Set<string>();
    for (const w of essayWords()) if (/^[a-z]{4,12}$/.test(w)) set.add(w);
    vocabulary = [...set].sort();
  }
  return vocabulary;
}
