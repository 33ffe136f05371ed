// Hopper warpgroup MMA (wgmma, sm_90a only) for the attention kernels: shared-memory matrix
// descriptors for 128-byte-swizzled tiles, the m64n128k16 instructions with f32 accumulators
// (A from shared memory or from registers), and the fences around them. Every function compiles
// to nothing but a trap outside sm_90a; callers choose the wgmma path only on compute capability 9.0.
#pragma once
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cstdint>

#if defined(__CUDA_ARCH__) && defined(__CUDA_ARCH_FEAT_SM90_ALL)
#define LRQK_WGMMA 1
#else
#define LRQK_WGMMA 0
#endif

namespace lrqk::wg {

// A tile of ROWS rows × 128 16-bit elements is stored as two column halves (elements 0–63 and
// 64–127), each ROWS × 128 bytes, with 16-byte chunk c of row r at chunk c ^ (r & 7): the
// 128-byte swizzle wgmma reads. Halves start 1024-byte aligned (ROWS a multiple of 8 and an
// aligned base).
template <int ROWS>
__device__ __forceinline__ uint32_t sw128(int r, int c16) {
  return uint32_t((c16 >> 3) * (ROWS * 128) + r * 128 + (((c16 & 7) ^ (r & 7)) << 4));
}

// Matrix descriptor: start address, leading / stride byte offsets (16-byte units), 128-byte swizzle.
__device__ __forceinline__ uint64_t desc(uint32_t smem, uint32_t lbo, uint32_t sbo) {
  return uint64_t((smem & 0x3FFFFu) >> 4) | (uint64_t((lbo >> 4) & 0x3FFFu) << 16) | (uint64_t((sbo >> 4) & 0x3FFFu) << 32) |
         (uint64_t(1) << 62);
}

// Sets this warpgroup's per-thread register budget (every thread of the warpgroup executes it):
// producer warpgroups lower theirs so that consumer warpgroups can raise theirs.
template <int N, bool INC>
__device__ __forceinline__ void set_max_regs() {
#if LRQK_WGMMA
  if constexpr (INC) asm volatile("setmaxnreg.inc.sync.aligned.u32 %0;\n" ::"n"(N));
  else asm volatile("setmaxnreg.dec.sync.aligned.u32 %0;\n" ::"n"(N));
#endif
}

__device__ __forceinline__ void fence() {
#if LRQK_WGMMA
  asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory");
#endif
}
__device__ __forceinline__ void commit() {
#if LRQK_WGMMA
  asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory");
#endif
}
template <int N>
__device__ __forceinline__ void wait() {
#if LRQK_WGMMA
  asm volatile("wgmma.wait_group.sync.aligned %0;\n" ::"n"(N) : "memory");
#endif
}
// Makes this thread's generic-proxy shared-memory writes (cp.async included, once complete)
// visible to the async proxy wgmma reads through.
__device__ __forceinline__ void fence_proxy_async() {
#if LRQK_WGMMA
  asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory");
#endif
}
// Keeps the compiler from moving accesses of accumulator registers across the asynchronous MMAs.
__device__ __forceinline__ void pin(float (&d)[64]) {
#pragma unroll
  for (int i = 0; i < 64; ++i) asm volatile("" : "+f"(d[i])::"memory");
}
// Keeps A-fragment registers an asynchronous MMA still reads alive (and unchanged) up to this point:
// call it after the wait for that MMA.
template <int N>
__device__ __forceinline__ void pin(uint32_t (&a)[N][4]) {
#pragma unroll
  for (int i = 0; i < N; ++i)
#pragma unroll
    for (int j = 0; j < 4; ++j) asm volatile("" : "+r"(a[i][j])::"memory");
}

#define LRQK_WG_D64                                                                                                      \
  "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), \
      "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), \
      "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), \
      "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]), "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), \
      "+f"(d[37]), "+f"(d[38]), "+f"(d[39]), "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), \
      "+f"(d[46]), "+f"(d[47]), "+f"(d[48]), "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), \
      "+f"(d[55]), "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63])

#define LRQK_WG_REGS64                                                                                                \
  "{%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, " \
  "%24, %25, %26, %27, %28, %29, %30, %31, %32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, "   \
  "%46, %47, %48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63}"

// d (64×128, f32) = [d +] A (64×16, K-major in shared memory) · B (16×128: K-major when TB = 0,
// N-major when TB = 1), accumulate = 0 overwrites d.
template <class T, int TB>
__device__ __forceinline__ void mma_ss(float (&d)[64], uint64_t a, uint64_t b, int accumulate);
template <class T, int TB>
__device__ __forceinline__ void mma_rs(float (&d)[64], const uint32_t (&a)[4], uint64_t b, int accumulate);

#define LRQK_WG_SS(TYPE, PTXT, TB)                                                                                        \
  template <>                                                                                                             \
  __device__ __forceinline__ void mma_ss<TYPE, TB>(float (&d)[64], uint64_t a, uint64_t b, int accumulate) {              \
    asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %66, 0;\n"                                                             \
                 "wgmma.mma_async.sync.aligned.m64n128k16.f32." PTXT "." PTXT " " LRQK_WG_REGS64 ", %64, %65, p, 1, 1, 0, " #TB \
                 ";\n}\n"                                                                                                 \
                 : LRQK_WG_D64                                                                                            \
                 : "l"(a), "l"(b), "r"(accumulate));                                                                      \
  }
#define LRQK_WG_RS(TYPE, PTXT, TB)                                                                                           \
  template <>                                                                                                                \
  __device__ __forceinline__ void mma_rs<TYPE, TB>(float (&d)[64], const uint32_t (&a)[4], uint64_t b, int accumulate) {     \
    asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %69, 0;\n"                                                                \
                 "wgmma.mma_async.sync.aligned.m64n128k16.f32." PTXT "." PTXT " " LRQK_WG_REGS64                               \
                 ", {%64, %65, %66, %67}, %68, p, 1, 1, " #TB ";\n}\n"                                                        \
                 : LRQK_WG_D64                                                                                               \
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(b), "r"(accumulate));                                     \
  }
#if LRQK_WGMMA
LRQK_WG_SS(__nv_bfloat16, "bf16", 0)
LRQK_WG_SS(__half, "f16", 0)
LRQK_WG_RS(__nv_bfloat16, "bf16", 1)
LRQK_WG_RS(__half, "f16", 1)
#else
template <>
__device__ __forceinline__ void mma_ss<__nv_bfloat16, 0>(float (&)[64], uint64_t, uint64_t, int) { __trap(); }
template <>
__device__ __forceinline__ void mma_ss<__half, 0>(float (&)[64], uint64_t, uint64_t, int) { __trap(); }
template <>
__device__ __forceinline__ void mma_rs<__nv_bfloat16, 1>(float (&)[64], const uint32_t (&)[4], uint64_t, int) { __trap(); }
template <>
__device__ __forceinline__ void mma_rs<__half, 1>(float (&)[64], const uint32_t (&)[4], uint64_t, int) { __trap(); }
#endif
#undef LRQK_WG_SS
#undef LRQK_WG_RS
#undef LRQK_WG_D64
#undef LRQK_WG_REGS64
}  // namespace lrqk::wg
