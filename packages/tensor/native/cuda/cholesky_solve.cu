// One block per matrix: A is copied to shared memory and factored in place (L in the lower
// triangle), one column per step; then each thread solves whole right-hand-side columns
// (forward and back substitution against L in shared memory), writing x in place of y.
#include "../core/dispatch.h"
#include "../ops/cholesky_solve.h"
#include "common.cuh"

namespace lrqk {
namespace {
constexpr int kThreads = 256;

__device__ bool factor_shared(float* L, const float* A, int r, float shift, float* pivot_ok) {
  for (int i = threadIdx.x; i < r * r; i += blockDim.x) L[i] = A[i] + ((i / r == i % r) ? shift : 0.f);
  __syncthreads();
  for (int j = 0; j < r; ++j) {
    if (threadIdx.x == 0) {
      float d = L[j * r + j];
      for (int k = 0; k < j; ++k) d -= L[j * r + k] * L[j * r + k];
      *pivot_ok = (d > 0.f && isfinite(d)) ? 1.f : 0.f;
      L[j * r + j] = d > 0.f ? sqrtf(d) : 1.f;
    }
    __syncthreads();
    if (*pivot_ok == 0.f) return false;
    const float ljj = L[j * r + j];
    for (int i = j + 1 + threadIdx.x; i < r; i += blockDim.x) {
      float s = L[i * r + j];
      for (int k = 0; k < j; ++k) s -= L[i * r + k] * L[j * r + k];
      L[i * r + j] = s / ljj;
    }
    __syncthreads();
  }
  return true;
}

__global__ void cholesky_solve_kernel(const float* A, const float* R, float* X, int32_t* info, int r, int64_t m, float jitter) {
  extern __shared__ float L[];
  __shared__ float pivot_ok;
  __shared__ float mean_diag;
  const int64_t b = blockIdx.x;
  const float* Ab = A + b * r * r;
  const float* Rb = R + b * r * m;
  float* Xb = X + b * r * m;
  if (threadIdx.x == 0) {
    float s = 0.f;
    for (int i = 0; i < r; ++i) s += fabsf(Ab[i * r + i]);
    mean_diag = s / float(r) + 1e-30f;
  }
  __syncthreads();
  int status = 0;
  bool ok = factor_shared(L, Ab, r, 0.f, &pivot_ok);
  for (float j = jitter; !ok && j <= 1.5e-2f; j *= 100.f) {
    __syncthreads();
    status = 1;
    ok = factor_shared(L, Ab, r, j * mean_diag, &pivot_ok);
  }
  __syncthreads();
  if (!ok) {
    for (int64_t i = threadIdx.x; i < r * m; i += blockDim.x) Xb[i] = 0.f;
    if (threadIdx.x == 0) info[b] = 2;
    return;
  }
  // Column c of rhs: y in X's column (X may alias R: each column is read before it is written).
  for (int64_t c = threadIdx.x; c < m; c += blockDim.x) {
    for (int i = 0; i < r; ++i) {
      float s = Rb[i * m + c];
      for (int k = 0; k < i; ++k) s -= L[i * r + k] * Xb[k * m + c];
      Xb[i * m + c] = s / L[i * r + i];
    }
    for (int i = r - 1; i >= 0; --i) {
      float s = Xb[i * m + c];
      for (int k = i + 1; k < r; ++k) s -= L[k * r + i] * Xb[k * m + c];
      Xb[i * m + c] = s / L[i * r + i];
    }
  }
  if (threadIdx.x == 0) info[b] = status;
}
}  // namespace

static void cholesky_solve_cuda(const CholeskySolveArgs& a) {
  const size_t smem = size_t(a.r * a.r) * sizeof(float);
  if (smem > 48 * 1024)
    LRQK_CUDA_CHECK(cudaFuncSetAttribute(cholesky_solve_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(smem)), "cholesky_solve");
  if (a.batch > 2147483647) fail(ErrorKind::Shape, "cholesky_solve", "cholesky_solve: batch too large");
  cholesky_solve_kernel<<<unsigned(a.batch), kThreads, smem, cuda::stream()>>>(a.a.ptr<float>(), a.rhs.ptr<float>(), a.out.ptr<float>(),
                                                                              a.info.ptr<int32_t>(), int(a.r), a.m, a.jitter);
  cuda::check_launch("cholesky_solve");
}
LRQK_REGISTER_KERNEL(CholeskySolveArgs, Cuda, cholesky_solve_cuda);
}  // namespace lrqk
