// CPU kernel of low_rank_decode_update (see ops/low_rank_decode_update.h): one factor head per
// OpenMP iteration, plain loops in f32, r×r systems by Cholesky with the shared jitter policy.
#include <cmath>
#include <vector>
#include "../core/dispatch.h"
#include "../ops/low_rank_decode_update.h"

namespace lrqk {
namespace {
using fvec = std::vector<float>;
inline fvec zeros(int n) { return fvec(size_t(n), 0.f); }

// Cholesky of the R×R matrix in m (row-major, lower triangle used) in place; false on a pivot
// that is not positive relative to its diagonal entry (NaN included).
bool cholesky(float* m, int R) {
  for (int j = 0; j < R; ++j) {
    const float diag = m[j * R + j];
    float dj = diag;
    for (int k = 0; k < j; ++k) dj -= m[j * R + k] * m[j * R + k];
    if (!(dj > 0.f) || !(dj > kLrduPivotRel * diag) || !std::isfinite(dj)) return false;
    const float ljj = std::sqrt(dj);
    m[j * R + j] = ljj;
    for (int i = j + 1; i < R; ++i) {
      float v = m[i * R + j];
      for (int k = 0; k < j; ++k) v -= m[i * R + k] * m[j * R + k];
      m[i * R + j] = v / ljj;
    }
  }
  return true;
}

// x = rhs · M⁻¹ (M symmetric, so the same as M⁻¹ rhsᵀ) given the Cholesky factor L of M.
void chol_solve(const float* L, int R, const float* rhs, float* x) {
  fvec y = zeros(R);
  for (int i = 0; i < R; ++i) {
    float v = rhs[i];
    for (int k = 0; k < i; ++k) v -= L[i * R + k] * y[size_t(k)];
    y[size_t(i)] = v / L[i * R + i];
  }
  for (int i = R - 1; i >= 0; --i) {
    float v = y[size_t(i)];
    for (int k = i + 1; k < R; ++k) v -= L[k * R + i] * x[k];
    x[i] = v / L[i * R + i];
  }
}

// The matrix base + λ1 Σ_g x_gᵀx_g (nx row vectors x_g of length R) + jitter·I.
void build(std::vector<float>& m, const std::vector<float>& base, const float* x, int nx, float lam1, float jitter, int R) {
  for (int i = 0; i < R; ++i)
    for (int j = 0; j < R; ++j) {
      float v = base[size_t(i * R + j)];
      for (int g = 0; g < nx; ++g) v += lam1 * x[g * R + i] * x[g * R + j];
      m[size_t(i * R + j)] = v + (i == j ? jitter : 0.f);
    }
}

// Solves x_g = rhs_g · M⁻¹ for nrhs right-hand sides with M built as above; retries with jitter.
// Returns kLrduOk, kLrduJitter or kLrduFailed (x untouched on failure).
int spd_solve(const std::vector<float>& base, const float* xs, int nx, float lam1, const float* rhs, int nrhs, float* out, int R,
              std::vector<float>& work) {
  build(work, base, xs, nx, lam1, 0.f, R);
  float mean_diag = 0.f;
  for (int i = 0; i < R; ++i) mean_diag += work[size_t(i * R + i)];
  mean_diag /= float(R);
  int code = kLrduOk;
  bool ok = cholesky(work.data(), R);
  for (float jit : {kLrduJitter1, kLrduJitter2}) {
    if (ok) break;
    if (!(mean_diag > 0.f) || !std::isfinite(mean_diag)) return kLrduFailed;
    build(work, base, xs, nx, lam1, jit * mean_diag, R);
    ok = cholesky(work.data(), R);
    code = kLrduJitter;
  }
  if (!ok) return kLrduFailed;
  for (int g = 0; g < nrhs; ++g) chol_solve(work.data(), R, rhs + g * R, out + g * R);
  return code;
}

// One exact-line-search gradient step on Σ_g ½‖x_g B − t_g‖² (B: R×D f32, x: n×R, t: n×D):
// e_g = x_g B − t_g, G = Σ_g x_gᵀe_g, η = ‖G‖²/(Σ_h‖x_h G‖² + eps) via the Gram matrices of x, e.
void line_search_step(float* B, const float* x, const float* t, int n, int R, int D, float eps) {
  fvec e = zeros(n * D);
  for (int g = 0; g < n; ++g)
    for (int j = 0; j < D; ++j) {
      float v = -t[g * D + j];
      for (int i = 0; i < R; ++i) v += x[g * R + i] * B[i * D + j];
      e[size_t(g * D + j)] = v;
    }
  fvec P = zeros(n * n), E = zeros(n * n);
  for (int g = 0; g < n; ++g)
    for (int h = 0; h < n; ++h) {
      float p = 0.f, s = 0.f;
      for (int i = 0; i < R; ++i) p += x[g * R + i] * x[h * R + i];
      for (int j = 0; j < D; ++j) s += e[size_t(g * D + j)] * e[size_t(h * D + j)];
      P[size_t(g * n + h)] = p;
      E[size_t(g * n + h)] = s;
    }
  float num = 0.f, den = 0.f;
  for (int g = 0; g < n; ++g)
    for (int h = 0; h < n; ++h) {
      num += P[size_t(g * n + h)] * E[size_t(g * n + h)];
      float p2 = 0.f;  // (P²)[g][h]
      for (int m = 0; m < n; ++m) p2 += P[size_t(g * n + m)] * P[size_t(m * n + h)];
      den += p2 * E[size_t(g * n + h)];
    }
  den += eps;
  const float eta = den > 0.f ? num / den : 0.f;
  if (!(eta != 0.f) || !std::isfinite(eta)) return;
  for (int i = 0; i < R; ++i)
    for (int j = 0; j < D; ++j) {
      float gij = 0.f;
      for (int g = 0; g < n; ++g) gij += x[g * R + i] * e[size_t(g * D + j)];
      B[i * D + j] -= eta * gij;
    }
}

void low_rank_decode_update_cpu(const LowRankDecodeUpdateArgs& a) {
  const int R = int(a.r), D = int(a.d), Gq = int(a.gq);
  const int64_t S = a.s;
#pragma omp parallel for schedule(dynamic, 1)
  for (int64_t b = 0; b < a.hf; ++b) {
    // Inputs of this head, as f32.
    fvec q = zeros(Gq * D), k = zeros(D);
    for (int g = 0; g < Gq; ++g)
      for (int j = 0; j < D; ++j) q[size_t(g * D + j)] = load_f32(a.q.data, a.q.dtype, (b * Gq + g) * a.q.stride(0) + j);
    const int64_t kv = (b * Gq) / a.group;
    for (int j = 0; j < D; ++j) k[size_t(j)] = load_f32(a.k.data, a.k.dtype, kv * a.k.stride(0) + j);
    float* BQ = a.b_q.ptr<float>() + b * R * D;
    float* BK = a.b_k.ptr<float>() + b * R * D;
    if (a.b_mode == kLrduBOnly) {  // the B update of an earlier kLrduBSkip call, from its outputs
      if (a.status.ptr<int32_t>()[b] == kLrduFailed) continue;
      const float* qh = a.q_hat.ptr<float>() + b * Gq * R;
      const float* kh = a.k_hat.ptr<float>() + b * R;
      line_search_step(BQ, qh, q.data(), Gq, R, D, a.eps);
      line_search_step(BK, kh, k.data(), 1, R, D, a.eps);
      continue;
    }

    // Gram matrices and projections: MQ2 = B_Q B_Qᵀ (+ λ2 AtA below), MK = B_K B_Kᵀ, aQ_g, aK, c_g.
    fvec MQ2 = zeros(R * R), MK = zeros(R * R), aQ = zeros(Gq * R), aKv = zeros(R), c = zeros(Gq);
    for (int i = 0; i < R; ++i)
      for (int j = 0; j < R; ++j) {
        float sq = 0.f, sk = 0.f;
        for (int t = 0; t < D; ++t) {
          sq += BQ[i * D + t] * BQ[j * D + t];
          sk += BK[i * D + t] * BK[j * D + t];
        }
        MQ2[size_t(i * R + j)] = sq;
        MK[size_t(i * R + j)] = sk;
      }
    for (int i = 0; i < R; ++i) {
      float s = 0.f;
      for (int t = 0; t < D; ++t) s += k[size_t(t)] * BK[i * D + t];
      aKv[size_t(i)] = s;
      for (int g = 0; g < Gq; ++g) {
        float sg = 0.f;
        for (int t = 0; t < D; ++t) sg += q[size_t(g * D + t)] * BQ[i * D + t];
        aQ[size_t(g * R + i)] = sg;
      }
    }
    for (int g = 0; g < Gq; ++g) {
      float s = 0.f;
      for (int t = 0; t < D; ++t) s += q[size_t(g * D + t)] * k[size_t(t)];
      c[size_t(g)] = s;
    }

    // Resident rows: AtA = A_ΩᵀA_Ω and v_g = (q_g K_Ωᵀ) A_Ω, one row at a time.
    fvec AtA = zeros(R * R), v = zeros(Gq * R), arow = zeros(R), w = zeros(Gq);
    const int32_t* smap = a.slot_map.ptr<int32_t>() + b * a.slot_map.stride(0);
    const int32_t* lpos = a.lite_pos.ptr<int32_t>();
    for (int64_t s = 0; s < S; ++s) {
      const int64_t pos = s < a.kact ? smap[s] : lpos[s - a.kact];
      const bool zero = pos < 0 || pos >= a.cap || pos == a.position;
      if (zero) continue;  // contributes nothing to AtA or v
      const int64_t abase = b * a.a_k.stride(0) + pos * a.a_k.stride(1);
      for (int i = 0; i < R; ++i) arow[size_t(i)] = load_f32(a.a_k.data, a.a_k.dtype, abase + i);
      const int64_t kbase = b * a.k_omega.stride(0) + s * a.k_omega.stride(1);
      for (int g = 0; g < Gq; ++g) w[size_t(g)] = 0.f;
      for (int t = 0; t < D; ++t) {
        const float kt = load_f32(a.k_omega.data, a.k_omega.dtype, kbase + t);
        for (int g = 0; g < Gq; ++g) w[size_t(g)] += q[size_t(g * D + t)] * kt;
      }
      for (int i = 0; i < R; ++i) {
        for (int j = 0; j < R; ++j) AtA[size_t(i * R + j)] += arow[size_t(i)] * arow[size_t(j)];
        for (int g = 0; g < Gq; ++g) v[size_t(g * R + i)] += w[size_t(g)] * arow[size_t(i)];
      }
    }
    for (size_t i = 0; i < MQ2.size(); ++i) MQ2[i] += a.lambda2 * AtA[i];

    // Alternating solve (C.2).
    fvec kh = zeros(R), kn = zeros(R), qh = zeros(Gq * R), rhs = zeros(Gq * R), work = zeros(R * R);
    int status = kLrduOk, iters = 0;
    float delta = 0.f;
    auto note = [&](int code) {
      if (code > status) status = code;
      return code != kLrduFailed;
    };
    bool ok = note(spd_solve(MK, nullptr, 0, 0.f, aKv.data(), 1, kh.data(), R, work));
    for (int it = 1; ok && it <= a.max_iter; ++it) {
      for (int g = 0; g < Gq; ++g)
        for (int i = 0; i < R; ++i)
          rhs[size_t(g * R + i)] = aQ[size_t(g * R + i)] + a.lambda2 * v[size_t(g * R + i)] + a.lambda1 * c[size_t(g)] * kh[size_t(i)];
      if (!(ok = note(spd_solve(MQ2, kh.data(), 1, a.lambda1, rhs.data(), Gq, qh.data(), R, work)))) break;
      for (int i = 0; i < R; ++i) {
        float s = aKv[size_t(i)];
        for (int g = 0; g < Gq; ++g) s += a.lambda1 * c[size_t(g)] * qh[size_t(g * R + i)];
        rhs[size_t(i)] = s;
      }
      if (!(ok = note(spd_solve(MK, qh.data(), Gq, a.lambda1, rhs.data(), 1, kn.data(), R, work)))) break;
      float dsum = 0.f;
      for (int i = 0; i < R; ++i) {
        const float dd = kh[size_t(i)] - kn[size_t(i)];
        dsum += dd * dd;
      }
      delta = dsum / float(R);
      kh = kn;
      iters = it;
      if (delta < a.tol) break;
    }

    // B updates (C.3), only after a successful solve; they use the pre-update B_Q, B_K.
    if (ok && a.b_mode == kLrduBInline) {
      line_search_step(BQ, qh.data(), q.data(), Gq, R, D, a.eps);
      line_search_step(BK, kh.data(), k.data(), 1, R, D, a.eps);
    }

    // Outputs; k̂ also becomes A_K row `position` (C.5 step 3).
    for (int g = 0; g < Gq; ++g)
      for (int i = 0; i < R; ++i) a.q_hat.ptr<float>()[(b * Gq + g) * R + i] = qh[size_t(g * R + i)];
    const int64_t prow = b * a.a_k.stride(0) + a.position * a.a_k.stride(1);
    for (int i = 0; i < R; ++i) {
      a.k_hat.ptr<float>()[b * R + i] = kh[size_t(i)];
      store_f32(a.a_k.data, a.a_k.dtype, prow + i, kh[size_t(i)]);
    }
    a.status.ptr<int32_t>()[b] = status;
    if (a.has_worst) {
      int32_t& w = a.worst.ptr<int32_t>()[b];
      w = status > w ? status : w;
    }
    if (a.has_delta) a.delta.ptr<float>()[b] = delta;
    if (a.has_iterations) a.iterations.ptr<int32_t>()[b] = iters;
  }
}
}  // namespace
LRQK_REGISTER_KERNEL(LowRankDecodeUpdateArgs, Cpu, low_rank_decode_update_cpu);
}  // namespace lrqk
