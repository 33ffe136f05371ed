import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromNative } from './errors.ts';

/** A block of memory owned by the addon. */
export interface NativeStorage {
  readonly bytes: number;
  readonly kind: 'host' | 'pinned' | 'cuda';
  readonly disposed: boolean;
  dispose(): void;
  write(byteOffset: number, data: ArrayBufferView): void;
  read(byteOffset: number, byteLength: number): ArrayBuffer;
}

/** Opaque stream or event handle. */
export type NativeHandle = object;

/** What the addon reports about CUDA. */
export interface NativeProbe {
  compiled: boolean;
  available: boolean;
  deviceCount: number;
  device: number;
  driverVersion: number;
  runtimeVersion: number;
  name: string;
  totalBytes: number;
  computeCapability: string;
  smCount: number;
  tried: string[];
}

/** Memory statistics, in bytes. */
export interface MemoryStats {
  allocatedBytes: number;
  peakAllocatedBytes: number;
  reservedBytes: number;
  peakReservedBytes: number;
  freeBytes: number;
  totalBytes: number;
  pinnedBytes: number;
  allocCount: number;
}

/**
 * The addon's entry points. Op modules add their own members by declaration merging
 * (`declare module '../native.ts' { interface NativeAddon { ... } }`).
 */
export interface NativeAddon {
  NativeStorage: new (bytes: number, kind: 'host' | 'pinned' | 'cuda') => NativeStorage;
  probe(): NativeProbe;
  memStats(): MemoryStats;
  resetPeakMemory(): void;
  emptyCache(): void;
  synchronize(): void;
  profilerRange(start: boolean): void;
  createStream(): NativeHandle;
  destroyStream(s: NativeHandle): void;
  synchronizeStream(s: NativeHandle | null): void;
  setStream(s: NativeHandle | null): void;
  currentStream(): NativeHandle | null;
  createEvent(timing: boolean): NativeHandle;
  destroyEvent(e: NativeHandle): void;
  recordEvent(e: NativeHandle, s?: NativeHandle | null): void;
  synchronizeEvent(e: NativeHandle): void;
  queryEvent(e: NativeHandle): boolean;
  streamWaitEvent(s: NativeHandle | null, e: NativeHandle): void;
  elapsedMs(a: NativeHandle, b: NativeHandle): number;
  copy(dst: object, src: object): void;
}

function addonPath(): string {
  const override = process.env.LRQK_TENSOR_ADDON;
  if (override) return override;
  const here = dirname(fileURLToPath(import.meta.url));
  return join(here, '..', 'build', 'Release', 'lrqk_tensor.node');
}

function load(): NativeAddon {
  const path = addonPath();
  if (!existsSync(path)) {
    throw new Error(
      `@lrqk/tensor: native addon not found at ${path}. Build it with 'pnpm --filter @lrqk/tensor build:native' ` +
        `(needs cmake and a C++17 compiler; nvcc adds the CUDA backend).`,
    );
  }
  // libgomp reads its settings when the addon loads it. Its default active spin-wait burns the
  // cores between ops and, when they are shared (the JS thread, other processes), turns a 1 ms
  // decode step into tens of ms; threads that sleep when idle cost a few µs per region instead.
  process.env.OMP_WAIT_POLICY ??= 'passive';
  const require = createRequire(import.meta.url);
  const raw = require(path) as Record<string, unknown>;
  // Every function converts native errors into the typed classes of errors.ts.
  const wrapped: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v === 'function' && k !== 'NativeStorage') {
      const fn = v as (...a: unknown[]) => unknown;
      wrapped[k] = (...args: unknown[]) => {
        try {
          return fn(...args);
        } catch (e) {
          throw fromNative(e);
        }
      };
    } else {
      wrapped[k] = v;
    }
  }
  return wrapped as unknown as NativeAddon;
}

/** The loaded addon (internal). */
export const native: NativeAddon = load();

/** Runs `fn`, converting native errors into typed errors (for storage methods and constructors). */
export function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw fromNative(e);
  }
}
