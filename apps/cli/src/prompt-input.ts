// Where a prompt comes from: the command line, a file ('-' = stdin), or stdin when it is piped.
import { readFile } from 'node:fs/promises';
import { CliError } from './errors.ts';

async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

export interface PromptSources {
  /** Words of the positional argument(s). */
  args: readonly string[];
  /** --prompt-file; '-' reads stdin. */
  file?: string | undefined;
  stdin?: NodeJS.ReadStream;
}

/** The prompt text; throws a CliError naming the three ways to give one when there is none. */
export async function readPrompt(src: PromptSources): Promise<string> {
  const stdin = src.stdin ?? process.stdin;
  if (src.args.length > 0 && src.file !== undefined) throw new CliError('give the prompt either as an argument or with --prompt-file, not both');
  let text: string;
  if (src.args.length > 0) text = src.args.join(' ');
  else if (src.file === '-') text = await readStdin(stdin);
  else if (src.file !== undefined) {
    try {
      text = await readFile(src.file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new CliError(`--prompt-file ${src.file}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
  } else if (!stdin.isTTY) text = await readStdin(stdin);
  else throw new CliError('no prompt: pass it as an argument, with --prompt-file FILE, or on stdin');
  if (text.length === 0) throw new CliError('the prompt is empty');
  return text;
}
