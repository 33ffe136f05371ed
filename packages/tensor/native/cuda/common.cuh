// Shared by every CUDA kernel file: error checks that turn CUDA failures into lrqk::Error (never
// an abort), the current stream, and bf16/f16 load/store helpers.
#pragma once
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>
#include <string>
#include "../core/cuda_runtime.h"
#include "../core/dtype.h"
#include "../core/errors.h"

namespace lrqk::cuda {

inline void check(cudaError_t e, const char* op, const char* what) {
  if (e == cudaSuccess) return;
  cudaGetLastError();  // clear sticky-free errors so the next op starts clean
  ErrorKind k = e == cudaErrorMemoryAllocation ? ErrorKind::OutOfMemory : ErrorKind::Cuda;
  fail(k, op, std::string(op) + ": " + what + " failed: " + cudaGetErrorName(e) + " (" + cudaGetErrorString(e) + ")");
}

// Call right after a kernel launch: catches bad launch configurations immediately.
inline void check_launch(const char* op) { check(cudaGetLastError(), op, "kernel launch"); }

inline cudaStream_t stream() { return static_cast<cudaStream_t>(current_stream()); }

inline unsigned grid_for(int64_t n, int block) {
  int64_t g = (n + block - 1) / block;
  return unsigned(g > 2147483647 ? 2147483647 : g);
}

}  // namespace lrqk::cuda

#define LRQK_CUDA_CHECK(expr, op) ::lrqk::cuda::check((expr), op, #expr)

namespace lrqk::dev {

// Programmatic dependent launch (sm_90): a kernel launched with programmatic stream serialization
// may start while the previous kernel in the stream finishes; grid_dependency_wait() blocks until
// that kernel has completed and its writes are visible (a no-op for a normal launch), and
// launch_dependents() lets the next such kernel start launching.
__device__ __forceinline__ void grid_dependency_wait() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.wait;\n" ::: "memory");
#endif
}
__device__ __forceinline__ void launch_dependents() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.launch_dependents;\n" ::: "memory");
#endif
}

// Device-side element access by dtype, for kernels generic over float dtypes.
template <class T> __device__ __forceinline__ float to_f32(T v);
template <> __device__ __forceinline__ float to_f32<float>(float v) { return v; }
template <> __device__ __forceinline__ float to_f32<__nv_bfloat16>(__nv_bfloat16 v) { return __bfloat162float(v); }
template <> __device__ __forceinline__ float to_f32<__half>(__half v) { return __half2float(v); }
template <class T> __device__ __forceinline__ T from_f32(float v);
template <> __device__ __forceinline__ float from_f32<float>(float v) { return v; }
template <> __device__ __forceinline__ __nv_bfloat16 from_f32<__nv_bfloat16>(float v) { return __float2bfloat16_rn(v); }
template <> __device__ __forceinline__ __half from_f32<__half>(float v) { return __float2half_rn(v); }
}  // namespace lrqk::dev

// Instantiates a templated launcher for the three float dtypes: LRQK_FLOAT_SWITCH(dtype, T, body)
#define LRQK_FLOAT_SWITCH(dtype, T, op, ...)                                              \
  switch (dtype) {                                                                        \
    case ::lrqk::DType::F32: { using T = float; __VA_ARGS__; break; }                     \
    case ::lrqk::DType::BF16: { using T = __nv_bfloat16; __VA_ARGS__; break; }            \
    case ::lrqk::DType::F16: { using T = __half; __VA_ARGS__; break; }                    \
    default: ::lrqk::fail(::lrqk::ErrorKind::DType, op, std::string(op) + ": float dtype expected"); \
  }
