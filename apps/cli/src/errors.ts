// How the CLI fails: one line on stderr and exit code 1; the stack only with LRQK_DEBUG=1.

/** An expected failure whose message is complete on its own (no stack is useful). */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** True when LRQK_DEBUG asks for stacks. */
export function debugEnabled(): boolean {
  const v = process.env.LRQK_DEBUG;
  return v !== undefined && v !== '' && v !== '0';
}

/** Prints `err` as one line (`lrqk: <name>: <message>`), or with its stack under LRQK_DEBUG=1. */
export function reportError(err: unknown): number {
  if (debugEnabled() && err instanceof Error && err.stack) {
    process.stderr.write(`${err.stack}\n`);
  } else {
    const name = err instanceof Error && !(err instanceof CliError) && err.name !== 'Error' ? `${err.name}: ` : '';
    const message = err instanceof Error ? err.message : String(err);
    // One line: later lines of multi-line messages are joined.
    process.stderr.write(`lrqk: ${name}${message.split('\n').join(' ').trim()}\n`);
  }
  return err instanceof CliError ? err.exitCode : 1;
}
