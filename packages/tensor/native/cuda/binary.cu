#include "../core/dispatch.h"
#include "../ops/binary.h"
#include "common.cuh"

namespace lrqk {
template <class T>
__global__ void binary_kernel(const T* a, const T* b, T* out, int64_t n, int64_t nb, bool add, float alpha) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    float x = dev::to_f32(a[i]), y = dev::to_f32(b[i % nb]);
    out[i] = dev::from_f32<T>(add ? x + alpha * y : x * y);
  }
}
static void binary_cuda(const BinaryArgs& a) {
  const int64_t n = a.a.numel();
  unsigned grid = cuda::grid_for(n, 256);
  if (grid > 16384) grid = 16384;
  LRQK_FLOAT_SWITCH(a.a.dtype, T, "binary",
    binary_kernel<T><<<grid, 256, 0, cuda::stream()>>>(a.a.ptr<T>(), a.b.ptr<T>(), a.out.ptr<T>(), n, a.b.numel(), a.kind == BinaryKind::Add, a.alpha));
  cuda::check_launch("binary");
}
LRQK_REGISTER_KERNEL(BinaryArgs, Cuda, binary_cuda);
}  // namespace lrqk
