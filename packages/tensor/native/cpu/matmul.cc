// CPU matmul (semantics and layouts in ops/matmul.h). Three paths, all accumulating in f32:
//  - GEMM (general): Goto-style blocking. Output tiles of MC×NC are independent OpenMP tasks;
//    each packs KC-deep blocks of A (MC×KC) and B (KC×NC) into f32 panels (bf16/f16 converted
//    while packing) and runs an MR×NR register-blocked micro-kernel written with GCC vector
//    types. The whole K sum stays in an f32 tile until one epilogue applies alpha, beta, bias
//    and the output dtype, so bf16/f16 outputs are rounded once.
//  - GEMV "weight rows" (b transposed — a linear layer's (N,K) weight — and M <= 8): every weight
//    row is read once and dotted with each row of a (a converted to f32 up front). Memory-bound.
//  - GEMV "b rows" (b not transposed, M == 1): y = Σ_k x[k]·b[k,:] over column blocks.
// The inner loops are compiled for AVX2+FMA and for baseline x86-64 and chosen at run time, so one
// addon build runs on every x86-64 host (and the generic code on any other architecture).
#include <algorithm>
#include <cstring>
#include <vector>
#include "../core/dispatch.h"
#include "../ops/matmul.h"

#pragma GCC diagnostic ignored "-Wpsabi"  // 32-byte vector types in non-AVX functions: all inlined

namespace lrqk {
namespace {

typedef float v8f __attribute__((vector_size(32)));
typedef uint32_t v8u __attribute__((vector_size(32)));
typedef uint16_t v8h __attribute__((vector_size(16)));

#define LRQK_INLINE inline __attribute__((always_inline))

// Blocking: an MC×KC block of A (96 KB) and a KC×NC block of B (256 KB) per task, in L2; one
// KC×NR panel of B (16 KB) stays in L1 while the micro-kernel sweeps the MR-row panels of A.
constexpr int64_t kMC = 96, kNC = 256, kKC = 256;
constexpr int64_t kSmallM = 8;   // weight-rows GEMV up to this many rows of a
constexpr int64_t kColBlock = 512;

// ---- element access: f32, or bf16/f16 bits widened to f32 -----------------------------------
LRQK_INLINE float bits_f32(uint32_t u) { float f; std::memcpy(&f, &u, 4); return f; }
LRQK_INLINE uint32_t f32_bits(float f) { uint32_t u; std::memcpy(&u, &f, 4); return u; }

// Branch-free f16 → f32 (normals, subnormals, inf/NaN) so that loops over it vectorise.
LRQK_INLINE float half_f32(uint16_t h) {
  uint32_t o = (uint32_t(h) & 0x7fffu) << 13;
  const uint32_t e = o & 0x0f800000u;
  o += 112u << 23;                                  // rebias 15 → 127
  o += e == 0x0f800000u ? 112u << 23 : 0u;          // inf/NaN keep an all-ones exponent
  const bool den = e == 0;
  float f = bits_f32(o + (den ? 1u << 23 : 0u));
  f -= den ? bits_f32(113u << 23) : 0.f;            // subnormal: (1.m − 1)·2^-14
  return bits_f32(f32_bits(f) | (uint32_t(h) & 0x8000u) << 16);
}
LRQK_INLINE v8f half8_f32(const v8u& h) {
  v8u o = (h & 0x7fffu) << 13;
  const v8u e = o & 0x0f800000u;
  o += 112u << 23;
  o += (v8u)(e == 0x0f800000u) & (112u << 23);
  const v8u den = (v8u)(e == 0u);
  v8f f = (v8f)(o + (den & (1u << 23)));
  f -= (v8f)(den & (113u << 23));
  return (v8f)((v8u)f | (h & 0x8000u) << 16);
}

template <DType D>
LRQK_INLINE float ld1(const void* p, int64_t i) {
  if constexpr (D == DType::F32) return static_cast<const float*>(p)[i];
  else if constexpr (D == DType::BF16) return bits_f32(uint32_t(static_cast<const uint16_t*>(p)[i]) << 16);
  else return half_f32(static_cast<const uint16_t*>(p)[i]);
}
// Eight consecutive elements from index i.
template <DType D>
LRQK_INLINE v8f ld8(const void* p, int64_t i) {
  if constexpr (D == DType::F32) {
    v8f v;
    std::memcpy(&v, static_cast<const float*>(p) + i, 32);
    return v;
  } else {
    v8h h;
    std::memcpy(&h, static_cast<const uint16_t*>(p) + i, 16);
    const v8u u = __builtin_convertvector(h, v8u);
    if constexpr (D == DType::BF16) return (v8f)(u << 16);
    else return half8_f32(u);
  }
}
LRQK_INLINE v8f ldv(const float* p) { v8f v; std::memcpy(&v, p, 32); return v; }
LRQK_INLINE void stv(float* p, const v8f& v) { std::memcpy(p, &v, 32); }
LRQK_INLINE float hsum(const v8f& v) { return ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7])); }

const void* at(const TensorArg& t, int64_t elems) {
  return static_cast<const uint8_t*>(t.data) + elems * int64_t(dtype_size(t.dtype));
}

// out[row, j] = alpha·acc + beta·out (only when beta != 0) + bias[j], in the output dtype.
LRQK_INLINE void store_out(const MatmulArgs& g, void* out, int64_t idx, int64_t j, float acc) {
  float v = g.alpha * acc;
  if (g.beta != 0.f) v += g.beta * load_f32(out, g.out.dtype, idx);
  if (g.has_bias) v += load_f32(g.bias.data, g.bias.dtype, j);
  store_f32(out, g.out.dtype, idx, v);
}

// ---- GEMM ------------------------------------------------------------------------------------
// Packs rows [i0, i0+mc) × k [p0, p0+kc) of A into MR-row panels, layout [panel][p][r], zero-padded.
template <int MR, DType D>
LRQK_INLINE void pack_a(const MatmulArgs& g, const void* A, int64_t i0, int64_t mc, int64_t p0, int64_t kc, float* ap) {
  for (int64_t ir = 0; ir < mc; ir += MR) {
    float* dst = ap + ir * kc;
    const int64_t rows = std::min<int64_t>(MR, mc - ir);
    if (!g.trans_a) {
      for (int r = 0; r < MR; ++r) {
        if (r < rows) {
          const int64_t base = (i0 + ir + r) * g.lda + p0;
          for (int64_t p = 0; p < kc; ++p) dst[p * MR + r] = ld1<D>(A, base + p);
        } else {
          for (int64_t p = 0; p < kc; ++p) dst[p * MR + r] = 0.f;
        }
      }
    } else {  // stored (K, M): row p holds A[:, p]
      for (int64_t p = 0; p < kc; ++p) {
        const int64_t base = (p0 + p) * g.lda + i0 + ir;
        for (int r = 0; r < MR; ++r) dst[p * MR + r] = r < rows ? ld1<D>(A, base + r) : 0.f;
      }
    }
  }
}

// Packs k [p0, p0+kc) × cols [j0, j0+nc) of B into NR-column panels, layout [panel][p][c].
template <int NR, DType D>
LRQK_INLINE void pack_b(const MatmulArgs& g, const void* B, int64_t p0, int64_t kc, int64_t j0, int64_t nc, float* bp) {
  for (int64_t jr = 0; jr < nc; jr += NR) {
    float* dst = bp + jr * kc;
    const int64_t cols = std::min<int64_t>(NR, nc - jr);
    if (!g.trans_b) {
      for (int64_t p = 0; p < kc; ++p) {
        const int64_t base = (p0 + p) * g.ldb + j0 + jr;
        if (cols == NR) {
          for (int v = 0; v < NR / 8; ++v) stv(dst + p * NR + 8 * v, ld8<D>(B, base + 8 * v));
        } else {
          for (int c = 0; c < NR; ++c) dst[p * NR + c] = c < cols ? ld1<D>(B, base + c) : 0.f;
        }
      }
    } else {  // stored (N, K): row j holds B[:, j]; convert 8 k at a time, scatter into the panel
      for (int c = 0; c < NR; ++c) {
        if (c >= cols) {
          for (int64_t p = 0; p < kc; ++p) dst[p * NR + c] = 0.f;
          continue;
        }
        const int64_t base = (j0 + jr + c) * g.ldb + p0;
        int64_t p = 0;
        for (; p + 8 <= kc; p += 8) {
          const v8f v = ld8<D>(B, base + p);
          for (int t = 0; t < 8; ++t) dst[(p + t) * NR + c] = v[t];
        }
        for (; p < kc; ++p) dst[p * NR + c] = ld1<D>(B, base + p);
      }
    }
  }
}

// c[MR×NR] (row stride ldc) += ap panel (kc×MR) · bp panel (kc×NR); NR = 8·NV.
template <int MR, int NV>
LRQK_INLINE void micro(int64_t kc, const float* __restrict ap, const float* __restrict bp, float* __restrict c, int64_t ldc) {
  v8f acc[MR][NV];
  for (int i = 0; i < MR; ++i)
    for (int v = 0; v < NV; ++v) acc[i][v] = ldv(c + i * ldc + 8 * v);
  for (int64_t p = 0; p < kc; ++p) {
    v8f b[NV];
    for (int v = 0; v < NV; ++v) b[v] = ldv(bp + p * 8 * NV + 8 * v);
    for (int i = 0; i < MR; ++i) {
      const float a = ap[p * MR + i];
      for (int v = 0; v < NV; ++v) acc[i][v] += b[v] * a;
    }
  }
  for (int i = 0; i < MR; ++i)
    for (int v = 0; v < NV; ++v) stv(c + i * ldc + 8 * v, acc[i][v]);
}

// One output tile: rows [i0, i0+MC) × cols [j0, j0+NC) of batch bi. scratch: kGemmScratch floats.
template <int MR, int NV, DType D>
LRQK_INLINE void gemm_tile_impl(const MatmulArgs& g, int64_t bi, int64_t i0, int64_t j0, float* scratch) {
  constexpr int NR = 8 * NV;
  static_assert(kMC % MR == 0 && kNC % NR == 0, "block sizes must be multiples of the register tile");
  const int64_t mc = std::min(kMC, g.m - i0), nc = std::min(kNC, g.n - j0);
  const int64_t mcp = (mc + MR - 1) / MR * MR, ncp = (nc + NR - 1) / NR * NR;
  float* ap = scratch;
  float* bp = ap + kMC * kKC;
  float* acc = bp + kKC * kNC;
  std::fill(acc, acc + mcp * ncp, 0.f);
  const void* A = at(g.a, bi * g.batch_a);
  const void* B = at(g.b, bi * g.batch_b);
  for (int64_t p0 = 0; p0 < g.k; p0 += kKC) {
    const int64_t kc = std::min(kKC, g.k - p0);
    pack_a<MR, D>(g, A, i0, mc, p0, kc, ap);
    pack_b<NR, D>(g, B, p0, kc, j0, nc, bp);
    for (int64_t jr = 0; jr < ncp; jr += NR)
      for (int64_t ir = 0; ir < mcp; ir += MR) micro<MR, NV>(kc, ap + ir * kc, bp + jr * kc, acc + ir * ncp + jr, ncp);
  }
  void* out = const_cast<void*>(at(g.out, bi * g.batch_c));
  for (int64_t i = 0; i < mc; ++i)
    for (int64_t j = 0; j < nc; ++j) store_out(g, out, (i0 + i) * g.ldc + j0 + j, j0 + j, acc[i * ncp + j]);
}
constexpr int64_t kGemmScratch = kMC * kKC + kKC * kNC + kMC * kNC;

// ---- GEMV-like paths -------------------------------------------------------------------------
// R rows of x (f32, row stride ldx) dotted with one weight row w (K elements of dtype D).
template <int R, DType D>
LRQK_INLINE void dot_rows(const void* w, int64_t K, const float* x, int64_t ldx, float* res) {
  v8f acc[R][2] = {};
  int64_t p = 0;
  for (; p + 16 <= K; p += 16) {
    const v8f w0 = ld8<D>(w, p), w1 = ld8<D>(w, p + 8);
    for (int r = 0; r < R; ++r) {
      acc[r][0] += w0 * ldv(x + r * ldx + p);
      acc[r][1] += w1 * ldv(x + r * ldx + p + 8);
    }
  }
  for (int r = 0; r < R; ++r) res[r] = hsum(acc[r][0] + acc[r][1]);
  for (; p < K; ++p) {
    const float wv = ld1<D>(w, p);
    for (int r = 0; r < R; ++r) res[r] += wv * x[r * ldx + p];
  }
}

// Weight rows [j0, j1) of batch bi against all m rows of xs (f32, m×k for this batch).
template <DType D>
LRQK_INLINE void rows_block_impl(const MatmulArgs& g, int64_t bi, int64_t j0, int64_t j1, const float* xs) {
  void* out = const_cast<void*>(at(g.out, bi * g.batch_c));
  float res[4];
  for (int64_t j = j0; j < j1; ++j) {
    const void* w = at(g.b, bi * g.batch_b + j * g.ldb);
    for (int64_t r0 = 0; r0 < g.m; r0 += 4) {
      const float* x = xs + r0 * g.k;
      switch (std::min<int64_t>(4, g.m - r0)) {
        case 4: dot_rows<4, D>(w, g.k, x, g.k, res); break;
        case 3: dot_rows<3, D>(w, g.k, x, g.k, res); break;
        case 2: dot_rows<2, D>(w, g.k, x, g.k, res); break;
        default: dot_rows<1, D>(w, g.k, x, g.k, res); break;
      }
      for (int64_t r = r0; r < std::min(g.m, r0 + 4); ++r) store_out(g, out, r * g.ldc + j, j, res[r - r0]);
    }
  }
}

// Columns [j0, j0+nc) of y = x·B for one batch (m == 1, B stored (K, N)). Four rows of B per
// pass over the f32 accumulators, so they are loaded and stored a quarter as often.
template <DType D>
LRQK_INLINE void cols_block_impl(const MatmulArgs& g, int64_t bi, int64_t j0, const float* x) {
  const int64_t nc = std::min(kColBlock, g.n - j0), full = nc / 8 * 8;
  v8f acc[kColBlock / 8] = {};
  float tail[8] = {};
  const int64_t row0 = bi * g.batch_b + j0;
  int64_t p = 0;
  for (; p + 4 <= g.k; p += 4) {
    const void* r0 = at(g.b, row0 + p * g.ldb);
    const void* r1 = at(g.b, row0 + (p + 1) * g.ldb);
    const void* r2 = at(g.b, row0 + (p + 2) * g.ldb);
    const void* r3 = at(g.b, row0 + (p + 3) * g.ldb);
    const float x0 = x[p], x1 = x[p + 1], x2 = x[p + 2], x3 = x[p + 3];
    for (int64_t c = 0; c < full; c += 8) {
      v8f s = acc[c / 8];
      s += ld8<D>(r0, c) * x0;
      s += ld8<D>(r1, c) * x1;
      s += ld8<D>(r2, c) * x2;
      s += ld8<D>(r3, c) * x3;
      acc[c / 8] = s;
    }
    for (int64_t c = full; c < nc; ++c)
      tail[c - full] += ld1<D>(r0, c) * x0 + ld1<D>(r1, c) * x1 + ld1<D>(r2, c) * x2 + ld1<D>(r3, c) * x3;
  }
  for (; p < g.k; ++p) {
    const void* row = at(g.b, row0 + p * g.ldb);
    const float xv = x[p];
    for (int64_t c = 0; c < full; c += 8) acc[c / 8] += ld8<D>(row, c) * xv;
    for (int64_t c = full; c < nc; ++c) tail[c - full] += ld1<D>(row, c) * xv;
  }
  void* out = const_cast<void*>(at(g.out, bi * g.batch_c));
  for (int64_t c = 0; c < nc; ++c) store_out(g, out, j0 + c, j0 + c, c < full ? acc[c / 8][c % 8] : tail[c - full]);
}

// ---- per-ISA instantiations ------------------------------------------------------------------
struct Fns {
  void (*gemm_tile)(const MatmulArgs&, int64_t, int64_t, int64_t, float*);
  void (*rows_block)(const MatmulArgs&, int64_t, int64_t, int64_t, const float*);
  void (*cols_block)(const MatmulArgs&, int64_t, int64_t, const float*);
};

template <DType D> void gemm_tile_generic(const MatmulArgs& g, int64_t b, int64_t i, int64_t j, float* s) { gemm_tile_impl<4, 1, D>(g, b, i, j, s); }
template <DType D> void rows_block_generic(const MatmulArgs& g, int64_t b, int64_t j0, int64_t j1, const float* x) { rows_block_impl<D>(g, b, j0, j1, x); }
template <DType D> void cols_block_generic(const MatmulArgs& g, int64_t b, int64_t j0, const float* x) { cols_block_impl<D>(g, b, j0, x); }

#if defined(__x86_64__) && defined(__GNUC__)
#define LRQK_AVX2 __attribute__((target("avx2,fma")))
template <DType D> LRQK_AVX2 void gemm_tile_avx2(const MatmulArgs& g, int64_t b, int64_t i, int64_t j, float* s) { gemm_tile_impl<6, 2, D>(g, b, i, j, s); }
template <DType D> LRQK_AVX2 void rows_block_avx2(const MatmulArgs& g, int64_t b, int64_t j0, int64_t j1, const float* x) { rows_block_impl<D>(g, b, j0, j1, x); }
template <DType D> LRQK_AVX2 void cols_block_avx2(const MatmulArgs& g, int64_t b, int64_t j0, const float* x) { cols_block_impl<D>(g, b, j0, x); }
bool use_avx2() {
  static const bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return ok;
}
#else
bool use_avx2() { return false; }
#endif

template <DType D>
Fns fns_for() {
#if defined(__x86_64__) && defined(__GNUC__)
  if (use_avx2()) return {gemm_tile_avx2<D>, rows_block_avx2<D>, cols_block_avx2<D>};
#endif
  return {gemm_tile_generic<D>, rows_block_generic<D>, cols_block_generic<D>};
}

Fns fns_for(DType d) {
  switch (d) {
    case DType::BF16: return fns_for<DType::BF16>();
    case DType::F16: return fns_for<DType::F16>();
    default: return fns_for<DType::F32>();
  }
}

// Per-thread packing buffers, kept across calls (OpenMP threads persist).
float* scratch(size_t n) {
  thread_local std::vector<float> buf;
  if (buf.size() < n) buf.resize(n);
  return buf.data();
}

// Rows of a (all batches) as f32, m×k per batch, for the GEMV paths.
std::vector<float> a_rows_f32(const MatmulArgs& g) {
  std::vector<float> xs(size_t(g.batch * g.m * g.k));
  for (int64_t bi = 0; bi < g.batch; ++bi)
    for (int64_t r = 0; r < g.m; ++r)
      for (int64_t p = 0; p < g.k; ++p) {
        const int64_t idx = bi * g.batch_a + (g.trans_a ? p * g.lda + r : r * g.lda + p);
        xs[size_t((bi * g.m + r) * g.k + p)] = load_f32(g.a.data, g.a.dtype, idx);
      }
  return xs;
}

void matmul_cpu(const MatmulArgs& g) {
  const Fns f = fns_for(g.a.dtype);
  const double work = double(g.batch) * double(g.m) * double(g.n) * double(g.k > 0 ? g.k : 1);
  const bool par = work > 65536.0;
  if (g.trans_b && g.m <= kSmallM) {
    const std::vector<float> xs = a_rows_f32(g);
    const int64_t rows_per = 16, nb = (g.n + rows_per - 1) / rows_per, tasks = g.batch * nb;
#pragma omp parallel for schedule(dynamic, 4) if (par)
    for (int64_t t = 0; t < tasks; ++t) {
      const int64_t bi = t / nb, j0 = (t % nb) * rows_per;
      f.rows_block(g, bi, j0, std::min(g.n, j0 + rows_per), xs.data() + bi * g.m * g.k);
    }
    return;
  }
  if (!g.trans_b && g.m == 1) {
    const std::vector<float> xs = a_rows_f32(g);
    const int64_t nb = (g.n + kColBlock - 1) / kColBlock, tasks = g.batch * nb;
#pragma omp parallel for schedule(dynamic, 1) if (par && tasks > 1)
    for (int64_t t = 0; t < tasks; ++t) f.cols_block(g, t / nb, (t % nb) * kColBlock, xs.data() + (t / nb) * g.k);
    return;
  }
  const int64_t mb = (g.m + kMC - 1) / kMC, nb = (g.n + kNC - 1) / kNC, tasks = g.batch * mb * nb;
#pragma omp parallel for schedule(dynamic, 1) if (par && tasks > 1)
  for (int64_t t = 0; t < tasks; ++t) {
    const int64_t bi = t / (mb * nb), r = t % (mb * nb);
    f.gemm_tile(g, bi, (r / nb) * kMC, (r % nb) * kNC, scratch(size_t(kGemmScratch)));
  }
}
}  // namespace
LRQK_REGISTER_KERNEL(MatmulArgs, Cpu, matmul_cpu);
}  // namespace lrqk
