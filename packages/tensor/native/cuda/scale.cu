#include "../core/dispatch.h"
#include "../ops/scale.h"
#include "common.cuh"

namespace lrqk {
template <class T>
__global__ void scale_kernel(const T* x, T* out, int64_t n, float s) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    out[i] = dev::from_f32<T>(dev::to_f32(x[i]) * s);
}
static void scale_cuda(const ScaleArgs& a) {
  const int64_t n = a.x.numel();
  unsigned grid = cuda::grid_for(n, 256);
  if (grid > 16384) grid = 16384;
  LRQK_FLOAT_SWITCH(a.x.dtype, T, "scale", scale_kernel<T><<<grid, 256, 0, cuda::stream()>>>(a.x.ptr<T>(), a.out.ptr<T>(), n, a.s));
  cuda::check_launch("scale");
}
LRQK_REGISTER_KERNEL(ScaleArgs, Cuda, scale_cuda);
}  // namespace lrqk
