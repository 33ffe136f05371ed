#include "../core/dispatch.h"
#include "../ops/silu_mul.h"
#include "common.cuh"

namespace lrqk {
template <class T>
__global__ void silu_mul_kernel(const T* gate, const T* up, T* out, int64_t rows, int64_t I, bool fused) {
  const int64_t n = rows * I;
  const int64_t row_in = fused ? 2 * I : I;
  for (int64_t k = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; k < n; k += int64_t(gridDim.x) * blockDim.x) {
    const int64_t r = k / I, i = k % I;
    float g = dev::to_f32(gate[r * row_in + i]);
    float u = dev::to_f32(fused ? gate[r * row_in + I + i] : up[k]);
    out[k] = dev::from_f32<T>(g / (1.f + __expf(-g)) * u);
  }
}
static void silu_mul_cuda(const SiluMulArgs& a) {
  unsigned grid = cuda::grid_for(a.rows * a.inner, 256);
  if (grid > 16384) grid = 16384;
  LRQK_FLOAT_SWITCH(a.gate.dtype, T, "silu_mul",
    silu_mul_kernel<T><<<grid, 256, 0, cuda::stream()>>>(a.gate.ptr<T>(), a.up.ptr<T>(), a.out.ptr<T>(), a.rows, a.inner, a.fused));
  cuda::check_launch("silu_mul");
}
LRQK_REGISTER_KERNEL(SiluMulArgs, Cuda, silu_mul_cuda);
}  // namespace lrqk
