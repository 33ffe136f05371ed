#include "../core/dispatch.h"
#include "../ops/embedding.h"
#include "common.cuh"

namespace lrqk {
// Block per token; rows copied as 2-byte or 4-byte words (D·elem is even for float dtypes).
__global__ void embedding_kernel(const uint8_t* w, const void* ids, bool i64, uint8_t* out, int64_t row_bytes, int64_t vocab, int32_t* flag) {
  const int64_t t = blockIdx.x;
  const int64_t id = i64 ? static_cast<const int64_t*>(ids)[t] : int64_t(static_cast<const int32_t*>(ids)[t]);
  uint8_t* o = out + t * row_bytes;
  const bool ok = id >= 0 && id < vocab;
  if (!ok && threadIdx.x == 0 && flag) atomicExch(flag, 1);
  const uint16_t* src = reinterpret_cast<const uint16_t*>(w + (ok ? id : 0) * row_bytes);
  uint16_t* dst = reinterpret_cast<uint16_t*>(o);
  for (int64_t i = threadIdx.x; i < row_bytes / 2; i += blockDim.x) dst[i] = ok ? src[i] : uint16_t(0);
}
static void embedding_cuda(const EmbeddingArgs& a) {
  const int64_t row_bytes = a.dim * int64_t(dtype_size(a.weight.dtype));
  embedding_kernel<<<unsigned(a.tokens), 256, 0, cuda::stream()>>>(static_cast<const uint8_t*>(a.weight.data), a.ids.data,
                                                                   a.ids.dtype == DType::I64, static_cast<uint8_t*>(a.out.data),
                                                                   row_bytes, a.vocab, a.error_flag);
  cuda::check_launch("embedding");
}
LRQK_REGISTER_KERNEL(EmbeddingArgs, Cuda, embedding_cuda);
}  // namespace lrqk
