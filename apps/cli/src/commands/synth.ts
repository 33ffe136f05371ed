// `lrqk synth`: write a random-weight checkpoint with a real config and tokenizer. (Placeholder until its issue lands; the command exists so main.ts is stable.)
import { Command } from '@commander-js/extra-typings';
import { CliError } from '../errors.ts';

export function synthCommand(): Command {
  return new Command('synth').description('write a random-weight checkpoint with a real config and tokenizer (not available yet)').action(() => {
    throw new CliError('lrqk synth is not available in this build yet');
  });
}
