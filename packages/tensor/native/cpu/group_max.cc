#include <cmath>
#include "../core/dispatch.h"
#include "../ops/group_max.h"

namespace lrqk {
static void group_max_cpu(const GroupMaxArgs& a) {
  const int64_t total = a.batch * a.n;
  const int64_t sb = a.x.stride(0), sg = a.x.stride(1);
#pragma omp parallel for schedule(static) if (total * a.groups > 65536)
  for (int64_t i = 0; i < total; ++i) {
    const int64_t b = i / a.n, j = i % a.n;
    float best = NAN;
    for (int64_t g = 0; g < a.groups; ++g) best = std::fmax(best, load_f32(a.x.data, a.x.dtype, b * sb + g * sg + j));
    store_f32(a.out.data, a.out.dtype, i, best);
  }
}
LRQK_REGISTER_KERNEL(GroupMaxArgs, Cpu, group_max_cpu);
}  // namespace lrqk
