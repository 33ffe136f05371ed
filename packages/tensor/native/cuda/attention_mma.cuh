// Thin wrappers over the PTX used by the tensor-core attention kernels (sm_80+ instructions, fine
// on sm_90): cp.async 16-byte copies with zero fill, ldmatrix (plain and transposed) and
// mma.sync m16n8k16 with f32 accumulators for bf16 / f16 operands.
#pragma once
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cstdint>
#include "common.cuh"  // grid_dependency_wait, launch_dependents

namespace lrqk::dev {

__device__ __forceinline__ uint32_t smem_addr(const void* p) {
  return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}

// Copies 16 bytes global → shared; bytes past src_bytes (0 or 16) are zero-filled.
__device__ __forceinline__ void cp_async_16(uint32_t dst, const void* src, int src_bytes) {
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(src), "r"(src_bytes));
}
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }
__device__ __forceinline__ void cp_async_wait_all() { asm volatile("cp.async.wait_group 0;\n" ::: "memory"); }
// Waits until at most N of this thread's committed cp.async groups are still in flight.
template <int N>
__device__ __forceinline__ void cp_async_wait() { asm volatile("cp.async.wait_group %0;\n" ::"n"(N) : "memory"); }

__device__ __forceinline__ void ldmatrix_x4(uint32_t (&r)[4], uint32_t addr) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(addr));
}
__device__ __forceinline__ void ldmatrix_x4_trans(uint32_t (&r)[4], uint32_t addr) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(addr));
}

// Byte offset of 16-byte chunk `c` of row `r` in a shared-memory tile of D 16-bit elements per row,
// XOR-swizzled (chunk ^ (row & 7)) so that ldmatrix of 8 rows × 16 bytes is bank-conflict free.
template <int D>
__device__ __forceinline__ uint32_t swz(int r, int c) {
  return uint32_t(r * (D * 2) + ((c ^ (r & 7)) << 4));
}

// ROWS×D tile of 16-bit T from global (row stride in elements) into swizzled shared memory with
// cp.async, THREADS threads sharing the work; rows >= valid are zero-filled and read nothing (so
// padded keys contribute exactly 0 to P·V, even where the memory past them holds NaN).
template <class T, int D, int ROWS, int THREADS>
__device__ __forceinline__ void load_tile(uint32_t dst, const T* src, int64_t row_stride, int valid) {
  constexpr int C = D / 8, TOTAL = ROWS * C;
  static_assert(TOTAL % THREADS == 0, "tile chunks must divide evenly among threads");
#pragma unroll
  for (int i = 0; i < TOTAL / THREADS; ++i) {
    const int idx = i * THREADS + int(threadIdx.x), r = idx / C, c = idx % C;
    const bool ok = r < valid;
    cp_async_16(dst + swz<D>(r, c), ok ? src + r * row_stride + c * 8 : src, ok ? 16 : 0);
  }
}

// One row of the online softmax (FlashAttention-2) in the mma accumulator layouts, where a row's
// scores sit in the 4 lanes of a quad. `mx`: this lane's max of the new scores, already merged with
// the running max `m_old`. Returns the row max over the quad, the exp2 offset `ms` (0 while the row
// has seen only masked keys, so that exp2 stays finite) and `corr`, the factor that rescales the
// running sum and output from the old max.
struct RowMax {
  float mx, ms, corr;
};
__device__ __forceinline__ RowMax quad_row_max(float mx, float m_old, float sl2) {
  mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
  mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
  const float ms = mx == -INFINITY ? 0.f : mx * sl2;
  return {mx, ms, exp2f(m_old * sl2 - ms)};
}

// c (16x8 f32) += a (16x16, row) * b (16x8, col).
template <class T> __device__ __forceinline__ void mma_16816(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1);
template <> __device__ __forceinline__ void mma_16816<__nv_bfloat16>(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}
template <> __device__ __forceinline__ void mma_16816<__half>(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// Two floats → one register of two 16-bit values, `lo` in the low half (the fragment order).
template <class T> __device__ __forceinline__ uint32_t pack2(float lo, float hi);
template <> __device__ __forceinline__ uint32_t pack2<__nv_bfloat16>(float lo, float hi) {
  __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);
  return *reinterpret_cast<uint32_t*>(&v);
}
template <> __device__ __forceinline__ uint32_t pack2<__half>(float lo, float hi) {
  __half2 v = __floats2half2_rn(lo, hi);
  return *reinterpret_cast<uint32_t*>(&v);
}

// A 16-byte vector of T as floats (8 for 16-bit types, 4 for f32).
template <class T> __device__ __forceinline__ void unpack16(const uint4& u, float (&f)[16 / sizeof(T)]);
template <> __device__ __forceinline__ void unpack16<float>(const uint4& u, float (&f)[4]) {
  f[0] = __uint_as_float(u.x); f[1] = __uint_as_float(u.y); f[2] = __uint_as_float(u.z); f[3] = __uint_as_float(u.w);
}
template <> __device__ __forceinline__ void unpack16<__nv_bfloat16>(const uint4& u, float (&f)[8]) {
  const __nv_bfloat162* p = reinterpret_cast<const __nv_bfloat162*>(&u);
#pragma unroll
  for (int i = 0; i < 4; ++i) { float2 x = __bfloat1622float2(p[i]); f[2 * i] = x.x; f[2 * i + 1] = x.y; }
}
template <> __device__ __forceinline__ void unpack16<__half>(const uint4& u, float (&f)[8]) {
  const __half2* p = reinterpret_cast<const __half2*>(&u);
#pragma unroll
  for (int i = 0; i < 4; ++i) { float2 x = __half22float2(p[i]); f[2 * i] = x.x; f[2 * i + 1] = x.y; }
}

}  // namespace lrqk::dev
