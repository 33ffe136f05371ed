#include <cstring>
#include "../core/dispatch.h"
#include "../ops/copy_strided.h"

namespace lrqk {
namespace {
inline double load_any(const uint8_t* p, DType t) {
  switch (t) {
    case DType::F32: return *reinterpret_cast<const float*>(p);
    case DType::BF16: return bf16_to_f32(*reinterpret_cast<const uint16_t*>(p));
    case DType::F16: return f16_to_f32(*reinterpret_cast<const uint16_t*>(p));
    case DType::I32: return *reinterpret_cast<const int32_t*>(p);
    case DType::I64: return double(*reinterpret_cast<const int64_t*>(p));
    case DType::U8: return *p;
  }
  return 0;
}
inline void store_any(uint8_t* p, DType t, double v) {
  switch (t) {
    case DType::F32: *reinterpret_cast<float*>(p) = float(v); break;
    case DType::BF16: *reinterpret_cast<uint16_t*>(p) = f32_to_bf16(float(v)); break;
    case DType::F16: *reinterpret_cast<uint16_t*>(p) = f32_to_f16(float(v)); break;
    case DType::I32: *reinterpret_cast<int32_t*>(p) = int32_t(v); break;
    case DType::I64: *reinterpret_cast<int64_t*>(p) = int64_t(v); break;
    case DType::U8: *p = uint8_t(v); break;
  }
}
}  // namespace

static void copy_strided_cpu(const CopyStridedArgs& a) {
  const int nd = a.dst.ndim;
  const int64_t inner = a.dst.shape[nd - 1];
  const int64_t outer = a.dst.numel() / inner;
  const size_t ds = dtype_size(a.dst.dtype), ss = dtype_size(a.src.dtype);
  const bool same = a.dst.dtype == a.src.dtype;
  const bool rows_contig = same && a.dst.strides[nd - 1] == 1 && a.src.strides[nd - 1] == 1;
  auto* dbase = static_cast<uint8_t*>(a.dst.data);
  const auto* sbase = static_cast<const uint8_t*>(a.src.data);
#pragma omp parallel for schedule(static) if (outer > 64)
  for (int64_t o = 0; o < outer; ++o) {
    int64_t rem = o, doff = 0, soff = 0;
    for (int d = nd - 2; d >= 0; --d) {
      int64_t i = rem % a.dst.shape[d];
      rem /= a.dst.shape[d];
      doff += i * a.dst.strides[d];
      soff += i * a.src.strides[d];
    }
    uint8_t* dp = dbase + doff * int64_t(ds);
    const uint8_t* sp = sbase + soff * int64_t(ss);
    if (rows_contig) {
      std::memcpy(dp, sp, size_t(inner) * ds);
    } else if (same) {
      for (int64_t i = 0; i < inner; ++i)
        std::memcpy(dp + i * a.dst.strides[nd - 1] * int64_t(ds), sp + i * a.src.strides[nd - 1] * int64_t(ss), ds);
    } else {
      for (int64_t i = 0; i < inner; ++i)
        store_any(dp + i * a.dst.strides[nd - 1] * int64_t(ds), a.dst.dtype, load_any(sp + i * a.src.strides[nd - 1] * int64_t(ss), a.src.dtype));
    }
  }
}
LRQK_REGISTER_KERNEL(CopyStridedArgs, Cpu, copy_strided_cpu);
}  // namespace lrqk
