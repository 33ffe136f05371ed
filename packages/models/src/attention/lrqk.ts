// The LRQK attention backend (spec B–D). Prefill: exact dense attention over the prompt, the
// prompt's K/V into the tier manager's host store, Q/K factorized per factor head, and the first
// top-k chosen from the last query's proxy scores. Decode: the new token enters the lite ring,
// one fused kernel updates q̂, k̂, B_Q, B_K (and writes k̂ into A_K), proxy scores A_K·q̂ pick the
// top-k among the candidates, the tier manager fetches only the missed rows, and attention is
// exact over the K + L resident full-precision rows. No host synchronisation per layer.
// While the sequence fits in K + L slots, attention is dense and exact; the factorization runs
// when it first outgrows them (using every query seen so far).
// Once every layer is sparse, the decode step also exists with its position and length in device
// memory (forwardGraphDecode), so a CUDA graph captures it: the per-layer chain of ~15 small
// launches then costs one graph launch a token instead of their host-side submission.
import { KvTierManager } from '@lrqk/kv-cache';
import { factorizeOnDevice, ProxySelector } from '@lrqk/lowrank/device';
import {
  attentionDecode,
  attentionPrefill,
  copyStrided,
  fill,
  isCapturing,
  lowRankDecodeUpdate,
  synchronize,
  Tensor,
} from '@lrqk/tensor';
import type { AttentionBackend, AttentionShape, AttentionStats, AttentionStep, DecodeStepTensors } from './backend.ts';
import { FidelityRecorder } from './lrqk-fidelity.ts';
import { PhaseTimer } from './phase-timer.ts';
import { resolveLrqkOptions, type LrqkOptions } from './lrqk-options.ts';

interface LayerFactors {
  aK: Tensor; // (Hf, cap, r) in the model's dtype, row = position
  bQ: Tensor; // (Hf, r, d) f32
  bK: Tensor;
  qHat: Tensor; // (H, r) f32
  kHat: Tensor; // (Hf, r) f32
  status: Tensor; // (Hf) i32: this step's solve status (0 ok, 1 jitter, 2 failed)
  /** (Hf) i32: the worst status seen so far, kept by the update kernel itself (no sync, no extra launch). */
  worst: Tensor;
}

/** A growable (heads, cap, D) f32 buffer of which rows [0, length) hold data. */
interface Collected {
  buf: Tensor;
  length: number;
}

export class LrqkAttention implements AttentionBackend {
  readonly name = 'lrqk';
  readonly options: LrqkOptions;
  readonly kv: KvTierManager;
  readonly #shape: AttentionShape;
  readonly #hf: number; // factor heads
  readonly #gq: number; // queries per factor head
  #factors: (LayerFactors | undefined)[];
  /** Queries (H, cap, D) and keys (Hkv, cap, D), f32, rows [0, length) valid, kept until the layer's factorization. */
  #queries: (Collected | undefined)[];
  #keys: (Collected | undefined)[];
  #length = 0;
  #extraPrefillMs = 0;
  /** Proxy scores → top-k, combining a KV group's queries in the shared layout (no sync per step). */
  readonly #selector: ProxySelector;
  /** Present with `fidelity: true`: exact-attention comparison at every sparse step. */
  readonly #fidelity: FidelityRecorder | undefined;
  /** LRQK_PROFILE=1 on CUDA: device time of each phase of the eager sparse decode steps (syncs per layer). */
  readonly #timer: PhaseTimer | undefined;
  /** The last forwardGraphDecode ran directly rather than into a capture (its selections are counted). */
  #ranOutsideGraph = false;

  constructor(shape: AttentionShape, options: Partial<LrqkOptions> = {}) {
    this.options = resolveLrqkOptions(options);
    this.#shape = shape;
    const o = this.options;
    const G = shape.heads / shape.kvHeads;
    this.#hf = o.layout === 'per-query-head' ? shape.heads : shape.kvHeads;
    this.#gq = o.layout === 'per-query-head' ? 1 : G;
    this.kv = new KvTierManager({
      layers: shape.layers,
      heads: shape.heads,
      kvHeads: shape.kvHeads,
      headDim: shape.headDim,
      activeSlots: o.topK,
      liteSlots: o.lite,
      capacityTokens: shape.maxTokens,
      dtype: shape.dtype,
      layout: o.layout,
      device: shape.device,
    });
    this.#factors = new Array(shape.layers).fill(undefined);
    this.#queries = new Array(shape.layers).fill(undefined);
    this.#keys = new Array(shape.layers).fill(undefined);
    this.#selector = new ProxySelector({ heads: this.#hf, queriesPerHead: this.#gq, topK: o.topK, groupScore: o.groupScore, device: shape.device });
    this.#fidelity = o.fidelity ? new FidelityRecorder(shape, o.topK) : undefined;
    this.#timer = process.env['LRQK_PROFILE'] === '1' && shape.device === 'cuda' ? new PhaseTimer() : undefined;
  }

  get length(): number {
    return this.#length;
  }

  get maxTokens(): number {
    return Math.min(this.#shape.maxTokens, this.kv.storeCapacity);
  }

  /**
   * The largest cache length a decode graph captured at `length` serves: up to `graphSpan` tokens
   * on (its proxy scores cover the candidates that far). Undefined — decode eagerly — until every
   * layer is sparse, and always with `fidelity` (its measurements read the device every step) or
   * LRQK_PROFILE=1 (phase timing needs the eager steps).
   */
  graphHorizon(length: number): number | undefined {
    if (this.#fidelity || this.#timer || this.#shape.device !== 'cuda' || this.#factors.some((f) => f === undefined)) return undefined;
    if (length <= this.options.topK + this.options.lite) return undefined;
    return Math.min(this.maxTokens, length + this.options.graphSpan);
  }

  /**
   * The sparse decode step of {@link forward} with its position and length on the device: append
   * to the ring and store, factor update, proxy scores over the rows below the horizon with the
   * top-k taking only the candidates below the device-side length − L, hit/miss and fetch, exact
   * attention over the slots. Records the same launches for every token; endStep() then brings
   * the host-side bookkeeping up to date. Valid while graphHorizon() is defined.
   */
  forwardGraphDecode(layer: number, q: Tensor, k: Tensor, v: Tensor, out: Tensor, t: DecodeStepTensors): void {
    const f = this.#factors[layer];
    if (f === undefined) throw new Error(`lrqk: layer ${layer} is not sparse yet; decode it eagerly`);
    const o = this.options;
    // Run directly (not recorded into a graph), select() counts its selection itself.
    this.#ranOutsideGraph = !isCapturing();
    this.kv.appendOnDevice(layer, k.select(0, 0), v.select(0, 0), t.position);
    // Candidates are the positions below length − lag, read on the device; scored up to the
    // horizon's count.
    const lag = o.lite + (o.candidateOffByOne ? 1 : 0);
    this.#update(layer, q, k, { positionTensor: t.position });
    const indices = this.#selector.select(f.qHat.view([this.#hf, this.#gq, o.rank]), f.aK, t.horizon - lag, {
      count: { length: t.length, offset: -lag },
    });
    try {
      this.kv.select(layer, indices);
    } finally {
      indices.dispose();
    }
    const view = this.kv.view(layer);
    attentionDecode(q.select(0, 0), view.k, view.v, { out: out.select(0, 0) });
  }

  forward(layer: number, q: Tensor, k: Tensor, v: Tensor, out: Tensor, step: AttentionStep): void {
    const capacity = this.options.topK + this.options.lite;
    const n = step.start + step.tokens;
    this.#fidelity?.append(layer, k, step.start);
    if (this.#factors[layer] !== undefined) {
      if (step.tokens !== 1) throw new Error('lrqk: after the prompt, tokens are decoded one at a time');
      this.#timer?.start();
      this.kv.append(layer, k.transpose(0, 1), v.transpose(0, 1));
      this.#timer?.mark('append');
      this.#decodeStep(layer, q, k, out, n);
      this.#timer?.finish();
      this.#measure(layer, q, n);
      return;
    }
    // Until the layer is factorized, attention is exact and dense.
    this.#collect(layer, q, k);
    if (n <= capacity || step.start === 0) {
      if (step.start === 0) {
        attentionPrefill(q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1), { causal: true, out: out.transpose(0, 1) });
        this.kv.append(layer, k.transpose(0, 1), v.transpose(0, 1));
      } else {
        this.kv.append(layer, k.transpose(0, 1), v.transpose(0, 1));
        const view = this.kv.view(layer);
        const keys = view.k.slice(1, 0, view.length);
        const values = view.v.slice(1, 0, view.length);
        attentionPrefill(q.transpose(0, 1), this.#expandSlots(keys), this.#expandSlots(values), { causal: true, out: out.transpose(0, 1) });
      }
      if (n > capacity) this.#startSparse(layer, n);
      return;
    }
    // The step that first outgrows the slots: factorize everything seen so far (including this
    // token), select, then attend over the selected and recent rows.
    if (step.tokens !== 1) throw new Error('lrqk: chunked prefill past K + L tokens is not supported; pass the prompt in one call');
    this.kv.append(layer, k.transpose(0, 1), v.transpose(0, 1));
    this.#startSparse(layer, n);
    const view = this.kv.view(layer);
    attentionDecode(q.select(0, 0), view.k, view.v, { out: out.select(0, 0) });
    this.#measure(layer, q, n);
  }

  /** Fidelity of this sparse step (only with `fidelity: true`): what each query head attended. */
  #measure(layer: number, q: Tensor, n: number): void {
    if (!this.#fidelity) return;
    const K = this.options.topK;
    const map = this.kv.pool(layer).slotMap.toArray();
    const lite = this.kv.lite(layer).positions;
    const G = this.#shape.heads / this.#shape.kvHeads;
    const perQueryHead = this.options.layout === 'per-query-head';
    this.#fidelity.measure(layer, q.select(0, 0), n, (h) => {
      const row = perQueryHead ? h : Math.floor(h / G);
      return [...map.slice(row * K, row * K + K), ...lite];
    });
  }

  /** Slot views are (Hs, S, D); with per-query-head slots, GQA attention wants Hkv heads. */
  #expandSlots(t: Tensor): Tensor {
    if (this.options.layout === 'per-kv-head') return t;
    const G = this.#shape.heads / this.#shape.kvHeads;
    // Heads jG..jG+G−1 hold identical rows: read head jG as KV head j.
    return new Tensor(t.storage, t.dtype, [this.#shape.kvHeads, t.size(1), t.size(2)], [t.strides[0]! * G, t.strides[1]!, 1], t.offset);
  }

  /**
   * Appends q (T, H, D) and k (T, Hkv, D) to the layer's f32 buffers. Capacity doubles when full,
   * so decoding token by token up to K + L costs O(n) copies, not O(n²).
   */
  #collect(layer: number, q: Tensor, k: Tensor): void {
    const grow = (prev: Collected | undefined, x: Tensor): Collected => {
      const T = x.size(0);
      const start = prev ? prev.length : 0;
      let buf = prev?.buf;
      if (!buf || start + T > buf.size(1)) {
        const cap = Math.min(Math.max(start + T, 2 * start), Math.max(start + T, this.#shape.maxTokens));
        const next = Tensor.empty([x.size(1), cap, x.size(2)], { dtype: 'f32', device: this.#shape.device });
        if (buf) {
          copyStrided(next.slice(1, 0, start), buf.slice(1, 0, start));
          buf.dispose();
        }
        buf = next;
      }
      copyStrided(buf.slice(1, start, start + T), x.transpose(0, 1));
      return { buf, length: start + T };
    };
    this.#queries[layer] = grow(this.#queries[layer], q);
    this.#keys[layer] = grow(this.#keys[layer], k);
  }

  /** The collected rows as one contiguous (heads, length, D) tensor (the buffer itself when full). */
  static #take(c: Collected): Tensor {
    if (c.length === c.buf.size(1)) return c.buf;
    const t = c.buf.slice(1, 0, c.length).contiguous();
    c.buf.dispose();
    return t;
  }

  /** Factorizes the layer's queries and keys so far and makes the first selection. */
  #startSparse(layer: number, n: number): void {
    const t0 = performance.now();
    const o = this.options;
    const s = this.#shape;
    const D = s.headDim;
    const G = s.heads / s.kvHeads;
    const queries = LrqkAttention.#take(this.#queries[layer]!); // (H, n, D) f32
    const keysKv = LrqkAttention.#take(this.#keys[layer]!); // (Hkv, n, D) f32
    this.#queries[layer] = undefined;
    this.#keys[layer] = undefined;
    let keys = keysKv;
    let qf = queries;
    try {
      if (o.layout === 'per-query-head') {
        // Each query head is factorized with its KV head's keys (stride 0 over the group).
        keys = Tensor.empty([s.heads, n, D], { dtype: 'f32', device: s.device });
        copyStrided(keys.view([s.kvHeads, G, n, D]), new Tensor(keysKv.storage, 'f32', [s.kvHeads, G, n, D], [n * D, 0, D, 1], keysKv.offset));
      } else {
        // A KV group's queries are stacked: (Hkv, G·n, D) is (H, n, D) viewed with head = j·G + g.
        qf = queries.view([s.kvHeads, G * n, D]);
      }
      const f = factorizeOnDevice(qf, keys, {
        rank: o.rank,
        lambda: [o.lambdas[0], o.lambdas[1]],
        maxIter: o.iterations[0],
        tol: o.tol[0],
        seed: o.seed * 1000 + layer,
        init: o.init,
      });
      // Stored in the model's dtype (bf16 for real models, spec A.4: half the bytes every proxy-score
      // pass reads); zero-filled on the device (no host array of Hf·maxTokens·r values).
      const aK = fill(Tensor.empty([this.#hf, s.maxTokens, o.rank], { dtype: s.dtype, device: s.device }), 0);
      copyStrided(aK.slice(1, 0, n), f.aK);
      // Proxy queries: the last token's A_Q rows (Gq per factor head), selected before A_Q goes.
      const last = f.aQ.view([this.#hf, this.#gq, n, o.rank]).select(2, n - 1); // (Hf, Gq, r)
      f.aK.dispose();
      this.#factors[layer] = {
        aK,
        bQ: f.bQ,
        bK: f.bK,
        qHat: Tensor.empty([s.heads, o.rank], { dtype: 'f32', device: s.device }),
        kHat: Tensor.empty([this.#hf, o.rank], { dtype: 'f32', device: s.device }),
        status: Tensor.zeros([this.#hf], { dtype: 'i32', device: s.device }),
        worst: Tensor.zeros([this.#hf], { dtype: 'i32', device: s.device }),
      };
      try {
        this.#select(layer, last);
      } finally {
        f.aQ.dispose();
      }
    } finally {
      if (keys !== keysKv) keys.dispose();
      keysKv.dispose();
      queries.dispose();
    }
    // Once per layer at prefill: wait for the device so the factorization share is measured, not queued.
    if (s.device === 'cuda') synchronize();
    this.#extraPrefillMs += performance.now() - t0;
  }

  /** top-k of A_K[0:P)·q̂ among the candidates, then the tier manager moves only the misses. */
  #select(layer: number, queries: Tensor): void {
    const o = this.options;
    const f = this.#factors[layer]!;
    const oldest = this.kv.oldestLitePosition(layer);
    const P = o.candidateOffByOne ? oldest - 1 : oldest;
    const t = this.#timer;
    const indices = this.#selector.select(queries, f.aK, P, t ? { onScores: () => t.mark('proxy scores') } : {});
    t?.mark('top-k');
    try {
      this.kv.select(layer, indices, t ? () => t.mark('hit/miss') : undefined);
      t?.mark('fetch misses');
    } finally {
      indices.dispose();
    }
  }

  #decodeStep(layer: number, q: Tensor, k: Tensor, out: Tensor, n: number): void {
    const o = this.options;
    const f = this.#factors[layer]!;
    const view = this.kv.view(layer);
    this.#update(layer, q, k, { position: n - 1 });
    this.#timer?.mark('factor update');
    this.#select(layer, f.qHat.view([this.#hf, this.#gq, o.rank]));
    attentionDecode(q.select(0, 0), view.k, view.v, { out: out.select(0, 0) });
    this.#timer?.mark('attention');
  }

  /** The decode factor update (C.2–C.3) of the newest token, whose position is given on the host or device. */
  #update(layer: number, q: Tensor, k: Tensor, at: { position: number } | { positionTensor: Tensor }): void {
    const o = this.options;
    const s = this.#shape;
    const f = this.#factors[layer]!;
    lowRankDecodeUpdate({
      q: q.select(0, 0),
      k: k.select(0, 0),
      bQ: f.bQ,
      bK: f.bK,
      kOmega: this.kv.view(layer).k,
      aK: f.aK,
      slotMap: this.kv.pool(layer).slotMap,
      litePos: this.kv.litePositions(layer),
      position: 'position' in at ? at.position : 0,
      ...('positionTensor' in at ? { positionTensor: at.positionTensor } : {}),
      groupSize: s.heads / s.kvHeads,
      queriesPerHead: this.#gq,
      lambda1: o.lambdas[2],
      lambda2: o.lambdas[3],
      maxIter: o.iterations[1],
      tol: o.tol[1],
      qHat: f.qHat,
      kHat: f.kHat,
      status: f.status,
      // Solver failures are kept, not lost: worst = max(worst, status), on the device.
      worstStatus: f.worst,
      check: false,
    });
    // (The B update stays inline: run on a side stream, bUpdate 'skip' + 'only', it measured slower
    // inside the decode graph on the H200, 4.10 against ~3.95 ms/token at 128K.)
  }

  endStep(step: AttentionStep): void {
    // After a graph replay the host-side bookkeeping has not seen the token yet (an eager step
    // appended it already): the ring, store and counters catch up here.
    if (step.decode && step.tokens === 1 && this.kv.length(0) === step.start) {
      for (let l = 0; l < this.#shape.layers; l++) this.kv.noteDeviceAppend(l, !this.#ranOutsideGraph);
    }
    this.#ranOutsideGraph = false;
    this.#length = step.start + step.tokens;
  }

  reset(): void {
    this.kv.reset();
    for (const f of this.#factors) if (f) for (const t of Object.values(f)) (t as Tensor).dispose();
    for (const c of [...this.#queries, ...this.#keys]) c?.buf.dispose();
    this.#factors.fill(undefined);
    this.#queries.fill(undefined);
    this.#keys.fill(undefined);
    this.#length = 0;
    this.#extraPrefillMs = 0;
    this.#fidelity?.reset();
  }

  /** Factor heads (over layers) whose decode solve needed jitter / failed at least once (reads the device). */
  #solveIssues(): { jitter: number; failed: number } {
    let jitter = 0;
    let failed = 0;
    for (const f of this.#factors) {
      if (!f) continue;
      for (const w of f.worst.toArray()) {
        if (w >= 2) failed++;
        else if (w >= 1) jitter++;
      }
    }
    return { jitter, failed };
  }

  /** Mean device milliseconds per decoded token of each phase, over the layers. */
  #phases(t: PhaseTimer): Record<string, number> {
    const { steps, ms } = t.totals();
    const tokens = steps / this.#shape.layers;
    return Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, tokens > 0 ? v / tokens : NaN]));
  }

  stats(): AttentionStats {
    const kv = this.kv.stats();
    const issues = this.#solveIssues();
    let factorBytes = 0;
    for (const f of this.#factors) if (f) for (const t of Object.values(f)) factorBytes += (t as Tensor).byteLength;
    return {
      deviceBytes: kv.deviceBytes + (this.#shape.device === 'cuda' ? factorBytes : 0),
      hostBytes: kv.hostBytes,
      hits: kv.hits,
      misses: kv.misses,
      bytesHostToDevice: kv.bytesHostToDevice,
      bytesDeviceToHost: kv.bytesDeviceToHost,
      extraPrefillMs: this.#extraPrefillMs,
      solveJitterHeads: issues.jitter,
      solveFailedHeads: issues.failed,
      ...(this.#timer ? { decodePhases: this.#phases(this.#timer) } : {}),
      ...(this.#fidelity ? { fidelity: this.#fidelity.stats(Float64Array.from(kv.layers, (l) => (l.hits + l.misses > 0 ? l.hits / (l.hits + l.misses) : 1))) } : {}),
    };
  }

  dispose(): void {
    this.reset();
    this.kv.dispose();
    this.#selector.dispose();
    this.#fidelity?.dispose();
    this.#timer?.dispose();
  }
}
