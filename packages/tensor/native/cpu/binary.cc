#include "../core/dispatch.h"
#include "../ops/binary.h"

namespace lrqk {
static void binary_cpu(const BinaryArgs& a) {
  const int64_t n = a.a.numel(), nb = a.b.numel();
  const bool add = a.kind == BinaryKind::Add;
#pragma omp parallel for schedule(static) if (n > 65536)
  for (int64_t i = 0; i < n; ++i) {
    float x = load_f32(a.a.data, a.a.dtype, i), y = load_f32(a.b.data, a.b.dtype, i % nb);
    store_f32(a.out.data, a.out.dtype, i, add ? x + a.alpha * y : x * y);
  }
}
LRQK_REGISTER_KERNEL(BinaryArgs, Cpu, binary_cpu);
}  // namespace lrqk
