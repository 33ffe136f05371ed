// The Llama family forward pass: LlamaForCausalLM, Qwen2ForCausalLM (q/k/v bias) and
// MistralForCausalLM (sliding window) share one decoder-only structure:
//   x = embed(ids); per layer: x += o(attn(rope(q), rope(k), v)); x += down(silu(gate) * up);
//   logits = lm_head(norm(x)).
// What differs is data, not code: biases present or not, tied embeddings, rope scaling type,
// sliding window. q/k/v and gate/up are fused into one weight each at load time so that a
// decode step reads every weight once per projection group.
import {
  add,
  embedding,
  linear,
  rmsnorm,
  rope,
  ropeInvFreq,
  ropeTable,
  siluMulFused,
  Tensor,
  type Device,
  type RopeScaling,
} from '@lrqk/tensor';
import type { AttentionBackend, AttentionStep, DecodeStepTensors } from '../attention/backend.ts';
import { Scope } from '../runtime/scope.ts';
import { LlamaDecodeGraph } from './decode-graph.ts';

/** The numbers the forward pass needs (derived from config.json by the loader). */
export interface LlamaSpec {
  hiddenSize: number;
  intermediateSize: number;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  vocabSize: number;
  rmsNormEps: number;
  ropeTheta: number;
  ropeScaling: RopeScaling | null;
  maxPositionEmbeddings: number;
  partialRotaryFactor?: number;
  slidingWindow?: number;
}

export interface LlamaLayerWeights {
  inputNorm: Tensor; // (hidden)
  qkv: Tensor; // ((H + 2 Hkv) D, hidden)
  qkvBias?: Tensor; // ((H + 2 Hkv) D)
  o: Tensor; // (hidden, H D)
  oBias?: Tensor;
  postNorm: Tensor; // (hidden)
  gateUp: Tensor; // (2 I, hidden): gate rows first
  down: Tensor; // (hidden, I)
}

export interface LlamaWeights {
  embed: Tensor; // (V, hidden)
  layers: LlamaLayerWeights[];
  norm: Tensor; // (hidden)
  lmHead: Tensor; // (V, hidden); the same tensor as embed when tied
}

export interface ForwardOptions {
  /** Absolute position of ids[0]; defaults to the backend's length. */
  start?: number;
  /** Return logits for every token (perplexity) instead of only the last. */
  allLogits?: boolean;
  /**
   * True when this chunk ends the prompt (the last call before single-token decoding; default
   * true). Chunked prefill passes false for every chunk but the last, so a backend that must see
   * the whole prompt before committing (LRQK's factorization) can wait for it; passed on as
   * `AttentionStep.last`.
   */
  last?: boolean;
  /**
   * Rows per MLP pass (default 4096). The MLP's (T, 2·intermediate) activations dominate a long
   * chunk's memory (7.5 GB for 128K tokens of Llama-3.1-8B in bf16), so a chunk longer than this
   * runs its MLP in row blocks; a backend that needs the whole prompt in one call (LRQK) then still
   * has bounded MLP memory.
   */
  mlpChunkTokens?: number;
}

/** Default rows per MLP pass (see ForwardOptions.mlpChunkTokens). */
export const DEFAULT_MLP_CHUNK_TOKENS = 4096;

/** AttentionStep plus `last` (see ForwardOptions.last); backends that ignore it are unaffected. */
export type PrefillStep = AttentionStep & { last?: boolean };

/** (T, N) row-major → (T, heads, D) view of columns [col, col + heads·D). */
function headsView(t: Tensor, col: number, heads: number, headDim: number): Tensor {
  const rowStride = t.strides[0]!;
  return new Tensor(t.storage, t.dtype, [t.size(0), heads, headDim], [rowStride, headDim, 1], t.offset + col);
}

export class LlamaModel {
  readonly spec: LlamaSpec;
  readonly weights: LlamaWeights;
  readonly device: Device;
  readonly dtype: 'f32' | 'f16' | 'bf16';
  #rope: { cos: Tensor; sin: Tensor; positions: number; seqLen: number } | undefined;

  constructor(spec: LlamaSpec, weights: LlamaWeights) {
    this.spec = spec;
    this.weights = weights;
    this.device = weights.embed.device;
    const dt = weights.embed.dtype;
    if (dt !== 'f32' && dt !== 'f16' && dt !== 'bf16') throw new Error(`unsupported weight dtype ${dt}`);
    this.dtype = dt;
  }

  /** cos/sin table covering positions [0, end); rebuilt when dynamic NTK scaling changes it. */
  #ropeFor(end: number): { cos: Tensor; sin: Tensor } {
    const s = this.spec;
    const type = s.ropeScaling?.rope_type ?? s.ropeScaling?.type;
    const seqLen = type === 'dynamic' ? Math.max(end, s.maxPositionEmbeddings) : s.maxPositionEmbeddings;
    const cur = this.#rope;
    if (cur && cur.positions >= end && cur.seqLen === seqLen) return cur;
    cur?.cos.dispose();
    cur?.sin.dispose();
    const positions = Math.max(end, cur ? cur.positions * 2 : 4096);
    const { invFreq, attentionScaling } = ropeInvFreq(
      {
        headDim: s.headDim,
        ropeTheta: s.ropeTheta,
        ropeScaling: s.ropeScaling,
        maxPositionEmbeddings: s.maxPositionEmbeddings,
        ...(s.partialRotaryFactor !== undefined ? { partialRotaryFactor: s.partialRotaryFactor } : {}),
      },
      seqLen,
    );
    const table = ropeTable(invFreq, positions, attentionScaling, { device: this.device });
    this.#rope = { ...table, positions, seqLen };
    return table;
  }

  /**
   * Runs `ids` (one chunk) through the model with `backend` holding the sequence's attention
   * state. Returns f32 logits: (1, V) for the last token, or (T, V) with allLogits.
   */
  forward(ids: ArrayLike<number>, backend: AttentionBackend, opts: ForwardOptions = {}): Tensor {
    const s = this.spec;
    const T = ids.length;
    if (T === 0) throw new Error('forward: empty chunk');
    const start = opts.start ?? backend.length;
    const step: PrefillStep = { start, tokens: T, decode: T === 1 && start > 0, last: opts.last ?? true };
    const mlpRows = opts.mlpChunkTokens ?? DEFAULT_MLP_CHUNK_TOKENS;
    if (!(Number.isInteger(mlpRows) && mlpRows >= 1)) throw new RangeError(`forward: mlpChunkTokens must be a positive integer, got ${mlpRows}`);
    const dev = this.device;
    const scope = new Scope();
    try {
      const table = this.#ropeFor(start + T);
      const idsT = scope.track(Tensor.from(ids, [T], { dtype: 'i32', device: dev }));
      const pos = scope.track(
        Tensor.from(Array.from({ length: T }, (_, i) => start + i), [T], { dtype: 'i32', device: dev }),
      );
      const x = scope.track(embedding(this.weights.embed, idsT));
      this.#layers(x, pos, table, mlpRows, (l, q, k, v, out) => backend.forward(l, q, k, v, out, step));
      backend.endStep?.(step);
      const rows = opts.allLogits ? T : 1;
      const logits = Tensor.empty([rows, s.vocabSize], { dtype: 'f32', device: dev });
      try {
        this.#head(opts.allLogits ? x : x.slice(0, T - 1, T), logits);
      } catch (e) {
        logits.dispose();
        throw e;
      }
      return logits;
    } finally {
      scope.dispose();
    }
  }

  /**
   * A decode step that a CUDA graph can capture (see {@link LlamaDecodeGraph}): the token id is
   * read from the device tensor `ids`, its position and the cache length after it from
   * `step.position` and `step.length` (one i32 each), the backend writes and attends through
   * `forwardGraphDecode`, and the logits go into `logits` (1, V) f32. Every intermediate is freed
   * before it returns. The rope table must already cover the positions (see
   * {@link LlamaModel.prepareRope}).
   */
  decodeStepOnDevice(ids: Tensor, step: DecodeStepTensors, backend: AttentionBackend, logits: Tensor): void {
    const graphDecode = backend.forwardGraphDecode?.bind(backend);
    if (graphDecode === undefined) throw new Error(`decodeStepOnDevice: the ${backend.name} backend has no forwardGraphDecode`);
    const table = this.#rope;
    if (table === undefined) throw new Error('decodeStepOnDevice: call prepareRope(maxTokens) first');
    const scope = new Scope();
    try {
      const x = scope.track(embedding(this.weights.embed, ids, { checkBounds: false }));
      this.#layers(x, step.position, table, DEFAULT_MLP_CHUNK_TOKENS, (l, q, k, v, out) => graphDecode(l, q, k, v, out, step));
      this.#head(x, logits);
    } finally {
      scope.dispose();
    }
  }

  /**
   * A faster decode path for `backend` when there is one: a captured CUDA graph of the decode step
   * (see {@link LlamaDecodeGraph.create} for when there is none). generate() asks after the first
   * eager decode step.
   */
  decodeStepper(backend: AttentionBackend): LlamaDecodeGraph | undefined {
    return LlamaDecodeGraph.create(this, backend);
  }

  /**
   * Builds the rope table for positions [0, maxTokens) now, so that no later step reallocates it
   * (a captured graph keeps the table's address). False when the table depends on the sequence
   * length (dynamic NTK scaling), which a fixed graph cannot follow.
   */
  prepareRope(maxTokens: number): boolean {
    const type = this.spec.ropeScaling?.rope_type ?? this.spec.ropeScaling?.type;
    if (type === 'dynamic') return false;
    this.#ropeFor(maxTokens);
    return true;
  }

  /** The decoder layers over the residual stream `x` (T, hidden), in place. */
  #layers(
    x: Tensor,
    pos: Tensor,
    table: { cos: Tensor; sin: Tensor },
    mlpRows: number,
    attend: (layer: number, q: Tensor, k: Tensor, v: Tensor, out: Tensor) => void,
  ): void {
    const s = this.spec;
    const w = this.weights;
    const T = x.size(0);
    const qDim = s.heads * s.headDim;
    const kvDim = s.kvHeads * s.headDim;
    const attnOut = Tensor.empty([T, s.heads, s.headDim], { dtype: this.dtype, device: this.device });
    // When the MLP runs in one block (decode, short prompts), each residual add is fused into the
    // next norm (rmsnorm's `residual`): the MLP output waits in `pending` for the next layer's
    // input norm, and the attention output goes into the post-attention norm.
    const fuse = T <= mlpRows;
    let pending: Tensor | undefined;
    try {
      for (let l = 0; l < s.layers; l++) {
        const lw = w.layers[l]!;
        const inner = new Scope();
        try {
          const residual = pending;
          const h = inner.track(rmsnorm(x, lw.inputNorm, { eps: s.rmsNormEps, ...(residual ? { residual } : {}) }));
          residual?.dispose();
          pending = undefined;
          const qkv = inner.track(linear(h, lw.qkv, lw.qkvBias));
          const q = headsView(qkv, 0, s.heads, s.headDim);
          const k = headsView(qkv, qDim, s.kvHeads, s.headDim);
          const v = headsView(qkv, qDim + kvDim, s.kvHeads, s.headDim);
          // q and k are adjacent heads of each qkv row: one launch rotates both.
          const qk = headsView(qkv, 0, s.heads + s.kvHeads, s.headDim);
          rope(qk, pos, table, { out: qk, checkBounds: false });
          attend(l, q, k, v, attnOut);
          const o = inner.track(linear(attnOut.view([T, qDim]), lw.o, lw.oBias));
          if (fuse) {
            const h2 = inner.track(rmsnorm(x, lw.postNorm, { eps: s.rmsNormEps, residual: o }));
            for (const t of [h, qkv, o]) t.dispose();
            pending = LlamaModel.#mlp(h2, lw);  // added by the next norm
            continue;
          }
          add(x, o, { out: x });
          // Free the attention half's buffers before the MLP's (idempotent; the scope disposes again).
          for (const t of [h, qkv, o]) t.dispose();
          for (let r0 = 0; r0 < T; r0 += mlpRows) {
            // Row block of the residual stream (a contiguous view); its MLP buffers are freed per block.
            const xr = x.slice(0, r0, Math.min(T, r0 + mlpRows));
            const block = new Scope();
            try {
              const h2 = block.track(rmsnorm(xr, lw.postNorm, { eps: s.rmsNormEps }));
              const d = block.track(LlamaModel.#mlp(h2, lw));
              add(xr, d, { out: xr });
            } finally {
              block.dispose();
            }
          }
        } finally {
          inner.dispose();
        }
      }
      if (pending) add(x, pending, { out: x });
    } finally {
      pending?.dispose();
      attnOut.dispose();
    }
  }

  /** gate/up → SiLU·mul → down of the normalized rows h2; frees its intermediates as it goes. */
  static #mlp(h2: Tensor, lw: LlamaLayerWeights): Tensor {
    const gu = linear(h2, lw.gateUp);
    let act: Tensor;
    try {
      act = siluMulFused(gu);
    } finally {
      gu.dispose();
    }
    try {
      return linear(act, lw.down);
    } finally {
      act.dispose();
    }
  }

  /** Final norm and LM head of the rows `x` into `logits` (rows, V) f32. */
  #head(x: Tensor, logits: Tensor): void {
    const w = this.weights;
    const xn = rmsnorm(x, w.norm, { eps: this.spec.rmsNormEps });
    try {
      linear(xn, w.lmHead, undefined, { out: logits });
    } finally {
      xn.dispose();
    }
  }

  dispose(): void {
    const seen = new Set<object>();
    const free = (t: Tensor | undefined) => {
      if (t && !seen.has(t.storage)) {
        seen.add(t.storage);
        t.dispose();
      }
    };
    const w = this.weights;
    free(w.embed);
    free(w.norm);
    free(w.lmHead);
    for (const l of w.layers) for (const t of Object.values(l)) free(t as Tensor | undefined);
    this.#rope?.cos.dispose();
    this.#rope?.sin.dispose();
    this.#rope = undefined;
  }
}
