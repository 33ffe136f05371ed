#include <cstring>
#include <string>
#include "../core/dispatch.h"
#include "../ops/index_rows.h"

namespace lrqk {
static void index_rows_cpu(const IndexRowsArgs& a) {
  const int64_t B = a.indices.shape[0], M = a.indices.shape[1], N = a.table.shape[1];
  const size_t es = dtype_size(a.table.dtype);
  const size_t row_bytes = size_t(a.table.shape[2]) * es;
  for (int64_t i = 0; i < B * M; ++i) {
    int64_t idx = load_index(a.indices.data, a.indices.dtype, i);
    if (idx < 0 && a.skip_negative) continue;
    if (idx < 0 || idx >= N)
      fail(ErrorKind::Index, a.scatter ? "index_copy" : "index_select",
           std::string(a.scatter ? "index_copy" : "index_select") + ": index " + std::to_string(idx) + " out of range [0, " + std::to_string(N) + ")");
  }
#pragma omp parallel for schedule(static) if (B * M > 256)
  for (int64_t i = 0; i < B * M; ++i) {
    const int64_t b = i / M, j = i % M;
    const int64_t idx = load_index(a.indices.data, a.indices.dtype, i);
    if (idx < 0) continue;
    uint8_t* t = static_cast<uint8_t*>(a.table.data) + ((b / a.group) * a.table.strides[0] + idx * a.table.strides[1]) * int64_t(es);
    uint8_t* r = static_cast<uint8_t*>(a.rows.data) + (b * a.rows.strides[0] + j * a.rows.strides[1]) * int64_t(es);
    if (a.scatter) std::memcpy(t, r, row_bytes);
    else std::memcpy(r, t, row_bytes);
  }
}
LRQK_REGISTER_KERNEL(IndexRowsArgs, Cpu, index_rows_cpu);
}  // namespace lrqk
