#include <algorithm>
#include <cmath>
#include "../core/dispatch.h"
#include "../ops/low_rank_scores.h"

namespace lrqk {
static void low_rank_scores_cpu(const LowRankScoresArgs& a) {
  const float* q = a.queries.ptr<float>();
#pragma omp parallel for schedule(static)
  for (int64_t h = 0; h < a.hf; ++h) {
    float* out = a.out.ptr<float>() + h * a.out.stride(0);
    for (int64_t t = 0; t < a.rows; ++t) {
      const int64_t base = h * a.a_k.stride(0) + t * a.a_k.stride(1);
      float best = -INFINITY, sum = 0.f;
      for (int64_t g = 0; g < a.gq; ++g) {
        const float* qg = q + h * a.queries.stride(0) + g * a.queries.stride(1);
        float s = 0.f;
        for (int64_t i = 0; i < a.r; ++i) s += load_f32(a.a_k.data, a.a_k.dtype, base + i) * qg[i];
        best = std::max(best, s);
        sum += s;
      }
      out[t] = a.use_max ? best : sum;
    }
  }
}
LRQK_REGISTER_KERNEL(LowRankScoresArgs, Cpu, low_rank_scores_cpu);
}  // namespace lrqk
