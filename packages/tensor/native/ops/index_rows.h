// Row gather / scatter with per-batch indices and GQA-style batch grouping.
//   gather  (index_select): out[b, j, :] = src[b / group, idx[b, j], :]
//   scatter (index_copy):   dst[b / group, idx[b, j], :] = src[b, j, :]
// Tensors are normalised to 3-D (batch, rows, width) with arbitrary batch/row strides and a
// contiguous last dim. Negative indices are skipped when skip_negative, else out of range.
// Memory: all host, or all device except the gathered-from (scatter: written-to) store, which
// may be pinned host memory read/written by the GPU through unified addressing.
#pragma once
#include "../core/tensor_arg.h"

namespace lrqk {
struct IndexRowsArgs {
  TensorArg table;   // gather: src (Bs, N, W); scatter: dst (Bd, N, W)
  TensorArg rows;    // gather: out (B, M, W);  scatter: src (B, M, W)
  TensorArg indices; // (B, M) i32/i64 contiguous
  bool scatter;
  bool skip_negative;
  int64_t group;
  int32_t* error_flag;  // CUDA bounds flag (may be null)
};
}  // namespace lrqk
