#include <algorithm>
#include <cmath>
#include <vector>
#include "../core/dispatch.h"
#include "../ops/topk.h"

namespace lrqk {
static void topk_cpu(const TopkArgs& a) {
  const int64_t n = a.length, k = a.k;
#pragma omp parallel for schedule(dynamic)
  for (int64_t r = 0; r < a.rows; ++r) {
    const int64_t base = r * a.x.strides[0];
    std::vector<std::pair<float, int32_t>> v(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      float x = load_f32(a.x.data, a.x.dtype, base + i);
      if (std::isnan(x)) x = a.largest ? -INFINITY : INFINITY;  // ranks below every number (ties by index)
      v[size_t(i)] = {a.largest ? x : -x, int32_t(i)};
    }
    // NaN mapped to ∓inf shares rank with real infinities; break that by putting NaN after them.
    auto isnan_at = [&](int32_t i) { return std::isnan(load_f32(a.x.data, a.x.dtype, base + i)); };
    auto better = [&](const std::pair<float, int32_t>& p, const std::pair<float, int32_t>& q) {
      if (p.first != q.first) return p.first > q.first;
      bool pn = isnan_at(p.second), qn = isnan_at(q.second);
      if (pn != qn) return qn;
      return p.second < q.second;
    };
    std::nth_element(v.begin(), v.begin() + (k - 1), v.end(), better);
    if (a.sort == 0) std::sort(v.begin(), v.begin() + k, better);
    else std::sort(v.begin(), v.begin() + k, [](const std::pair<float, int32_t>& p, const std::pair<float, int32_t>& q) { return p.second < q.second; });
    for (int64_t j = 0; j < k; ++j) {
      const int32_t idx = v[size_t(j)].second;
      store_f32(a.values.data, a.values.dtype, r * k + j, load_f32(a.x.data, a.x.dtype, base + idx));
      if (a.indices.dtype == DType::I64) a.indices.ptr<int64_t>()[r * k + j] = idx;
      else a.indices.ptr<int32_t>()[r * k + j] = idx;
    }
  }
}
LRQK_REGISTER_KERNEL(TopkArgs, Cpu, topk_cpu);
}  // namespace lrqk
