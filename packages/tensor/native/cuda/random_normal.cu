#include "../core/dispatch.h"
#include "../core/philox.h"
#include "../ops/random_normal.h"
#include "common.cuh"

namespace lrqk {
template <class T>
__global__ void random_normal_kernel(T* out, int64_t n, uint64_t seed, double mean, double stddev) {
  const int64_t pairs = (n + 1) / 2;
  for (int64_t j = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; j < pairs; j += int64_t(gridDim.x) * blockDim.x) {
    Philox4 r = philox(uint64_t(j), seed);
    double u1 = philox_uniform(r.v[0], r.v[1]), u2 = philox_uniform(r.v[2], r.v[3]);
    double rad = sqrt(-2.0 * log(u1)), th = 6.283185307179586 * u2;
    out[2 * j] = dev::from_f32<T>(float(mean + stddev * rad * cos(th)));
    if (2 * j + 1 < n) out[2 * j + 1] = dev::from_f32<T>(float(mean + stddev * rad * sin(th)));
  }
}

static void random_normal_cuda(const RandomNormalArgs& a) {
  const int64_t n = a.out.numel();
  unsigned grid = cuda::grid_for((n + 1) / 2, 256);
  if (grid > 4096) grid = 4096;
  LRQK_FLOAT_SWITCH(a.out.dtype, T, "random_normal",
    random_normal_kernel<T><<<grid, 256, 0, cuda::stream()>>>(a.out.ptr<T>(), n, a.seed, a.mean, a.stddev));
  cuda::check_launch("random_normal");
}
LRQK_REGISTER_KERNEL(RandomNormalArgs, Cuda, random_normal_cuda);
}  // namespace lrqk
