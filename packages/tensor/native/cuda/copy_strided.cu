// Generic strided copy with dtype conversion. Contiguous same-dtype copies go to cudaMemcpyAsync;
// same-dtype copies whose last dim is contiguous copy rows with 16-byte vectors when aligned
// (the common case: K/V halves of slot rows, token-major ↔ head-major caches).
#include "../core/dispatch.h"
#include "../ops/copy_strided.h"
#include "common.cuh"

namespace lrqk {
namespace {
struct Desc {
  int nd;
  int64_t shape[kMaxDims];
  int64_t ds[kMaxDims];
  int64_t ss[kMaxDims];
};

__device__ __forceinline__ double load_any(const uint8_t* p, DType t) {
  switch (t) {
    case DType::F32: return *reinterpret_cast<const float*>(p);
    case DType::BF16: return __bfloat162float(*reinterpret_cast<const __nv_bfloat16*>(p));
    case DType::F16: return __half2float(*reinterpret_cast<const __half*>(p));
    case DType::I32: return *reinterpret_cast<const int32_t*>(p);
    case DType::I64: return double(*reinterpret_cast<const int64_t*>(p));
    case DType::U8: return *p;
  }
  return 0;
}
__device__ __forceinline__ void store_any(uint8_t* p, DType t, double v) {
  switch (t) {
    case DType::F32: *reinterpret_cast<float*>(p) = float(v); break;
    case DType::BF16: *reinterpret_cast<__nv_bfloat16*>(p) = __float2bfloat16_rn(float(v)); break;
    case DType::F16: *reinterpret_cast<__half*>(p) = __float2half_rn(float(v)); break;
    case DType::I32: *reinterpret_cast<int32_t*>(p) = int32_t(v); break;
    case DType::I64: *reinterpret_cast<int64_t*>(p) = int64_t(v); break;
    case DType::U8: *p = uint8_t(v); break;
  }
}

__device__ __forceinline__ void offsets(const Desc& d, int64_t idx, int64_t& doff, int64_t& soff) {
  doff = 0;
  soff = 0;
  for (int k = d.nd - 1; k >= 0; --k) {
    int64_t i = idx % d.shape[k];
    idx /= d.shape[k];
    doff += i * d.ds[k];
    soff += i * d.ss[k];
  }
}

__global__ void copy_elems(Desc d, uint8_t* dst, DType dt, const uint8_t* src, DType st, int64_t n) {
  const int64_t des = dt == DType::F32 || dt == DType::I32 ? 4 : dt == DType::I64 ? 8 : dt == DType::U8 ? 1 : 2;
  const int64_t ses = st == DType::F32 || st == DType::I32 ? 4 : st == DType::I64 ? 8 : st == DType::U8 ? 1 : 2;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    int64_t doff, soff;
    offsets(d, i, doff, soff);
    uint8_t* dp = dst + doff * des;
    const uint8_t* sp = src + soff * ses;
    if (dt == st) {
      switch (des) {
        case 1: *dp = *sp; break;
        case 2: *reinterpret_cast<uint16_t*>(dp) = *reinterpret_cast<const uint16_t*>(sp); break;
        case 4: *reinterpret_cast<uint32_t*>(dp) = *reinterpret_cast<const uint32_t*>(sp); break;
        default: *reinterpret_cast<uint64_t*>(dp) = *reinterpret_cast<const uint64_t*>(sp); break;
      }
    } else {
      store_any(dp, dt, load_any(sp, st));
    }
  }
}

// Rows of `row_bytes` (a multiple of 16, 16-byte aligned): one warp-strided loop of uint4 per row.
__global__ void copy_rows16(Desc d, uint8_t* dst, const uint8_t* src, int64_t rows, int64_t row_bytes, int64_t es) {
  const int64_t vecs = row_bytes / 16;
  const int64_t total = rows * vecs;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t r = i / vecs, v = i % vecs;
    int64_t doff, soff;
    offsets(d, r, doff, soff);  // d describes the outer (row) dims only
    reinterpret_cast<uint4*>(dst + doff * es)[v] = reinterpret_cast<const uint4*>(src + soff * es)[v];
  }
}
}  // namespace

static void copy_strided_cuda(const CopyStridedArgs& a) {
  const int nd = a.dst.ndim;
  const int64_t n = a.dst.numel();
  const bool same = a.dst.dtype == a.src.dtype;
  const int64_t es = int64_t(dtype_size(a.dst.dtype));
  if (same && nd == 1 && a.dst.strides[0] == 1 && a.src.strides[0] == 1) {
    LRQK_CUDA_CHECK(cudaMemcpyAsync(a.dst.data, a.src.data, size_t(n * es), cudaMemcpyDefault, cuda::stream()), "copy_strided");
    return;
  }
  const int64_t inner = a.dst.shape[nd - 1];
  const int64_t row_bytes = inner * es;
  const bool aligned = (reinterpret_cast<uintptr_t>(a.dst.data) % 16 == 0) && (reinterpret_cast<uintptr_t>(a.src.data) % 16 == 0);
  bool rows_ok = same && nd >= 2 && a.dst.strides[nd - 1] == 1 && a.src.strides[nd - 1] == 1 && row_bytes % 16 == 0 && aligned;
  for (int k = 0; rows_ok && k < nd - 1; ++k)
    rows_ok = (a.dst.strides[k] * es) % 16 == 0 && (a.src.strides[k] * es) % 16 == 0;
  Desc d{};
  if (rows_ok) {
    d.nd = nd - 1;
    for (int k = 0; k < nd - 1; ++k) { d.shape[k] = a.dst.shape[k]; d.ds[k] = a.dst.strides[k]; d.ss[k] = a.src.strides[k]; }
    const int64_t rows = n / inner;
    unsigned grid = cuda::grid_for(rows * (row_bytes / 16), 256);
    if (grid > 8192) grid = 8192;
    copy_rows16<<<grid, 256, 0, cuda::stream()>>>(d, static_cast<uint8_t*>(a.dst.data), static_cast<const uint8_t*>(a.src.data), rows, row_bytes, es);
  } else {
    d.nd = nd;
    for (int k = 0; k < nd; ++k) { d.shape[k] = a.dst.shape[k]; d.ds[k] = a.dst.strides[k]; d.ss[k] = a.src.strides[k]; }
    unsigned grid = cuda::grid_for(n, 256);
    if (grid > 8192) grid = 8192;
    copy_elems<<<grid, 256, 0, cuda::stream()>>>(d, static_cast<uint8_t*>(a.dst.data), a.dst.dtype,
                                                  static_cast<const uint8_t*>(a.src.data), a.src.dtype, n);
  }
  cuda::check_launch("copy_strided");
}
LRQK_REGISTER_KERNEL(CopyStridedArgs, Cuda, copy_strided_cuda);
}  // namespace lrqk
