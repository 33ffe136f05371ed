#!/usr/bin/env node
// The `lrqk` command line. Runs from source with `node --conditions=source apps/cli/src/main.ts`
// (Node >= 22.18 strips the types) or built as dist/main.js.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from '@commander-js/extra-typings';
import { chatCommand } from './commands/chat.ts';
import { demoCommand } from './commands/demo.ts';
import { evalCommand } from './commands/eval.ts';
import { generateCommand } from './commands/generate.ts';
import { inspectCommand } from './commands/inspect.ts';
import { serveCommand } from './commands/serve.ts';
import { synthCommand } from './commands/synth.ts';
import { reportError } from './errors.ts';

/** src/main.ts and dist/main.js both sit one level below the package root. */
function version(): string {
  const pkg: unknown = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  return typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}

const program = new Command('lrqk')
  .description('lrqk: long-context LLM inference with Low Rank Query and Key attention')
  .version(version(), '-V, --version')
  .showHelpAfterError('(run lrqk --help for usage)')
  .exitOverride()
  .addCommand(demoCommand())
  .addCommand(generateCommand())
  .addCommand(chatCommand())
  .addCommand(serveCommand())
  .addCommand(evalCommand())
  .addCommand(synthCommand())
  .addCommand(inspectCommand());

try {
  await program.parseAsync(process.argv);
} catch (e) {
  // Commander has already printed its own usage errors (and --help/--version output).
  if (e instanceof CommanderError) process.exitCode = e.exitCode;
  else process.exitCode = reportError(e);
}
