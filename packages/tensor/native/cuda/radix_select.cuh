// Radix selection over order-preserving 32-bit keys, for one row per block: finds the key T such
// that `target` units of weight lie at keys ≥ T — weight is a count (top-k) or probability mass
// (top-p). 4 passes of 8 bits with shared histograms (kHists copies to cut atomic contention).
#pragma once
#include <cuda_runtime.h>
#include "../core/dtype.h"
#include "common.cuh"

namespace lrqk::dev {

// f32 → key: larger value → larger key; -0 == +0; NaN → 0 (below everything).
__device__ __forceinline__ uint32_t float_key(float f) {
  if (isnan(f)) return 0u;
  uint32_t u = f == 0.f ? 0u : __float_as_uint(f);
  uint32_t key = (u & 0x80000000u) ? ~u : (u | 0x80000000u);
  return key == 0u ? 1u : key;
}

constexpr int kRadixHists = 8;

struct RadixResult {
  uint32_t key;     // the threshold key T
  float above;      // weight strictly above T (keys > T)
};

// KeyW(i, &key, &w) yields element i's key and weight (w = 0 excludes it).
// Shared scratch: hist [kRadixHists][256] floats + 3 words. Called by every thread of the block.
template <class KeyW>
__device__ RadixResult radix_select(int n, float target, KeyW keyw, float (*hist)[256], uint32_t* s_state, float* s_rem) {
  const int tid = threadIdx.x;
  if (tid == 0) { s_state[0] = 0; s_state[1] = 0; *s_rem = target; }
  __syncthreads();
  for (int pass = 0; pass < 4; ++pass) {
    const int shift = 24 - 8 * pass;
    for (int i = tid; i < kRadixHists * 256; i += blockDim.x) (&hist[0][0])[i] = 0.f;
    __syncthreads();
    const uint32_t prefix = s_state[0], mask = s_state[1];
    float* h = hist[(tid >> 5) % kRadixHists];
    for (int i = tid; i < n; i += blockDim.x) {
      uint32_t key;
      float w;
      keyw(i, &key, &w);
      if (w != 0.f && (key & mask) == prefix) atomicAdd(&h[(key >> shift) & 255u], w);
    }
    __syncthreads();
    for (int b = tid; b < 256; b += blockDim.x) {
      float s = 0.f;
      for (int c = 0; c < kRadixHists; ++c) s += hist[c][b];
      hist[0][b] = s;
    }
    __syncthreads();
    if (tid == 0) {
      const float remaining = *s_rem;
      float cum = 0.f;
      int b = 255;
      for (; b > 0; --b) {
        if (cum + hist[0][b] >= remaining) break;
        cum += hist[0][b];
      }
      *s_rem = remaining - cum;
      s_state[0] = prefix | (uint32_t(b) << shift);
      s_state[1] = mask | (255u << shift);
    }
    __syncthreads();
  }
  RadixResult r{s_state[0], target - *s_rem};
  __syncthreads();
  return r;
}

}  // namespace lrqk::dev
