#include <cmath>
#include "../core/dispatch.h"
#include "../ops/argmax.h"

namespace lrqk {
static void argmax_cpu(const ArgmaxArgs& a) {
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < a.rows; ++r) {
    int64_t best = 0;
    float bv = -INFINITY;
    bool found = false;
    for (int64_t i = 0; i < a.n; ++i) {
      float v = load_f32(a.x.data, a.x.dtype, r * a.n + i);
      if (std::isnan(v)) continue;
      if (!found || v > bv) {
        bv = v;
        best = i;
        found = true;
      }
    }
    if (a.out.dtype == DType::I64) a.out.ptr<int64_t>()[r] = best;
    else a.out.ptr<int32_t>()[r] = int32_t(best);
  }
}
LRQK_REGISTER_KERNEL(ArgmaxArgs, Cpu, argmax_cpu);
}  // namespace lrqk
