#include <cmath>
#include "../core/dispatch.h"
#include "../ops/silu_mul.h"

namespace lrqk {
static void silu_mul_cpu(const SiluMulArgs& a) {
  const int64_t I = a.inner;
  const int64_t row_in = a.fused ? 2 * I : I;
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < a.rows; ++r) {
    const int64_t g0 = r * row_in, u0 = a.fused ? r * row_in + I : r * I;
    for (int64_t i = 0; i < I; ++i) {
      float g = load_f32(a.gate.data, a.gate.dtype, g0 + i);
      float u = load_f32(a.up.data, a.up.dtype, u0 + i);
      store_f32(a.out.data, a.out.dtype, r * I + i, g / (1.f + std::exp(-g)) * u);
    }
  }
}
LRQK_REGISTER_KERNEL(SiluMulArgs, Cpu, silu_mul_cpu);
}  // namespace lrqk
