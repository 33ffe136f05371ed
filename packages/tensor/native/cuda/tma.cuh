// Hopper tensor-memory-accelerator (TMA) loads and the shared-memory barriers (mbarrier) that
// signal their completion, for kernels where one thread moves whole tiles and the others wait on
// a barrier instead of issuing per-thread copies (sm_90). Host side: tensor maps for row-major
// (outer, rows, cols) tensors of 16-bit elements, encoded through the driver entry point the CUDA
// runtime hands out (no link against libcuda).
#pragma once
#include <cuda.h>
#include <cuda_runtime.h>
#include <cstdint>

namespace lrqk::tma {

__device__ __forceinline__ void mbar_init(uint32_t bar, uint32_t count) {
  asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;\n" ::"r"(bar), "r"(count) : "memory");
}
// Makes initialised barriers visible to the async proxy (TMA) and the other threads (with a barrier after).
__device__ __forceinline__ void mbar_fence_init() { asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory"); }
// Arrives and expects `bytes` more from asynchronous copies before the phase can complete.
__device__ __forceinline__ void mbar_arrive_expect_tx(uint32_t bar, uint32_t bytes) {
  asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;\n" ::"r"(bar), "r"(bytes) : "memory");
}
__device__ __forceinline__ void mbar_arrive(uint32_t bar) {
  asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];\n" ::"r"(bar) : "memory");
}
// Waits until the phase with this parity has completed (acquire: the TMA's data is visible).
__device__ __forceinline__ void mbar_wait(uint32_t bar, uint32_t parity) {
  uint32_t done = 0;
  do {
    asm volatile(
        "{\n .reg .pred p;\n mbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2;\n selp.u32 %0, 1, 0, p;\n}\n"
        : "=r"(done)
        : "r"(bar), "r"(parity)
        : "memory");
  } while (!done);
}
// One box of a 3-D tensor map at element coordinates (c0 fastest) into shared memory at dst; the
// bytes complete on `bar`. Boxes past the tensor's edge are zero-filled.
__device__ __forceinline__ void load_3d(uint32_t dst, const CUtensorMap* map, int c0, int c1, int c2, uint32_t bar) {
  asm volatile(
      "cp.async.bulk.tensor.3d.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1, {%2, %3, %4}], [%5];\n" ::"r"(dst),
      "l"(reinterpret_cast<uint64_t>(map)), "r"(c0), "r"(c1), "r"(c2), "r"(bar)
      : "memory");
}
__device__ __forceinline__ void prefetch_map(const CUtensorMap* map) {
  asm volatile("prefetch.tensormap [%0];\n" ::"l"(reinterpret_cast<uint64_t>(map)) : "memory");
}

// A 3-D tensor map over `base` with dims (cols, rows, outer), row / outer strides in elements, of
// 16-bit elements (bf16 when `bf16`, else f16), read in boxes of box_cols × box_rows with the
// 128-byte swizzle (box_cols · 2 must be 128). False when the driver cannot describe it (strides
// not multiples of 16 bytes, an unaligned base, no driver entry point): the caller falls back.
bool encode_3d_sw128(CUtensorMap* map, bool bf16, const void* base, int64_t cols, int64_t rows, int64_t outer,
                     int64_t row_stride, int64_t outer_stride, uint32_t box_cols, uint32_t box_rows);

}  // namespace lrqk::tma
