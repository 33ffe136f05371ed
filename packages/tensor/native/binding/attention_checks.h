// Validation shared by the attention bindings: head-major views with a unit-stride last dim,
// non-negative strides, and outputs whose rows do not overlap (so parallel writes never race).
#pragma once
#include <string>
#include <utility>
#include "args.h"

namespace lrqk::binding {

constexpr int64_t kAttentionMaxDim = 256;

// Last dim stride 1 (or size 1), all strides >= 0.
inline void expect_rows_unit_stride(const TensorArg& t, const char* op, const char* name) {
  for (int i = 0; i < t.ndim; ++i)
    if (t.strides[i] < 0) fail(ErrorKind::Shape, op, std::string(op) + ": " + name + " has a negative stride");
  if (t.ndim > 0 && t.size(-1) > 1 && t.stride(-1) != 1)
    fail(ErrorKind::Shape, op, std::string(op) + ": " + name + " " + t.shape_str() + " must have stride 1 on its last dim (got " + std::to_string(t.stride(-1)) + ")");
}

// Rows of `dim` contiguous elements addressed by two outer dims (sizes n0, n1, strides s0, s1)
// must not overlap: sort the outer dims by stride and require each to step past the span of the
// dims inside it.
inline void expect_disjoint_rows(int64_t n0, int64_t s0, int64_t n1, int64_t s1, int64_t dim, const char* op, const char* name) {
  if (n0 <= 1) { n0 = 1; s0 = 0; }
  if (n1 <= 1) { n1 = 1; s1 = 0; }
  if (n0 > 1 && n1 > 1 && s1 > s0) { std::swap(n0, n1); std::swap(s0, s1); }  // (n1, s1) is the inner dim
  int64_t inner_span = n1 > 1 ? (n1 - 1) * s1 + dim : dim;
  bool ok = (n1 <= 1 || s1 >= dim) && (n0 <= 1 || s0 >= inner_span);
  if (!ok) fail(ErrorKind::Shape, op, std::string(op) + ": " + name + " rows overlap (strides " + std::to_string(s0) + ", " + std::to_string(s1) + " for rows of " + std::to_string(dim) + ")");
}

inline void expect_attention_dim(int64_t d, const char* op) {
  if (d < 1 || d > kAttentionMaxDim)
    fail(ErrorKind::Shape, op, std::string(op) + ": head dim " + std::to_string(d) + " unsupported (1..256)");
}

}  // namespace lrqk::binding
