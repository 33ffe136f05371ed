import type { Device, Tensor } from '@lrqk/tensor';

/** What an attention backend is told about the model it serves. */
export interface AttentionShape {
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  /** Largest number of tokens (prompt + generated) a sequence may reach. */
  maxTokens: number;
  dtype: 'f32' | 'f16' | 'bf16';
  device: Device;
  /** Mistral/Qwen2 sliding window (tokens), when the config enables it. */
  slidingWindow?: number;
}

/** Per-chunk context passed to a backend. */
export interface AttentionStep {
  /** Absolute position of the chunk's first token. */
  start: number;
  /** Tokens in the chunk. */
  tokens: number;
  /** True for single-token decode steps (after the prompt). */
  decode: boolean;
}

/** Device-resident values of one decode step (one i32 each), read by the kernels when they run. */
export interface DecodeStepTensors {
  /** Position of the token being decoded (the cache length before the step). */
  position: Tensor;
  /** Cache length after the step (position + 1). */
  length: Tensor;
  /**
   * Host-side constant: the largest cache length the recorded work will serve (the graph is
   * captured again beyond it), from the backend's graphHorizon() or its maxTokens.
   */
  horizon: number;
}

/** Counters a backend reports (all optional; approximate backends fill hit/miss fields). */
export interface AttentionStats {
  /** Device bytes held by the backend's caches. */
  deviceBytes: number;
  /** Host bytes held (pinned stores). */
  hostBytes: number;
  hits?: number;
  misses?: number;
  bytesHostToDevice?: number;
  bytesDeviceToHost?: number;
  /** Prefill time spent in the backend's own extra work (e.g. factorization), ms. */
  extraPrefillMs?: number;
  /**
   * Low-rank backends: (layer, factor head) pairs whose r×r decode solves needed a jitter, or
   * failed even with it, at least once (a failed step keeps the previous B_Q/B_K; nothing is NaN).
   */
  solveJitterHeads?: number;
  solveFailedHeads?: number;
  /**
   * With LRQK_PROFILE=1 (LRQK on CUDA): device milliseconds per decoded token spent in each phase
   * of the sparse decode step, summed over layers (eager steps only).
   */
  decodePhases?: Record<string, number>;
  /** Attention fidelity of an approximate backend (LRQK with `fidelity: true`). */
  fidelity?: FidelityStats;
}

/**
 * How faithful sparse attention was, measured at every sparse decode step (the sequence longer
 * than the resident slots; dense steps are exact and not counted) against exact softmax attention
 * of the step's query over every cached key. Means over the measured steps (NaN before any).
 */
export interface FidelityStats {
  layers: number;
  /** Query heads. */
  heads: number;
  /** Sparse decode steps measured (per layer). */
  steps: number;
  /**
   * Indexed by layer · heads + head: share of the exact attention probability mass that falls on the
   * attended set (selected top-k ∪ lite window, which includes the current token), 0..1.
   */
  massCaptured: Float64Array;
  /**
   * Indexed by layer · heads + head: recall of the exact top-k positions (k = the backend's top-k, by exact
   * logit, ties to the lower position) by the attended set (selected ∪ lite), 0..1.
   */
  topkRecall: Float64Array;
  /** Indexed by layer: hits / (hits + misses) of the active slots over the whole sequence, 0..1. */
  hitRate: Float64Array;
}

/**
 * The seam between model code and attention methods: the model computes post-RoPE q/k/v for a
 * chunk of tokens, and the backend stores what it needs and returns the attention output. Full
 * attention, CPU offload and LRQK all implement this; model code never changes.
 */
export interface AttentionBackend {
  readonly name: string;
  /**
   * q: (T, H, D), k/v: (T, Hkv, D) — views, possibly strided, valid only during the call.
   * Writes the attention output into `out` (T, H, D).
   */
  forward(layer: number, q: Tensor, k: Tensor, v: Tensor, out: Tensor, step: AttentionStep): void;
  /**
   * Optional: one decode token whose position and resulting cache length are read from device
   * tensors when the work runs, not from a host-side step, so that a CUDA graph can capture the
   * step once and replay it for every later token (see LlamaDecodeGraph). q: (1, H, D), k/v:
   * (1, Hkv, D), out (1, H, D). The caller checks `position < t.horizon` on the host first and
   * calls `endStep` after each replay. Backends whose decode depends on host-side decisions (the
   * offload baseline's copies) leave it out.
   */
  forwardGraphDecode?(layer: number, q: Tensor, k: Tensor, v: Tensor, out: Tensor, t: DecodeStepTensors): void;
  /** Capacity in tokens, for backends that implement forwardGraphDecode. */
  readonly maxTokens?: number;
  /**
   * Optional, with forwardGraphDecode: the largest cache length a graph captured now, at cache
   * length `length`, may serve (the caller captures again past it); undefined while the backend
   * must still decode eagerly (LRQK before every layer is sparse). Absent: maxTokens, always.
   */
  graphHorizon?(length: number): number | undefined;
  /** Called once after every layer has seen a chunk (lets backends advance per-step state). */
  endStep?(step: AttentionStep): void;
  /** Number of tokens stored so far. */
  readonly length: number;
  /** Forgets the sequence; buffers may be kept for reuse. */
  reset(): void;
  stats(): AttentionStats;
  dispose(): void;
}

/** Creates a backend for a model shape. */
export type AttentionBackendFactory = (shape: AttentionShape) => AttentionBackend;
