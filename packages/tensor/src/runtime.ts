import { CudaUnavailableError } from './errors.ts';
import { native, type MemoryStats, type NativeHandle, type NativeProbe } from './native.ts';

/** Where a tensor's memory lives as seen by ops: the CPU backend or the CUDA backend. */
export type Device = 'cpu' | 'cuda';

/** What was found when looking for CUDA, and why it is (not) used. */
export interface BackendInfo extends NativeProbe {
  /** The device ops use by default: `cuda` when a usable GPU exists, else `cpu`. */
  defaultDevice: Device;
  /** Set when LRQK_DEVICE overrode the choice. */
  override?: string;
}

let cachedInfo: BackendInfo | undefined;

/** Probes CUDA once and reports the backend choice. */
export function backendInfo(): BackendInfo {
  if (cachedInfo) return cachedInfo;
  const probe = native.probe();
  const env = process.env.LRQK_DEVICE;
  let defaultDevice: Device = probe.available ? 'cuda' : 'cpu';
  if (env === 'cpu') defaultDevice = 'cpu';
  cachedInfo = { ...probe, tried: [...probe.tried], defaultDevice, ...(env ? { override: `LRQK_DEVICE=${env}` } : {}) };
  return cachedInfo;
}

/** True when CUDA kernels can run here. */
export function cudaAvailable(): boolean {
  return backendInfo().available && backendInfo().defaultDevice === 'cuda';
}

/**
 * Resolves a requested device ('auto' → the default). Requesting 'cuda' where it is unavailable
 * throws a CudaUnavailableError that says what was tried.
 */
export function resolveDevice(requested: Device | 'auto' = 'auto'): Device {
  const info = backendInfo();
  if (requested === 'auto') {
    const env = process.env.LRQK_DEVICE;
    if (env === 'cuda') return resolveDevice('cuda');
    return info.defaultDevice;
  }
  if (requested === 'cuda' && !info.available) {
    throw new CudaUnavailableError(
      `CUDA requested but unavailable: ${info.tried.join('; ')}. Use device 'cpu' or run on a machine with an NVIDIA GPU (sm_90+).`,
      'device',
      'LRQK_CUDA_UNAVAILABLE',
    );
  }
  return requested;
}

/** Device memory statistics (bytes). All zero without CUDA. */
export function memoryStats(): MemoryStats {
  return native.memStats();
}
export function resetPeakMemory(): void {
  native.resetPeakMemory();
}
/** Returns cached device memory to the driver. */
export function emptyCache(): void {
  native.emptyCache();
}
/** Waits for all device work. No-op without CUDA. */
export function synchronize(): void {
  native.synchronize();
}

/**
 * Starts (true) or stops (false) the range that a CUDA profiler run with `--profile-from-start off`
 * records (cudaProfilerStart/Stop), e.g. `ncu --profile-from-start off` around chosen decode steps.
 * No-op without CUDA.
 */
export function profilerRange(start: boolean): void {
  native.profilerRange(start);
}

/** A CUDA stream. Ops are issued on the current stream (see {@link withStream}). */
export class Stream {
  readonly handle: NativeHandle;
  #disposed = false;
  constructor() {
    this.handle = native.createStream();
  }
  synchronize(): void {
    native.synchronizeStream(this.handle);
  }
  /** Makes this stream wait for `event` without blocking the host. */
  wait(event: Event): void {
    native.streamWaitEvent(this.handle, event.handle);
  }
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    native.destroyStream(this.handle);
  }
  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** Runs `fn` with `stream` as the current stream, restoring the previous one after. */
export function withStream<T>(stream: Stream, fn: () => T): T {
  const prev = native.currentStream();
  native.setStream(stream.handle);
  try {
    return fn();
  } finally {
    native.setStream(prev);
  }
}

/** A CUDA event, for ordering between streams and for timing. */
export class Event {
  readonly handle: NativeHandle;
  #disposed = false;
  constructor(opts: { timing?: boolean } = {}) {
    this.handle = native.createEvent(opts.timing ?? false);
  }
  /** Records on `stream` (default: the current stream). */
  record(stream?: Stream): this {
    native.recordEvent(this.handle, stream?.handle ?? null);
    return this;
  }
  synchronize(): void {
    native.synchronizeEvent(this.handle);
  }
  /** True when all work before the record has finished. */
  query(): boolean {
    return native.queryEvent(this.handle);
  }
  /** Milliseconds from `start` to this event (both recorded with timing). */
  elapsedSince(start: Event): number {
    return native.elapsedMs(start.handle, this.handle);
  }
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    native.destroyEvent(this.handle);
  }
  [Symbol.dispose](): void {
    this.dispose();
  }
}
