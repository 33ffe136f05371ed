/**
 * @lrqk/tensor — the tensor core of lrqk: native memory on the host, in pinned host memory or on
 * a CUDA device, and the operations of Llama/Qwen inference and of LRQK on a CPU backend (always)
 * and a CUDA backend (when compiled with nvcc and a GPU is present).
 *
 * @packageDocumentation
 */
export { Tensor, type AllocOptions, type MemoryKind } from './tensor.ts';
export {
  bf16BitsToF32,
  decode,
  dtypeBytes,
  encode,
  f16BitsToF32,
  f32ToBf16Bits,
  f32ToF16Bits,
  isFloatDType,
  roundTo,
  type DType,
  type FloatDType,
  type IndexDType,
} from './dtype.ts';
export * from './errors.ts';
export {
  Event,
  Stream,
  backendInfo,
  cudaAvailable,
  emptyCache,
  memoryStats,
  profilerRange,
  resetPeakMemory,
  resolveDevice,
  synchronize,
  withStream,
  type BackendInfo,
  type Device,
} from './runtime.ts';
export type { MemoryStats, NativeHandle, NativeStorage } from './native.ts';
export { CudaGraph, captureGraph, isCapturing } from './graph.ts';
export * from './ops/index.ts';
