#include "../core/dispatch.h"
#include "../ops/scale.h"

namespace lrqk {
static void scale_cpu(const ScaleArgs& a) {
  const int64_t n = a.x.numel();
#pragma omp parallel for schedule(static) if (n > 65536)
  for (int64_t i = 0; i < n; ++i) store_f32(a.out.data, a.out.dtype, i, load_f32(a.x.data, a.x.dtype, i) * a.s);
}
LRQK_REGISTER_KERNEL(ScaleArgs, Cpu, scale_cpu);
}  // namespace lrqk
