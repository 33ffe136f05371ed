// `lrqk eval`: evaluate attention methods (lrqk eval ruler|ppl|longbench|fidelity|gen). (Placeholder until its issue lands; the command exists so main.ts is stable.)
import { Command } from '@commander-js/extra-typings';
import { CliError } from '../errors.ts';

export function evalCommand(): Command {
  return new Command('eval').description('evaluate attention methods (lrqk eval ruler|ppl|longbench|fidelity|gen) (not available yet)').action(() => {
    throw new CliError('lrqk eval is not available in this build yet');
  });
}
