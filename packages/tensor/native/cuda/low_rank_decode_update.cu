// CUDA kernels of low_rank_decode_update (see ops/low_rank_decode_update.h).
// lrdu_rows_kernel spreads the sums over the S resident rows (step 2) over (Hf, parts) blocks,
// accumulating in registers; lrdu_kernel then runs one block of 256 threads per factor head, with
// everything per head in shared memory: the r×r matrices MQ2 = B_QB_Qᵀ + λ2·A_ΩᵀA_Ω and
// MK = B_KB_Kᵀ, q_g (later e_g), k (later e_K), the r-vectors of the solve, and B_Q and B_K (r × d
// each, rows padded to float4s), staged once for the Gram matrices (2×4 register tiles) and read
// again by the B update. Shared memory: ~75 KB at r=32, d=128, Gq=4; ~200 KB at the limits r=64,
// d=256, Gq=16 (dynamic, attribute raised above 48 KB).
// The alternating solve (step 3) runs on warps for r ≤ 32 (lrdu_warp_solve.cuh: two base
// inversions in registers, then exact rank updates); above that, a block-wide symmetric
// elimination per solve and one warp per right-hand side for the triangular solves.
// No host synchronisation; everything runs on the current stream.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include "../core/dispatch.h"
#include "../ops/low_rank_decode_update.h"
#include "common.cuh"
#include "lrdu_warp_solve.cuh"

namespace lrqk {
namespace {
constexpr int kThreads = 256;
constexpr int kWarps = kThreads / 32;
constexpr int kTile = 64;     // resident rows per tile
constexpr int kRowsPerWarp = kTile / kWarps;  // K_Ω rows in flight per warp
constexpr int kRowRegs = 8;   // K_Ω values per lane per row: d ≤ 256 = 32 lanes × 8
constexpr int kScalars = 32;  // block-reduction scratch

// Offsets (in floats) of every shared buffer; each aligned to 16 bytes. Computed identically on
// the host (for the launch size) and on the device.
struct Layout {
  int ld, ldb, dp, fast, mq2, mk, work, q, k, aq, v, qh, c, ak, kh, kn, diag, invd, rhs, P, E, scal, tile, total;
};

__host__ __device__ inline int align4(int n) { return (n + 3) & ~3; }

__host__ __device__ inline Layout make_layout(int R, int D, int Gq) {
  Layout L{};
  L.ld = R | 1;
  L.dp = align4(D);      // q, k and B rows padded with zeros to whole float4s
  L.ldb = L.dp + 4;      // B rows: 16-byte aligned, and 8 consecutive rows cover all 32 banks
  int o = 0;
  auto take = [&](int n) { int at = o; o += align4(n); return at; };
  L.mq2 = take(R * L.ld);
  L.mk = take(R * L.ld);
  L.work = take(R * L.ld);
  L.q = take(Gq * L.dp);
  L.k = take(L.dp);
  L.aq = take(Gq * R);
  L.v = take(Gq * R);
  L.qh = take(Gq * R);
  L.c = take(Gq);
  L.ak = take(R);
  L.kh = take(R);
  L.kn = take(R);
  L.diag = take(R);
  L.invd = take(R);
  L.rhs = take(Gq * R);
  L.P = take(Gq * Gq);
  L.E = take(Gq * Gq);
  L.scal = take(kScalars);
  L.tile = take(2 * R * L.ldb);  // B_Q and B_K, kept for the update (step 4)
  L.fast = take(R <= 32 ? lrdu::solve_scratch(Gq, 0).total : 0);  // step 3 on warps for R ≤ 32
  L.total = o;
  return L;
}

struct Params {
  const void* q; int64_t q_rs; int q_dt;
  const void* k; int64_t k_rs; int k_dt;
  float* b_q; float* b_k;
  const void* kom; int64_t kom_s0, kom_s1;
  void* a_k; int64_t ak_s0, ak_s1;
  const int32_t* slot_map; int64_t sm_s0;
  const int32_t* lite_pos;
  float* q_hat; float* k_hat; int32_t* status; float* delta; int32_t* iters; int32_t* worst;
  int b_mode;  // kLrduBInline, kLrduBSkip or kLrduBOnly
  int R, D, Gq, group, S, kact, max_iter;
  int64_t cap, position;
  const int32_t* position_dev;  // when set, the position (read by the kernel)
  float lambda1, lambda2, tol, eps;
  bool vec;  // kOmega rows can be read with aligned 16-byte loads
  float* part;  // (Hf, parts, R·R + Gq·R) partial sums of step 2 (lrdu_rows_kernel)
  unsigned long long* trace;  // LRQK_LRDU_TRACE: %globaltimer at the phase ends of block 0, else null
  int parts, part_rows;
};

__device__ __forceinline__ float load_any(const void* p, int dt, int64_t i) {
  if (dt == int(DType::F32)) return static_cast<const float*>(p)[i];
  if (dt == int(DType::BF16)) return __bfloat162float(static_cast<const __nv_bfloat16*>(p)[i]);
  return __half2float(static_cast<const __half*>(p)[i]);
}

__device__ __forceinline__ float warp_sum(float v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

// Sum over the block, returned to every thread (same order everywhere, so uniform).
__device__ float block_sum(float v, float* scratch) {
  v = warp_sum(v);
  if ((threadIdx.x & 31) == 0) scratch[threadIdx.x >> 5] = v;
  __syncthreads();
  float t = 0.f;
  for (int w = 0; w < kWarps; ++w) t += scratch[w];
  __syncthreads();  // scratch may be reused right after
  return t;
}

// 16 bytes of a row as floats: 4 (f32) or 8 (bf16/f16) values.
template <class T> struct Vec;
template <> struct Vec<float> {
  static constexpr int n = 4;
  __device__ static void load(const float* p, float* x) {
    const float4 v = *reinterpret_cast<const float4*>(p);
    x[0] = v.x; x[1] = v.y; x[2] = v.z; x[3] = v.w;
  }
};
template <> struct Vec<__nv_bfloat16> {
  static constexpr int n = 8;
  __device__ static void load(const __nv_bfloat16* p, float* x) {
    const uint4 u = *reinterpret_cast<const uint4*>(p);
    const __nv_bfloat162* h = reinterpret_cast<const __nv_bfloat162*>(&u);
#pragma unroll
    for (int e = 0; e < 4; ++e) {
      const float2 f = __bfloat1622float2(h[e]);
      x[2 * e] = f.x; x[2 * e + 1] = f.y;
    }
  }
};
template <> struct Vec<__half> {
  static constexpr int n = 8;
  __device__ static void load(const __half* p, float* x) {
    const uint4 u = *reinterpret_cast<const uint4*>(p);
    const __half2* h = reinterpret_cast<const __half2*>(&u);
#pragma unroll
    for (int e = 0; e < 4; ++e) {
      const float2 f = __half22float2(h[e]);
      x[2 * e] = f.x; x[2 * e + 1] = f.y;
    }
  }
};

// This lane's share of one K_Ω row as f32, zero outside the row (or everywhere when !live).
// vec: 16-byte chunks lane + 32h (h < 8/V); otherwise elements lane + 32e (e < 8).
template <class TK>
__device__ __forceinline__ void load_row(const TK* row, bool live, bool vec, int D, int lane, float* x) {
  if (vec) {
    constexpr int V = Vec<TK>::n;
#pragma unroll
    for (int h = 0; h < kRowRegs / V; ++h) {
      const int ch = lane + 32 * h;
      if (live && ch * V < D) {
        Vec<TK>::load(row + ch * V, x + h * V);
      } else {
#pragma unroll
        for (int e = 0; e < V; ++e) x[h * V + e] = 0.f;
      }
    }
  } else {
#pragma unroll
    for (int e = 0; e < kRowRegs; ++e) {
      const int j = lane + 32 * e;
      x[e] = live && j < D ? dev::to_f32(row[j]) : 0.f;
    }
  }
}

// This lane's partial of q · row for the values of load_row (q: D floats in shared memory,
// 16-byte aligned on the vec path).
template <class TK>
__device__ __forceinline__ float row_dot(const float* x, const float* q, bool vec, int D, int lane) {
  float s = 0.f;
  if (vec) {
    constexpr int V = Vec<TK>::n;
#pragma unroll
    for (int h = 0; h < kRowRegs / V; ++h) {
      const int ch = lane + 32 * h;
      if (ch * V < D) {
        const float4* qv = reinterpret_cast<const float4*>(q + ch * V);
#pragma unroll
        for (int e4 = 0; e4 < V / 4; ++e4) {
          const float4 qq = qv[e4];
          const float* xe = x + h * V + 4 * e4;
          s += xe[0] * qq.x + xe[1] * qq.y + xe[2] * qq.z + xe[3] * qq.w;
        }
      }
    }
  } else {
#pragma unroll
    for (int e = 0; e < kRowRegs; ++e) {
      const int j = lane + 32 * e;
      if (j < D) s += x[e] * q[j];
    }
  }
  return s;
}

// work := base + λ1 Σ_{g<nx} x_gᵀx_g + jitter·I (lower triangle), diag := its diagonal.
__device__ __noinline__ void build_matrix(float* work, float* diag, const float* base, const float* x, int nx, float lam1, float jitter, int R, int ld) {
  for (int p = threadIdx.x; p < R * R; p += kThreads) {
    const int i = p / R, j = p % R;
    if (j > i) continue;
    float v = base[i * ld + j];
    for (int g = 0; g < nx; ++g) v += lam1 * x[g * R + i] * x[g * R + j];
    if (i == j) {
      v += jitter;
      diag[i] = v;
    }
    work[i * ld + j] = v;
  }
}

// In-place symmetric elimination of the lower triangle of `work`: afterwards work holds U with
// M = U D⁻¹ Uᵀ, D = diag(U) (U = L·diag(L) for the Cholesky factor L), and invd = 1/D. The pivot
// test is the CPU kernel's (a pivot must exceed kLrduPivotRel × its diagonal entry). The result is
// uniform over the block; every path ends with a barrier.
__device__ __noinline__ bool block_factor(float* work, const float* diag, float* invd, int R, int ld) {
  for (int j = 0; j < R; ++j) {
    __syncthreads();  // column j and its pivot are final
    const float d = work[j * ld + j];
    if (!(d > 0.f) || !(d > kLrduPivotRel * diag[j]) || !isfinite(d)) {
      __syncthreads();  // everyone has read the pivot before the caller rebuilds `work`
      return false;
    }
    const float inv = 1.f / d;
    if (threadIdx.x == 0) invd[j] = inv;
    // Trailing update: reads column j only, writes columns > j.
    const int n = R - 1 - j;
    for (int idx = threadIdx.x; idx < n * n; idx += kThreads) {
      const int ii = idx / n, kk = idx % n;
      if (kk > ii) continue;
      const int i = j + 1 + ii, k = j + 1 + kk;
      work[i * ld + k] -= work[i * ld + j] * work[k * ld + j] * inv;
    }
  }
  __syncthreads();
  return true;
}

// out[g·R + i] = (rhs_g · M⁻¹)_i for g < nrhs, from the factor of block_factor. One warp per
// right-hand side; lane l holds entries l and l + 32 (R ≤ 64).
__device__ __noinline__ void block_solve(const float* work, const float* invd, int R, int ld, int nrhs, const float* rhs, float* out) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int i0 = lane, i1 = lane + 32;
  for (int g = warp; g < nrhs; g += kWarps) {
    float b0 = i0 < R ? rhs[g * R + i0] : 0.f;
    float b1 = i1 < R ? rhs[g * R + i1] : 0.f;
    // Forward: U z = b.
    for (int j = 0; j < R; ++j) {
      const float zj = __shfl_sync(0xffffffffu, j < 32 ? b0 : b1, j & 31) * invd[j];
      if (i0 > j && i0 < R) b0 -= work[i0 * ld + j] * zj;
      if (i1 > j && i1 < R) b1 -= work[i1 * ld + j] * zj;
      if (lane == (j & 31)) {
        if (j < 32) b0 = zj; else b1 = zj;
      }
    }
    // Backward: Uᵀ x = D z.
    if (i0 < R) b0 *= work[i0 * ld + i0];
    if (i1 < R) b1 *= work[i1 * ld + i1];
    for (int j = R - 1; j >= 0; --j) {
      const float xj = __shfl_sync(0xffffffffu, j < 32 ? b0 : b1, j & 31) * invd[j];
      if (i0 < j) b0 -= work[j * ld + i0] * xj;
      if (i1 < j) b1 -= work[j * ld + i1] * xj;
      if (lane == (j & 31)) {
        if (j < 32) b0 = xj; else b1 = xj;
      }
    }
    if (i0 < R) out[g * R + i0] = b0;
    if (i1 < R) out[g * R + i1] = b1;
  }
}

// Solves out_g = rhs_g · (base + λ1 Σ x_gᵀx_g)⁻¹, rhs_g = row g of the L.rhs buffer (written by
// the caller; read after the barriers below), with the jitter retries; returns the status code
// (uniform). `out` is written only on success; ends with a barrier. Not inlined, like the
// functions it calls: one copy of the code serves the five solves of a step, so it stays in the
// instruction cache (a block runs alone on its SM and would otherwise fetch every copy cold).

__device__ __noinline__ int solve_spd(const Layout L, float* sm, const float* base, const float* x, int nx, float lam1, int nrhs,
                                      float* out, int R) {
  float* work = sm + L.work;
  float* diag = sm + L.diag;
  float* invd = sm + L.invd;
  build_matrix(work, diag, base, x, nx, lam1, 0.f, R, L.ld);
  __syncthreads();
  float mean = 0.f;
  for (int i = 0; i < R; ++i) mean += diag[i];
  mean /= float(R);
  int code = kLrduOk;
  auto factor = [&] { return block_factor(work, diag, invd, R, L.ld); };
  bool ok = factor();
  for (int attempt = 1; !ok && attempt <= 2; ++attempt) {
    if (!(mean > 0.f) || !isfinite(mean)) return kLrduFailed;
    build_matrix(work, diag, base, x, nx, lam1, (attempt == 1 ? kLrduJitter1 : kLrduJitter2) * mean, R, L.ld);
    ok = factor();  // starts with a barrier
    code = kLrduJitter;
  }
  if (!ok) return kLrduFailed;
  block_solve(work, invd, R, L.ld, nrhs, sm + L.rhs, out);
  __syncthreads();
  return code;
}

// Sums lane values v[k] over the warp, scattered: afterwards v[0] of lane l is Σ_lanes v[l]. 31
// shuffles for 32 sums, where 32 warp_sum reductions take 160 dependent ones.
// LRQK_LRDU_TRACE: %globaltimer at phase ends of the first block of each kernel (slots: see launch).
#define LRDU_TRACE(k)                                                                        \
  do {                                                                                       \
    if (p.trace && blockIdx.x == 0 && blockIdx.y == 0 && threadIdx.x == 0) {                                    \
      unsigned long long t_;                                                                 \
      asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t_));                                 \
      p.trace[k] = t_;                                                                       \
    }                                                                                        \
  } while (0)

template <int S>
__device__ __forceinline__ void transpose_reduce_step(float (&v)[32], int lane) {
  const bool upper = (lane & S) != 0;
#pragma unroll
  for (int k = 0; k < S; ++k) {
    const float send = upper ? v[k] : v[k + S];
    const float keep = upper ? v[k + S] : v[k];
    v[k] = keep + __shfl_xor_sync(0xffffffffu, send, S);
  }
}
__device__ __forceinline__ void transpose_reduce(float (&v)[32], int lane) {
  transpose_reduce_step<16>(v, lane);
  transpose_reduce_step<8>(v, lane);
  transpose_reduce_step<4>(v, lane);
  transpose_reduce_step<2>(v, lane);
  transpose_reduce_step<1>(v, lane);
}

constexpr int kRowsItems = 3;  // accumulator items per thread: (R/2·R/4 + Gq·R/4) ≤ 768 = 3 × 256

// Step 2 of the update, spread over many blocks: block (b, part) takes the resident rows
// [part·part_rows, +part_rows) of factor head b, one tile at a time, and writes its partial
// Σ A_tᵀA_t (R×R) and Σ w_{g,t} A_t (Gq×R) to p.part[b][part]. One block per head would leave
// most SMs idle behind a latency-bound loop over all S rows. The sums accumulate in registers:
// each thread owns 2×4 entries of AᵀA (rows i0 + u·ti, columns j0 + w·tj, so that a warp reads
// distinct words of a tile row) or 4 entries of one v_g.
template <class TK, class TA>
__global__ void __launch_bounds__(kThreads, 2) lrdu_rows_kernel(const Params p) {
  extern __shared__ float4 smem4[];
  float* sm = reinterpret_cast<float*>(smem4);
  const int R = p.R, D = p.D, Gq = p.Gq;
  float* sQ = sm;                                   // Gq × D
  float* sA = sQ + align4(Gq * D);                  // kTile × R
  float* sW = sA + kTile * R;                       // Gq × kTile
  int* sPos = reinterpret_cast<int*>(sW + Gq * kTile);  // kTile
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int64_t b = blockIdx.x;
  LRDU_TRACE(12);
  dev::launch_dependents();  // lrdu_kernel (PDL) may be scheduled as SMs free up; it waits before reading the partials
  const int64_t position = p.position_dev ? int64_t(*p.position_dev) : p.position;
  for (int idx = tid; idx < Gq * D; idx += kThreads) {
    const int g = idx / D, j = idx % D;
    sQ[idx] = load_any(p.q, p.q_dt, (b * Gq + g) * p.q_rs + j);
  }
  const int ti = (R + 1) / 2, tj = (R + 3) / 4, ntiles = ti * tj, nitems = ntiles + Gq * tj;
  float acc[kRowsItems][8] = {};
  const TK* kom = static_cast<const TK*>(p.kom) + b * p.kom_s0;
  const TA* ak = static_cast<const TA*>(p.a_k) + b * p.ak_s0;
  const int s_begin = int(blockIdx.y) * p.part_rows, s_end = min(p.S, s_begin + p.part_rows);
  for (int s0 = s_begin; s0 < s_end; s0 += kTile) {
    const int nt = min(kTile, s_end - s0);
    // K_Ω rows first: their loads do not depend on the slot map, so they overlap its load and the
    // A_K gathers that do. Warp w takes rows w + kWarps·u (u < kRowsPerWarp).
    float x[kRowsPerWarp][kRowRegs];
#pragma unroll
    for (int u = 0; u < kRowsPerWarp; ++u) {
      const int t = warp + kWarps * u;
      load_row<TK>(kom + int64_t(s0 + t) * p.kom_s1, t < nt, p.vec, D, lane, x[u]);
    }
    if (tid < nt) {
      const int s = s0 + tid;
      int64_t pos = s < p.kact ? p.slot_map[b * p.sm_s0 + s] : p.lite_pos[s - p.kact];
      if (pos < 0 || pos >= p.cap || pos == position) pos = -1;  // zero row (C.4)
      sPos[tid] = int(pos);
    }
    __syncthreads();  // sPos (and, the first time, sQ)
#pragma unroll 4
    for (int idx = tid; idx < nt * R; idx += kThreads) {
      const int t = idx / R, i = idx % R;
      const int pos = sPos[t];
      sA[idx] = pos >= 0 ? dev::to_f32(ak[int64_t(pos) * p.ak_s1 + i]) : 0.f;
    }
    // w_{g,t} = q_g · K_Ω[s0 + t], the 8 rows × 4 queries of a pass reduced together. Rows with a
    // zero A row get w = 0 (their K_Ω slot may hold anything, even non-finite values).
    {
#pragma unroll
      for (int u = 0; u < kRowsPerWarp; ++u) {
        const int t = warp + kWarps * u;
        if (!(t < nt && sPos[t] >= 0))
#pragma unroll
          for (int e = 0; e < kRowRegs; ++e) x[u][e] = 0.f;
      }
      static_assert(kRowsPerWarp * 4 == 32, "one transpose_reduce covers 8 rows × 4 queries");
      for (int g0 = 0; g0 < Gq; g0 += 4) {
        float v[32];
#pragma unroll
        for (int u = 0; u < kRowsPerWarp; ++u)
#pragma unroll
          for (int gg = 0; gg < 4; ++gg)
            v[u * 4 + gg] = g0 + gg < Gq ? row_dot<TK>(x[u], sQ + (g0 + gg) * D, p.vec, D, lane) : 0.f;
        transpose_reduce(v, lane);
        const int g = g0 + (lane & 3), t = warp + kWarps * (lane >> 2);
        if (g < Gq && t < nt) sW[g * kTile + t] = v[0];
      }
    }
    __syncthreads();
#pragma unroll
    for (int q = 0; q < kRowsItems; ++q) {
      const int item = tid + q * kThreads;
      if (item < ntiles) {
        const int i0 = item / tj, j0 = item % tj;
        const int ia = i0, ib = min(i0 + ti, R - 1);
        int jc[4];
#pragma unroll
        for (int w = 0; w < 4; ++w) jc[w] = min(j0 + w * tj, R - 1);
#pragma unroll 4
        for (int t = 0; t < nt; ++t) {
          const float* a = sA + t * R;
          const float x0 = a[ia], x1 = a[ib];
#pragma unroll
          for (int w = 0; w < 4; ++w) {
            const float y = a[jc[w]];
            acc[q][w] = fmaf(x0, y, acc[q][w]);
            acc[q][4 + w] = fmaf(x1, y, acc[q][4 + w]);
          }
        }
      } else if (item < nitems) {
        const int e = item - ntiles, g = e / tj, iq = e % tj;
        int ic[4];
#pragma unroll
        for (int w = 0; w < 4; ++w) ic[w] = min(iq + w * tj, R - 1);
#pragma unroll 4
        for (int t = 0; t < nt; ++t) {
          const float wv = sW[g * kTile + t];
          const float* a = sA + t * R;
#pragma unroll
          for (int w = 0; w < 4; ++w) acc[q][w] = fmaf(wv, a[ic[w]], acc[q][w]);
        }
      }
    }
    __syncthreads();  // before the next tile overwrites sPos/sA/sW
  }
  // Partial layout: AᵀA as R×R (row-major), then v as Gq×R.

  float* out = p.part + (b * p.parts + blockIdx.y) * (R * R + Gq * R);
#pragma unroll
  for (int q = 0; q < kRowsItems; ++q) {
    const int item = tid + q * kThreads;
    if (item < ntiles) {
      const int i0 = item / tj, j0 = item % tj;
#pragma unroll
      for (int u = 0; u < 2; ++u)
#pragma unroll
        for (int w = 0; w < 4; ++w) {
          const int i = i0 + u * ti, j = j0 + w * tj;
          if (i < R && j < R) out[i * R + j] = acc[q][u * 4 + w];
        }
    } else if (item < nitems) {
      const int e = item - ntiles, g = e / tj, iq = e % tj;
#pragma unroll
      for (int w = 0; w < 4; ++w) {
        const int i = iq + w * tj;
        if (i < R) out[R * R + g * R + i] = acc[q][w];
      }
    }
  }
  LRDU_TRACE(13);
}

__host__ __device__ inline int rows_smem_floats(int R, int D, int Gq) {
  return align4(Gq * D) + kTile * R + Gq * kTile + kTile;
}

// Head b's queries (Gq rows) and key as f32 rows padded with zeros to dp. No barrier.
__device__ void load_qk(const Params& p, float* sQ, float* sK, const Layout& L, int64_t b) {
  const int dp = L.dp, D = p.D, Gq = p.Gq;
  for (int idx = threadIdx.x; idx < Gq * dp; idx += kThreads) {
    const int g = idx / dp, j = idx % dp;
    sQ[idx] = j < D ? load_any(p.q, p.q_dt, (b * Gq + g) * p.q_rs + j) : 0.f;
  }
  const int64_t kv = (b * Gq) / p.group;
  for (int j = threadIdx.x; j < dp; j += kThreads) sK[j] = j < D ? load_any(p.k, p.k_dt, kv * p.k_rs + j) : 0.f;
}

// Loads B_Q and B_K of head b into shared memory (R rows of ldb floats each, padded with zeros to
// dp), 16-byte loads when D allows. Ends with a barrier.
__device__ void stage_b(const Params& p, float* sB0, const Layout& L, int64_t b) {
  const int R = p.R, D = p.D, dp = L.dp, ldb = L.ldb, tid = threadIdx.x;
  if (D % 4 == 0 && ((reinterpret_cast<uintptr_t>(p.b_q) | reinterpret_cast<uintptr_t>(p.b_k)) & 15) == 0) {
    for (int idx = tid; idx < 2 * R * D / 4; idx += kThreads) {
      const int mat = idx / (R * D / 4), e = (idx % (R * D / 4)) * 4;
      const float4 v = reinterpret_cast<const float4*>((mat == 0 ? p.b_q : p.b_k) + b * R * D)[e / 4];
      *reinterpret_cast<float4*>(sB0 + mat * R * ldb + (e / D) * ldb + e % D) = v;
    }
  } else {
    for (int idx = tid; idx < 2 * R * dp; idx += kThreads) {
      const int mat = idx / (R * dp), e = idx % (R * dp), i = e / dp, c = e % dp;
      sB0[mat * R * ldb + i * ldb + c] = c < D ? ((mat == 0 ? p.b_q : p.b_k) + b * R * D)[i * D + c] : 0.f;
    }
  }
  __syncthreads();
}

// Step 4 (C.3): one exact line-search step on B_Q and B_K of head b, from the staged pre-update B
// (stage_b), q_g / k in sQ / sK (overwritten with e_g / e_K) and q̂ / k̂ in sQH / sKH. Called by
// the whole block.
__device__ void b_update(const Params& p, float* sm, const Layout& L, int64_t b) {
  const int R = p.R, D = p.D, Gq = p.Gq, dp = L.dp;
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  float *sQ = sm + L.q, *sK = sm + L.k, *sQH = sm + L.qh, *sKH = sm + L.kh, *sP = sm + L.P, *sE = sm + L.E;
  float* sScal = sm + L.scal;
  float* BQ = p.b_q + b * R * D;
  float* BK = p.b_k + b * R * D;
  // The pre-update B_Q, B_K as staged in step 1.
  const int ldb = L.ldb;
  const float* sBQ = sm + L.tile;
  const float* sBK = sBQ + R * ldb;
  // e_g = q̂_g B_Q − q_g (over sQ), e_K = k̂ B_K − k (over sK); one (vector, column) per item
  // (a compact loop: this code runs once per launch).
  for (int item = tid; item < (Gq + 1) * D; item += kThreads) {
    const int g = item / D, j = item - g * D;
    const bool isk = g == Gq;
    const float* x = isk ? sKH : sQH + g * R;
    const float* B = (isk ? sBK : sBQ) + j;
    float acc = 0.f;
#pragma unroll 8
    for (int i = 0; i < R; ++i) acc = fmaf(x[i], B[i * ldb], acc);
    float* t = isk ? sK + j : sQ + g * dp + j;
    *t = acc - *t;
  }
  __syncthreads();
  LRDU_TRACE(5);
  // Gram matrices P = [q̂_g·q̂_h], E = [e_g·e_h] (one warp per pair) and ‖k̂‖², ‖e_K‖².
  for (int pr = warp; pr <= Gq * Gq; pr += kWarps) {
    const bool isk = pr == Gq * Gq;
    const int g = isk ? 0 : pr / Gq, h = isk ? 0 : pr % Gq;
    const float* xa = isk ? sKH : sQH + g * R;
    const float* xb = isk ? sKH : sQH + h * R;
    const float* ea = isk ? sK : sQ + g * dp;
    const float* eb = isk ? sK : sQ + h * dp;
    float sp = 0.f, se = 0.f;
    for (int i = lane; i < R; i += 32) sp += xa[i] * xb[i];
    for (int j = lane; j < D; j += 32) se += ea[j] * eb[j];
    sp = warp_sum(sp);
    se = warp_sum(se);
    if (lane == 0) {
      if (isk) {
        sScal[kWarps] = sp;
        sScal[kWarps + 1] = se;
      } else {
        sP[pr] = sp;
        sE[pr] = se;
      }
    }
  }
  __syncthreads();
  // η = ‖G‖² / (Σ_h ‖q̂_h G‖² + eps) = Σ P∘E / (tr(P²E) + eps); one (g,h) pair per thread.
  float num = 0.f, den = 0.f;
  if (tid < Gq * Gq) {
    const int g = tid / Gq, h = tid % Gq;
    float p2 = 0.f;
    for (int m = 0; m < Gq; ++m) p2 += sP[g * Gq + m] * sP[m * Gq + h];
    num = sP[tid] * sE[tid];
    den = p2 * sE[tid];
  }
  const float pk = sScal[kWarps], ek = sScal[kWarps + 1];
  num = block_sum(num, sScal);
  den = block_sum(den, sScal) + p.eps;
  float eta_q = den > 0.f ? num / den : 0.f;
  const float den_k = pk * pk * ek + p.eps;
  float eta_k = den_k > 0.f ? pk * ek / den_k : 0.f;
  if (!isfinite(eta_q)) eta_q = 0.f;
  if (!isfinite(eta_k)) eta_k = 0.f;
  LRDU_TRACE(6);
  // B ← B − η G with G = Σ_g q̂_gᵀ e_g (and k̂ᵀ e_K).
  // Thread tid owns column tid % D of every (kThreads / D)-th row when D divides the block (the
  // model widths), so the loop has no division and its iterations overlap.
  auto write = [&](int i, int j) {
    float gq = 0.f;
    for (int g = 0; g < Gq; ++g) gq = fmaf(sQH[g * R + i], sQ[g * dp + j], gq);
    BQ[i * D + j] = sBQ[i * ldb + j] - eta_q * gq;
    BK[i * D + j] = sBK[i * ldb + j] - eta_k * sKH[i] * sK[j];
  };
  if (kThreads % D == 0) {
    const int j = tid % D, di = kThreads / D;
#pragma unroll 4
    for (int i = tid / D; i < R; i += di) write(i, j);
  } else {
    for (int idx = tid; idx < R * D; idx += kThreads) write(idx / D, idx % D);
  }
}

template <class TA>
__global__ void __launch_bounds__(kThreads, 1) lrdu_kernel(const Params p) {
  extern __shared__ float4 smem4[];
  float* sm = reinterpret_cast<float*>(smem4);
  const int R = p.R, D = p.D, Gq = p.Gq;
  const Layout L = make_layout(R, D, Gq);
  const int ld = L.ld;
  float *sMQ2 = sm + L.mq2, *sMK = sm + L.mk, *sQ = sm + L.q, *sK = sm + L.k;
  float *sAQ = sm + L.aq, *sV = sm + L.v, *sQH = sm + L.qh, *sC = sm + L.c;
  float *sAK = sm + L.ak, *sKH = sm + L.kh, *sKN = sm + L.kn;
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int64_t b = blockIdx.x;
  const int64_t position = p.position_dev ? int64_t(*p.position_dev) : p.position;

  // ---- 0. Inputs as f32; zeroed accumulators.
  LRDU_TRACE(0);
  const int dp = L.dp;
  load_qk(p, sQ, sK, L, b);
  for (int idx = tid; idx < Gq * R; idx += kThreads) sV[idx] = sQH[idx] = 0.f;
  for (int i = tid; i < R; i += kThreads) sKH[i] = sKN[i] = 0.f;
  __syncthreads();
  // c_g = q_g · k
  for (int g = warp; g < Gq; g += kWarps) {
    float s = 0.f;
    for (int j = lane; j < D; j += 32) s += sQ[g * dp + j] * sK[j];
    s = warp_sum(s);
    if (lane == 0) sC[g] = s;
  }

  LRDU_TRACE(1);
  // ---- 1. MQ = B_QB_Qᵀ, MK = B_KB_Kᵀ, aQ_g = q_g B_Qᵀ, aK = k B_Kᵀ, with both B staged whole in
  // shared memory (coalesced load; rows padded with zeros to dp, leading dim ldb). Each thread
  // accumulates a 2×4 tile of a Gram matrix in registers over float4 columns (R = 32: the 256 tiles
  // of both matrices are one per thread), where one entry per thread with scalar loads spent
  // ~11 µs on shared-memory latency.
  {
    float* sB0 = sm + L.tile;  // R × ldb each: B_Q, then B_K
    const int ldb = L.ldb;
    stage_b(p, sB0, L, b);
    __syncthreads();
    const int ti = (R + 1) / 2, tj = (R + 3) / 4, ntiles = ti * tj;
    const int nproj = Gq * R + R;
    for (int item = tid; item < 2 * ntiles + nproj; item += kThreads) {
      if (item < 2 * ntiles) {
        const int mat = item / ntiles, e = item % ntiles;
        // Rows i0 + u·ti and j0 + w·tj: a warp's lanes read consecutive rows (no bank conflicts).
        const int i0 = e / tj, j0 = e % tj;
        const float* sB = sB0 + mat * R * ldb;
        const float4* ri[2];
        const float4* rj[4];
#pragma unroll
        for (int u = 0; u < 2; ++u) ri[u] = reinterpret_cast<const float4*>(sB + min(i0 + u * ti, R - 1) * ldb);
#pragma unroll
        for (int u = 0; u < 4; ++u) rj[u] = reinterpret_cast<const float4*>(sB + min(j0 + u * tj, R - 1) * ldb);
        float acc[2][4] = {};
#pragma unroll 4
        for (int c = 0; c < dp / 4; ++c) {
          float4 a[2], bb[4];
#pragma unroll
          for (int u = 0; u < 2; ++u) a[u] = ri[u][c];
#pragma unroll
          for (int u = 0; u < 4; ++u) bb[u] = rj[u][c];
#pragma unroll
          for (int u = 0; u < 2; ++u)
#pragma unroll
            for (int w = 0; w < 4; ++w) acc[u][w] += a[u].x * bb[w].x + a[u].y * bb[w].y + a[u].z * bb[w].z + a[u].w * bb[w].w;
        }
        float* G = mat == 0 ? sMQ2 : sMK;
#pragma unroll
        for (int u = 0; u < 2; ++u)
#pragma unroll
          for (int w = 0; w < 4; ++w)
            if (i0 + u * ti < R && j0 + w * tj < R) G[(i0 + u * ti) * ld + j0 + w * tj] = acc[u][w];
      } else {
        const int e = item - 2 * ntiles;
        const bool isq = e < Gq * R;
        const int g = isq ? e / R : 0, i = isq ? e % R : e - Gq * R;
        const float4* x = reinterpret_cast<const float4*>(isq ? sQ + g * dp : sK);
        const float4* bi = reinterpret_cast<const float4*>(sB0 + (isq ? 0 : R * ldb) + i * ldb);
        float s = 0.f;
        for (int c = 0; c < dp / 4; ++c) {
          const float4 xv = x[c], bv = bi[c];
          s += xv.x * bv.x + xv.y * bv.y + xv.z * bv.z + xv.w * bv.w;
        }
        (isq ? sAQ : sAK)[isq ? e : i] = s;
      }
    }
    __syncthreads();  // the Gram matrices are done
  }

  LRDU_TRACE(2);
  // Launched with programmatic dependent launch: steps 0–1 (inputs written before lrdu_rows_kernel
  // started) overlap the rows kernel's tail; its partial sums are read only after this wait.
  dev::grid_dependency_wait();
  // ---- 2. Resident rows: the partial sums of lrdu_rows_kernel (over all parts of the rows) give
  // MQ2 += λ2·Σ A_tᵀA_t and v_g = Σ w_{g,t} A_t.
  {
    const int nitems = R * R + Gq * R;  // lrdu_rows_kernel's partial layout
    const float* part = p.part + b * p.parts * nitems;
    for (int item = tid; item < nitems; item += kThreads) {
      const int i = item / R, j = item % R;
      if (item < R * R && j > i) continue;  // the lower triangle is enough
      // 16 independent loads in flight (the parts are L2 hits; a single chain waits on each).
      float acc16[16] = {};
      int pp = 0;
      for (; pp + 16 <= p.parts; pp += 16)
#pragma unroll
        for (int u = 0; u < 16; ++u) acc16[u] += part[(pp + u) * nitems + item];
#pragma unroll
      for (int u = 0; u < 16; ++u)
        if (pp + u < p.parts) acc16[u] += part[(pp + u) * nitems + item];
      float s = 0.f;
#pragma unroll
      for (int u = 0; u < 16; ++u) s += acc16[u];
      if (item < R * R)
        sMQ2[i * ld + j] += p.lambda2 * s;
      else
        sV[item - R * R] = s;
    }
    __syncthreads();
  }

  LRDU_TRACE(3);
  if (p.trace && blockIdx.x == 0 && threadIdx.x == 0) p.trace[14] = clock64();
  // ---- 3. Alternating solve (C.2). Every decision below is uniform over the block.
  const float l1 = p.lambda1, l2 = p.lambda2;
  int status = kLrduOk, iters = 0;
  float delta = 0.f;
  auto note = [&](int code) {
    status = code > status ? code : status;
    return code != kLrduFailed;
  };
  bool ok = true;
  if (R <= 32) {
    const lrdu::SolveResult r = lrdu::warp_alternating_solve(sMQ2, sMK, ld, sAQ, sV, sC, sAK, sQH, sKH, R, Gq, l1, l2, p.max_iter, p.tol, sm,
                                                             lrdu::solve_scratch(Gq, L.fast), p.trace);
    status = r.status;
    iters = r.iters;
    delta = r.delta;
    ok = status != kLrduFailed;
  } else {
    float* sRhs = sm + L.rhs;
    for (int i = tid; i < R; i += kThreads) sRhs[i] = sAK[i];
    ok = note(solve_spd(L, sm, sMK, nullptr, 0, 0.f, 1, sKH, R));
    for (int it = 1; ok && it <= p.max_iter; ++it) {
      for (int e = tid; e < Gq * R; e += kThreads) {
        const int g = e / R, i = e % R;
        sRhs[e] = sAQ[e] + l2 * sV[e] + l1 * sC[g] * sKH[i];
      }
      ok = note(solve_spd(L, sm, sMQ2, sKH, 1, l1, Gq, sQH, R));
      if (!ok) break;
      for (int i = tid; i < R; i += kThreads) {
        float s = sAK[i];
        for (int h = 0; h < Gq; ++h) s += l1 * sC[h] * sQH[h * R + i];
        sRhs[i] = s;
      }
      ok = note(solve_spd(L, sm, sMK, sQH, Gq, l1, 1, sKN, R));
      if (!ok) break;
      float dsum = 0.f;
      for (int i = 0; i < R; ++i) {
        const float dd = sKH[i] - sKN[i];
        dsum += dd * dd;
      }
      delta = dsum / float(R);
      __syncthreads();  // everyone has read sKH
      for (int i = tid; i < R; i += kThreads) sKH[i] = sKN[i];
      __syncthreads();
      iters = it;
      if (delta < p.tol) break;
    }
  }

  LRDU_TRACE(4);
  if (p.trace && blockIdx.x == 0 && threadIdx.x == 0) p.trace[15] = clock64();
  // ---- 4. B updates (C.3) with the pre-update B; skipped after a failed solve, and left to a
  // later call (kLrduBOnly) with kLrduBSkip.
  if (ok && p.b_mode == kLrduBInline) b_update(p, sm, L, b);

  LRDU_TRACE(7);
  // ---- 5. Outputs; k̂ becomes A_K row `position` (C.5 step 3).
  for (int idx = tid; idx < Gq * R; idx += kThreads) p.q_hat[b * Gq * R + idx] = sQH[idx];
  TA* arow = static_cast<TA*>(p.a_k) + b * p.ak_s0 + position * p.ak_s1;
  const bool write_row = position >= 0 && position < p.cap;
  for (int i = tid; i < R; i += kThreads) {
    p.k_hat[b * R + i] = sKH[i];
    if (write_row) arow[i] = dev::from_f32<TA>(sKH[i]);
  }
  if (tid == 0) {
    p.status[b] = status;
    if (p.worst) p.worst[b] = max(p.worst[b], status);
    if (p.delta) p.delta[b] = delta;
    if (p.iters) p.iters[b] = iters;
  }
  LRDU_TRACE(8);
}

// kLrduBOnly: step 4 alone, from the q̂, k̂ and status of an earlier kLrduBSkip call (the B update
// can then run off the critical path, e.g. on another stream while the selection proceeds).
__global__ void __launch_bounds__(kThreads, 1) lrdu_b_kernel(const Params p) {
  extern __shared__ float4 smem4[];
  float* sm = reinterpret_cast<float*>(smem4);
  const int R = p.R, Gq = p.Gq;
  const Layout L = make_layout(R, p.D, Gq);
  const int64_t b = blockIdx.x;
  if (p.status[b] == kLrduFailed) return;  // block-uniform: a failed head keeps its B
  load_qk(p, sm + L.q, sm + L.k, L, b);
  for (int idx = threadIdx.x; idx < Gq * R; idx += kThreads) sm[L.qh + idx] = p.q_hat[b * Gq * R + idx];
  for (int i = threadIdx.x; i < R; i += kThreads) sm[L.kh + i] = p.k_hat[b * R + i];
  stage_b(p, sm + L.tile, L, b);  // its barrier covers the loads above
  b_update(p, sm, L, b);
}

template <class TK, class TA>
void launch(const Params& p, int64_t hf) {
  const Layout L = make_layout(p.R, p.D, p.Gq);
  const size_t smem = size_t(L.total) * sizeof(float);
  if (p.b_mode == kLrduBOnly) {
    static size_t b_configured = 48 * 1024;
    if (smem > b_configured) {
      LRQK_CUDA_CHECK(cudaFuncSetAttribute(lrdu_b_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(smem)), "low_rank_decode_update");
      b_configured = smem;
    }
    lrdu_b_kernel<<<unsigned(hf), kThreads, smem, cuda::stream()>>>(p);
    cuda::check_launch("low_rank_decode_update");
    return;
  }
  // The attribute is per instantiation; raise it once to the largest size seen.
  static size_t configured = 48 * 1024;
  if (smem > configured) {
    LRQK_CUDA_CHECK(cudaFuncSetAttribute(lrdu_kernel<TA>, cudaFuncAttributeMaxDynamicSharedMemorySize, int(smem)),
                    "low_rank_decode_update");
    configured = smem;
  }
  // Step 2 over (Hf, parts) blocks: enough parts to give every SM about two blocks, a tile each
  // at least.
  const size_t rows_smem = size_t(rows_smem_floats(p.R, p.D, p.Gq)) * sizeof(float);
  static size_t rows_configured = 48 * 1024;
  if (rows_smem > rows_configured) {
    LRQK_CUDA_CHECK(cudaFuncSetAttribute(lrdu_rows_kernel<TK, TA>, cudaFuncAttributeMaxDynamicSharedMemorySize, int(rows_smem)),
                    "low_rank_decode_update");
    rows_configured = rows_smem;
  }
  const int sms = cuda::probe().sm_count > 0 ? cuda::probe().sm_count : 132;
  const int tiles = (p.S + kTile - 1) / kTile;
  const int parts = std::max(1, std::min(tiles, int((2 * sms + hf - 1) / hf)));
  Params q = p;
  q.part_rows = (tiles + parts - 1) / parts * kTile;
  q.parts = (p.S + q.part_rows - 1) / q.part_rows;  // every part non-empty
  const size_t part_bytes = size_t(hf) * q.parts * size_t(p.R * p.R + p.Gq * p.R) * sizeof(float);
  q.part = static_cast<float*>(cuda::device_alloc(part_bytes));
  // Diagnostics: LRQK_LRDU_TRACE=1 prints block 0's phase times of every 100th eager call
  // (a synchronisation each time, so never while a graph is captured).
  static const bool trace = std::getenv("LRQK_LRDU_TRACE") != nullptr;
  static unsigned long long* trace_buf = nullptr;
  static long calls = 0;
  const bool traced = trace && !cuda::capturing() && calls++ % 100 == 0;
  if (traced && !trace_buf) LRQK_CUDA_CHECK(cudaMalloc(&trace_buf, 32 * sizeof(unsigned long long)), "low_rank_decode_update");
  if (traced) LRQK_CUDA_CHECK(cudaMemsetAsync(trace_buf, 0, 32 * sizeof(unsigned long long), cuda::stream()), "low_rank_decode_update");
  q.trace = traced ? trace_buf : nullptr;
  lrdu_rows_kernel<TK, TA><<<dim3(unsigned(hf), unsigned(q.parts)), kThreads, rows_smem, cuda::stream()>>>(q);
  cuda::check_launch("low_rank_decode_update");
  cudaLaunchAttribute pdl[1];
  pdl[0].id = cudaLaunchAttributeProgrammaticStreamSerialization;
  pdl[0].val.programmaticStreamSerializationAllowed = 1;
  cudaLaunchConfig_t cfg{};
  cfg.gridDim = dim3(unsigned(hf));
  cfg.blockDim = dim3(kThreads);
  cfg.dynamicSmemBytes = smem;
  cfg.stream = cuda::stream();
  cfg.attrs = pdl;
  cfg.numAttrs = 1;
  LRQK_CUDA_CHECK(cudaLaunchKernelEx(&cfg, lrdu_kernel<TA>, q), "low_rank_decode_update");
  cuda::check_launch("low_rank_decode_update");
  if (traced) {
    unsigned long long t[32] = {};
    auto d = [&](int a, int b) { return t[a] && t[b] ? (long long)(t[b] - t[a]) : -1ll; };
    LRQK_CUDA_CHECK(cudaMemcpyAsync(t, trace_buf, sizeof(t), cudaMemcpyDeviceToHost, cuda::stream()), "low_rank_decode_update");
    LRQK_CUDA_CHECK(cudaStreamSynchronize(cuda::stream()), "low_rank_decode_update");
    std::fprintf(stderr,
                 "lrdu trace Hf=%lld R=%d Gq=%d S=%d ns: rows block %lld, gap %lld; load %lld, grams %lld, partials %lld, solve %lld, "
                 "B update: e %lld, eta %lld, write %lld; out %lld; solve cycles %lld (invert k %lld, q %lld, barrier %lld, u/w %lld, it1 %lld, it2 %lld)\n",
                 (long long)hf, p.R, p.Gq, p.S, d(12, 13), d(13, 0), d(0, 1), d(1, 2), d(2, 3), d(3, 4), d(4, 5), d(5, 6), d(6, 7), d(7, 8), d(14, 15), d(16, 17), d(16, 18), d(16, 19), d(19, 20), d(20, 21), d(21, 22));
  }
  cuda::device_free(q.part, part_bytes);  // stream-ordered: reused only after both kernels ran
}

template <class TK>
void launch_a(const Params& p, int64_t hf, DType a_dt) {
  LRQK_FLOAT_SWITCH(a_dt, TA, "low_rank_decode_update", launch<TK, TA>(p, hf));
}

bool aligned16(const void* ptr, int64_t stride_elems, size_t es) {
  return reinterpret_cast<uintptr_t>(ptr) % 16 == 0 && (stride_elems * int64_t(es)) % 16 == 0;
}

void low_rank_decode_update_cuda(const LowRankDecodeUpdateArgs& a) {
  const char* op = "low_rank_decode_update";
  if (a.hf > 2147483647) fail(ErrorKind::Shape, op, "low_rank_decode_update: too many heads");
  Params p{};
  p.q = a.q.data; p.q_rs = a.q.stride(0); p.q_dt = int(a.q.dtype);
  p.k = a.k.data; p.k_rs = a.k.stride(0); p.k_dt = int(a.k.dtype);
  p.b_q = a.b_q.ptr<float>(); p.b_k = a.b_k.ptr<float>();
  p.kom = a.k_omega.data; p.kom_s0 = a.k_omega.stride(0); p.kom_s1 = a.k_omega.stride(1);
  p.a_k = a.a_k.data; p.ak_s0 = a.a_k.stride(0); p.ak_s1 = a.a_k.stride(1);
  p.slot_map = a.slot_map.ptr<int32_t>(); p.sm_s0 = a.slot_map.stride(0);
  p.lite_pos = a.lite_pos.ptr<int32_t>();
  p.q_hat = a.q_hat.ptr<float>(); p.k_hat = a.k_hat.ptr<float>(); p.status = a.status.ptr<int32_t>();
  p.delta = a.has_delta ? a.delta.ptr<float>() : nullptr;
  p.iters = a.has_iterations ? a.iterations.ptr<int32_t>() : nullptr;
  p.worst = a.has_worst ? a.worst.ptr<int32_t>() : nullptr;
  p.b_mode = a.b_mode;
  p.R = int(a.r); p.D = int(a.d); p.Gq = int(a.gq); p.group = int(a.group);
  p.S = int(a.s); p.kact = int(a.kact); p.max_iter = a.max_iter;
  p.cap = a.cap; p.position = a.position; p.position_dev = a.position_dev;
  p.lambda1 = a.lambda1; p.lambda2 = a.lambda2; p.tol = a.tol; p.eps = a.eps;
  const size_t es = dtype_size(a.k_omega.dtype);
  // 16-byte loads need an aligned base, row and head strides, and whole 16-byte rows.
  p.vec = aligned16(a.k_omega.data, a.k_omega.stride(0), es) && aligned16(a.k_omega.data, a.k_omega.stride(1), es) &&
          (a.d * int64_t(es)) % 16 == 0;
  LRQK_FLOAT_SWITCH(a.k_omega.dtype, TK, op, launch_a<TK>(p, a.hf, a.a_k.dtype));
}
}  // namespace
LRQK_REGISTER_KERNEL(LowRankDecodeUpdateArgs, Cuda, low_rank_decode_update_cuda);
}  // namespace lrqk
