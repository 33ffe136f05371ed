// `lrqk chat`: chat with a model in the terminal. (Placeholder until its issue lands; the command exists so main.ts is stable.)
import { Command } from '@commander-js/extra-typings';
import { CliError } from '../errors.ts';

export function chatCommand(): Command {
  return new Command('chat').description('chat with a model in the terminal (not available yet)').action(() => {
    throw new CliError('lrqk chat is not available in this build yet');
  });
}
