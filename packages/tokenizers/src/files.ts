// Reading the JSON/Jinja files of a local Hugging Face model directory, with errors that name the file.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TokenizerError } from './errors.ts';

export type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a text file; `undefined` when it does not exist and `optional` is set. */
export async function readText(dir: string, name: string, optional: boolean): Promise<string | undefined> {
  const file = join(dir, name);
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && optional) return undefined;
    if (code === 'ENOENT') {
      throw new TokenizerError(`${file}: file not found (a Hugging Face model directory needs ${name})`, {
        file,
        cause: error,
      });
    }
    throw new TokenizerError(`${file}: cannot read ${name}: ${(error as Error).message}`, { file, cause: error });
  }
}

/** Reads and parses a JSON object file; `undefined` when it does not exist and `optional` is set. */
export async function readJsonObject(dir: string, name: string, optional: boolean): Promise<JsonObject | undefined> {
  const text = await readText(dir, name, optional);
  if (text === undefined) return undefined;
  const file = join(dir, name);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new TokenizerError(`${file}: ${name} is not valid JSON: ${(error as Error).message}`, {
      file,
      cause: error,
    });
  }
  if (!isObject(value)) {
    throw new TokenizerError(`${file}: ${name} must contain a JSON object`, { file });
  }
  return value;
}

export { isObject };
