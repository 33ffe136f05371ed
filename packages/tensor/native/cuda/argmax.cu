// Block per row: each thread scans a strided subset keeping (value, lowest index), then a shared
// reduction with the same tie rule, so the result equals the CPU's.
#include "../core/dispatch.h"
#include "../ops/argmax.h"
#include "common.cuh"

namespace lrqk {
template <class T>
__global__ void argmax_kernel(const T* x, void* out, bool i64, int64_t n) {
  __shared__ float sv[256];
  __shared__ int64_t si[256];
  const T* xr = x + blockIdx.x * n;
  float bv = -INFINITY;
  int64_t bi = -1;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) {
    float v = dev::to_f32(xr[i]);
    if (isnan(v)) continue;
    if (bi < 0 || v > bv) { bv = v; bi = i; }
  }
  sv[threadIdx.x] = bv;
  si[threadIdx.x] = bi;
  __syncthreads();
  for (int s = blockDim.x / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) {
      float ov = sv[threadIdx.x + s];
      int64_t oi = si[threadIdx.x + s];
      int64_t mi = si[threadIdx.x];
      bool take = oi >= 0 && (mi < 0 || ov > sv[threadIdx.x] || (ov == sv[threadIdx.x] && oi < mi));
      if (take) { sv[threadIdx.x] = ov; si[threadIdx.x] = oi; }
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    int64_t r = si[0] < 0 ? 0 : si[0];
    if (i64) static_cast<int64_t*>(out)[blockIdx.x] = r;
    else static_cast<int32_t*>(out)[blockIdx.x] = int32_t(r);
  }
}
static void argmax_cuda(const ArgmaxArgs& a) {
  LRQK_FLOAT_SWITCH(a.x.dtype, T, "argmax",
    argmax_kernel<T><<<unsigned(a.rows), 256, 0, cuda::stream()>>>(a.x.ptr<T>(), a.out.data, a.out.dtype == DType::I64, a.n));
  cuda::check_launch("argmax");
}
LRQK_REGISTER_KERNEL(ArgmaxArgs, Cuda, argmax_cuda);
}  // namespace lrqk
