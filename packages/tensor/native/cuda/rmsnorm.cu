// One block per row; f32 accumulation with a warp-shuffle reduction. Rows whose length is a whole
// number of 16-byte vectors (every model width) take rmsnorm_vec_kernel: each thread loads its x
// and weight vectors once, all at the start, and keeps x in registers for the second pass. Decode
// normalizes one row, so the scalar kernel's dependent loads (16 a thread, twice) made it ~10 µs.
#include "../core/dispatch.h"
#include "../ops/rmsnorm.h"
#include "common.cuh"
#include "reduce.cuh"

namespace lrqk {
template <class T>
__global__ void rmsnorm_kernel(T* __restrict__ x, const T* __restrict__ w, T* __restrict__ out, int64_t dim, float eps,
                               const T* __restrict__ res) {
  const int64_t row = blockIdx.x;
  T* xr = x + row * dim;
  T* orow = out + row * dim;
  if (res) {
    for (int64_t i = threadIdx.x; i < dim; i += blockDim.x) xr[i] = dev::from_f32<T>(dev::to_f32(xr[i]) + dev::to_f32(res[row * dim + i]));
    __syncthreads();
  }
  float ss = 0.f;
  for (int64_t i = threadIdx.x; i < dim; i += blockDim.x) {
    float v = dev::to_f32(xr[i]);
    ss += v * v;
  }
  __shared__ float warp_sums[32];
  const float inv = rsqrtf(dev::block_sum(ss, warp_sums) / float(dim) + eps);
  for (int64_t i = threadIdx.x; i < dim; i += blockDim.x)
    orow[i] = dev::from_f32<T>(dev::to_f32(xr[i]) * inv * dev::to_f32(w[i]));
}

constexpr int kNormThreads = 256;
constexpr int kNormChunks = 4;  // 16-byte vectors a thread: rows up to 256·4·8 = 8192 bf16 values

template <class T>
__global__ void __launch_bounds__(kNormThreads) rmsnorm_vec_kernel(T* __restrict__ x, const T* __restrict__ w, T* __restrict__ out,
                                                                    int dim, float eps, const T* __restrict__ res) {
  constexpr int V = 16 / sizeof(T);
  const int nv = dim / V;
  uint4* xr = reinterpret_cast<uint4*>(x + int64_t(blockIdx.x) * dim);
  const uint4* rr = res ? reinterpret_cast<const uint4*>(res + int64_t(blockIdx.x) * dim) : nullptr;
  const uint4* wr = reinterpret_cast<const uint4*>(w);
  uint4* orow = reinterpret_cast<uint4*>(out + int64_t(blockIdx.x) * dim);
  uint4 xv[kNormChunks], wv[kNormChunks];
#pragma unroll
  for (int c = 0; c < kNormChunks; ++c) {
    const int idx = threadIdx.x + c * kNormThreads;
    if (idx < nv) {
      xv[c] = xr[idx];
      wv[c] = wr[idx];
    }
  }
  if (rr) {  // x ← x + residual, rounded to T (what an add then an rmsnorm would see)
#pragma unroll
    for (int c = 0; c < kNormChunks; ++c) {
      const int idx = threadIdx.x + c * kNormThreads;
      if (idx < nv) {
        const uint4 r = rr[idx];
        T* e = reinterpret_cast<T*>(&xv[c]);
        const T* f = reinterpret_cast<const T*>(&r);
#pragma unroll
        for (int k = 0; k < V; ++k) e[k] = dev::from_f32<T>(dev::to_f32(e[k]) + dev::to_f32(f[k]));
        xr[idx] = xv[c];
      }
    }
  }
  float ss = 0.f;
#pragma unroll
  for (int c = 0; c < kNormChunks; ++c) {
    if (threadIdx.x + c * kNormThreads < nv) {
      const T* e = reinterpret_cast<const T*>(&xv[c]);
#pragma unroll
      for (int k = 0; k < V; ++k) {
        const float v = dev::to_f32(e[k]);
        ss += v * v;
      }
    }
  }
  __shared__ float warp_sums[32];
  const float inv = rsqrtf(dev::block_sum(ss, warp_sums) / float(dim) + eps);
#pragma unroll
  for (int c = 0; c < kNormChunks; ++c) {
    const int idx = threadIdx.x + c * kNormThreads;
    if (idx < nv) {
      const T* e = reinterpret_cast<const T*>(&xv[c]);
      const T* g = reinterpret_cast<const T*>(&wv[c]);
      uint4 o;
      T* oe = reinterpret_cast<T*>(&o);
#pragma unroll
      for (int k = 0; k < V; ++k) oe[k] = dev::from_f32<T>(dev::to_f32(e[k]) * inv * dev::to_f32(g[k]));
      orow[idx] = o;
    }
  }
}

static void rmsnorm_cuda(const RmsNormArgs& a) {
  if (a.rows > 2147483647) fail(ErrorKind::Shape, "rmsnorm", "rmsnorm: too many rows");
  const size_t es = dtype_size(a.x.dtype);
  const auto aligned = [](const void* p) { return reinterpret_cast<uintptr_t>(p) % 16 == 0; };
  const bool vec = (a.dim * int64_t(es)) % 16 == 0 && a.dim * int64_t(es) / 16 <= int64_t(kNormThreads) * kNormChunks &&
                   aligned(a.x.data) && aligned(a.weight.data) && aligned(a.out.data) && (!a.has_residual || aligned(a.residual.data));
  LRQK_FLOAT_SWITCH(a.x.dtype, T, "rmsnorm",
    const T* res = a.has_residual ? a.residual.ptr<T>() : nullptr;
    if (vec) rmsnorm_vec_kernel<T><<<unsigned(a.rows), kNormThreads, 0, cuda::stream()>>>(a.x.ptr<T>(), a.weight.ptr<T>(), a.out.ptr<T>(), int(a.dim), a.eps, res);
    else rmsnorm_kernel<T><<<unsigned(a.rows), 256, 0, cuda::stream()>>>(a.x.ptr<T>(), a.weight.ptr<T>(), a.out.ptr<T>(), a.dim, a.eps, res));
  cuda::check_launch("rmsnorm");
}
LRQK_REGISTER_KERNEL(RmsNormArgs, Cuda, rmsnorm_cuda);
}  // namespace lrqk
