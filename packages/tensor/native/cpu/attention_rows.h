// Row conversion helpers for the CPU attention kernels: a run of `n` contiguous elements of any
// float dtype to/from f32, with the dtype switch hoisted out of the element loop.
#pragma once
#include <cstdint>
#include "../core/dtype.h"

namespace lrqk::cpu_attention {

inline void load_row(const void* base, DType t, int64_t offset, int64_t n, float* dst, float mul = 1.f) {
  switch (t) {
    case DType::F32: { const float* p = static_cast<const float*>(base) + offset; for (int64_t i = 0; i < n; ++i) dst[i] = p[i] * mul; break; }
    case DType::BF16: { const uint16_t* p = static_cast<const uint16_t*>(base) + offset; for (int64_t i = 0; i < n; ++i) dst[i] = bf16_to_f32(p[i]) * mul; break; }
    case DType::F16: { const uint16_t* p = static_cast<const uint16_t*>(base) + offset; for (int64_t i = 0; i < n; ++i) dst[i] = f16_to_f32(p[i]) * mul; break; }
    default: for (int64_t i = 0; i < n; ++i) dst[i] = load_f32(base, t, offset + i) * mul;
  }
}

inline void store_row(void* base, DType t, int64_t offset, int64_t n, const float* src, float mul = 1.f) {
  switch (t) {
    case DType::F32: { float* p = static_cast<float*>(base) + offset; for (int64_t i = 0; i < n; ++i) p[i] = src[i] * mul; break; }
    case DType::BF16: { uint16_t* p = static_cast<uint16_t*>(base) + offset; for (int64_t i = 0; i < n; ++i) p[i] = f32_to_bf16(src[i] * mul); break; }
    case DType::F16: { uint16_t* p = static_cast<uint16_t*>(base) + offset; for (int64_t i = 0; i < n; ++i) p[i] = f32_to_f16(src[i] * mul); break; }
    default: for (int64_t i = 0; i < n; ++i) store_f32(base, t, offset + i, src[i] * mul);
  }
}

inline float dot(const float* a, const float* b, int64_t n) {
  float s = 0.f;
#pragma omp simd reduction(+ : s)
  for (int64_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

// y = y * c + p * x
inline void scale_add(float* y, float c, float p, const float* x, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) y[i] = y[i] * c + p * x[i];
}

}  // namespace lrqk::cpu_attention
