// @lrqk/server: an OpenAI-compatible HTTP server on an lrqk engine (completions, chat completions
// with SSE streaming, models, health, Prometheus metrics), with a bounded request queue.
export { createServer, type ListenOptions, type LrqkServer, type ServerOptions } from './server.ts';
export type { ServedEngine } from './engine.ts';
export { ApiError, type ApiErrorOptions, type ApiErrorType, type ErrorBody } from './errors.ts';
export { BackendTracker, type BackendTotals, type TrackedBackend } from './backends.ts';
export { RequestQueue, QueueFullError } from './queue.ts';
export type { FinishedRequest, ServerMetrics } from './metrics.ts';
