#include "../core/dispatch.h"
#include "../ops/fill.h"
#include "common.cuh"

namespace lrqk {
template <class T>
__global__ void fill_kernel(T* p, int64_t n, T v) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) p[i] = v;
}

static void fill_cuda(const FillArgs& a) {
  const int64_t n = a.out.numel();
  const unsigned grid = cuda::grid_for(n, 256) > 65535 ? 65535 : cuda::grid_for(n, 256);
  auto s = cuda::stream();
  switch (a.out.dtype) {
    case DType::F32: fill_kernel<<<grid, 256, 0, s>>>(a.out.ptr<float>(), n, float(a.value)); break;
    case DType::BF16: fill_kernel<<<grid, 256, 0, s>>>(a.out.ptr<uint16_t>(), n, f32_to_bf16(float(a.value))); break;
    case DType::F16: fill_kernel<<<grid, 256, 0, s>>>(a.out.ptr<uint16_t>(), n, f32_to_f16(float(a.value))); break;
    case DType::I32: fill_kernel<<<grid, 256, 0, s>>>(a.out.ptr<int32_t>(), n, int32_t(a.value)); break;
    case DType::I64: fill_kernel<<<grid, 256, 0, s>>>(a.out.ptr<int64_t>(), n, int64_t(a.value)); break;
    case DType::U8: fill_kernel<<<grid, 256, 0, s>>>(a.out.ptr<uint8_t>(), n, uint8_t(a.value)); break;
  }
  cuda::check_launch("fill");
}
LRQK_REGISTER_KERNEL(FillArgs, Cuda, fill_cuda);
}  // namespace lrqk
