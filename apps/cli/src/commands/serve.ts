// `lrqk serve`: serve a model over an OpenAI-compatible HTTP API. (Placeholder until its issue lands; the command exists so main.ts is stable.)
import { Command } from '@commander-js/extra-typings';
import { CliError } from '../errors.ts';

export function serveCommand(): Command {
  return new Command('serve').description('serve a model over an OpenAI-compatible HTTP API (not available yet)').action(() => {
    throw new CliError('lrqk serve is not available in this build yet');
  });
}
