// CPU decode attention: one query per head over `length` KV rows, two passes (scores and max,
// then exp-weighted sum of V) in f32. OpenMP over query heads.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>
#include "../core/dispatch.h"
#include "../ops/attention_decode.h"
#include "attention_rows.h"

namespace lrqk {
using namespace cpu_attention;

static void attention_decode_cpu(const AttentionDecodeArgs& a) {
  const int64_t D = a.dim, G = a.heads / a.kv_heads, n = a.length;
#pragma omp parallel
  {
    std::vector<float> qf(D), acc(D), row(D), s(n);
#pragma omp for schedule(static)
    for (int64_t h = 0; h < a.heads; ++h) {
      const int64_t hk = h / G;
      load_row(a.q.data, a.q.dtype, h * a.q_head_stride, D, qf.data(), a.scale);
      float mx = -std::numeric_limits<float>::infinity();
      for (int64_t j = 0; j < n; ++j) {
        load_row(a.k.data, a.k.dtype, hk * a.k.strides[0] + j * a.k.strides[1], D, row.data());
        s[j] = dot(qf.data(), row.data(), D);
        mx = std::max(mx, s[j]);
      }
      std::fill(acc.begin(), acc.end(), 0.f);
      float sum = 0.f;
      for (int64_t j = 0; j < n; ++j) {
        const float p = std::exp(s[j] - mx);
        sum += p;
        load_row(a.v.data, a.v.dtype, hk * a.v.strides[0] + j * a.v.strides[1], D, row.data());
        scale_add(acc.data(), 1.f, p, row.data(), D);
      }
      store_row(a.out.data, a.out.dtype, h * a.out_head_stride, D, acc.data(), 1.f / sum);
    }
  }
}
LRQK_REGISTER_KERNEL(AttentionDecodeArgs, Cpu, attention_decode_cpu);
}  // namespace lrqk
