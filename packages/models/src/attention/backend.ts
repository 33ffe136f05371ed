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
