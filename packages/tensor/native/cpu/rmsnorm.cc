#include <cmath>
#include "../core/dispatch.h"
#include "../ops/rmsnorm.h"

namespace lrqk {
static void rmsnorm_cpu(const RmsNormArgs& a) {
  const int64_t dim = a.dim;
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < a.rows; ++r) {
    const int64_t base = r * dim;
    if (a.has_residual)
      for (int64_t i = 0; i < dim; ++i)
        store_f32(a.x.data, a.x.dtype, base + i, load_f32(a.x.data, a.x.dtype, base + i) + load_f32(a.residual.data, a.residual.dtype, base + i));
    float ss = 0.f;
    for (int64_t i = 0; i < dim; ++i) {
      float v = load_f32(a.x.data, a.x.dtype, base + i);
      ss += v * v;
    }
    const float inv = 1.f / std::sqrt(ss / float(dim) + a.eps);
    for (int64_t i = 0; i < dim; ++i) {
      float v = load_f32(a.x.data, a.x.dtype, base + i) * inv * load_f32(a.weight.data, a.weight.dtype, i);
      store_f32(a.out.data, a.out.dtype, base + i, v);
    }
  }
}
LRQK_REGISTER_KERNEL(RmsNormArgs, Cpu, rmsnorm_cpu);
}  // namespace lrqk
