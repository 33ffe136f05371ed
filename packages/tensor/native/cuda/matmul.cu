// CUDA matmul (semantics and layouts in ops/matmul.h):
//  - batch 1, M == 1, b transposed (the batch-1 decode linear x · Wᵀ): the GEMV kernel of
//    matmul_gemv.cuh, bias and beta fused;
//  - everything else: cublasGemmStridedBatchedEx with f32 compute (CUBLAS_COMPUTE_32F, no TF32),
//    then a small epilogue kernel adds the bias when there is one.
// Row-major ↔ column-major: a row-major (rows, cols) matrix with row stride ld is, to cuBLAS, the
// column-major (cols, rows) matrix with leading dimension ld, i.e. its transpose. So
// C = op(A)·op(B) is computed as Cᵀ = op(B)ᵀ·op(A)ᵀ: cuBLAS's first operand is b (transposed
// when trans_b), its second a (transposed when trans_a), and its (m, n, k) are our (N, M, K).
#include <algorithm>
#include <climits>
#include "../core/dispatch.h"
#include "../ops/matmul.h"
#include "common.cuh"
#include "cublas_loader.h"
#include "matmul_gemv.cuh"

namespace lrqk {
namespace {

cudaDataType cuda_type(DType d) {
  switch (d) {
    case DType::BF16: return CUDA_R_16BF;
    case DType::F16: return CUDA_R_16F;
    default: return CUDA_R_32F;
  }
}

// out[b, i, j] = (beta != 0 ? beta · out[b, i, j] : 0) + bias[j] — after cuBLAS (beta = 1, adds
// the bias) and for K == 0 (where alpha · a·b vanishes). Grid-stride over batch·m·n elements.
template <class To>
__global__ void bias_beta_kernel(To* out, int64_t m, int64_t n, int64_t ldc, int64_t batch_c, int64_t total, float beta,
                                 const void* bias, int bias_dtype) {
  for (int64_t e = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; e < total; e += int64_t(gridDim.x) * blockDim.x) {
    const int64_t j = e % n, rest = e / n, i = rest % m, b = rest / m;
    To* p = out + b * batch_c + i * ldc + j;
    float v = beta != 0.f ? beta * dev::to_f32(*p) : 0.f;
    if (bias) v += gemv::load_any(bias, bias_dtype, j);
    *p = dev::from_f32<To>(v);
  }
}

void bias_beta(const MatmulArgs& g, float beta) {
  const int64_t total = g.batch * g.m * g.n;
  const unsigned grid = std::min(cuda::grid_for(total, 256), 132u * 16u);
  const void* bias = g.has_bias ? g.bias.data : nullptr;
  LRQK_FLOAT_SWITCH(g.out.dtype, To, "matmul",
    bias_beta_kernel<To><<<grid, 256, 0, cuda::stream()>>>(g.out.ptr<To>(), g.m, g.n, g.ldc, g.batch_c, total, beta, bias,
                                                           int(g.bias.dtype)));
  cuda::check_launch("matmul");
}

void gemv(const MatmulArgs& g) {
  const void* bias = g.has_bias ? g.bias.data : nullptr;
  const bool out_f32 = g.out.dtype == DType::F32;
  LRQK_FLOAT_SWITCH(g.a.dtype, T, "matmul",
    if (out_f32)
      gemv::launch<T, float>(g.a.ptr<T>(), g.b.ptr<T>(), g.ldb, g.out.ptr<float>(), g.n, g.k, g.alpha, g.beta, bias, g.bias.dtype);
    else
      gemv::launch<T, T>(g.a.ptr<T>(), g.b.ptr<T>(), g.ldb, g.out.ptr<T>(), g.n, g.k, g.alpha, g.beta, bias, g.bias.dtype));
}

void gemm_cublas(const MatmulArgs& g) {
  const char* op = "matmul";
  for (int64_t v : {g.m, g.n, g.k, g.lda, g.ldb, g.ldc, g.batch})
    if (v > INT_MAX)
      fail(ErrorKind::Shape, op, "matmul: a size or row stride exceeds cuBLAS's 32-bit limit (" + std::to_string(v) + ")");
  const cublas::Api& api = cublas::api(op);
  cublas::Handle h = cublas::handle_for(cuda::stream(), op);
  const float alpha = g.alpha, beta = g.beta;  // host pointer mode: read during the call
  const cudaDataType in = cuda_type(g.a.dtype), out = cuda_type(g.out.dtype);
  cublas::check(api.gemm_strided_batched(h, g.trans_b ? cublas::kOpT : cublas::kOpN, g.trans_a ? cublas::kOpT : cublas::kOpN,
                                         int(g.n), int(g.m), int(g.k), &alpha,
                                         g.b.data, in, int(g.ldb), (long long)g.batch_b,
                                         g.a.data, in, int(g.lda), (long long)g.batch_a,
                                         &beta, g.out.data, out, int(g.ldc), (long long)g.batch_c,
                                         int(g.batch), cublas::kCompute32F, cublas::kGemmDefault),
                op, "cublasGemmStridedBatchedEx");
  if (g.has_bias) bias_beta(g, 1.f);
}

void matmul_cuda(const MatmulArgs& g) {
  if (g.k == 0) return bias_beta(g, g.beta);
  if (g.batch == 1 && g.m == 1 && g.trans_b && !g.trans_a) return gemv(g);
  gemm_cublas(g);
}
}  // namespace
LRQK_REGISTER_KERNEL(MatmulArgs, Cuda, matmul_cuda);
}  // namespace lrqk
