// A tensor as a kernel sees it: a typed pointer (offset already applied), shape and strides in
// elements, and where the memory lives. Built once per call by the binding layer.
#pragma once
#include <cstdint>
#include <string>
#include "dtype.h"

namespace lrqk {

constexpr int kMaxDims = 8;

enum class MemKind : int { Host = 0, Pinned = 1, Cuda = 2 };

struct TensorArg {
  void* data = nullptr;
  DType dtype = DType::F32;
  MemKind mem = MemKind::Host;
  int ndim = 0;
  int64_t shape[kMaxDims] = {};
  int64_t strides[kMaxDims] = {};

  int64_t numel() const {
    int64_t n = 1;
    for (int i = 0; i < ndim; ++i) n *= shape[i];
    return n;
  }
  int64_t size(int d) const { return shape[d < 0 ? d + ndim : d]; }
  int64_t stride(int d) const { return strides[d < 0 ? d + ndim : d]; }
  bool contiguous() const {
    int64_t s = 1;
    for (int i = ndim - 1; i >= 0; --i) {
      if (shape[i] != 1 && strides[i] != s) return false;
      s *= shape[i];
    }
    return true;
  }
  bool on_device() const { return mem == MemKind::Cuda; }
  template <class T> T* ptr() const { return static_cast<T*>(data); }
  std::string shape_str() const {
    std::string s = "[";
    for (int i = 0; i < ndim; ++i) s += (i ? "," : "") + std::to_string(shape[i]);
    return s + "]";
  }
};

}  // namespace lrqk
