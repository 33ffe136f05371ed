// createServer(engine, options): the hono app with every route, plus its lifecycle — listen() on a
// port and close({ graceMs }), which stops taking requests, lets in-flight ones finish for up to
// graceMs, then cancels the rest (streams get an error event, JSON requests a 503) and closes
// every connection. The CLI (`lrqk serve`) and the tests share it.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import type { AttentionChoice } from '@lrqk/engine';
import { Hono } from 'hono';
import { pino, type Logger } from 'pino';
import { BackendTracker } from './backends.ts';
import type { ServedEngine } from './engine.ts';
import { ApiError, toApiError } from './errors.ts';
import { bearerAuth, errorResponse, limitBody } from './http.ts';
import { ServerMetrics } from './metrics.ts';
import { RequestQueue } from './queue.ts';
import { v1Routes } from './routes/v1.ts';

export interface ServerOptions {
  /** The model id clients must send (default: the engine's modelId, the directory name). */
  modelName?: string;
  /** Default attention method and LRQK parameters; requests may override both (default full). */
  attention?: AttentionChoice;
  /** When set, /v1/* requires `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Generations running at once (default 1: a CPU forward pass is synchronous native work). */
  maxConcurrent?: number;
  /** Requests waiting for a slot before new ones get 429 (default 64). */
  maxQueue?: number;
  /** Per-request limit from arrival to the last token, ms (default 600 000; 0 = none). */
  requestTimeoutMs?: number;
  /** Largest request body, bytes (default 16 MiB). */
  maxBodyBytes?: number;
  /** max_tokens of /v1/completions when absent (default 16, as OpenAI). */
  completionMaxTokens?: number;
  /** Interval of SSE keep-alive comments, ms (default 10 000). */
  keepAliveMs?: number;
  /** A pino logger, or a level for a new one on stderr (default 'info'); 'silent' for none. */
  logger?: Logger | 'silent' | 'error' | 'warn' | 'info' | 'debug';
}

export interface ListenOptions {
  /** Default 8000; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
}

export interface LrqkServer {
  /** The hono app (usable without a socket through `app.request()`). */
  readonly app: Hono;
  readonly metrics: ServerMetrics;
  /** Every per-request attention backend (live count, bytes held). */
  readonly backends: BackendTracker;
  readonly queue: RequestQueue;
  readonly logger: Logger;
  /** Requests being handled or whose response is still being written. */
  readonly inFlight: number;
  readonly closing: boolean;
  /** Starts listening; resolves with the bound address. */
  listen(options?: ListenOptions): Promise<{ host: string; port: number; url: string }>;
  /** Graceful shutdown (see the file comment). Idempotent; resolves when every request has ended and every backend is disposed. */
  close(options?: { graceMs?: number }): Promise<void>;
}

export function createServer(engine: ServedEngine, options: ServerOptions = {}): LrqkServer {
  const modelName = options.modelName ?? engine.modelId;
  const logger = typeof options.logger === 'object' ? options.logger : pino({ level: options.logger ?? 'info' }, pino.destination(2));
  const queue = new RequestQueue(options.maxConcurrent ?? 1, options.maxQueue ?? 64);
  const backends = new BackendTracker();
  const metrics = new ServerMetrics(queue, backends, { model: modelName });
  const shutdown = new AbortController();
  const timeoutMs = options.requestTimeoutMs ?? 600_000;
  // Handlers running (hono level; also counts app.request() calls) and HTTP responses not yet
  // finished on their socket (a streamed response outlives its handler; a JSON one is written
  // just after it). Shutdown waits for both.
  let inFlight = 0;
  let openResponses = 0;
  let closing = false;
  let idle: (() => void) | null = null;
  let httpServer: Server | null = null;
  let closed: Promise<void> | null = null;

  const app = new Hono();
  // Outermost: count every request, turn anything thrown into an OpenAI-style error, never crash.
  app.use(async (c, next) => {
    inFlight++;
    const t0 = performance.now();
    try {
      if (closing && c.req.path !== '/metrics') {
        c.res = errorResponse(c, new ApiError(503, 'service_unavailable_error', 'the server is shutting down', { code: 'server_shutting_down' }));
        return;
      }
      await next();
    } finally {
      const endpoint = c.req.routePath === '/*' ? 'unmatched' : c.req.routePath;
      metrics.http(endpoint, c.res.status);
      // API requests at info (one line each); health checks and scrapes only at debug.
      const level = c.req.path.startsWith('/v1/') ? 'info' : 'debug';
      logger[level]({ method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - t0) }, 'request');
      inFlight--;
      maybeIdle();
    }
  });
  app.onError((error, c) => {
    const apiError = toApiError(error);
    if (apiError.status >= 500) logger.error({ err: error, path: c.req.path }, 'request failed');
    return errorResponse(c, apiError);
  });
  app.notFound((c) => errorResponse(c, new ApiError(404, 'not_found_error', `no route ${c.req.method} ${c.req.path}`, { code: 'unknown_route' })));

  app.get('/health', (c) => c.json({ status: 'ok', model: modelName, running: queue.running, waiting: queue.waiting }));
  app.get('/metrics', async (c) => {
    const { body, contentType } = await metrics.text();
    return c.body(body, 200, { 'Content-Type': contentType });
  });
  if (options.apiKey !== undefined && options.apiKey !== '') app.use('/v1/*', bearerAuth(options.apiKey));
  app.use('/v1/*', limitBody(options.maxBodyBytes ?? 16 * 1024 * 1024));
  app.route(
    '/v1',
    v1Routes({
      deps: { engine, queue, backends, metrics },
      modelName,
      defaults: { attention: options.attention ?? { method: 'full' }, completionMaxTokens: options.completionMaxTokens ?? 16 },
      timeoutMs,
      keepAliveMs: options.keepAliveMs ?? 10_000,
      shutdown: shutdown.signal,
      logger,
      createdAt: Math.floor(Date.now() / 1000),
    }),
  );

  function maybeIdle(): void {
    if (inFlight === 0 && openResponses === 0) idle?.();
  }

  /** Resolves when no request is in flight and every response is written, or after `ms`. */
  const drained = (ms: number) =>
    new Promise<void>((resolve) => {
      if (inFlight === 0 && openResponses === 0) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        idle = null;
        resolve();
      }
      idle = done;
    });

  async function doClose(graceMs: number): Promise<void> {
    closing = true;
    const stopped = new Promise<void>((resolve) => (httpServer ? httpServer.close(() => resolve()) : resolve()));
    httpServer?.closeIdleConnections();
    await drained(graceMs);
    if (inFlight > 0 || openResponses > 0) {
      logger.info({ inFlight, openResponses }, 'grace period over: cancelling in-flight requests');
      shutdown.abort();
      // Cancelled generations stop after their current token; give them a moment to answer.
      await drained(5_000);
    }
    httpServer?.closeAllConnections();
    await stopped;
    logger.info('server closed');
  }

  return {
    app,
    metrics,
    backends,
    queue,
    logger,
    get inFlight() {
      return Math.max(inFlight, openResponses);
    },
    get closing() {
      return closing;
    },
    listen(listenOptions: ListenOptions = {}) {
      if (httpServer) return Promise.reject(new Error('listen() was already called'));
      const host = listenOptions.host ?? '127.0.0.1';
      return new Promise((resolve, reject) => {
        const server = serve({ fetch: app.fetch, port: listenOptions.port ?? 8000, hostname: host }, (info: AddressInfo) => {
          server.off('error', reject);
          const url = `http://${info.family === 'IPv6' ? `[${info.address}]` : info.address}:${info.port}`;
          logger.info({ url, model: modelName }, 'listening');
          resolve({ host: info.address, port: info.port, url });
        }) as Server;
        server.once('error', reject);
        server.on('request', (_req, res) => {
          openResponses++;
          res.once('close', () => {
            openResponses--;
            maybeIdle();
          });
        });
        httpServer = server;
      });
    },
    close(closeOptions: { graceMs?: number } = {}) {
      closed ??= doClose(closeOptions.graceMs ?? 30_000);
      return closed;
    },
  };
}
