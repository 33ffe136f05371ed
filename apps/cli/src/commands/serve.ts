// `lrqk serve --model DIR [--attention lrqk …] [--port N] [--api-key KEY]`: serves one model over
// an OpenAI-compatible HTTP API (@lrqk/server): /v1/models, /v1/completions,
// /v1/chat/completions (SSE with stream: true), /health and Prometheus /metrics. Logs are pino
// JSON lines on stderr; stdout gets one line with the address once the server listens. SIGINT or
// SIGTERM shut down gracefully (in-flight requests get --shutdown-grace seconds, then are
// cancelled); a second signal exits at once.
import { Command, Option } from '@commander-js/extra-typings';
import { CliError } from '../errors.ts';
import { addModelOptions, openModelEngine, parseModelOptions } from '../model-options.ts';

function int(v: unknown, flag: string, min: number): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min) throw new CliError(`${flag} must be an integer ≥ ${min}, got '${String(v)}'`);
  return n;
}

function seconds(v: unknown, flag: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new CliError(`${flag} must be a number of seconds ≥ 0, got '${String(v)}'`);
  return n;
}

export function serveCommand() {
  const cmd = new Command('serve')
    .description('serve a model over an OpenAI-compatible HTTP API (completions, chat, streaming, metrics)')
    .addOption(new Option('--host <host>', 'address to listen on').default('127.0.0.1'))
    .addOption(new Option('-p, --port <port>', 'port to listen on (0 = any free port)').default('8000'))
    .addOption(new Option('--api-key <key>', 'require "Authorization: Bearer <key>" on /v1/*').env('LRQK_API_KEY'))
    .addOption(new Option('--served-model-name <name>', 'the model id clients send (default: the directory name)'))
    .addOption(new Option('--max-concurrent <n>', 'generations running at once').default('1'))
    .addOption(new Option('--max-queue <n>', 'requests waiting for a slot before 429').default('64'))
    .addOption(new Option('--request-timeout <s>', 'per-request limit, seconds (0 = none)').default('600'))
    .addOption(new Option('--max-body-bytes <n>', 'largest request body').default(String(16 * 1024 * 1024)))
    .addOption(new Option('--shutdown-grace <s>', 'seconds in-flight requests get to finish on SIGINT/SIGTERM').default('30'))
    .addOption(new Option('--log-level <level>', 'server log level (stderr)').choices(['silent', 'error', 'warn', 'info', 'debug']).default('info'));
  addModelOptions(cmd);
  cmd.action(async (raw) => {
    const all = raw as Record<string, unknown>;
    const model = parseModelOptions(all);
    const o = raw as { host: string; port: string; apiKey?: string; servedModelName?: string; maxConcurrent: string; maxQueue: string; requestTimeout: string; maxBodyBytes: string; shutdownGrace: string; logLevel: 'silent' | 'error' | 'warn' | 'info' | 'debug' };
    const port = int(o.port, '--port', 0);
    if (port > 65535) throw new CliError(`--port must be at most 65535, got ${port}`);
    const options = {
      attention: model.attention,
      maxConcurrent: int(o.maxConcurrent, '--max-concurrent', 1),
      maxQueue: int(o.maxQueue, '--max-queue', 0),
      requestTimeoutMs: seconds(o.requestTimeout, '--request-timeout') * 1000,
      maxBodyBytes: int(o.maxBodyBytes, '--max-body-bytes', 1024),
      logger: model.quiet && o.logLevel === 'info' ? ('warn' as const) : o.logLevel,
      ...(o.apiKey ? { apiKey: o.apiKey } : {}),
      ...(o.servedModelName ? { modelName: o.servedModelName } : {}),
    };
    const graceMs = seconds(o.shutdownGrace, '--shutdown-grace') * 1000;
    const { createServer } = await import('@lrqk/server');
    const engine = await openModelEngine(model);
    try {
      const server = createServer(engine, options);
      let address;
      try {
        address = await server.listen({ port, host: o.host });
      } catch (error) {
        throw new CliError(`cannot listen on ${o.host}:${port}: ${(error as Error).message}`);
      }
      process.stdout.write(`lrqk serve: ${options.modelName ?? engine.modelId} at ${address.url}/v1 (attention ${model.attention.method}${options.apiKey ? ', API key required' : ''})\n`);
      await new Promise<void>((resolve) => {
        let stopping = false;
        const onSignal = (signal: NodeJS.Signals) => {
          if (stopping) {
            process.stderr.write(`lrqk serve: ${signal} again, exiting without waiting\n`);
            process.exit(130);
          }
          stopping = true;
          process.stderr.write(`lrqk serve: ${signal}, shutting down (in-flight requests get ${graceMs / 1000} s)\n`);
          void server.close({ graceMs }).then(() => {
            process.off('SIGINT', onSignal);
            process.off('SIGTERM', onSignal);
            resolve();
          });
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
    } finally {
      await engine.dispose();
    }
  });
  return cmd;
}
