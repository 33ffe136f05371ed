// One block per row; f32 accumulation with a warp-shuffle reduction.
#include "../core/dispatch.h"
#include "../ops/rmsnorm.h"
#include "common.cuh"

namespace lrqk {
template <class T>
__global__ void rmsnorm_kernel(const T* __restrict__ x, const T* __restrict__ w, T* __restrict__ out, int64_t dim, float eps) {
  const int64_t row = blockIdx.x;
  const T* xr = x + row * dim;
  T* orow = out + row * dim;
  float ss = 0.f;
  for (int64_t i = threadIdx.x; i < dim; i += blockDim.x) {
    float v = dev::to_f32(xr[i]);
    ss += v * v;
  }
  __shared__ float warp_sums[32];
  for (int o = 16; o > 0; o >>= 1) ss += __shfl_xor_sync(0xffffffffu, ss, o);
  if ((threadIdx.x & 31) == 0) warp_sums[threadIdx.x >> 5] = ss;
  __syncthreads();
  if (threadIdx.x < 32) {
    float v = threadIdx.x < (blockDim.x >> 5) ? warp_sums[threadIdx.x] : 0.f;
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    if (threadIdx.x == 0) warp_sums[0] = v;
  }
  __syncthreads();
  const float inv = rsqrtf(warp_sums[0] / float(dim) + eps);
  for (int64_t i = threadIdx.x; i < dim; i += blockDim.x)
    orow[i] = dev::from_f32<T>(dev::to_f32(xr[i]) * inv * dev::to_f32(w[i]));
}

static void rmsnorm_cuda(const RmsNormArgs& a) {
  if (a.rows > 2147483647) fail(ErrorKind::Shape, "rmsnorm", "rmsnorm: too many rows");
  LRQK_FLOAT_SWITCH(a.x.dtype, T, "rmsnorm",
    rmsnorm_kernel<T><<<unsigned(a.rows), 256, 0, cuda::stream()>>>(a.x.ptr<T>(), a.weight.ptr<T>(), a.out.ptr<T>(), a.dim, a.eps));
  cuda::check_launch("rmsnorm");
}
LRQK_REGISTER_KERNEL(RmsNormArgs, Cuda, rmsnorm_cuda);
}  // namespace lrqk
