// The alternating solve of low_rank_decode_update (spec C.2) for r ≤ 32, on one or two warps.
//
// Why: the r×r systems are tiny and strictly sequential (k̂₀ → q̂ → k̂ → q̂ → k̂), so a block-wide
// factorization per solve is pure latency (~18 µs each on an H200, five per step). Instead:
//   * the two base matrices MK = B_KB_Kᵀ and MQ = B_QB_Qᵀ + λ2·A_ΩᵀA_Ω are inverted once, in
//     parallel on warps 0 and 1, by a symmetric sweep (Gauss–Jordan without pivoting, which is
//     stable for SPD matrices) in registers, one row per lane, the pivot row broadcast through
//     shared memory;
//   * every solve of the iteration is then a rank update of a base matrix, applied exactly:
//     q̂ against MQ + λ1·k̂ᵀk̂ by Sherman–Morrison, k̂ against MK + λ1·Σ_g q̂_gᵀq̂_g by Woodbury
//     with the Gq×Gq capacity matrix I + λ1·UᵀMK⁻¹U (SPD, eigenvalues ≥ 1), swept the same way.
// Mathematically this is the CPU kernel's computation; only the rounding differs. Jitter applies
// to a base matrix whose sweep meets a pivot ≤ kLrduPivotRel × its diagonal entry (the CPU kernel
// jitters the updated matrix instead; the two differ only when a base is singular but its update
// is not).
#pragma once
#include "../ops/low_rank_decode_update.h"

namespace lrqk {
namespace lrdu {

constexpr int kW = 32;     // lanes, and the padded size of every r-vector
constexpr int kInvLd = 33;  // leading dim of an inverse in shared memory (row per lane: no conflicts)

// Shared-memory scratch of the solve, in floats, for Gq queries per factor head.
struct SolveScratch {
  int inv_q, inv_k, pub, diag, rq, w, kh, u, z, qh, zk, y, cm, tv, sv, flags, total;
};

__host__ __device__ inline SolveScratch solve_scratch(int Gq, int base) {
  SolveScratch s{};
  int o = base;
  auto take = [&](int n) { int at = o; o += (n + 3) & ~3; return at; };
  s.inv_q = take(kW * kInvLd);
  s.inv_k = take(kW * kInvLd);
  s.pub = take(2 * 2 * kW);  // two warps × double-buffered pivot row
  s.diag = take(2 * kW);
  s.rq = take(Gq * kW);
  s.w = take(Gq * kW);
  s.kh = take(kW);
  s.u = take(kW);
  s.z = take(kW);
  s.qh = take(Gq * kW);
  s.zk = take(Gq * kW);
  s.y = take(kW);
  s.cm = take(kLrduMaxQueries * kLrduMaxQueries);
  s.tv = take(kLrduMaxQueries);
  s.sv = take(kLrduMaxQueries);
  s.flags = take(4);
  s.total = o - base;
  return s;
}

// Σ_k m[k]·x[k] with x a padded 32-vector in shared memory (16-byte aligned), read by broadcast.
__device__ __forceinline__ float matvec_row(const float (&m)[kW], const float* x) {
  const float4* x4 = reinterpret_cast<const float4*>(x);
  float a0 = 0.f, a1 = 0.f, a2 = 0.f, a3 = 0.f;
#pragma unroll
  for (int c = 0; c < kW / 4; ++c) {
    const float4 v = x4[c];
    a0 = fmaf(m[4 * c], v.x, a0);
    a1 = fmaf(m[4 * c + 1], v.y, a1);
    a2 = fmaf(m[4 * c + 2], v.z, a2);
    a3 = fmaf(m[4 * c + 3], v.w, a3);
  }
  return (a0 + a1) + (a2 + a3);
}

// a · b of two padded 32-vectors in shared memory, computed whole by the calling lane.
__device__ __forceinline__ float dot32(const float* a, const float* b) {
  const float4* a4 = reinterpret_cast<const float4*>(a);
  const float4* b4 = reinterpret_cast<const float4*>(b);
  float s0 = 0.f, s1 = 0.f;
#pragma unroll
  for (int c = 0; c < kW / 4; ++c) {
    const float4 x = a4[c], y = b4[c];
    s0 = fmaf(x.x, y.x, fmaf(x.y, y.y, s0));
    s1 = fmaf(x.z, y.z, fmaf(x.w, y.w, s1));
  }
  return s0 + s1;
}

__device__ __forceinline__ float lane_sum(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

// Sweeps the 32×32 matrix whose row `lane` is m (registers): afterwards m = −M⁻¹. Pivot j's row
// goes through pub (double-buffered, so one __syncwarp a pivot); diag holds the diagonal before
// the sweep, for the pivot test. Returns whether every pivot passed (uniform).
// The registers rotate by one column a pivot, so that pivot j's column is always m[0] and every
// index is a constant in a loop that is not unrolled: unrolled, this code runs once per launch on
// one warp and is bound by instruction fetch; with the pivot column picked by a select per entry
// it is bound by the dependent multiply/add/select chains (~650 cycles a pivot measured either
// way). Per pivot and entry: one FFMA. After 32 pivots the rotation is back where it started.
__device__ __forceinline__ bool sweep_rows(float (&m)[kW], float* pub, const float* diag, int lane) {
  bool ok = true;
#pragma unroll 1
  for (int j = 0; j < kW; ++j) {
    float* row = pub + (j & 1) * kW;
    if (lane == j) {
#pragma unroll
      for (int c = 0; c < kW / 4; ++c) reinterpret_cast<float4*>(row)[c] = make_float4(m[4 * c], m[4 * c + 1], m[4 * c + 2], m[4 * c + 3]);
    }
    __syncwarp();
    float r[kW];
#pragma unroll
    for (int c = 0; c < kW / 4; ++c) {
      const float4 v = reinterpret_cast<const float4*>(row)[c];
      r[4 * c] = v.x; r[4 * c + 1] = v.y; r[4 * c + 2] = v.z; r[4 * c + 3] = v.w;
    }
    const float piv = r[0];
    ok = ok && piv > 0.f && piv > kLrduPivotRel * diag[j] && isfinite(piv);
    const float inv = 1.f / piv;
    const bool me = lane == j;
    const float f = m[0] * inv;
    // Row j: a_jk / d = a_jk + a_jk·(1/d − 1); other rows: a_ik − f·a_jk.
    const float coef = me ? inv - 1.f : -f;
    const float col = me ? -inv : f;
#pragma unroll
    for (int k = 1; k < kW; ++k) m[k - 1] = fmaf(r[k], coef, m[k]);
    m[kW - 1] = col;
  }
  return ok;
}

// One warp: out = M⁻¹ (kInvLd rows) for M = base (lower triangle, leading dim ld, R ≤ 32; padded
// with the identity) with the jitter policy of the CPU kernel. Returns kLrduOk, kLrduJitter or
// kLrduFailed (uniform over the warp; out undefined on failure).
__device__ __noinline__ int warp_invert(const float* base, int ld, int R, float* out, float* pub, float* diag) {
  const int i = threadIdx.x & 31;
  const bool row = i < R;
  float m[kW];
  float mean = 0.f;
  int code = kLrduOk;
#pragma unroll 1
  for (int attempt = 0; attempt <= 2; ++attempt) {
    float jit = 0.f;
    if (attempt > 0) {
      if (!(mean > 0.f) || !isfinite(mean)) return kLrduFailed;
      jit = (attempt == 1 ? kLrduJitter1 : kLrduJitter2) * mean;
      code = kLrduJitter;
    }
    float dd = 1.f;
#pragma unroll
    for (int k = 0; k < kW; ++k) {
      m[k] = row && k < R ? base[max(i, k) * ld + min(i, k)] + (k == i ? jit : 0.f) : (i == k ? 1.f : 0.f);
      if (k == i) dd = m[k];
    }
    if (attempt == 0) mean = lane_sum(row ? dd : 0.f) / float(R);
    diag[i] = dd;
    __syncwarp();
    const bool ok = sweep_rows(m, pub, diag, i);
    __syncwarp();  // diag and pub are rewritten by a retry
    if (ok) {
#pragma unroll
      for (int k = 0; k < kW; ++k) out[i * kInvLd + k] = -m[k];
      return code;
    }
  }
  return kLrduFailed;
}

// −C⁻¹ in place for the n×n (n ≤ kLrduMaxQueries) SPD matrix C in shared memory (row-major),
// element-parallel over the warp: a sweep, two __syncwarp a pivot. Pivots of I + λ1·UᵀMK⁻¹U are
// ≥ 1, so no test is needed.
__device__ __forceinline__ void warp_sweep_small(float* C, int n, int lane) {
  for (int j = 0; j < n; ++j) {
    const float inv = 1.f / C[j * n + j];
    float nv[kLrduMaxQueries * kLrduMaxQueries / kW];
    int cnt = 0;
    for (int e = lane; e < n * n; e += kW, ++cnt) {
      const int a = e / n, b = e % n;
      const float aij = C[a * n + j], ajb = C[j * n + b], cur = C[e];
      nv[cnt] = a == j && b == j ? -inv : a == j ? ajb * inv : b == j ? aij * inv : cur - aij * ajb * inv;
    }
    __syncwarp();
    cnt = 0;
    for (int e = lane; e < n * n; e += kW, ++cnt) C[e] = nv[cnt];
    __syncwarp();
  }
}

struct SolveResult {
  int status, iters;
  float delta;
};

// Step 3 of the update for R ≤ 32. Inputs in shared memory: MQ (lower triangle, λ2·A_ΩᵀA_Ω
// included) and MK (leading dim ld), aQ (Gq×R), v (Gq×R), c (Gq), aK (R). Outputs q̂ (Gq×R, zero
// when no iteration ran) and k̂ (R). Called by the whole block; begins and ends with a barrier.
__device__ __noinline__ SolveResult warp_alternating_solve(const float* mq, const float* mk, int ld, const float* aQ, const float* v,
                                                          const float* c, const float* aK, float* qh_out, float* kh_out, int R, int Gq,
                                                          float l1, float l2, int max_iter, float tol, float* sm, SolveScratch S,
                                                          unsigned long long* trace = nullptr) {
  // trace (LRQK_LRDU_TRACE, block 0): clock64 at the solve's milestones, slots 16.. of the buffer.
  auto mark = [&](int k) {
    if (trace && blockIdx.x == 0 && (threadIdx.x & 31) == 0) trace[16 + k] = clock64();
  };
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  __syncthreads();  // the inputs are written
  // Inversions: warp 0 takes MK, warp 1 takes MQ; every warp stages the padded right-hand sides.
  int* flags = reinterpret_cast<int*>(sm + S.flags);
  if (tid == 0) mark(0);
  if (warp < 2) {
    const int code = warp_invert(warp == 0 ? mk : mq, ld, R, sm + (warp == 0 ? S.inv_k : S.inv_q), sm + S.pub + warp * 2 * kW,
                                 sm + S.diag + warp * kW);
    if (lane == 0) flags[warp] = code;
    mark(1 + warp);
  } else {
    for (int e = tid - 64; e < Gq * kW; e += blockDim.x - 64) {
      const int g = e / kW, i = e % kW;
      sm[S.rq + e] = i < R ? aQ[g * R + i] + l2 * v[g * R + i] : 0.f;
    }
    for (int i = tid - 64; i < kW; i += blockDim.x - 64) sm[S.u + i] = i < R ? aK[i] : 0.f;  // aK, padded (u comes later)
  }
  __syncthreads();
  if (tid == 0) mark(3);
  const int code_k = flags[0], code_q = flags[1];
  SolveResult res{kLrduOk, 0, 0.f};
  res.status = max(code_k, code_q);
  if (warp == 0) {
    const int i = lane;
    float* kh = sm + S.kh;
    float* qh = sm + S.qh;
    for (int g = 0; g < Gq; ++g) qh[g * kW + i] = 0.f;
    float khi = 0.f;
    if (code_k != kLrduFailed) {
      float mkr[kW];
#pragma unroll
      for (int k = 0; k < kW; ++k) mkr[k] = sm[S.inv_k + i * kInvLd + k];
      // u = MK⁻¹ aK: the least-squares code k̂₀, and the fixed part of every later k̂.
      const float ui = matvec_row(mkr, sm + S.u);
      khi = ui;
      __syncwarp();
      sm[S.u + i] = ui;
      kh[i] = ui;
      if (code_q != kLrduFailed) {
        float mqr[kW];
#pragma unroll
        for (int k = 0; k < kW; ++k) mqr[k] = sm[S.inv_q + i * kInvLd + k];
        for (int g = 0; g < Gq; ++g) sm[S.w + g * kW + i] = matvec_row(mqr, sm + S.rq + g * kW);  // w_g = MQ⁻¹(aQ_g + λ2 v_g)
        __syncwarp();
        mark(4);
        for (int it = 1; it <= max_iter; ++it) {
          // q̂_g = (MQ + λ1 k̂ᵀk̂)⁻¹ (aQ_g + λ2 v_g + λ1 c_g k̂) by Sherman–Morrison: with z = MQ⁻¹k̂ and
          // x_g = w_g + λ1 c_g z, q̂_g = x_g − z·λ1 (k̂·x_g) / (1 + λ1 k̂·z).
          const float zi = matvec_row(mqr, kh);
          sm[S.z + i] = zi;
          __syncwarp();
          // Lane g < Gq computes the Sherman–Morrison coefficient of query g (the dots in parallel).
          {
            const float kz = dot32(kh, sm + S.z);
            if (i < Gq) {
              const float kx = dot32(kh, sm + S.w + i * kW) + l1 * c[i] * kz;
              sm[S.sv + i] = l1 * kx / (1.f + l1 * kz);
            }
          }
          __syncwarp();
          for (int g = 0; g < Gq; ++g) {
            const float xi = sm[S.w + g * kW + i] + l1 * c[g] * zi;
            qh[g * kW + i] = i < R ? xi - zi * sm[S.sv + g] : 0.f;
          }
          __syncwarp();  // q̂ and the coefficients are read below (sv is rewritten by the k-step)
          // k̂ = (MK + λ1 UUᵀ)⁻¹ (aK + λ1 Σ c_g q̂_g), U = [q̂_g], by Woodbury: Z_g = MK⁻¹q̂_g,
          // y = u + λ1 Σ c_g Z_g, C = I + λ1 UᵀZ, s = C⁻¹(λ1 Uᵀy), k̂ = y − Z s.
          float yi = sm[S.u + i];
#pragma unroll 2
          for (int g = 0; g < Gq; ++g) {
            const float zg = matvec_row(mkr, qh + g * kW);
            sm[S.zk + g * kW + i] = zg;
            yi += l1 * c[g] * zg;
          }
          sm[S.y + i] = yi;
          __syncwarp();
          float* C = sm + S.cm;
          for (int e = i; e < Gq * Gq + Gq; e += kW) {
            if (e < Gq * Gq) {
              const int g = e / Gq, h = e % Gq;
              C[e] = (g == h ? 1.f : 0.f) + l1 * dot32(qh + g * kW, sm + S.zk + h * kW);
            } else {
              const int g = e - Gq * Gq;
              sm[S.tv + g] = l1 * dot32(qh + g * kW, sm + S.y);
            }
          }
          __syncwarp();
          warp_sweep_small(C, Gq, i);  // C := −C⁻¹
          if (i < Gq) {
            float s = 0.f;
            for (int h = 0; h < Gq; ++h) s -= C[i * Gq + h] * sm[S.tv + h];
            sm[S.sv + i] = s;
          }
          __syncwarp();
          float kn = yi;
          for (int h = 0; h < Gq; ++h) kn -= sm[S.zk + h * kW + i] * sm[S.sv + h];
          if (i >= R) kn = 0.f;
          const float dd = khi - kn;
          res.delta = lane_sum(dd * dd) / float(R);
          khi = kn;
          kh[i] = kn;  // every lane has read kh (dot32 above) before the __syncwarp that preceded
          __syncwarp();
          res.iters = it;
          mark(4 + it);
          if (res.delta < tol) break;
        }
      }
    }
    if (i < R) {
      kh_out[i] = khi;
      for (int g = 0; g < Gq; ++g) qh_out[g * R + i] = qh[g * kW + i];
    }
  }
  __syncthreads();
  return res;  // uniform: status from shared flags; iters/delta are meaningful on warp 0 (the writer)
}

}  // namespace lrdu
}  // namespace lrqk
