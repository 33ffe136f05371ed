#include <algorithm>
#include <cmath>
#include <vector>
#include "../core/dispatch.h"
#include "../ops/sample_logits.h"

namespace lrqk {
static void sample_logits_cpu(const SampleLogitsArgs& a) {
  const int64_t V = a.vocab;
  for (int64_t r = 0; r < a.rows; ++r) {
    std::vector<float> z(static_cast<size_t>(V));
    int64_t best = 0;
    for (int64_t i = 0; i < V; ++i) {
      float v = load_f32(a.logits.data, a.logits.dtype, r * V + i);
      z[size_t(i)] = std::isnan(v) ? -INFINITY : v;
      if (z[size_t(i)] > z[size_t(best)]) best = i;
    }
    if (a.temperature == 0.f) {
      a.out.ptr<int32_t>()[r] = int32_t(best);
      continue;
    }
    for (auto& v : z) v /= a.temperature;
    const float zmax = z[size_t(best)];
    std::vector<char> keep(size_t(V), 1);
    std::vector<int64_t> order(static_cast<size_t>(V));
    for (int64_t i = 0; i < V; ++i) order[size_t(i)] = i;
    std::stable_sort(order.begin(), order.end(), [&](int64_t x, int64_t y) { return z[size_t(x)] > z[size_t(y)]; });
    if (a.top_k > 0 && a.top_k < V) {
      const float kth = z[size_t(order[size_t(a.top_k - 1)])];
      for (int64_t i = 0; i < V; ++i) keep[size_t(i)] = z[size_t(i)] >= kth;
    }
    double total = 0;
    for (int64_t i = 0; i < V; ++i) if (keep[size_t(i)]) total += std::exp(double(z[size_t(i)] - zmax));
    if (a.top_p < 1.f) {
      double cum = 0;
      float thresh = zmax;
      for (int64_t j = 0; j < V; ++j) {
        const int64_t i = order[size_t(j)];
        if (!keep[size_t(i)]) continue;
        cum += std::exp(double(z[size_t(i)] - zmax));
        thresh = z[size_t(i)];
        if (cum >= double(a.top_p) * total) break;
      }
      for (int64_t i = 0; i < V; ++i) keep[size_t(i)] = keep[size_t(i)] && z[size_t(i)] >= thresh;
    }
    if (a.min_p > 0.f) {
      const float floor_z = zmax + std::log(a.min_p);
      for (int64_t i = 0; i < V; ++i) keep[size_t(i)] = keep[size_t(i)] && z[size_t(i)] >= floor_z;
    }
    double mass = 0;
    for (int64_t i = 0; i < V; ++i) if (keep[size_t(i)]) mass += std::exp(double(z[size_t(i)] - zmax));
    const double target = double(a.uniforms.ptr<float>()[r]) * mass;
    double cum = 0;
    int64_t pick = best;
    for (int64_t i = 0; i < V; ++i) {
      if (!keep[size_t(i)]) continue;
      cum += std::exp(double(z[size_t(i)] - zmax));
      pick = i;
      if (cum > target) break;
    }
    a.out.ptr<int32_t>()[r] = int32_t(pick);
  }
}
LRQK_REGISTER_KERNEL(SampleLogitsArgs, Cpu, sample_logits_cpu);
}  // namespace lrqk
