// Exact top-k per row, one block per row:
//  1. radix select on order-preserving 32-bit keys (4 passes of 8 bits, shared histograms split
//     over 8 copies to cut atomic contention) → the k-th key T and how many keys equal to T to take;
//  2. ordered compaction in tiles of 1024 (warp ballots + a scan of warp counts), taking every key
//     > T and the lowest-index keys == T, so the k results come out in ascending index order;
//  3. optional bitonic sort by (key desc, index asc) of the ≤ 4096 results in shared memory.
// Few long rows take the multi-block variant of the same algorithm (topk_multiblock.cuh).
#include <algorithm>
#include "../core/dispatch.h"
#include "../ops/topk.h"
#include "common.cuh"

namespace lrqk {
namespace {
constexpr int kThreads = 1024;
constexpr int kMaxK = 4096;
constexpr int kHists = 8;

// The candidate count of a row: fixed, or read from the device when the kernel runs (ops/topk.h),
// clamped to [k, n] so that a bad value cannot make the kernels read past the row.
struct RowLen {
  int n;
  const int32_t* dev;
  int off, k;
  __device__ __forceinline__ int get() const {
    if (!dev) return n;
    const int v = *dev + off;
    return v < k ? k : (v > n ? n : v);
  }
};

template <class T>
__device__ __forceinline__ uint32_t order_key(T v, bool largest) {
  float f = dev::to_f32(v);
  if (isnan(f)) return 0u;
  uint32_t u = f == 0.f ? 0u : __float_as_uint(f);  // -0 and +0 are equal values
  uint32_t key = (u & 0x80000000u) ? ~u : (u | 0x80000000u);
  if (!largest) key = ~key;
  return key == 0u ? 1u : key;  // keep 0 for NaN only
}

// Exclusive scan of one value per warp (called by all threads; returns offset of this warp).
__device__ __forceinline__ int warp_offsets(int count, int* scratch, int* total) {
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  if (lane == 0) scratch[warp] = count;
  __syncthreads();
  if (warp == 0) {
    int v = scratch[lane];
    int incl = v;
    for (int o = 1; o < 32; o <<= 1) {
      int t = __shfl_up_sync(0xffffffffu, incl, o);
      if (lane >= o) incl += t;
    }
    scratch[lane] = incl - v;
    if (lane == 31) scratch[32] = incl;
  }
  __syncthreads();
  int off = scratch[warp];
  *total = scratch[32];
  __syncthreads();
  return off;
}

template <class T>
__global__ void topk_kernel(const T* x, int64_t row_stride, RowLen len, int k, bool largest, int sort, T* values, void* indices, bool i64) {
  const int n = len.get();
  __shared__ unsigned hist[kHists][256];
  __shared__ unsigned long long sel[kMaxK];
  __shared__ int scratch[33];
  __shared__ uint32_t s_prefix, s_mask;
  __shared__ int s_remaining;
  const T* xr = x + blockIdx.x * row_stride;
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  if (tid == 0) { s_prefix = 0; s_mask = 0; s_remaining = k; }
  // 1. radix select
  for (int pass = 0; pass < 4; ++pass) {
    const int shift = 24 - 8 * pass;
    for (int i = tid; i < kHists * 256; i += kThreads) (&hist[0][0])[i] = 0;
    __syncthreads();
    const uint32_t prefix = s_prefix, mask = s_mask;
    unsigned* h = hist[warp % kHists];
    for (int i = tid; i < n; i += kThreads) {
      uint32_t key = order_key(xr[i], largest);
      if ((key & mask) == prefix) atomicAdd(&h[(key >> shift) & 255u], 1u);
    }
    __syncthreads();
    if (tid < 256) {
      unsigned s = 0;
      for (int c = 0; c < kHists; ++c) s += hist[c][tid];
      hist[0][tid] = s;
    }
    __syncthreads();
    if (tid == 0) {
      int remaining = s_remaining;
      unsigned cum = 0;
      int b = 255;
      for (; b > 0; --b) {
        if (cum + hist[0][b] >= unsigned(remaining)) break;
        cum += hist[0][b];
      }
      s_remaining = remaining - int(cum);
      s_prefix = prefix | (uint32_t(b) << shift);
      s_mask = mask | (255u << shift);
    }
    __syncthreads();
  }
  const uint32_t thresh = s_prefix;
  const int need_eq = s_remaining;
  // 2. ordered compaction
  int taken = 0, eq_seen = 0;
  for (int base = 0; base < n; base += kThreads) {
    const int i = base + tid;
    uint32_t key = i < n ? order_key(xr[i], largest) : 0u;
    const bool in = i < n;
    const bool gt = in && key > thresh;
    const bool eq = in && key == thresh;
    const unsigned lt_mask = (1u << lane) - 1u;
    const unsigned eq_ballot = __ballot_sync(0xffffffffu, eq);
    int eq_total;
    const int eq_off = warp_offsets(__popc(eq_ballot), scratch, &eq_total);
    const int eq_rank = eq_seen + eq_off + __popc(eq_ballot & lt_mask);
    const bool take = gt || (eq && eq_rank < need_eq);
    const unsigned take_ballot = __ballot_sync(0xffffffffu, take);
    int take_total;
    const int take_off = warp_offsets(__popc(take_ballot), scratch, &take_total);
    if (take) {
      const int pos = taken + take_off + __popc(take_ballot & lt_mask);
      if (pos < k) sel[pos] = (static_cast<unsigned long long>(key) << 32) | (0xffffffffu - uint32_t(i));
    }
    taken += take_total;
    eq_seen += eq_total;
    if (taken >= k) break;  // uniform across the block
  }
  __syncthreads();
  // 3. sort by (key desc, index asc) when asked: bitonic on the next power of two.
  if (sort == 0) {
    int p2 = 1;
    while (p2 < k) p2 <<= 1;
    for (int i = k + tid; i < p2; i += kThreads) sel[i] = 0ull;
    __syncthreads();
    for (int size = 2; size <= p2; size <<= 1) {
      for (int stride = size >> 1; stride > 0; stride >>= 1) {
        for (int i = tid; i < p2; i += kThreads) {
          const int j = i ^ stride;
          if (j > i) {
            const bool desc = (i & size) == 0;
            unsigned long long a = sel[i], b = sel[j];
            if (desc ? (a < b) : (a > b)) { sel[i] = b; sel[j] = a; }
          }
        }
        __syncthreads();
      }
    }
  }
  for (int j = tid; j < k; j += kThreads) {
    const uint32_t idx = 0xffffffffu - uint32_t(sel[j] & 0xffffffffull);
    values[int64_t(blockIdx.x) * k + j] = xr[idx];
    if (i64) static_cast<int64_t*>(indices)[int64_t(blockIdx.x) * k + j] = idx;
    else static_cast<int32_t*>(indices)[int64_t(blockIdx.x) * k + j] = int32_t(idx);
  }
}
RowLen row_len(const TopkArgs& a) { return RowLen{int(a.length), a.length_dev, int(a.length_offset), int(a.k)}; }
#include "topk_multiblock.cuh"
}  // namespace

static void topk_cuda(const TopkArgs& a) {
  if (a.rows > 2147483647) fail(ErrorKind::Shape, "topk", "topk: too many rows");
  // Few long rows: spread each over many blocks (topk_multiblock.cuh).
  const int sms = cuda::probe().sm_count > 0 ? cuda::probe().sm_count : 132;
  if (a.rows < sms && a.length >= 16384) {
    LRQK_FLOAT_SWITCH(a.x.dtype, T, "topk", mb::launch<T>(a));
    return;
  }
  LRQK_FLOAT_SWITCH(a.x.dtype, T, "topk",
    topk_kernel<T><<<unsigned(a.rows), kThreads, 0, cuda::stream()>>>(a.x.ptr<T>(), a.x.strides[0], row_len(a), int(a.k),
        a.largest, a.sort, a.values.ptr<T>(), a.indices.data, a.indices.dtype == DType::I64));
  cuda::check_launch("topk");
}
LRQK_REGISTER_KERNEL(TopkArgs, Cuda, topk_cuda);
}  // namespace lrqk
