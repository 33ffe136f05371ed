// CUDA graphs: record a sequence of ops once, replay it with one launch. A decode step is ~400
// small kernels whose host-side submission (JS, N-API, validation, cudaLaunchKernel) costs more
// than the kernels themselves at batch 1; replaying a captured graph removes all of it.
import { ArgumentError } from './errors.ts';
import { guard, native, type NativeHandle } from './native.ts';

declare module './native.ts' {
  interface NativeAddon {
    graphBeginCapture(): void;
    graphEndCapture(): NativeHandle;
    graphAbortCapture(): void;
    isCapturing(): boolean;
    graphLaunch(g: NativeHandle): void;
    graphDestroy(g: NativeHandle): void;
  }
}

/**
 * A captured CUDA graph. What it replays is fixed at capture: the same kernels with the same
 * arguments, so every pointer it read must stay valid and every value that changes between
 * replays must live in device memory the kernels read (a position tensor, a length tensor) and be
 * written before {@link CudaGraph.replay}. Memory the captured ops allocated and freed is owned by
 * the graph and reused on every replay.
 */
export class CudaGraph {
  #handle: NativeHandle | undefined;

  /** @internal Use {@link captureGraph}. */
  constructor(handle: NativeHandle) {
    this.#handle = handle;
  }

  /** Launches the graph on the current stream (asynchronous, like any op). */
  replay(): void {
    if (this.#handle === undefined) throw new ArgumentError('CudaGraph.replay: the graph was disposed', 'graphLaunch', 'LRQK_ARGUMENT');
    const h = this.#handle;
    guard(() => native.graphLaunch(h));
  }

  get disposed(): boolean {
    return this.#handle === undefined;
  }

  dispose(): void {
    if (this.#handle === undefined) return;
    const h = this.#handle;
    this.#handle = undefined;
    native.graphDestroy(h);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/**
 * Captures the device work `fn` issues on the current stream into a {@link CudaGraph} (nothing
 * runs during capture). `fn` must not synchronize (no reads of device tensors, no `toArray`) and
 * must free every tensor it allocates before it returns, or keep it alive for as long as the
 * graph. Ops skip their device-side index checks while capturing. A throw in `fn` ends the
 * capture, discards it and propagates.
 */
export function captureGraph(fn: () => void): CudaGraph {
  guard(() => native.graphBeginCapture());
  try {
    fn();
  } catch (e) {
    native.graphAbortCapture();
    throw e;
  }
  return new CudaGraph(guard(() => native.graphEndCapture()));
}

/** Whether the current stream is being captured (inside {@link captureGraph}). */
export function isCapturing(): boolean {
  return native.isCapturing();
}
