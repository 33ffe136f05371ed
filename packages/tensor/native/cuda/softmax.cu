// Block per row, three passes over the row (max, sum, write); rows of any length.
#include "../core/dispatch.h"
#include "../ops/softmax.h"
#include "common.cuh"
#include "reduce.cuh"

namespace lrqk {
template <class TI, class TO>
__global__ void softmax_kernel(const TI* x, TO* out, int64_t n, float inv_t) {
  __shared__ float scratch[32];
  const TI* xr = x + blockIdx.x * n;
  TO* orow = out + blockIdx.x * n;
  float m = -INFINITY;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) m = fmaxf(m, dev::to_f32(xr[i]) * inv_t);
  m = dev::block_max(m, scratch);
  float s = 0.f;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) s += __expf(dev::to_f32(xr[i]) * inv_t - m);
  s = dev::block_sum(s, scratch);
  const float inv = 1.f / s;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) orow[i] = dev::from_f32<TO>(__expf(dev::to_f32(xr[i]) * inv_t - m) * inv);
}
static void softmax_cuda(const SoftmaxArgs& a) {
  if (a.rows > 2147483647) fail(ErrorKind::Shape, "softmax", "softmax: too many rows");
  LRQK_FLOAT_SWITCH(a.x.dtype, TI, "softmax",
    LRQK_FLOAT_SWITCH(a.out.dtype, TO, "softmax",
      softmax_kernel<TI, TO><<<unsigned(a.rows), 1024, 0, cuda::stream()>>>(a.x.ptr<TI>(), a.out.ptr<TO>(), a.n, a.inv_temperature)));
  cuda::check_launch("softmax");
}
LRQK_REGISTER_KERNEL(SoftmaxArgs, Cuda, softmax_cuda);
}  // namespace lrqk
