// Batch-1 decode linear on CUDA: y (1,N) = alpha · x (1,K) · W (N,K)ᵀ + beta · y + bias.
// Memory-bound on W (N·K elements, each read once), so the design is about bytes in flight:
//  - each warp owns kRows consecutive weight rows; each lane streams them with 16-byte loads
//    (8 bf16/f16 or 4 f32) that bypass L1 allocation, kUnroll loads per row in flight per lane;
//  - x (K elements, at most tens of KB) goes through the read-only cache, where it stays;
//  - f32 accumulation, warp-shuffle reduction, one lane applies the epilogue and stores.
// 256-thread blocks of 8 warps; rows per warp and loads in flight per lane depend on the shape
// (pick_config below, from a measured sweep), keeping tens of KB of loads in flight per SM.
// Rows that are not 16-byte aligned (K or the row stride not a multiple of 16 bytes, or a
// misaligned base) take the scalar variant of the same kernel.
#pragma once
#include <cstdlib>
#include "common.cuh"

namespace lrqk::gemv {
constexpr int kThreads = 256, kWarps = kThreads / 32;

// 16 bytes of weights, not allocated in L1 (each weight byte is used exactly once).
__device__ __forceinline__ uint4 ld_once(const uint4* p) {
  uint4 v;
  asm("ld.global.nc.L1::no_allocate.v4.u32 {%0, %1, %2, %3}, [%4];"
               : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
               : "l"(p));
  return v;
}

// Dot product of two 16-byte vectors of T, in f32.
template <class T> __device__ __forceinline__ float dot16(const uint4& w, const uint4& x);
template <> __device__ __forceinline__ float dot16<float>(const uint4& w, const uint4& x) {
  return __uint_as_float(w.x) * __uint_as_float(x.x) + __uint_as_float(w.y) * __uint_as_float(x.y) +
         __uint_as_float(w.z) * __uint_as_float(x.z) + __uint_as_float(w.w) * __uint_as_float(x.w);
}
__device__ __forceinline__ float2 pair_f32(__nv_bfloat162 v) { return __bfloat1622float2(v); }
__device__ __forceinline__ float2 pair_f32(__half2 v) { return __half22float2(v); }
template <class T2>
__device__ __forceinline__ float dot16_pairs(const uint4& w, const uint4& x) {
  const T2* wp = reinterpret_cast<const T2*>(&w);
  const T2* xp = reinterpret_cast<const T2*>(&x);
  float s = 0.f;
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const float2 a = pair_f32(wp[i]), b = pair_f32(xp[i]);
    s = fmaf(a.x, b.x, s);
    s = fmaf(a.y, b.y, s);
  }
  return s;
}
template <> __device__ __forceinline__ float dot16<__nv_bfloat16>(const uint4& w, const uint4& x) {
  return dot16_pairs<__nv_bfloat162>(w, x);
}
template <> __device__ __forceinline__ float dot16<__half>(const uint4& w, const uint4& x) { return dot16_pairs<__half2>(w, x); }

// Element i of a float tensor whose dtype is only known at run time (bias).
__device__ __forceinline__ float load_any(const void* p, int dtype, int64_t i) {
  switch (DType(dtype)) {
    case DType::BF16: return __bfloat162float(static_cast<const __nv_bfloat16*>(p)[i]);
    case DType::F16: return __half2float(static_cast<const __half*>(p)[i]);
    default: return static_cast<const float*>(p)[i];
  }
}

// kRows weight rows per warp, kUnroll 16-byte loads per row and lane in flight: the bytes a warp
// keeps in flight are kRows · kUnroll · 512. The shapes are picked per (n, k) by pick_config().
template <class T, class To, bool kVec, int kRows, int kUnroll>
__global__ void __launch_bounds__(kThreads) gemv_kernel(const T* __restrict__ x, const T* __restrict__ w, int64_t ldw,
                                                        To* __restrict__ y, int64_t n, int64_t k, float alpha, float beta,
                                                        const void* __restrict__ bias, int bias_dtype) {
  const int lane = threadIdx.x & 31;
  const int64_t row0 = (int64_t(blockIdx.x) * kWarps + (threadIdx.x >> 5)) * kRows;
  if (row0 >= n) return;  // the whole warp leaves together
  const T* wr[kRows];
#pragma unroll
  for (int r = 0; r < kRows; ++r) wr[r] = w + (row0 + r < n ? row0 + r : n - 1) * ldw;  // past-the-end rows: dropped below
  float acc[kRows];
#pragma unroll
  for (int r = 0; r < kRows; ++r) acc[r] = 0.f;

  if constexpr (kVec) {
    constexpr int kPer = 16 / int(sizeof(T));
    const int64_t chunks = k / kPer;
    const uint4* xv = reinterpret_cast<const uint4*>(x);
    // Main loop: kUnroll chunks per row, all in range, loads issued before any arithmetic
    // (no conditionals between them, so they stay in flight together). Then one chunk at a time.
    int64_t c = lane;
    for (; c + 32 * (kUnroll - 1) < chunks; c += 32 * kUnroll) {
      uint4 wv[kRows][kUnroll], xq[kUnroll];
#pragma unroll
      for (int u = 0; u < kUnroll; ++u) {
#pragma unroll
        for (int r = 0; r < kRows; ++r) wv[r][u] = ld_once(reinterpret_cast<const uint4*>(wr[r]) + c + 32 * u);
      }
#pragma unroll
      for (int u = 0; u < kUnroll; ++u) xq[u] = __ldg(xv + c + 32 * u);
#pragma unroll
      for (int u = 0; u < kUnroll; ++u)
#pragma unroll
        for (int r = 0; r < kRows; ++r) acc[r] += dot16<T>(wv[r][u], xq[u]);
    }
    for (; c < chunks; c += 32) {
      const uint4 xq = __ldg(xv + c);
#pragma unroll
      for (int r = 0; r < kRows; ++r) acc[r] += dot16<T>(ld_once(reinterpret_cast<const uint4*>(wr[r]) + c), xq);
    }
  } else {
    for (int64_t i = lane; i < k; i += 32) {
      const float xv = dev::to_f32(x[i]);
#pragma unroll
      for (int r = 0; r < kRows; ++r) acc[r] = fmaf(xv, dev::to_f32(wr[r][i]), acc[r]);
    }
  }
#pragma unroll
  for (int r = 0; r < kRows; ++r)
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) acc[r] += __shfl_xor_sync(0xffffffffu, acc[r], o);
  if (lane == 0) {
#pragma unroll
    for (int r = 0; r < kRows; ++r) {
      const int64_t j = row0 + r;
      if (j >= n) break;
      float v = alpha * acc[r];
      if (beta != 0.f) v += beta * dev::to_f32(y[j]);
      if (bias) v += load_any(bias, bias_dtype, j);
      y[j] = dev::from_f32<To>(v);
    }
  }
}

// (rows per warp, loads in flight per row and lane) of the vectorized kernel.
struct Config {
  int rows, unroll;
};
constexpr Config kConfigs[] = {{2, 4}, {4, 4}, {2, 8}, {1, 8}, {4, 8}, {1, 16}};
constexpr int kNumConfigs = int(sizeof(kConfigs) / sizeof(kConfigs[0]));

// LRQK_GEMV_CONFIG=i forces kConfigs[i] (for the tuning sweep, bench/gemv-sweep.ts); read once.
inline int forced_config() {
  static const int forced = [] {
    const char* e = std::getenv("LRQK_GEMV_CONFIG");
    if (e == nullptr || *e == '\0') return -1;
    const int i = std::atoi(e);
    return i >= 0 && i < kNumConfigs ? i : -1;
  }();
  return forced;
}

// Measured on the H200 with bench/gemv-sweep.ts (docs/benchmarks/tensor.md, "GEMV kernel shapes"):
// long rows want one row a warp with 16 loads in flight (14336→4096: 90% of the HBM copy rate vs
// 77% for 2 × 4); few rows want one row a warp so that more warps run (4096→6144: 78% vs 67%);
// many short rows, two rows a warp with 8 loads (4096→14336: 90% vs 88%).
inline int pick_config(int64_t n, int64_t k) {
  const int f = forced_config();
  if (f >= 0) return f;
  if (k >= 8192) return 5;  // 1 × 16
  if (n <= 8192) return 3;  // 1 × 8
  return 2;                 // 2 × 8
}

template <class T, class To, bool kVec, int kRows, int kUnroll>
void launch_with(const T* x, const T* w, int64_t ldw, To* y, int64_t n, int64_t k, float alpha, float beta, const void* bias,
                 DType bias_dtype) {
  const int64_t blocks = (n + kWarps * kRows - 1) / (kWarps * kRows);
  if (blocks > 2147483647) fail(ErrorKind::Shape, "matmul", "matmul: too many rows for the GEMV kernel");
  gemv_kernel<T, To, kVec, kRows, kUnroll>
      <<<unsigned(blocks), kThreads, 0, cuda::stream()>>>(x, w, ldw, y, n, k, alpha, beta, bias, int(bias_dtype));
  cuda::check_launch("matmul");
}

// Launches on the current stream. x: (k) contiguous; w: (n, k) with row stride ldw; y: (n) contiguous.
template <class T, class To>
void launch(const T* x, const T* w, int64_t ldw, To* y, int64_t n, int64_t k, float alpha, float beta, const void* bias,
            DType bias_dtype) {
  constexpr int kPer = 16 / int(sizeof(T));
  const bool vec = reinterpret_cast<uintptr_t>(x) % 16 == 0 && reinterpret_cast<uintptr_t>(w) % 16 == 0 && k % kPer == 0 &&
                   ldw % kPer == 0;
  if (!vec) return launch_with<T, To, false, 2, 4>(x, w, ldw, y, n, k, alpha, beta, bias, bias_dtype);
  switch (pick_config(n, k)) {
    case 1: return launch_with<T, To, true, 4, 4>(x, w, ldw, y, n, k, alpha, beta, bias, bias_dtype);
    case 2: return launch_with<T, To, true, 2, 8>(x, w, ldw, y, n, k, alpha, beta, bias, bias_dtype);
    case 3: return launch_with<T, To, true, 1, 8>(x, w, ldw, y, n, k, alpha, beta, bias, bias_dtype);
    case 4: return launch_with<T, To, true, 4, 8>(x, w, ldw, y, n, k, alpha, beta, bias, bias_dtype);
    case 5: return launch_with<T, To, true, 1, 16>(x, w, ldw, y, n, k, alpha, beta, bias, bias_dtype);
    default: return launch_with<T, To, true, 2, 4>(x, w, ldw, y, n, k, alpha, beta, bias, bias_dtype);
  }
}
}  // namespace lrqk::gemv
