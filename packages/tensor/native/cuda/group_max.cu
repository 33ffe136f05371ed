// One thread per output element; consecutive threads read consecutive positions of each group
// row (coalesced). fmaxf ignores NaN, as the CPU kernel's std::fmax does.
#include "../core/dispatch.h"
#include "../ops/group_max.h"
#include "common.cuh"

namespace lrqk {
template <class T>
__global__ void group_max_kernel(const T* x, T* out, int64_t n, int64_t total, int64_t groups, int64_t sb, int64_t sg) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= total) return;
  const int64_t b = i / n, j = i % n;
  const T* p = x + b * sb + j;
  float best = __int_as_float(0x7fc00000);  // NaN
  for (int64_t g = 0; g < groups; ++g) best = fmaxf(best, dev::to_f32(p[g * sg]));
  out[i] = dev::from_f32<T>(best);
}
static void group_max_cuda(const GroupMaxArgs& a) {
  const int64_t total = a.batch * a.n;
  const unsigned blocks = unsigned((total + 255) / 256);
  LRQK_FLOAT_SWITCH(a.x.dtype, T, "group_max",
    group_max_kernel<T><<<blocks, 256, 0, cuda::stream()>>>(a.x.ptr<T>(), a.out.ptr<T>(), a.n, total, a.groups, a.x.stride(0), a.x.stride(1)));
  cuda::check_launch("group_max");
}
LRQK_REGISTER_KERNEL(GroupMaxArgs, Cuda, group_max_cuda);
}  // namespace lrqk
