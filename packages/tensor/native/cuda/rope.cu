#include "../core/dispatch.h"
#include "../ops/rope.h"
#include "common.cuh"

namespace lrqk {
// One block per (token, head): threads over the rotated pairs, then the pass-through tail.
template <class T>
__global__ void rope_kernel(const T* x, T* out, const void* pos, bool i64, const float* cosv, const float* sinv,
                            int64_t H, int64_t D, int64_t half, int64_t P, int64_t xs0, int64_t xs1, int64_t os0,
                            int64_t os1, int32_t* flag) {
  const int64_t t = blockIdx.x / H, h = blockIdx.x % H;
  const int64_t p = i64 ? static_cast<const int64_t*>(pos)[t] : int64_t(static_cast<const int32_t*>(pos)[t]);
  const T* xr = x + t * xs0 + h * xs1;
  T* orow = out + t * os0 + h * os1;
  if (p < 0 || p >= P) {
    if (threadIdx.x == 0 && flag) atomicExch(flag, 1);
    return;
  }
  const float* c = cosv + p * half;
  const float* s = sinv + p * half;
  for (int64_t i = threadIdx.x; i < half; i += blockDim.x) {
    float x0 = dev::to_f32(xr[i]), x1 = dev::to_f32(xr[i + half]);
    float ci = c[i], si = s[i];
    orow[i] = dev::from_f32<T>(x0 * ci - x1 * si);
    orow[i + half] = dev::from_f32<T>(x1 * ci + x0 * si);
  }
  if (orow != xr)
    for (int64_t i = 2 * half + threadIdx.x; i < D; i += blockDim.x) orow[i] = xr[i];
}
static void rope_cuda(const RopeArgs& a) {
  const int64_t blocks = a.tokens * a.heads;
  if (blocks > 2147483647) fail(ErrorKind::Shape, "rope", "rope: too many (token, head) pairs");
  const int threads = a.half >= 64 ? 64 : 32;
  LRQK_FLOAT_SWITCH(a.x.dtype, T, "rope",
    rope_kernel<T><<<unsigned(blocks), threads, 0, cuda::stream()>>>(a.x.ptr<T>(), a.out.ptr<T>(), a.positions.data,
        a.positions.dtype == DType::I64, a.cos.ptr<float>(), a.sin.ptr<float>(), a.heads, a.dim, a.half, a.table_positions,
        a.x.strides[0], a.x.strides[1], a.out.strides[0], a.out.strides[1], a.error_flag));
  cuda::check_launch("rope");
}
LRQK_REGISTER_KERNEL(RopeArgs, Cuda, rope_cuda);
}  // namespace lrqk
