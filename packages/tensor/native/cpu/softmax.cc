#include <cmath>
#include <limits>
#include "../core/dispatch.h"
#include "../ops/softmax.h"

namespace lrqk {
static void softmax_cpu(const SoftmaxArgs& a) {
  const int64_t n = a.n;
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < a.rows; ++r) {
    float m = -std::numeric_limits<float>::infinity();
    for (int64_t i = 0; i < n; ++i) m = std::fmax(m, load_f32(a.x.data, a.x.dtype, r * n + i) * a.inv_temperature);
    double s = 0;
    for (int64_t i = 0; i < n; ++i) s += std::exp(double(load_f32(a.x.data, a.x.dtype, r * n + i) * a.inv_temperature - m));
    const double inv = 1.0 / s;
    for (int64_t i = 0; i < n; ++i)
      store_f32(a.out.data, a.out.dtype, r * n + i, float(std::exp(double(load_f32(a.x.data, a.x.dtype, r * n + i) * a.inv_temperature - m)) * inv));
  }
}
LRQK_REGISTER_KERNEL(SoftmaxArgs, Cpu, softmax_cpu);
}  // namespace lrqk
