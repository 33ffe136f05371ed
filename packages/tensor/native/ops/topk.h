// topk along the last dim of x (rows, n) — rows may be strided, last dim contiguous — over the
// first `length` columns. Order: larger first (smaller when !largest); equal values → lower index
// first; NaN ranks below every number. values (rows, k) x's dtype, indices (rows, k) i32/i64.
// sort: 0 = by value (that order), 1 = by ascending index, 2 = unspecified (currently by index).
#pragma once
#include "../core/tensor_arg.h"

namespace lrqk {
struct TopkArgs {
  TensorArg x, values, indices;
  int64_t rows, length, k;
  bool largest;
  int sort;
};
}  // namespace lrqk
