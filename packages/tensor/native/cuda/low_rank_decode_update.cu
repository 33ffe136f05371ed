// CUDA kernels of low_rank_decode_update (see ops/low_rank_decode_update.h).
// lrdu_rows_kernel spreads the sums over the S resident rows (step 2) over (Hf, parts) blocks;
// lrdu_kernel then runs one block of 256 threads per factor head; everything per head lives in
// shared memory:
//   the r×r matrices MQ2 = B_QB_Qᵀ + λ2·A_ΩᵀA_Ω, MK = B_KB_Kᵀ (lower triangles only) and a
//   Cholesky work matrix (leading dim `ld`, odd, so that column walks hit distinct banks), q_g
//   (later e_g), k (later e_K), the r-vectors of the solve, and B_Q and B_K (r × d each, odd
//   leading dim), staged once for the Gram matrices and read again by the B update. Shared
//   memory: ~60 KB at r=32, d=128, Gq=4; ~200 KB at the limits r=64, d=256, Gq=16 (dynamic,
//   attribute raised above 48 KB). The r×r factorizations run on one warp in registers (r ≤ 32).
// Work items over triangle entries plus projection entries are dealt round-robin to all threads
// so that no warp idles behind another. K_Ω rows are read warp-per-row with 8 rows in flight per
// warp (16-byte loads when aligned) to hide memory latency.
// The r×r systems use an in-place symmetric elimination (one warp in registers for r ≤ 32, else
// the block with one barrier per column); the triangular solves run one warp per right-hand side,
// with the vector in registers.
// No host synchronisation; everything runs on the current stream.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include "../core/dispatch.h"
#include "../ops/low_rank_decode_update.h"
#include "common.cuh"

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
  int ld, ldb, mq2, mk, work, q, k, aq, v, qh, c, ak, kh, kn, diag, invd, rhs, P, E, scal, tile, total;
};

__host__ __device__ inline int align4(int n) { return (n + 3) & ~3; }

__host__ __device__ inline Layout make_layout(int R, int D, int Gq) {
  Layout L{};
  L.ld = R | 1;
  L.ldb = D | 1;
  int o = 0;
  auto take = [&](int n) { int at = o; o += align4(n); return at; };
  L.mq2 = take(R * L.ld);
  L.mk = take(R * L.ld);
  L.work = take(R * L.ld);
  L.q = take(Gq * D);
  L.k = take(D);
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
  float* q_hat; float* k_hat; int32_t* status; float* delta; int32_t* iters;
  int R, D, Gq, group, S, kact, max_iter;
  int64_t cap, position;
  const int32_t* position_dev;  // when set, the position (read by the kernel)
  float lambda1, lambda2, tol, eps;
  bool vec;  // kOmega rows can be read with aligned 16-byte loads
  float* part;  // (Hf, parts, ntri + Gq·R) partial sums of step 2 (lrdu_rows_kernel)
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

// Entry e of the lower triangle (row-major: (0,0), (1,0), (1,1), (2,0), …) as (i, j), j ≤ i.
__device__ __forceinline__ void tri_index(int e, int& i, int& j) {
  int r = int((sqrtf(8.f * float(e) + 1.f) - 1.f) * 0.5f);
  while (r * (r + 1) / 2 > e) --r;
  while ((r + 1) * (r + 2) / 2 <= e) ++r;
  i = r;
  j = e - r * (r + 1) / 2;
}

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

// block_factor's result (U with M = U D⁻¹ Uᵀ, invd = 1/diag(U)) by warp 0 alone for R ≤ 32, column
// by column in dot-product form: u_ij = a_ij − Σ_{k<j} u_ik·u_jk·invd_k, lane i computing row i
// (4 partial sums for instruction-level parallelism) and the pivot u_jj coming from lane j by
// shuffle. No block barrier per column, and a short dependency chain per column (the right-looking
// elimination spent ~13 µs on r = 32, this ~2). Begins and ends with a barrier; uniform result.
__device__ __noinline__ bool warp_factor(float* work, const float* diag, float* invd, int R, int ld) {
  __shared__ int s_ok;
  __syncthreads();  // `work` is built
  if (threadIdx.x < 32) {
    const int i = threadIdx.x;
    bool ok = true;
    for (int j = 0; j < R; ++j) {
      const bool live = i >= j && i < R;
      const float* ri = work + (live ? i : j) * ld;  // idle lanes read row j (a valid address)
      const float* rj = work + j * ld;
      float s0 = 0.f, s1 = 0.f, s2 = 0.f, s3 = 0.f;
      int k = 0;
      for (; k + 4 <= j; k += 4) {
        s0 += ri[k] * rj[k] * invd[k];
        s1 += ri[k + 1] * rj[k + 1] * invd[k + 1];
        s2 += ri[k + 2] * rj[k + 2] * invd[k + 2];
        s3 += ri[k + 3] * rj[k + 3] * invd[k + 3];
      }
      for (; k < j; ++k) s0 += ri[k] * rj[k] * invd[k];
      const float u = ri[j] - ((s0 + s1) + (s2 + s3));
      const float d = __shfl_sync(0xffffffffu, u, j);  // u_jj, from lane j
      if (!(d > 0.f) || !(d > kLrduPivotRel * diag[j]) || !isfinite(d)) {  // uniform
        ok = false;
        break;
      }
      if (live) work[i * ld + j] = u;
      if (i == 0) invd[j] = 1.f / d;
      __syncwarp();
    }
    if (i == 0) s_ok = ok;
  }
  __syncthreads();
  return s_ok != 0;
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
__device__ __forceinline__ void stamp(unsigned long long* tr, int k) {
  if (tr && blockIdx.x == 0 && threadIdx.x == 0) {
    unsigned long long t;
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
    tr[k] = t;
  }
}

__device__ __noinline__ int solve_spd(const Layout L, float* sm, const float* base, const float* x, int nx, float lam1, int nrhs,
                                      float* out, int R, unsigned long long* tr = nullptr) {
  stamp(tr, 11);
  float* work = sm + L.work;
  float* diag = sm + L.diag;
  float* invd = sm + L.invd;
  build_matrix(work, diag, base, x, nx, lam1, 0.f, R, L.ld);
  __syncthreads();
  stamp(tr, 12);
  float mean = 0.f;
  for (int i = 0; i < R; ++i) mean += diag[i];
  mean /= float(R);
  stamp(tr, 13);
  int code = kLrduOk;
  auto factor = [&] { return R <= 32 ? warp_factor(work, diag, invd, R, L.ld) : block_factor(work, diag, invd, R, L.ld); };
  bool ok = factor();
  for (int attempt = 1; !ok && attempt <= 2; ++attempt) {
    if (!(mean > 0.f) || !isfinite(mean)) return kLrduFailed;
    build_matrix(work, diag, base, x, nx, lam1, (attempt == 1 ? kLrduJitter1 : kLrduJitter2) * mean, R, L.ld);
    ok = factor();  // starts with a barrier
    code = kLrduJitter;
  }
  if (!ok) return kLrduFailed;
  stamp(tr, 14);
  block_solve(work, invd, R, L.ld, nrhs, sm + L.rhs, out);
  __syncthreads();
  stamp(tr, 15);
  return code;
}

// Step 2 of the update, spread over many blocks: block (b, part) takes the resident rows
// [part·part_rows, +part_rows) of factor head b, one tile at a time, and writes its partial
// Σ A_tᵀA_t (lower triangle) and Σ w_{g,t} A_t to p.part[b][part]. One block per head would leave
// most SMs idle behind a latency-bound loop over all S rows.
template <class TK, class TA>
__global__ void __launch_bounds__(kThreads) lrdu_rows_kernel(const Params p) {
  extern __shared__ float4 smem4[];
  float* sm = reinterpret_cast<float*>(smem4);
  const int R = p.R, D = p.D, Gq = p.Gq;
  const int ntri = R * (R + 1) / 2, nitems = ntri + Gq * R;
  float* sQ = sm;                                   // Gq × D
  float* sA = sQ + align4(Gq * D);                  // kTile × R
  float* sW = sA + kTile * R;                       // Gq × kTile
  int* sPos = reinterpret_cast<int*>(sW + Gq * kTile);  // kTile
  float* sAcc = reinterpret_cast<float*>(sPos + kTile);  // nitems
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int64_t b = blockIdx.x;
  const int64_t position = p.position_dev ? int64_t(*p.position_dev) : p.position;
  for (int idx = tid; idx < Gq * D; idx += kThreads) {
    const int g = idx / D, j = idx % D;
    sQ[idx] = load_any(p.q, p.q_dt, (b * Gq + g) * p.q_rs + j);
  }
  for (int i = tid; i < nitems; i += kThreads) sAcc[i] = 0.f;
  __syncthreads();
  const TK* kom = static_cast<const TK*>(p.kom) + b * p.kom_s0;
  const TA* ak = static_cast<const TA*>(p.a_k) + b * p.ak_s0;
  const int s_begin = int(blockIdx.y) * p.part_rows, s_end = min(p.S, s_begin + p.part_rows);
  for (int s0 = s_begin; s0 < s_end; s0 += kTile) {
    const int nt = min(kTile, s_end - s0);
    if (tid < nt) {
      const int s = s0 + tid;
      int64_t pos = s < p.kact ? p.slot_map[b * p.sm_s0 + s] : p.lite_pos[s - p.kact];
      if (pos < 0 || pos >= p.cap || pos == position) pos = -1;  // zero row (C.4)
      sPos[tid] = int(pos);
    }
    __syncthreads();
#pragma unroll 4
    for (int idx = tid; idx < nt * R; idx += kThreads) {
      const int t = idx / R, i = idx % R;
      const int pos = sPos[t];
      sA[idx] = pos >= 0 ? dev::to_f32(ak[int64_t(pos) * p.ak_s1 + i]) : 0.f;
    }
    // w_{g,t} = q_g · K_Ω[s0 + t]: warp w takes rows w + kWarps·u (u < kRowsPerWarp), loading
    // all of them before reducing any so the loads overlap. Rows with a zero A row get w = 0.
    {
      float x[kRowsPerWarp][kRowRegs];
#pragma unroll
      for (int u = 0; u < kRowsPerWarp; ++u) {
        const int t = warp + kWarps * u;
        const bool live = t < nt && sPos[t] >= 0;
        load_row<TK>(kom + int64_t(s0 + t) * p.kom_s1, live, p.vec, D, lane, x[u]);
      }
#pragma unroll
      for (int u = 0; u < kRowsPerWarp; ++u) {
        const int t = warp + kWarps * u;
        if (t >= nt) break;  // warp-uniform
        for (int g = 0; g < Gq; ++g) {
          const float w = warp_sum(row_dot<TK>(x[u], sQ + g * D, p.vec, D, lane));
          if (lane == 0) sW[g * kTile + t] = w;
        }
      }
    }
    __syncthreads();
    // Lower triangle of A_tᵀA_t, then Σ_t w_{g,t} A_t; dealt round-robin.
    for (int item = tid; item < nitems; item += kThreads) {
      float s = 0.f;
      if (item < ntri) {
        int i, j;
        tri_index(item, i, j);
        for (int t = 0; t < nt; ++t) s += sA[t * R + i] * sA[t * R + j];
      } else {
        const int e = item - ntri, g = e / R, i = e % R;
        for (int t = 0; t < nt; ++t) s += sW[g * kTile + t] * sA[t * R + i];
      }
      sAcc[item] += s;
    }
    __syncthreads();  // before the next tile overwrites sPos/sA/sW
  }
  float* out = p.part + (b * p.parts + blockIdx.y) * nitems;
  for (int i = tid; i < nitems; i += kThreads) out[i] = sAcc[i];
}

__host__ __device__ inline int rows_smem_floats(int R, int D, int Gq) {
  return align4(Gq * D) + kTile * R + Gq * kTile + kTile + R * (R + 1) / 2 + Gq * R;
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
  float *sAK = sm + L.ak, *sKH = sm + L.kh, *sKN = sm + L.kn, *sP = sm + L.P, *sE = sm + L.E;
  float* sScal = sm + L.scal;
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int64_t b = blockIdx.x;
  const int64_t position = p.position_dev ? int64_t(*p.position_dev) : p.position;

  // ---- 0. Inputs as f32; zeroed accumulators.
#define LRDU_TRACE(k)                                                                        \
  do {                                                                                       \
    if (p.trace && blockIdx.x == 0 && threadIdx.x == 0) {                                    \
      unsigned long long t_;                                                                 \
      asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t_));                                 \
      p.trace[k] = t_;                                                                       \
    }                                                                                        \
  } while (0)
  LRDU_TRACE(0);
  for (int idx = tid; idx < Gq * D; idx += kThreads) {
    const int g = idx / D, j = idx % D;
    sQ[idx] = load_any(p.q, p.q_dt, (b * Gq + g) * p.q_rs + j);
  }
  const int64_t kv = (b * Gq) / p.group;
  for (int j = tid; j < D; j += kThreads) sK[j] = load_any(p.k, p.k_dt, kv * p.k_rs + j);
  for (int idx = tid; idx < Gq * R; idx += kThreads) sV[idx] = sQH[idx] = 0.f;
  for (int i = tid; i < R; i += kThreads) sKH[i] = sKN[i] = 0.f;
  __syncthreads();
  // c_g = q_g · k
  for (int g = warp; g < Gq; g += kWarps) {
    float s = 0.f;
    for (int j = lane; j < D; j += 32) s += sQ[g * D + j] * sK[j];
    s = warp_sum(s);
    if (lane == 0) sC[g] = s;
  }

  LRDU_TRACE(1);
  // ---- 1. MQ = B_QB_Qᵀ, MK = B_KB_Kᵀ (lower triangles), aQ_g = q_g B_Qᵀ, aK = k B_Kᵀ, with both
  // B staged whole in shared memory (coalesced load, odd leading dim).
  const int ntri = R * (R + 1) / 2;
  {
    float* sB0 = sm + L.tile;  // R × ldb each: B_Q, then B_K
    const int ldb = L.ldb;
    // Both matrices at once, 16-byte loads when D allows (all in flight together).
    if (D % 4 == 0 && ((reinterpret_cast<uintptr_t>(p.b_q) | reinterpret_cast<uintptr_t>(p.b_k)) & 15) == 0) {
      for (int idx = tid; idx < 2 * R * D / 4; idx += kThreads) {
        const int mat = idx / (R * D / 4), e = (idx % (R * D / 4)) * 4;
        const float4 v = reinterpret_cast<const float4*>((mat == 0 ? p.b_q : p.b_k) + b * R * D)[e / 4];
        float* dst = sB0 + mat * R * ldb + (e / D) * ldb + e % D;
        dst[0] = v.x; dst[1] = v.y; dst[2] = v.z; dst[3] = v.w;
      }
    } else {
      for (int idx = tid; idx < 2 * R * D; idx += kThreads) {
        const int mat = idx / (R * D), e = idx % (R * D);
        sB0[mat * R * ldb + (e / D) * ldb + e % D] = ((mat == 0 ? p.b_q : p.b_k) + b * R * D)[e];
      }
    }
    __syncthreads();
    for (int mat = 0; mat < 2; ++mat) {
      float* sB = sB0 + mat * R * ldb;
      float* G = mat == 0 ? sMQ2 : sMK;
      const int nproj = mat == 0 ? Gq * R : R;
      for (int item = tid; item < ntri + nproj; item += kThreads) {
        float s = 0.f;
        if (item < ntri) {
          int i, j;
          tri_index(item, i, j);
          const float* bi = sB + i * ldb;
          const float* bj = sB + j * ldb;
          for (int c = 0; c < D; ++c) s += bi[c] * bj[c];
          G[i * ld + j] = s;
        } else {
          const int e = item - ntri, g = e / R, i = e % R;
          const float* x = mat == 0 ? sQ + g * D : sK;
          const float* bi = sB + i * ldb;
          for (int c = 0; c < D; ++c) s += x[c] * bi[c];
          (mat == 0 ? sAQ : sAK)[e] = s;
        }
      }
      __syncthreads();  // the Gram matrices are done
    }
  }

  LRDU_TRACE(2);
  // ---- 2. Resident rows: the partial sums of lrdu_rows_kernel (over all parts of the rows) give
  // MQ2 += λ2·Σ A_tᵀA_t and v_g = Σ w_{g,t} A_t.
  {
    const int nitems = ntri + Gq * R;
    const float* part = p.part + b * p.parts * nitems;
    for (int item = tid; item < nitems; item += kThreads) {
      float s = 0.f;
      for (int pp = 0; pp < p.parts; ++pp) s += part[pp * nitems + item];
      if (item < ntri) {
        int i, j;
        tri_index(item, i, j);
        sMQ2[i * ld + j] += p.lambda2 * s;
      } else {
        sV[item - ntri] = s;
      }
    }
    __syncthreads();
  }

  LRDU_TRACE(3);
  // ---- 3. Alternating solve (C.2). Every decision below is uniform over the block.
  const float l1 = p.lambda1, l2 = p.lambda2;
  int status = kLrduOk, iters = 0;
  float delta = 0.f;
  auto note = [&](int code) {
    status = code > status ? code : status;
    return code != kLrduFailed;
  };
  float* sRhs = sm + L.rhs;
  for (int i = tid; i < R; i += kThreads) sRhs[i] = sAK[i];
  bool ok = note(solve_spd(L, sm, sMK, nullptr, 0, 0.f, 1, sKH, R, p.trace));
  LRDU_TRACE(4);
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
    LRDU_TRACE(4 + it);
    if (delta < p.tol) break;
  }

  LRDU_TRACE(8);
  // ---- 4. B updates (C.3) with the pre-update B; skipped after a failed solve.
  if (ok) {
    float* BQ = p.b_q + b * R * D;
    float* BK = p.b_k + b * R * D;
    // The pre-update B_Q, B_K as staged in step 1.
    const int ldb = L.ldb;
    const float* sBQ = sm + L.tile;
    const float* sBK = sBQ + R * ldb;
    // e_g = q̂_g B_Q − q_g (over sQ), e_K = k̂ B_K − k (over sK); each thread owns columns j.
    for (int j = tid; j < D; j += kThreads) {
      float acc[kLrduMaxQueries];
#pragma unroll
      for (int g = 0; g < kLrduMaxQueries; ++g) acc[g] = 0.f;
      float acck = 0.f;
#pragma unroll 8
      for (int i = 0; i < R; ++i) {
        const float bq = sBQ[i * ldb + j];
#pragma unroll
        for (int g = 0; g < kLrduMaxQueries; ++g)
          if (g < Gq) acc[g] += sQH[g * R + i] * bq;
        acck += sKH[i] * sBK[i * ldb + j];
      }
#pragma unroll
      for (int g = 0; g < kLrduMaxQueries; ++g)
        if (g < Gq) sQ[g * D + j] = acc[g] - sQ[g * D + j];
      sK[j] = acck - sK[j];
    }
    __syncthreads();
    // Gram matrices P = [q̂_g·q̂_h], E = [e_g·e_h] (one warp per pair) and ‖k̂‖², ‖e_K‖².
    for (int pr = warp; pr <= Gq * Gq; pr += kWarps) {
      const bool isk = pr == Gq * Gq;
      const int g = isk ? 0 : pr / Gq, h = isk ? 0 : pr % Gq;
      const float* xa = isk ? sKH : sQH + g * R;
      const float* xb = isk ? sKH : sQH + h * R;
      const float* ea = isk ? sK : sQ + g * D;
      const float* eb = isk ? sK : sQ + h * D;
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
    // B ← B − η G with G = Σ_g q̂_gᵀ e_g (and k̂ᵀ e_K).
    for (int64_t idx = tid; idx < int64_t(R) * D; idx += kThreads) {
      const int i = int(idx / D), j = int(idx % D);
      float gq = 0.f;
      for (int g = 0; g < Gq; ++g) gq += sQH[g * R + i] * sQ[g * D + j];
      BQ[idx] = sBQ[i * ldb + j] - eta_q * gq;
      BK[idx] = sBK[i * ldb + j] - eta_k * sKH[i] * sK[j];
    }
  }

  LRDU_TRACE(9);
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
    if (p.delta) p.delta[b] = delta;
    if (p.iters) p.iters[b] = iters;
  }
  LRDU_TRACE(10);
}
#undef LRDU_TRACE

template <class TK, class TA>
void launch(const Params& p, int64_t hf) {
  const Layout L = make_layout(p.R, p.D, p.Gq);
  const size_t smem = size_t(L.total) * sizeof(float);
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
  const size_t part_bytes = size_t(hf) * q.parts * size_t(p.R * (p.R + 1) / 2 + p.Gq * p.R) * sizeof(float);
  q.part = static_cast<float*>(cuda::device_alloc(part_bytes));
  lrdu_rows_kernel<TK, TA><<<dim3(unsigned(hf), unsigned(q.parts)), kThreads, rows_smem, cuda::stream()>>>(q);
  cuda::check_launch("low_rank_decode_update");
  // Diagnostics: LRQK_LRDU_TRACE=1 prints block 0's phase times of every 100th eager call
  // (a synchronisation each time, so never while a graph is captured).
  static const bool trace = std::getenv("LRQK_LRDU_TRACE") != nullptr;
  static unsigned long long* trace_buf = nullptr;
  static long calls = 0;
  const bool traced = trace && !cuda::capturing() && calls++ % 100 == 0;
  if (traced && !trace_buf) LRQK_CUDA_CHECK(cudaMalloc(&trace_buf, 16 * sizeof(unsigned long long)), "low_rank_decode_update");
  if (traced) LRQK_CUDA_CHECK(cudaMemsetAsync(trace_buf, 0, 16 * sizeof(unsigned long long), cuda::stream()), "low_rank_decode_update");
  q.trace = traced ? trace_buf : nullptr;
  lrdu_kernel<TA><<<unsigned(hf), kThreads, smem, cuda::stream()>>>(q);
  cuda::check_launch("low_rank_decode_update");
  if (traced) {
    unsigned long long t[16] = {};
    LRQK_CUDA_CHECK(cudaMemcpyAsync(t, trace_buf, sizeof(t), cudaMemcpyDeviceToHost, cuda::stream()), "low_rank_decode_update");
    LRQK_CUDA_CHECK(cudaStreamSynchronize(cuda::stream()), "low_rank_decode_update");
    std::fprintf(stderr, "lrdu trace Hf=%lld R=%d Gq=%d S=%d ns: load %llu, grams %llu, partials %llu, k0 solve %llu (build %llu, mean %llu, factor %llu, solve %llu), it1 %llu, it2 %llu, B update %llu, out %llu\n",
                 (long long)hf, p.R, p.Gq, p.S, t[1] - t[0], t[2] - t[1], t[3] - t[2], t[4] - t[3], t[12] - t[11], t[13] - t[12], t[14] - t[13],
                 t[15] - t[14], t[5] ? t[5] - t[4] : 0ull, t[6] ? t[6] - t[5] : 0ull, t[9] - t[8], t[10] - t[9]);
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
