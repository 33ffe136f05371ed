// topk along the last dim of x (rows, n) — rows may be strided, last dim contiguous — over the
// first `length` columns. Order: larger first (smaller when !largest); equal values → lower index
// first; NaN ranks below every number. values (rows, k) x's dtype, indices (rows, k) i32/i64.
// sort: 0 = by value (that order), 1 = by ascending index, 2 = unspecified (currently by index).
// length_dev (CUDA only, optional): the candidate count is *length_dev + length_offset, read by the
// kernels when they run (a captured graph replays with whatever it then holds), clamped to
// [k, length]; `length` then only bounds it and sizes the launch.
#pragma once
#include "../core/tensor_arg.h"

namespace lrqk {
struct TopkArgs {
  TensorArg x, values, indices;
  int64_t rows, length, k;
  const int32_t* length_dev = nullptr;
  int64_t length_offset = 0;
  bool largest;
  int sort;
};
}  // namespace lrqk
