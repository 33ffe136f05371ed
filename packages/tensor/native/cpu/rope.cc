#include <string>
#include "../core/dispatch.h"
#include "../ops/rope.h"

namespace lrqk {
static void rope_cpu(const RopeArgs& a) {
  for (int64_t t = 0; t < a.tokens; ++t) {
    int64_t p = load_index(a.positions.data, a.positions.dtype, t);
    if (p < 0 || p >= a.table_positions)
      fail(ErrorKind::Index, "rope", "rope: position " + std::to_string(p) + " out of the table's range [0, " + std::to_string(a.table_positions) + ")");
  }
  const int64_t H = a.heads, D = a.dim, half = a.half;
#pragma omp parallel for schedule(static) if (a.tokens * H > 64)
  for (int64_t th = 0; th < a.tokens * H; ++th) {
    const int64_t t = th / H, h = th % H;
    const int64_t p = load_index(a.positions.data, a.positions.dtype, t);
    const int64_t xo = t * a.x.strides[0] + h * a.x.strides[1];
    const int64_t oo = t * a.out.strides[0] + h * a.out.strides[1];
    const float* c = a.cos.ptr<float>() + p * half;
    const float* s = a.sin.ptr<float>() + p * half;
    for (int64_t i = 0; i < half; ++i) {
      float x0 = load_f32(a.x.data, a.x.dtype, xo + i), x1 = load_f32(a.x.data, a.x.dtype, xo + i + half);
      store_f32(a.out.data, a.out.dtype, oo + i, x0 * c[i] - x1 * s[i]);
      store_f32(a.out.data, a.out.dtype, oo + i + half, x1 * c[i] + x0 * s[i]);
    }
    if (a.out.data != a.x.data || oo != xo)
      for (int64_t i = 2 * half; i < D; ++i) store_f32(a.out.data, a.out.dtype, oo + i, load_f32(a.x.data, a.x.dtype, xo + i));
  }
}
LRQK_REGISTER_KERNEL(RopeArgs, Cpu, rope_cpu);
}  // namespace lrqk
