import { copyStrided, fill, indexSelect, isCapturing, ringAppend, slotDiff, Tensor } from '@lrqk/tensor';
import { resolveConfig, type KvTierConfig, type ResolvedKvTierConfig } from './config.ts';
import { HostKvStore } from './host-store.ts';
import { SlotPool } from './slot-pool.ts';
import { emptyLayerStats, sumStats, type KvLayerStats, type KvStats } from './stats.ts';

/** Per-layer bookkeeping kept on the host (positions only; data lives in the store and slots). */
interface LayerState {
  store: HostKvStore;
  pool: SlotPool;
  /** Tokens appended so far. */
  length: number;
  /** Position held by each lite slot (-1 = none). */
  litePos: Int32Array;
  /** `litePos` mirrored on the slots' device (L) i32, kept current with fill kernels (no sync). */
  litePosDevice: Tensor;
  stats: KvLayerStats;
}

/** What attention reads for one layer. */
export interface SlotView {
  /** (Hs, K + L, D) views of the slot buffer (strided: K and V halves of each row). */
  k: Tensor;
  v: Tensor;
  /** Leading slots that are valid (all of them once the sequence exceeds K + L). */
  length: number;
  /** True while every token is resident (length ≤ K + L): attention is exact and dense. */
  dense: boolean;
}

/**
 * The KV tier manager: every token's full-precision K/V in a host store (pinned), and on the
 * device only a slot pool per head — K active slots chosen by the caller's selection plus an
 * L-slot ring of the most recent tokens. A selection update diffs against the slot map on the
 * device and moves only the missing rows (gathered by the GPU straight from pinned memory), with
 * no host synchronisation. Knows nothing of models or of how selections are made.
 *
 * Token placement: position p < K goes to active slot p; later tokens enter the lite ring at slot
 * K + (p − K) mod L (so while the sequence fits, position p sits at slot p). Every token is
 * written to the store as it arrives (the ring is not flushed later: a row becomes a selection
 * candidate only after it left the ring, and by then it is long in the store). A prompt longer
 * than K + L is stored whole and its last L tokens fill the ring; its active slots stay empty
 * until the first select(). {@link appendOnDevice} is the decode-step append with the position
 * in device memory, for CUDA graph capture.
 */
export class KvTierManager {
  readonly config: ResolvedKvTierConfig;
  #layers: LayerState[] = [];
  #disposed = false;

  constructor(config: KvTierConfig) {
    this.config = resolveConfig(config);
    try {
      for (let l = 0; l < this.config.layers; l++) {
        const store = new HostKvStore(this.config);
        let pool: SlotPool;
        let litePosDevice: Tensor;
        try {
          pool = new SlotPool(this.config);
        } catch (e) {
          store.dispose();
          throw e;
        }
        try {
          litePosDevice = fill(Tensor.empty([this.config.liteSlots], { dtype: 'i32', device: this.config.device }), -1);
        } catch (e) {
          store.dispose();
          pool.dispose();
          throw e;
        }
        this.#layers.push({
          store,
          pool,
          length: 0,
          litePos: new Int32Array(this.config.liteSlots).fill(-1),
          litePosDevice,
          stats: emptyLayerStats(),
        });
      }
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  #layer(l: number): LayerState {
    if (this.#disposed) throw new Error('KvTierManager used after dispose()');
    const s = this.#layers[l];
    if (!s) throw new RangeError(`layer ${l} out of range (0..${this.config.layers - 1})`);
    return s;
  }

  /** Tokens stored for layer `l`. */
  length(l: number): number {
    return this.#layer(l).length;
  }

  /**
   * Appends T tokens at positions [length, length + T): k, v are (Hkv, T, D) views (pass
   * `kTokenMajor.transpose(0, 1)` for (T, Hkv, D) buffers), on the slots' device.
   */
  append(l: number, k: Tensor, v: Tensor): void {
    const s = this.#layer(l);
    const c = this.config;
    const K = c.activeSlots;
    const L = c.liteSlots;
    const T = k.size(1);
    if (k.size(0) !== c.kvHeads || k.size(2) !== c.headDim || v.size(1) !== T) {
      throw new RangeError(`append: k/v must be (Hkv=${c.kvHeads}, T, D=${c.headDim}); got [${k.shape}] and [${v.shape}]`);
    }
    if (s.length === 0 && T > K + L) {
      // Long prompt: store all; the ring gets the last L tokens; active slots await select().
      s.stats.bytesDeviceToHost += s.store.write(0, k, v);
      this.#writeRing(s, T - L, k.slice(1, T - L, T), v.slice(1, T - L, T));
      s.pool.resetMap('empty');
      s.length = T;
      return;
    }
    if (T === 1 && s.length >= K) {
      // A decode token: ring slot, store row and lite entry in one launch.
      s.store.reserve(s.length + 1);
      ringAppend({ k: k.select(1, 0), v: v.select(1, 0), slots: s.pool.slots, store: s.store.tensor, litePos: s.litePosDevice, ringStart: K, position: s.length });
      this.#noteAppended(s);
      return;
    }
    // Every token goes to the store; positions below K also to active slot p, later ones to the ring.
    s.stats.bytesDeviceToHost += s.store.write(s.length, k, v);
    const direct = Math.max(0, Math.min(T, K - s.length));
    if (direct > 0) this.#writeSlots(s, s.length, k.slice(1, 0, direct), v.slice(1, 0, direct));
    if (direct < T) this.#writeRing(s, s.length + direct, k.slice(1, direct, T), v.slice(1, direct, T));
    s.length += T;
  }

  /**
   * Records the append of one decode token whose position is read from `position` (one i32 on the
   * slots' device) when the work runs: its ring slot, store row and lite entry in one launch, with
   * no host-side state touched, so a captured CUDA graph can replay it. k, v: (Hkv, D). Valid once
   * the sequence holds at least K tokens (decode tokens then always enter the ring); after the
   * work ran, {@link noteDeviceAppend} brings the host-side bookkeeping up to date.
   */
  appendOnDevice(l: number, k: Tensor, v: Tensor, position: Tensor): void {
    const s = this.#layer(l);
    if (s.length < this.config.activeSlots) throw new Error(`appendOnDevice: layer ${l} holds ${s.length} tokens, fewer than the ${this.config.activeSlots} active slots`);
    ringAppend({ k, v, slots: s.pool.slots, store: s.store.tensor, litePos: s.litePosDevice, ringStart: this.config.activeSlots, positionTensor: position });
  }

  /**
   * The host-side half of {@link appendOnDevice} (and of a select() the same replay ran, when
   * `selected`): the token at the current length joined the ring and the store.
   */
  noteDeviceAppend(l: number, selected: boolean): void {
    const s = this.#layer(l);
    if (s.length + 1 > s.store.capacity) throw new Error(`noteDeviceAppend: layer ${l} is full (${s.store.capacity} tokens)`);
    this.#noteAppended(s);
    if (selected) s.stats.selections++;
  }

  /** Host-side bookkeeping of a ringAppend of the token at the current length. */
  #noteAppended(s: LayerState): void {
    const c = this.config;
    s.litePos[(s.length - c.activeSlots) % c.liteSlots] = s.length;
    s.store.noteWritten(s.length + 1);
    s.length++;
    s.stats.bytesDeviceToHost += c.kvHeads * c.rowBytes;
  }

  /** Positions of the stored rows the device-side append can reach without the store growing. */
  get storeCapacity(): number {
    return Math.min(...this.#layers.map((s) => s.store.capacity));
  }

  /** Writes positions [p0, p0 + T) (all ≥ K) into their ring slots, in runs that do not wrap (the last L win). */
  #writeRing(s: LayerState, p0: number, k: Tensor, v: Tensor): void {
    const K = this.config.activeSlots;
    const L = this.config.liteSlots;
    const T = k.size(1);
    for (let done = 0; done < T; ) {
      const j = (p0 + done - K) % L;
      const m = Math.min(T - done, L - j);
      this.#writeSlots(s, K + j, k.slice(1, done, done + m), v.slice(1, done, done + m));
      for (let i = 0; i < m; i++) s.litePos[j + i] = p0 + done + i;
      this.#mirrorLite(s, j, m);
      done += m;
    }
  }

  /**
   * Writes k, v (Hkv, n, D) into slots [slot, slot + n) of every replica: one strided copy per half,
   * the source broadcast (stride 0) over the G query heads of a group in the per-query-head layout.
   */
  #writeSlots(s: LayerState, slot: number, k: Tensor, v: Tensor): void {
    for (const [which, x] of [['k', k], ['v', v]] as const) {
      copyStrided(s.pool.replicasView(which, slot, x.size(1)), new Tensor(x.storage, x.dtype, [x.size(0), s.pool.replicas, x.size(1), x.size(2)], [x.strides[0]!, 0, x.strides[1]!, x.strides[2]!], x.offset));
    }
  }

  /**
   * Copies litePos[j0, j0 + m) to the device mirror. A decode step changes one entry: a fill
   * kernel with the position as a scalar argument, so no host memory is read asynchronously and
   * nothing synchronises. Prompt-sized runs use one (synchronous) upload.
   */
  #mirrorLite(s: LayerState, j0: number, m: number): void {
    if (m === 1) {
      fill(s.litePosDevice.slice(0, j0, j0 + 1), s.litePos[j0]!);
      return;
    }
    const host = Tensor.from(s.litePos.subarray(j0, j0 + m), [m], { dtype: 'i32', device: this.config.device });
    try {
      copyStrided(s.litePosDevice.slice(0, j0, j0 + m), host);
    } finally {
      host.dispose();
    }
  }

  /** Oldest position in the lite ring: candidates for selection are [0, this). */
  oldestLitePosition(l: number): number {
    const s = this.#layer(l);
    if (s.length <= this.config.activeSlots + this.config.liteSlots) return s.length;
    return s.length - this.config.liteSlots;
  }

  /**
   * Makes the active slots hold `selection` (Hs, K) i32 — distinct positions < the store length,
   * ascending per row, on the slots' device. Hits stay; only misses are fetched. `onDiff` is
   * called between the hit/miss launch and the fetch (profiling marks).
   */
  select(l: number, selection: Tensor, onDiff?: () => void): void {
    const s = this.#layer(l);
    const c = this.config;
    slotDiff(s.pool.slotMap, selection, s.pool.load, s.pool.misses);
    onDiff?.();
    indexSelect(s.store.tensor, s.pool.load, {
      out: s.pool.slots.slice(1, 0, c.activeSlots),
      groupSize: c.layout === 'per-query-head' ? c.groupSize : 1,
      checkBounds: false,
      skipNegative: true,
    });
    // A captured select() is counted by noteDeviceAppend at each replay.
    if (!isCapturing()) s.stats.selections++;
  }

  /** What attention reads for layer `l`. */
  view(l: number): SlotView {
    const s = this.#layer(l);
    const c = this.config;
    const S = c.slotsPerHead;
    const slots = s.pool.slots;
    const k = slots.slice(2, 0, c.headDim);
    const v = slots.slice(2, c.headDim, 2 * c.headDim);
    const dense = s.length <= S;
    return { k, v, length: dense ? s.length : S, dense };
  }

  /** The host store of layer `l` ((Hkv, capacity, 2D); rows below its length are valid). */
  store(l: number): HostKvStore {
    return this.#layer(l).store;
  }
  /** The device slot pool of layer `l`. */
  pool(l: number): SlotPool {
    return this.#layer(l).pool;
  }
  /** Positions held by the lite ring of layer `l` and the next slot to write. */
  lite(l: number): { positions: number[]; next: number } {
    const s = this.#layer(l);
    const c = this.config;
    return { positions: Array.from(s.litePos), next: Math.max(0, s.length - c.activeSlots) % c.liteSlots };
  }

  /**
   * Positions held by the lite slots of layer `l` as an (L) i32 tensor on the slots' device
   * (−1 = empty), always current: slot K + j of every head holds position `[j]`. Owned by the
   * manager; valid until dispose().
   */
  litePositions(l: number): Tensor {
    return this.#layer(l).litePosDevice;
  }

  /** Counters; reads the device miss counters (one small synchronous copy per layer). */
  stats(): KvStats {
    const c = this.config;
    const layers = this.#layers.map((s) => {
      const misses = s.pool.misses.toArray().reduce((a, b) => a + b, 0);
      const lookups = s.stats.selections * c.slotHeads * c.activeSlots;
      return { ...s.stats, misses, hits: lookups - misses, bytesHostToDevice: misses * c.rowBytes };
    });
    const deviceBytes = c.device === 'cuda' ? this.#layers.reduce((a, s) => a + s.pool.bytes, 0) : 0;
    const hostBytes = this.#layers.reduce((a, s) => a + s.store.bytes + (c.device === 'cpu' ? s.pool.bytes : 0), 0);
    return sumStats(layers, deviceBytes, hostBytes);
  }

  /** Forgets the sequence (buffers kept). */
  reset(): void {
    for (const s of this.#layers) {
      s.store.reset();
      s.pool.resetMap('identity');
      s.length = 0;
      s.litePos.fill(-1);
      fill(s.litePosDevice, -1);
      s.stats = emptyLayerStats();
      fill(s.pool.misses, 0);
    }
  }

  /** Frees host and device memory (idempotent). */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const s of this.#layers) {
      s.pool.dispose();
      s.store.dispose();
      s.litePosDevice.dispose();
    }
    this.#layers = [];
  }
  [Symbol.dispose](): void {
    this.dispose();
  }
}
