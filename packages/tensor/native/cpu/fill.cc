#include "../core/dispatch.h"
#include "../ops/fill.h"

namespace lrqk {
static void fill_cpu(const FillArgs& a) {
  const int64_t n = a.out.numel();
  const float v = float(a.value);
  switch (a.out.dtype) {
    case DType::I64: { auto* p = a.out.ptr<int64_t>(); for (int64_t i = 0; i < n; ++i) p[i] = int64_t(a.value); break; }
    case DType::I32: { auto* p = a.out.ptr<int32_t>(); for (int64_t i = 0; i < n; ++i) p[i] = int32_t(a.value); break; }
    default:
      for (int64_t i = 0; i < n; ++i) store_f32(a.out.data, a.out.dtype, i, v);
  }
}
LRQK_REGISTER_KERNEL(FillArgs, Cpu, fill_cpu);
}  // namespace lrqk
