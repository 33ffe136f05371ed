// `lrqk generate`: generate text from a prompt. (Placeholder until its issue lands; the command exists so main.ts is stable.)
import { Command } from '@commander-js/extra-typings';
import { CliError } from '../errors.ts';

export function generateCommand(): Command {
  return new Command('generate').description('generate text from a prompt (not available yet)').action(() => {
    throw new CliError('lrqk generate is not available in this build yet');
  });
}
