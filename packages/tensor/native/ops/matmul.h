// matmul: out[b] = alpha · opA(a[b]) @ opB(b[b]) + beta · out[b] + bias, accumulated in f32.
//   a stored (M,K), or (K,M) when trans_a; b stored (K,N), or (N,K) when trans_b; out (M,N).
//   a and b share one float dtype (f32/f16/bf16); out is that dtype or f32; bias (N) any float
//   dtype. beta == 0 never reads out (it may hold NaN).
// Every matrix has a contiguous last dim; the binding normalises the rest to
//   ld*      row stride of the stored matrix in elements (>= its row length; rows never overlap),
//   batch_*  batch stride in elements, 0 = the same matrix for every batch (broadcast),
// and folds a batch that is really one tall matrix (3-D a, shared b, rows evenly spaced) into
// M, so kernels see batch == 1 in the common linear-layer case.
#pragma once
#include <string>
#include <vector>
#include "../core/tensor_arg.h"

namespace lrqk {
struct MatmulArgs {
  TensorArg a, b, out, bias;  // data pointers already include the view offsets
  bool has_bias = false;
  bool trans_a = false, trans_b = false;
  int64_t batch = 1, m = 0, n = 0, k = 0;
  int64_t lda = 0, ldb = 0, ldc = 0;
  int64_t batch_a = 0, batch_b = 0, batch_c = 0;
  float alpha = 1.f, beta = 0.f;
};

// What the CUDA backend found when it looked for cuBLAS (loaded with dlopen at first use).
struct BlasInfo {
  bool loaded = false;
  std::string path;                // the library actually loaded
  std::vector<std::string> tried;  // every candidate, with the outcome
  std::string error;               // why cuBLAS is unusable, when it is
  int version = 0;                 // major*10000 + minor*100 + patch, when known
};
// blasInfo(): dispatched to the CUDA backend only (a CPU-only build has no kernel for it).
struct BlasInfoArgs {
  BlasInfo* out;
};
}  // namespace lrqk
