// Counter-based RNG (Philox-4x32-10) shared by the CPU and CUDA kernels, so a seed gives the
// same numbers on both backends. Usable from host and device code.
#pragma once
#include <cstdint>

#ifdef __CUDACC__
#define LRQK_HD __host__ __device__ __forceinline__
#else
#define LRQK_HD inline
#endif

namespace lrqk {

struct Philox4 {
  uint32_t v[4];
};

LRQK_HD uint32_t mulhilo(uint32_t a, uint32_t b, uint32_t* hi) {
  uint64_t p = uint64_t(a) * uint64_t(b);
  *hi = uint32_t(p >> 32);
  return uint32_t(p);
}

LRQK_HD Philox4 philox(uint64_t counter, uint64_t seed) {
  uint32_t c0 = uint32_t(counter), c1 = uint32_t(counter >> 32), c2 = 0, c3 = 0;
  uint32_t k0 = uint32_t(seed), k1 = uint32_t(seed >> 32);
  for (int i = 0; i < 10; ++i) {
    uint32_t hi0, hi1;
    uint32_t lo0 = mulhilo(0xD2511F53u, c0, &hi0);
    uint32_t lo1 = mulhilo(0xCD9E8D57u, c2, &hi1);
    uint32_t n0 = hi1 ^ c1 ^ k0, n1 = lo1, n2 = hi0 ^ c3 ^ k1, n3 = lo0;
    c0 = n0; c1 = n1; c2 = n2; c3 = n3;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return Philox4{{c0, c1, c2, c3}};
}

// Uniform in (0, 1]: never 0, so log() is safe.
LRQK_HD double philox_uniform(uint32_t a, uint32_t b) {
  uint64_t bits = (uint64_t(a) << 21) ^ uint64_t(b >> 11);  // 53 random bits
  bits &= (uint64_t(1) << 53) - 1;
  return (double(bits) + 1.0) * (1.0 / 9007199254740992.0);
}

}  // namespace lrqk
