// One warp per row; rows move as 16-byte vectors when every row start is 16-byte aligned (a
// K‖V row of 2×128 bf16 = 512 B is one vector per lane), else as 2- or 1-byte units. A pinned host
// table is read (or written) by the same loads, directly over PCIe.
#include "../core/dispatch.h"
#include "../ops/index_rows.h"
#include "common.cuh"

namespace lrqk {
namespace {
template <class U>
__global__ void index_rows_kernel(uint8_t* table, int64_t ts0, int64_t ts1, uint8_t* rows, int64_t rs0, int64_t rs1,
                                  const void* indices, bool i64, int64_t B, int64_t M, int64_t N, int64_t group,
                                  int64_t units, int64_t es, bool scatter, bool skip_negative, int32_t* flag) {
  const int64_t warp = (blockIdx.x * int64_t(blockDim.x) + threadIdx.x) >> 5;
  const int lane = threadIdx.x & 31;
  const int64_t warps = (int64_t(gridDim.x) * blockDim.x) >> 5;
  for (int64_t i = warp; i < B * M; i += warps) {
    const int64_t idx = i64 ? static_cast<const int64_t*>(indices)[i] : int64_t(static_cast<const int32_t*>(indices)[i]);
    if (idx < 0 && skip_negative) continue;
    if (idx < 0 || idx >= N) {
      if (lane == 0 && flag) atomicExch(flag, 1);
      continue;
    }
    const int64_t b = i / M, j = i % M;
    U* t = reinterpret_cast<U*>(table + ((b / group) * ts0 + idx * ts1) * es);
    U* r = reinterpret_cast<U*>(rows + (b * rs0 + j * rs1) * es);
    if (scatter)
      for (int64_t u = lane; u < units; u += 32) t[u] = r[u];
    else
      for (int64_t u = lane; u < units; u += 32) r[u] = t[u];
  }
}
}  // namespace

static void index_rows_cuda(const IndexRowsArgs& a) {
  const int64_t B = a.indices.shape[0], M = a.indices.shape[1];
  const int64_t es = int64_t(dtype_size(a.table.dtype));
  const int64_t row_bytes = a.table.shape[2] * es;
  auto aligned16 = [&](const TensorArg& t) {
    return reinterpret_cast<uintptr_t>(t.data) % 16 == 0 && (t.strides[0] * es) % 16 == 0 && (t.strides[1] * es) % 16 == 0;
  };
  const int64_t rows_total = B * M;
  unsigned grid = cuda::grid_for(rows_total * 32, 256);
  if (grid > 65535) grid = 65535;
  auto* table = static_cast<uint8_t*>(a.table.data);
  auto* rows = static_cast<uint8_t*>(a.rows.data);
  const bool i64 = a.indices.dtype == DType::I64;
  const int64_t N = a.table.shape[1];
  if (row_bytes % 16 == 0 && aligned16(a.table) && aligned16(a.rows)) {
    index_rows_kernel<uint4><<<grid, 256, 0, cuda::stream()>>>(table, a.table.strides[0], a.table.strides[1], rows, a.rows.strides[0],
        a.rows.strides[1], a.indices.data, i64, B, M, N, a.group, row_bytes / 16, es, a.scatter, a.skip_negative, a.error_flag);
  } else if (row_bytes % 2 == 0 && es % 2 == 0) {
    index_rows_kernel<uint16_t><<<grid, 256, 0, cuda::stream()>>>(table, a.table.strides[0], a.table.strides[1], rows, a.rows.strides[0],
        a.rows.strides[1], a.indices.data, i64, B, M, N, a.group, row_bytes / 2, es, a.scatter, a.skip_negative, a.error_flag);
  } else {
    index_rows_kernel<uint8_t><<<grid, 256, 0, cuda::stream()>>>(table, a.table.strides[0], a.table.strides[1], rows, a.rows.strides[0],
        a.rows.strides[1], a.indices.data, i64, B, M, N, a.group, row_bytes, es, a.scatter, a.skip_negative, a.error_flag);
  }
  cuda::check_launch(a.scatter ? "index_copy" : "index_select");
}
LRQK_REGISTER_KERNEL(IndexRowsArgs, Cuda, index_rows_cuda);
}  // namespace lrqk
