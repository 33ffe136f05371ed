// CPU flash-style prefill attention: each task is (query head, tile of BQ queries); keys are
// visited in tiles of BK rows converted to f32 once per task, with an online softmax per query
// row, so memory stays O(BQ·D + BK·D) per thread. OpenMP over tasks.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>
#include "../core/dispatch.h"
#include "../ops/attention_prefill.h"
#include "attention_rows.h"

namespace lrqk {
using namespace cpu_attention;

static void attention_prefill_cpu(const AttentionPrefillArgs& a) {
  constexpr int64_t BQ = 16, BK = 64;
  const int64_t D = a.dim, G = a.heads / a.kv_heads, off = a.tk - a.tq;
  const int64_t q_tiles = (a.tq + BQ - 1) / BQ;
  const float ninf = -std::numeric_limits<float>::infinity();
#pragma omp parallel
  {
    std::vector<float> qf(BQ * D), acc(BQ * D), kf(BK * D), vf(BK * D), s(BK), m(BQ), l(BQ);
#pragma omp for schedule(dynamic, 1)
    for (int64_t task = 0; task < a.heads * q_tiles; ++task) {
      const int64_t h = task / q_tiles, q0 = (task % q_tiles) * BQ, nq = std::min(BQ, a.tq - q0), hk = h / G;
      for (int64_t i = 0; i < nq; ++i)
        load_row(a.q.data, a.q.dtype, h * a.q.strides[0] + (q0 + i) * a.q.strides[1], D, &qf[i * D], a.scale);
      std::fill(acc.begin(), acc.end(), 0.f);
      std::fill(m.begin(), m.end(), ninf);
      std::fill(l.begin(), l.end(), 0.f);
      // Keys any query of the tile can see: [lo, hi).
      const int64_t lo = a.window > 0 ? std::max<int64_t>(0, off + q0 - a.window + 1) : 0;
      const int64_t hi = a.causal ? std::min(a.tk, off + q0 + nq) : a.tk;
      for (int64_t k0 = lo; k0 < hi; k0 += BK) {
        const int64_t nk = std::min(BK, hi - k0);
        for (int64_t j = 0; j < nk; ++j) {
          load_row(a.k.data, a.k.dtype, hk * a.k.strides[0] + (k0 + j) * a.k.strides[1], D, &kf[j * D]);
          load_row(a.v.data, a.v.dtype, hk * a.v.strides[0] + (k0 + j) * a.v.strides[1], D, &vf[j * D]);
        }
        for (int64_t i = 0; i < nq; ++i) {
          const int64_t p = off + q0 + i;  // absolute position of query i
          const int64_t jlo = std::max(k0, a.window > 0 ? p - a.window + 1 : k0) - k0;
          const int64_t jhi = std::min(k0 + nk, a.causal ? p + 1 : k0 + nk) - k0;
          if (jlo >= jhi) continue;
          float mx = m[i];
          for (int64_t j = jlo; j < jhi; ++j) {
            s[j] = dot(&qf[i * D], &kf[j * D], D);
            mx = std::max(mx, s[j]);
          }
          const float corr = std::exp(m[i] - mx);  // 0 when m[i] = -inf (mx is finite)
          float* ai = &acc[i * D];
          for (int64_t d = 0; d < D; ++d) ai[d] *= corr;
          float sum = 0.f;
          for (int64_t j = jlo; j < jhi; ++j) {
            const float pj = std::exp(s[j] - mx);
            sum += pj;
            scale_add(ai, 1.f, pj, &vf[j * D], D);
          }
          l[i] = l[i] * corr + sum;
          m[i] = mx;
        }
      }
      for (int64_t i = 0; i < nq; ++i)
        store_row(a.out.data, a.out.dtype, h * a.out.strides[0] + (q0 + i) * a.out.strides[1], D, &acc[i * D],
                  l[i] > 0.f ? 1.f / l[i] : 0.f);
    }
  }
}
LRQK_REGISTER_KERNEL(AttentionPrefillArgs, Cpu, attention_prefill_cpu);
}  // namespace lrqk
