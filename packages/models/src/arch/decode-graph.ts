// Decode steps as one CUDA graph launch. At batch 1 a Llama decode step is ~13 kernels a layer
// (~420 for Llama-3.1-8B; LRQK adds ~15 more a layer), each a few microseconds of GPU time but
// 10-40 µs of host-side submission through JS and N-API; the host, not HBM, then sets the pace.
// Capturing the step once and replaying it costs one launch a token. What changes between tokens
// (the token id, its position, the cache length) lives in a small device tensor written before
// each replay; what a capture bakes in for a bounded stretch of lengths (LRQK's proxy-score rows)
// is captured again when the sequence outgrows it.
import { captureGraph, Tensor, type CudaGraph } from '@lrqk/tensor';
import type { AttentionBackend } from '../attention/backend.ts';
import type { LlamaModel } from './llama.ts';

/** One decode step at a time through a captured graph; see {@link LlamaDecodeGraph.create}. */
export class LlamaDecodeGraph {
  readonly #model: LlamaModel;
  readonly #backend: AttentionBackend;
  readonly #maxTokens: number;
  readonly #vocabSize: number;
  /** [token id, position, length after the step], i32 on the device; the graph reads it. */
  readonly #state: Tensor;
  readonly #logits: Tensor;
  #graph: CudaGraph | undefined;
  /** Largest cache length the current graph serves. */
  #horizon = 0;
  /** Graphs captured so far (1 + re-captures), for tests and reports. */
  captures = 0;

  private constructor(model: LlamaModel, backend: AttentionBackend, maxTokens: number, state: Tensor, logits: Tensor) {
    this.#model = model;
    this.#backend = backend;
    this.#maxTokens = maxTokens;
    this.#vocabSize = logits.size(1);
    this.#state = state;
    this.#logits = logits;
  }

  /**
   * Captures `model`'s decode step over `backend`, or returns undefined when the pair cannot
   * replay a fixed graph now: not on CUDA, a backend without `forwardGraphDecode` (offload, a
   * sliding window) or whose graphHorizon() is undefined at its length (LRQK before every layer
   * is sparse), rope scaling that depends on the length (dynamic NTK), or LRQK_CUDA_GRAPHS=0.
   * Capture records and runs nothing; call after one eager decode step so that lazily created
   * library state (cuBLAS handles, kernel attributes) exists.
   */
  static create(model: LlamaModel, backend: AttentionBackend): LlamaDecodeGraph | undefined {
    if (model.device !== 'cuda' || process.env['LRQK_CUDA_GRAPHS'] === '0') return undefined;
    const maxTokens = backend.maxTokens;
    if (backend.forwardGraphDecode === undefined || maxTokens === undefined) return undefined;
    if (backend.graphHorizon !== undefined && backend.graphHorizon(backend.length) === undefined) return undefined;
    if (!model.prepareRope(maxTokens)) return undefined;
    const state = Tensor.zeros([3], { dtype: 'i32', device: 'cuda' });
    const logits = Tensor.empty([1, model.spec.vocabSize], { dtype: 'f32', device: 'cuda' });
    const g = new LlamaDecodeGraph(model, backend, maxTokens, state, logits);
    try {
      g.#capture(backend.length);
      return g;
    } catch (e) {
      g.dispose();
      // A shape the device-length kernels do not cover (e.g. head_dim 16): decode eagerly.
      if ((e as { code?: unknown }).code === 'LRQK_UNSUPPORTED') return undefined;
      throw e;
    }
  }

  /** (Re)captures the step for cache lengths from `length` up to the backend's horizon. */
  #capture(length: number): void {
    const horizon = this.#backend.graphHorizon ? this.#backend.graphHorizon(length) : this.#maxTokens;
    if (horizon === undefined) throw new Error(`LlamaDecodeGraph: the ${this.#backend.name} backend cannot decode through a graph at length ${length}`);
    this.#graph?.dispose();
    this.#graph = undefined;
    const s = this.#state;
    const step = { position: s.slice(0, 1, 2), length: s.slice(0, 2, 3), horizon };
    this.#graph = captureGraph(() => this.#model.decodeStepOnDevice(s.slice(0, 0, 1), step, this.#backend, this.#logits));
    this.#horizon = horizon;
    this.captures++;
  }

  /**
   * Decodes `token` at `position` (the backend's length): replays the graph (captured again first
   * when the position passed its horizon) and advances the backend. Returns the (1, V) f32 logits
   * as a new tensor the caller disposes.
   */
  step(token: number, position: number): Tensor {
    if (this.#graph === undefined) throw new Error('LlamaDecodeGraph: disposed');
    if (position !== this.#backend.length) throw new Error(`LlamaDecodeGraph: position ${position} is not the cache length ${this.#backend.length}`);
    // The graph's embedding lookup does not check on the device (a check would synchronize).
    if (!(Number.isInteger(token) && token >= 0 && token < this.#vocabSize)) throw new RangeError(`decode: token id ${token} is outside the vocabulary [0, ${this.#vocabSize})`);
    if (position + 1 > this.#maxTokens) throw new RangeError(`decode: position ${position} is past the cache capacity of ${this.#maxTokens} tokens`);
    if (position + 1 > this.#horizon) this.#capture(position);
    // Stream-ordered after the previous replay, so that replay has finished reading the old values.
    const values = Tensor.from([token, position, position + 1], [3], { dtype: 'i32' });
    try {
      this.#state.copyFrom(values);
    } finally {
      values.dispose();
    }
    this.#graph!.replay();
    this.#backend.endStep?.({ start: position, tokens: 1, decode: true });
    return Tensor.empty(this.#logits.shape, { dtype: 'f32', device: 'cuda' }).copyFrom(this.#logits);
  }

  dispose(): void {
    this.#graph?.dispose();
    this.#graph = undefined;
    this.#state.dispose();
    this.#logits.dispose();
  }
}
