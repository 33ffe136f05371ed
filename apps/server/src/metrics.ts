// Prometheus metrics (prom-client, one registry per server so several servers in one process do not
// collide). Names mirror vLLM's with the `lrqk:` prefix, so existing dashboards need only a rename.
import { memoryStats } from '@lrqk/tensor';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { BackendTracker } from './backends.ts';
import type { RequestQueue } from './queue.ts';

const latencyBuckets = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640];
const tokenBuckets = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000];
/** Window over which lrqk:avg_generation_throughput_toks_per_s averages. */
const THROUGHPUT_WINDOW_MS = 10_000;

export interface FinishedRequest {
  finishReason: string;
  promptTokens: number;
  completionTokens: number;
  /** Arrival → first generated token, seconds (includes queueing and prefill). */
  ttftSeconds: number | null;
  /** Mean time between generated tokens after the first, seconds. */
  tpotSeconds: number | null;
  e2eSeconds: number;
  queueSeconds: number;
}

export class ServerMetrics {
  readonly registry = new Registry();
  readonly #httpRequests: Counter<'endpoint' | 'status'>;
  readonly #success: Counter<'finished_reason'>;
  readonly #rejected: Counter<'reason'>;
  readonly #promptTokens: Counter;
  readonly #generationTokens: Counter;
  readonly #ttft: Histogram;
  readonly #tpot: Histogram;
  readonly #e2e: Histogram;
  readonly #queueTime: Histogram;
  readonly #promptHist: Histogram;
  readonly #generationHist: Histogram;
  /** (time ms, tokens) of recent generated tokens, for the throughput gauge. */
  readonly #recentTokens: Array<[number, number]> = [];
  #e2eSum = 0;
  #e2eCount = 0;

  constructor(queue: RequestQueue, backends: BackendTracker, labels: { model: string }) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ model_name: labels.model });
    this.#httpRequests = new Counter({ name: 'lrqk:http_requests_total', help: 'HTTP requests by endpoint and status code', labelNames: ['endpoint', 'status'], registers });
    this.#success = new Counter({ name: 'lrqk:request_success_total', help: 'Finished generation requests by finish reason', labelNames: ['finished_reason'], registers });
    this.#rejected = new Counter({ name: 'lrqk:request_rejected_total', help: 'Requests refused or cut short (queue_full, timeout, client_gone, shutdown)', labelNames: ['reason'], registers });
    this.#promptTokens = new Counter({ name: 'lrqk:prompt_tokens_total', help: 'Prefill tokens processed', registers });
    this.#generationTokens = new Counter({ name: 'lrqk:generation_tokens_total', help: 'Tokens generated', registers });
    this.#ttft = new Histogram({ name: 'lrqk:time_to_first_token_seconds', help: 'Arrival to first generated token (queueing + prefill)', buckets: latencyBuckets, registers });
    this.#tpot = new Histogram({ name: 'lrqk:time_per_output_token_seconds', help: 'Mean time per generated token after the first', buckets: latencyBuckets, registers });
    this.#e2e = new Histogram({ name: 'lrqk:e2e_request_latency_seconds', help: 'Arrival to last token', buckets: latencyBuckets, registers });
    this.#queueTime = new Histogram({ name: 'lrqk:request_queue_time_seconds', help: 'Time spent waiting for a generation slot', buckets: latencyBuckets, registers });
    this.#promptHist = new Histogram({ name: 'lrqk:request_prompt_tokens', help: 'Prompt tokens per request', buckets: tokenBuckets, registers });
    this.#generationHist = new Histogram({ name: 'lrqk:request_generation_tokens', help: 'Generated tokens per request', buckets: tokenBuckets, registers });
    new Gauge({ name: 'lrqk:num_requests_running', help: 'Requests holding a generation slot', registers, collect() { this.set(queue.running); } });
    new Gauge({ name: 'lrqk:num_requests_waiting', help: 'Requests waiting for a generation slot (queue depth)', registers, collect() { this.set(queue.waiting); } });
    const recent = this.#recentTokens;
    new Gauge({
      name: 'lrqk:avg_generation_throughput_toks_per_s',
      help: `Generated tokens per second over the last ${THROUGHPUT_WINDOW_MS / 1000} s`,
      registers,
      collect() {
        const now = performance.now();
        while (recent.length > 0 && recent[0]![0] < now - THROUGHPUT_WINDOW_MS) recent.shift();
        this.set(recent.reduce((s, [, n]) => s + n, 0) / (THROUGHPUT_WINDOW_MS / 1000));
      },
    });
    new Gauge({ name: 'lrqk:kv_cache_live_backends', help: 'Attention backends (per-request KV caches) alive', registers, collect() { this.set(backends.totals().live); } });
    new Gauge({
      name: 'lrqk:kv_cache_bytes',
      help: 'Bytes held by live per-request KV caches',
      labelNames: ['location'],
      registers,
      collect() {
        const t = backends.totals();
        this.set({ location: 'device' }, t.deviceBytes);
        this.set({ location: 'host' }, t.hostBytes);
      },
    });
    new Gauge({
      name: 'lrqk:kv_cache_hit_rate',
      help: 'LRQK active-set hit rate: hits / (hits + misses) since start (0 when no approximate backend ran)',
      registers,
      collect() {
        const t = backends.totals();
        this.set(t.hits + t.misses > 0 ? t.hits / (t.hits + t.misses) : 0);
      },
    });
    new Gauge({
      name: 'lrqk:gpu_memory_bytes',
      help: 'GPU memory of the tensor runtime (all zero without CUDA)',
      labelNames: ['kind'],
      registers,
      collect() {
        const m = memoryStats();
        this.set({ kind: 'allocated' }, m.allocatedBytes);
        this.set({ kind: 'reserved' }, m.reservedBytes);
        this.set({ kind: 'peak_allocated' }, m.peakAllocatedBytes);
        this.set({ kind: 'pinned' }, m.pinnedBytes);
        this.set({ kind: 'free' }, m.freeBytes);
        this.set({ kind: 'total' }, m.totalBytes);
      },
    });
  }

  http(endpoint: string, status: number): void {
    this.#httpRequests.inc({ endpoint, status: String(status) });
  }

  rejected(reason: 'queue_full' | 'timeout' | 'client_gone' | 'shutdown'): void {
    this.#rejected.inc({ reason });
  }

  /** One generated token (feeds the throughput gauge and the token counter). */
  token(): void {
    this.#generationTokens.inc();
    this.#recentTokens.push([performance.now(), 1]);
    if (this.#recentTokens.length > 100_000) this.#recentTokens.splice(0, 50_000);
  }

  finished(r: FinishedRequest): void {
    this.#success.inc({ finished_reason: r.finishReason });
    this.#promptTokens.inc(r.promptTokens);
    this.#promptHist.observe(r.promptTokens);
    this.#generationHist.observe(r.completionTokens);
    if (r.ttftSeconds !== null) this.#ttft.observe(r.ttftSeconds);
    if (r.tpotSeconds !== null) this.#tpot.observe(r.tpotSeconds);
    this.#e2e.observe(r.e2eSeconds);
    this.#e2eSum += r.e2eSeconds;
    this.#e2eCount++;
    this.#queueTime.observe(r.queueSeconds);
  }

  /** Mean of e2e latencies so far (seconds), for Retry-After; null before the first request. */
  meanLatencySeconds(): number | null {
    return this.#e2eCount > 0 ? this.#e2eSum / this.#e2eCount : null;
  }

  async text(): Promise<{ body: string; contentType: string }> {
    return { body: await this.registry.metrics(), contentType: this.registry.contentType };
  }
}
