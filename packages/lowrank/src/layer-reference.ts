// The float64 reference of one LRQK layer (batch 1, H query heads, H_kv KV heads, GQA): the
// `pending → collecting → decoding` state machine of B.1/B.5 and the decode step order of C.5, at
// the level of positions and full-precision rows. It is the oracle for the GPU implementation and
// the kv-cache package: every row attention reads comes through the same data path as on the GPU
// (prompt gather, lite writes, flushes into the CPU store, miss fetches from the store).
import { attention, denseCausalAttention } from './attention.ts';
import { CpuStore } from './cpu-store.ts';
import { decodeUpdateHeads, type DecodeUpdateInput } from './decode-update.ts';
import { LowRankArgumentError, LowRankStateError } from './errors.ts';
import { factorizeHeads, type Factors } from './factorize.ts';
import {
  kvHeadOf,
  resolveLayerConfig,
  type DecodeInfo,
  type HeadSelection,
  type LayerPhase,
  type LayerStats,
  type LayerStepResult,
  type LrqkLayerConfig,
  type PrefillInfo,
  type ResolvedLayerConfig,
  type TokenBlock,
} from './layer-types.ts';
import { allFinite, clone, fromRows, headRows, identity, mat, row, type Mat } from './mat.ts';
import { RowBuffer } from './row-buffer.ts';
import { candidateEnd, prefillBranch, proxyScores, selectTopK } from './select.ts';
import { updateSlots, type SlotUpdate } from './slots.ts';
import { WorkingSet, type KvRow } from './working-set.ts';

type MutableStats = { -readonly [K in keyof LayerStats]: LayerStats[K] };

const range = (from: number, to: number): number[] => Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);

/** The reference state machine of one layer. */
export class LrqkLayerReference {
  readonly config: ResolvedLayerConfig;
  #phase: LayerPhase = 'pending';
  #n = 0;
  #bufQ: RowBuffer[];
  #bufK: RowBuffer[];
  #bufV: RowBuffer[];
  readonly #store: CpuStore;
  readonly #ws: WorkingSet[];
  #aK: RowBuffer[] = [];
  #bQ: Mat[] = [];
  #bK: Mat[] = [];
  #litePos: number[];
  #litePtr = 0;
  #brokenLite = false; // G.9 reproduction: short branch at n0 = k+L with lite_ptr = L
  readonly #stats: MutableStats = {
    decodeSteps: 0,
    sparseSteps: 0,
    hits: 0,
    misses: 0,
    bytes: 0,
    flushes: 0,
    flushBytes: 0,
    prefillStoreBytes: 0,
  };

  constructor(config: LrqkLayerConfig) {
    this.config = resolveLayerConfig(config);
    const { heads, kvHeads, headDim: d, lite } = this.config;
    this.#bufQ = range(0, heads).map(() => new RowBuffer(d));
    this.#bufK = range(0, kvHeads).map(() => new RowBuffer(d));
    this.#bufV = range(0, kvHeads).map(() => new RowBuffer(d));
    this.#store = new CpuStore(kvHeads, d);
    this.#ws = range(0, heads).map(() => new WorkingSet(d, lite));
    this.#litePos = new Array<number>(lite).fill(-1);
  }

  get phase(): LayerPhase {
    return this.#phase;
  }
  /** Tokens seen so far (n). */
  get length(): number {
    return this.#n;
  }
  get stats(): LayerStats {
    return { ...this.#stats };
  }
  /** lite_pos (−1 for an empty lite slot). */
  get litePositions(): number[] {
    return this.#litePos.slice();
  }
  get litePointer(): number {
    return this.#litePtr;
  }
  /** cpu_len: positions 0 … cpu_len−1 are in the CPU store. */
  get cpuStoreLength(): number {
    return this.#store.length;
  }
  /** K‖V (2d) of `position` in the CPU store for KV head `kvHead`. */
  cpuStoreRow(kvHead: number, position: number): Float64Array {
    return this.#store.row(kvHead, position);
  }
  /** The slot map of head h: position held by each active slot. */
  activePositions(head: number): number[] {
    return this.#head(head).activePositions;
  }
  /** Head h's whole working buffer, active ++ lite slots, with each slot's position (−1: empty). */
  workingSet(head: number): { positions: number[]; keys: Mat; values: Mat } {
    const ws = this.#head(head);
    return { positions: [...ws.activePositions, ...this.#litePos], ...ws.rows() };
  }
  /** A_K of head h, rows 0 … n−1 (decoding phase). */
  aK(head: number): Mat {
    this.#head(head);
    return this.#aK[head]?.toMat() ?? mat(0, this.config.rank);
  }
  bQ(head: number): Mat {
    return clone(this.#factor(this.#bQ, head));
  }
  bK(head: number): Mat {
    return clone(this.#factor(this.#bK, head));
  }

  #head(head: number): WorkingSet {
    const ws = this.#ws[head];
    if (!Number.isInteger(head) || ws === undefined) throw new LowRankArgumentError(`LrqkLayerReference: head ${head} outside [0, ${this.config.heads})`);
    return ws;
  }
  #factor(list: Mat[], head: number): Mat {
    this.#head(head);
    const m = list[head];
    if (m === undefined) throw new LowRankStateError(`LrqkLayerReference: no factors before prefill (phase ${this.#phase})`);
    return m;
  }
  #kv(head: number): number {
    return kvHeadOf(head, this.config.groupSize);
  }

  /** Feeds a block of new tokens (any m while not decoding, m = 1 when decoding). */
  step(block: TokenBlock): LayerStepResult {
    const m = this.#checkBlock(block);
    if (this.#phase === 'decoding') {
      if (m !== 1) throw new LowRankArgumentError(`LrqkLayerReference.step: decoding takes one token per step, got ${m}`);
      return this.#decode(block);
    }
    const first = this.#n;
    block.q.forEach((q, h) => this.#bufQ[h]!.pushMat(q));
    block.k.forEach((k, j) => this.#bufK[j]!.pushMat(k));
    block.v.forEach((v, j) => this.#bufV[j]!.pushMat(v));
    this.#n += m;
    const outputs = block.q.map((q, h) =>
      denseCausalAttention(q, this.#bufK[this.#kv(h)]!.view(), this.#bufV[this.#kv(h)]!.view(), first),
    );
    if (this.#n < this.config.topK) {
      this.#phase = 'collecting';
      return { kind: 'collect', firstPosition: first, outputs, prefill: undefined, decode: undefined };
    }
    const prefill = this.#prefill(
      this.#bufQ.map((b) => b.toMat()),
      this.#bufK.map((b) => b.toMat()),
      this.#bufV.map((b) => b.toMat()),
    );
    this.#bufQ = [];
    this.#bufK = [];
    this.#bufV = [];
    this.#phase = 'decoding';
    return { kind: 'prefill', firstPosition: first, outputs, prefill, decode: undefined };
  }

  #checkBlock(block: TokenBlock): number {
    const { heads, kvHeads, headDim: d } = this.config;
    if (block.q.length !== heads || block.k.length !== kvHeads || block.v.length !== kvHeads) {
      throw new LowRankArgumentError(`LrqkLayerReference.step: expected ${heads} q and ${kvHeads} k/v matrices, got ${block.q.length}/${block.k.length}/${block.v.length}`);
    }
    const m = block.q[0]!.rows;
    for (const x of [...block.q, ...block.k, ...block.v]) {
      if (x.rows !== m || x.cols !== d || m < 1) throw new LowRankArgumentError(`LrqkLayerReference.step: every matrix must be ${m}×${d} with m ≥ 1, got ${x.rows}×${x.cols}`);
      if (!allFinite(x.data)) throw new LowRankArgumentError('LrqkLayerReference.step: inputs contain NaN/Inf');
    }
    return m;
  }

  #rowOf(keys: Mat, values: Mat, position: number): KvRow {
    return { k: row(keys, position), v: row(values, position) };
  }

  /** B.5: factorize the n0 buffered tokens, fill the CPU store, the active slots and the lite window. */
  #prefill(q: Mat[], k: Mat[], v: Mat[]): PrefillInfo {
    const { heads, kvHeads, headDim: d, rank, topK, lite: L, compat, hooks, bytesPerElement } = this.config;
    const n0 = q[0]!.rows;
    const branch = prefillBranch(n0, topK, L, compat);
    if (branch === 'collect') throw new LowRankStateError(`LrqkLayerReference: prefill of ${n0} < k tokens`);
    let factors: Factors[] | undefined;
    let aLast: Float64Array[];
    if (hooks.losslessProxy === true) {
      this.#aK = range(0, heads).map((h) => this.#rowsOf(k[this.#kv(h)]!));
      this.#bQ = range(0, heads).map(() => identity(d));
      this.#bK = range(0, heads).map(() => identity(d));
      aLast = q.map((qh) => row(qh, n0 - 1));
    } else {
      factors = factorizeHeads(
        q.map((qh, h) => ({ q: qh, k: k[this.#kv(h)]! })),
        { ...this.config.prefill, rank },
      );
      this.#aK = factors.map((f) => this.#rowsOf(f.aK));
      this.#bQ = factors.map((f) => f.bQ);
      this.#bK = factors.map((f) => f.bK);
      aLast = factors.map((f) => row(f.aQ, n0 - 1));
    }
    const stored = branch === 'long' ? n0 : topK;
    this.#store.appendBlock(k.map((x) => headRows(x, stored)), v.map((x) => headRows(x, stored)));
    this.#stats.prefillStoreBytes += stored * kvHeads * 2 * d * bytesPerElement;
    const selections = range(0, heads).map((h) => {
      const kv = this.#kv(h);
      const ws = this.#ws[h]!;
      // Long: top-k over [0, n0−L) for the last prompt query; short: positions 0 … k−1.
      const sel =
        branch === 'short'
          ? range(0, topK)
          : hooks.forceAllCandidates === true
            ? range(0, n0 - L)
            : selectTopK(proxyScores(this.#aK[h]!.view(), aLast[h]!, n0 - L), topK);
      ws.setActive(sel, sel.map((p) => this.#rowOf(k[kv]!, v[kv]!, p)));
      const liteFrom = branch === 'long' ? n0 - L : topK;
      for (let p = liteFrom; p < n0; p++) ws.writeLite(p - liteFrom, this.#rowOf(k[kv]!, v[kv]!, p));
      return sel;
    });
    const liteFrom = branch === 'long' ? n0 - L : topK;
    this.#litePos = range(0, L).map((j) => (liteFrom + j < n0 ? liteFrom + j : -1));
    this.#litePtr = branch === 'long' ? 0 : n0 - topK;
    this.#brokenLite = this.#litePtr === L;
    return { n0, branch, factors, selections };
  }

  #rowsOf(m: Mat): RowBuffer {
    const b = new RowBuffer(m.cols, m.rows + 64);
    b.pushMat(m);
    return b;
  }

  /** C.5 steps 1–7 for one token. */
  #decode(block: TokenBlock): LayerStepResult {
    if (this.#brokenLite) {
      throw new LowRankStateError('LrqkLayerReference: reference-compat short branch at n0 = k+L has lite_ptr = L; the reference raises IndexError at the first decode step (G.9)');
    }
    const { heads, topK, lite: L, hooks } = this.config;
    const p = this.#n;
    const qRows = block.q.map((q) => row(q, 0));
    const kRows = block.k.map((k) => row(k, 0));
    const vRows = block.v.map((v) => row(v, 0));
    // 1. Lite write (k, v repeated to the query heads), then flush every L steps.
    this.#ws.forEach((ws, h) => ws.writeLite(this.#litePtr, { k: kRows[this.#kv(h)]!, v: vRows[this.#kv(h)]! }));
    this.#litePos[this.#litePtr] = p;
    this.#litePtr++;
    this.#n++;
    const flushed = this.#litePtr === L;
    if (flushed) this.#flush();
    this.#stats.decodeSteps++;
    const dense = this.#n <= topK + L;
    // 2./3. Factor update with Ω = all previous tokens (dense) or the working buffer (sparse).
    const omegaPositions = dense ? range(0, p) : null;
    const inputs: DecodeUpdateInput[] = range(0, heads).map((h) => {
      const ws = this.#ws[h]!;
      const aK = this.#aK[h]!;
      const positions = omegaPositions ?? [...ws.activePositions, ...this.#litePos];
      const kOmega = dense ? ws.rows(p).keys : ws.rows().keys;
      // The current token's A_K row is not written yet and reads as zero (C.4).
      const aOmega = fromRows(positions.map((pos) => aK.rowOrZero(pos)), this.config.rank);
      return { q: qRows[h]!, k: kRows[this.#kv(h)]!, bQ: this.#bQ[h]!, bK: this.#bK[h]!, aOmega, kOmega };
    });
    const codes =
      hooks.losslessProxy === true
        ? inputs.map((x) => ({ qHat: x.q.slice(), kHat: x.k.slice(), bQ: x.bQ, bK: x.bK }))
        : decodeUpdateHeads(inputs, this.config.decode ?? {});
    codes.forEach((c, h) => {
      this.#aK[h]!.push(c.kHat);
      this.#bQ[h] = c.bQ;
      this.#bK[h] = c.bK;
    });
    const qHat = codes.map((c) => c.qHat.slice());
    const kHat = codes.map((c) => c.kHat.slice());
    if (dense) {
      const outputs = qRows.map((q, h) => {
        const { keys, values } = this.#ws[h]!.rows(this.#n);
        return mat(1, q.length, attention(q, keys, values));
      });
      const decode: DecodeInfo = { position: p, flushed, qHat, kHat, oldestLite: undefined, candidateEnd: undefined, heads: [] };
      return { kind: 'decode-dense', firstPosition: p, outputs, prefill: undefined, decode };
    }
    // 4.–6. Proxy scores over [0, candidate_end), selection, hit/miss diff, fetch misses.
    const oldestLite = this.#litePos[this.#litePtr]!;
    const end = candidateEnd(oldestLite, this.config.compat);
    const selections = range(0, heads).map((h) => this.#select(h, codes[h]!.qHat, end));
    this.#stats.sparseSteps++;
    // 7. Exact attention over every slot (active ++ lite) of each head.
    const outputs = qRows.map((q, h) => {
      const { keys, values } = this.#ws[h]!.rows();
      return mat(1, q.length, attention(q, keys, values));
    });
    const decode: DecodeInfo = { position: p, flushed, qHat, kHat, oldestLite, candidateEnd: end, heads: selections };
    return { kind: 'decode-sparse', firstPosition: p, outputs, prefill: undefined, decode };
  }

  /** Appends the L lite slots (of query heads 0, G, 2G, …) to the CPU store as one block. */
  #flush(): void {
    const { kvHeads, headDim: d, lite: L, groupSize, bytesPerElement } = this.config;
    const base = this.#store.length;
    this.#litePos.forEach((pos, j) => {
      if (pos !== base + j) throw new LowRankStateError(`LrqkLayerReference: flush would break store contiguity (lite slot ${j} holds ${pos}, expected ${base + j})`);
    });
    const keys: Mat[] = [];
    const values: Mat[] = [];
    for (let j = 0; j < kvHeads; j++) {
      const ws = this.#ws[j * groupSize]!;
      const rows = range(0, L).map((i) => ws.liteRow(i));
      keys.push(fromRows(rows.map((r) => r.k), d));
      values.push(fromRows(rows.map((r) => r.v), d));
    }
    this.#store.appendBlock(keys, values);
    this.#litePtr = 0;
    this.#stats.flushes++;
    this.#stats.flushBytes += L * kvHeads * 2 * d * bytesPerElement;
  }

  #select(head: number, qHat: Float64Array, end: number): HeadSelection {
    const { topK, hooks, transfer, headDim: d, bytesPerElement } = this.config;
    const ws = this.#ws[head]!;
    const selected =
      hooks.forceAllCandidates === true ? range(0, end) : selectTopK(proxyScores(this.#aK[head]!.view(), qHat, end), topK);
    const old = ws.activePositions;
    const upd: SlotUpdate =
      transfer === 'all'
        ? { slots: selected, hits: 0, missSlots: range(0, selected.length), missPositions: selected, evicted: old }
        : updateSlots(old, selected);
    const kv = this.#kv(head);
    const fetched = new Map<number, KvRow>();
    for (const pos of upd.missPositions) {
      const r = this.#store.row(kv, pos); // throws if pos ≥ cpu_len
      fetched.set(pos, { k: r.subarray(0, d), v: r.subarray(d) });
    }
    ws.applySlots(upd.slots, fetched);
    this.#stats.hits += upd.hits;
    this.#stats.misses += upd.missPositions.length;
    this.#stats.bytes += upd.missPositions.length * 2 * d * bytesPerElement;
    return { head, selected, ...upd };
  }
}
