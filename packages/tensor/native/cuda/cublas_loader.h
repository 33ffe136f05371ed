// cuBLAS, loaded at run time. The build machines have no cuBLAS headers or libraries, so the
// addon never links it: the first GEMM dlopen()s libcublas (CUDA 13: libcublas.so.13) and resolves
// the few entry points below, declared here from the cuBLAS C API (cublas_api.h). Enum values
// are the ones in that header; cudaDataType values come from library_types.h.
#pragma once
#include <library_types.h>
#include <cstddef>
#include <cstdint>
#include "../ops/matmul.h"

namespace lrqk::cublas {

using Handle = struct cublasContext*;
using Status = int;  // cublasStatus_t

// cublasOperation_t
constexpr int kOpN = 0, kOpT = 1;
// cublasComputeType_t
constexpr int kCompute32F = 68, kCompute32FFastTF32 = 77;
// cublasGemmAlgo_t
constexpr int kGemmDefault = -1, kGemmDefaultTensorOp = 99;
// cublasMath_t (flags)
constexpr int kDefaultMath = 0, kDisallowReducedPrecisionReduction = 16;

struct Api {
  Status (*create)(Handle*);                       // cublasCreate_v2
  Status (*destroy)(Handle);                       // cublasDestroy_v2
  Status (*set_stream)(Handle, void* stream);      // cublasSetStream_v2 (cudaStream_t)
  Status (*set_workspace)(Handle, void*, size_t);  // cublasSetWorkspace_v2
  Status (*set_math_mode)(Handle, int);            // cublasSetMathMode
  // cublasGemmStridedBatchedEx(handle, transa, transb, m, n, k, alpha, A, Atype, lda, strideA,
  //   B, Btype, ldb, strideB, beta, C, Ctype, ldc, strideC, batchCount, computeType, algo)
  Status (*gemm_strided_batched)(Handle, int, int, int, int, int, const void*, const void*, cudaDataType, int, long long,
                                 const void*, cudaDataType, int, long long, const void*, void*, cudaDataType, int, long long,
                                 int, int, int);
  const char* (*status_string)(Status);            // cublasGetStatusString (optional)
};

// The loaded API; throws a CudaError naming every library tried when none loads.
const Api& api(const char* op);

// The addon's handle, bound to `stream` with that stream's workspace (cublasSetStream resets the
// workspace, so both are set on every call). Creates the handle on first use.
Handle handle_for(void* stream, const char* op);

// Throws a CudaError for a failed cuBLAS call.
void check(Status s, const char* op, const char* what);

// Load status for blasInfo(); tries to load the library (not to create a handle) if not yet tried.
BlasInfo info();

}  // namespace lrqk::cublas
