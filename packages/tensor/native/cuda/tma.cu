// Host side of tma.cuh: tensor maps encoded through cuTensorMapEncodeTiled, looked up once with
// cudaGetDriverEntryPointByVersion so the addon needs no libcuda at link time.
#include <cudaTypedefs.h>
#include "tma.cuh"

namespace lrqk::tma {
namespace {
PFN_cuTensorMapEncodeTiled_v12000 encode_fn() {
  static PFN_cuTensorMapEncodeTiled_v12000 fn = [] {
    void* p = nullptr;
    cudaDriverEntryPointQueryResult status{};
    if (cudaGetDriverEntryPointByVersion("cuTensorMapEncodeTiled", &p, 12000, cudaEnableDefault, &status) != cudaSuccess ||
        status != cudaDriverEntryPointSuccess) {
      cudaGetLastError();
      p = nullptr;
    }
    return reinterpret_cast<PFN_cuTensorMapEncodeTiled_v12000>(p);
  }();
  return fn;
}
}  // namespace

bool encode_3d_sw128(CUtensorMap* map, bool bf16, const void* base, int64_t cols, int64_t rows, int64_t outer,
                     int64_t row_stride, int64_t outer_stride, uint32_t box_cols, uint32_t box_rows) {
  const auto fn = encode_fn();
  if (fn == nullptr || box_cols * 2 != 128 || reinterpret_cast<uintptr_t>(base) % 16 != 0) return false;
  // A stride of 0 (one head broadcast) is not describable; neither is one past 2^40 bytes.
  const int64_t rs = row_stride * 2, os = outer_stride * 2;
  if (rs <= 0 || os <= 0 || rs % 16 != 0 || os % 16 != 0 || rs >= (int64_t(1) << 40) || os >= (int64_t(1) << 40)) return false;
  if (rows > (int64_t(1) << 32) || outer > (int64_t(1) << 32)) return false;
  const cuuint64_t dims[3] = {cuuint64_t(cols), cuuint64_t(rows), cuuint64_t(outer)};
  const cuuint64_t strides[2] = {cuuint64_t(rs), cuuint64_t(os)};
  const cuuint32_t box[3] = {box_cols, box_rows, 1};
  const cuuint32_t elem[3] = {1, 1, 1};
  const CUresult r = fn(map, bf16 ? CU_TENSOR_MAP_DATA_TYPE_BFLOAT16 : CU_TENSOR_MAP_DATA_TYPE_FLOAT16, 3, const_cast<void*>(base), dims,
                        strides, box, elem, CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_128B,
                        CU_TENSOR_MAP_L2_PROMOTION_L2_256B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
  return r == CUDA_SUCCESS;
}
}  // namespace lrqk::tma
