#include <cmath>
#include "../core/dispatch.h"
#include "../core/philox.h"
#include "../ops/random_normal.h"

namespace lrqk {
static void random_normal_cpu(const RandomNormalArgs& a) {
  const int64_t n = a.out.numel();
  const int64_t pairs = (n + 1) / 2;
#pragma omp parallel for schedule(static)
  for (int64_t j = 0; j < pairs; ++j) {
    Philox4 r = philox(uint64_t(j), a.seed);
    double u1 = philox_uniform(r.v[0], r.v[1]), u2 = philox_uniform(r.v[2], r.v[3]);
    double rad = std::sqrt(-2.0 * std::log(u1)), th = 6.283185307179586 * u2;
    store_f32(a.out.data, a.out.dtype, 2 * j, float(a.mean + a.stddev * rad * std::cos(th)));
    if (2 * j + 1 < n) store_f32(a.out.data, a.out.dtype, 2 * j + 1, float(a.mean + a.stddev * rad * std::sin(th)));
  }
}
LRQK_REGISTER_KERNEL(RandomNormalArgs, Cpu, random_normal_cpu);
}  // namespace lrqk
