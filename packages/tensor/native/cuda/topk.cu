// Exact top-k per row, one block per row:
//  1. radix select on order-preserving 32-bit keys (4 passes of 8 bits, shared histograms split
//     over 8 copies to cut atomic contention) → the k-th key T and how many keys equal to T to take;
//  2. ordered compaction in tiles of 1024 (warp ballots + a scan of warp counts), taking every key
//     > T and the lowest-index keys == T, so the k results come out in ascending index order;
//  3. optional bitonic sort by (key desc, index asc) of the ≤ 4096 results in shared memory.
// Few long rows take one cooperative launch of the same algorithm (topk_coop.cuh), or the
// multi-launch variant (topk_multiblock.cuh) where cooperative launch is unavailable (or
// LRQK_TOPK_VARIANT=multiblock).
#include <algorithm>
#include <cstdlib>
#include <cstring>
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

// Exclusive offset of this warp's `count` among the block's WARPS warps, and the block total
// (every thread calls it; scratch holds WARPS + 1 ints). Shared with topk_multiblock.cuh.
template <int WARPS>
__device__ __forceinline__ int warp_offsets(int count, int* scratch, int* total) {
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  if (lane == 0) scratch[warp] = count;
  __syncthreads();
  if (warp == 0) {
    const int v = lane < WARPS ? scratch[lane] : 0;
    int incl = v;
    for (int o = 1; o < 32; o <<= 1) {
      const int u = __shfl_up_sync(0xffffffffu, incl, o);
      if (lane >= o) incl += u;
    }
    if (lane < WARPS) scratch[lane] = incl - v;
    if (lane == WARPS - 1) scratch[WARPS] = incl;
  }
  __syncthreads();
  const int off = scratch[warp];
  *total = scratch[WARPS];
  __syncthreads();
  return off;
}

// One tile of the ordered compaction (both kernels; every thread calls it): this thread's key
// (`in`: inside the row) is taken when > thresh, or == thresh among the first need_eq such keys by
// index; emit(pos) places a taken key at output position pos. taken and eq_seen advance by the
// block's totals (uniform).
template <int WARPS, class Emit>
__device__ __forceinline__ void compact_tile(bool in, uint32_t key, uint32_t thresh, int need_eq, int& taken, int& eq_seen,
                                             int* scratch, Emit emit) {
  const unsigned lt_mask = (1u << (threadIdx.x & 31)) - 1u;
  const bool gt = in && key > thresh;
  const bool eq = in && key == thresh;
  const unsigned eq_ballot = __ballot_sync(0xffffffffu, eq);
  int eq_total;
  const int eq_off = warp_offsets<WARPS>(__popc(eq_ballot), scratch, &eq_total);
  const int eq_rank = eq_seen + eq_off + __popc(eq_ballot & lt_mask);
  const bool take = gt || (eq && eq_rank < need_eq);
  const unsigned take_ballot = __ballot_sync(0xffffffffu, take);
  int take_total;
  const int take_off = warp_offsets<WARPS>(__popc(take_ballot), scratch, &take_total);
  if (take) emit(taken + take_off + __popc(take_ballot & lt_mask));
  taken += take_total;
  eq_seen += eq_total;
}

// (key, ~index) packed so that larger means ranked first.
__device__ __forceinline__ unsigned long long pack_result(uint32_t key, int i) {
  return (static_cast<unsigned long long>(key) << 32) | (0xffffffffu - uint32_t(i));
}

// Sorts s[0, k) descending (by key, then lower index) with a bitonic network over the next power
// of two, s[k, p2) padded with zeros; `threads` threads call it. Begins and ends with a barrier.
__device__ void bitonic_desc(unsigned long long* s, int k, int threads) {
  int p2 = 1;
  while (p2 < k) p2 <<= 1;
  __syncthreads();
  for (int i = k + int(threadIdx.x); i < p2; i += threads) s[i] = 0ull;
  __syncthreads();
  for (int size = 2; size <= p2; size <<= 1) {
    for (int stride = size >> 1; stride > 0; stride >>= 1) {
      for (int i = threadIdx.x; i < p2; i += threads) {
        const int j = i ^ stride;
        if (j > i) {
          const bool desc = (i & size) == 0;
          const unsigned long long a = s[i], b = s[j];
          if (desc ? (a < b) : (a > b)) {
            s[i] = b;
            s[j] = a;
          }
        }
      }
      __syncthreads();
    }
  }
}

// Values and indices of row `row` from its k packed results.
template <class T>
__device__ void write_results(const T* xr, const unsigned long long* s, int k, int64_t row, int threads, T* values, void* indices,
                              bool i64) {
  for (int j = threadIdx.x; j < k; j += threads) {
    const uint32_t idx = 0xffffffffu - uint32_t(s[j] & 0xffffffffull);
    values[row * k + j] = xr[idx];
    if (i64) static_cast<int64_t*>(indices)[row * k + j] = idx;
    else static_cast<int32_t*>(indices)[row * k + j] = int32_t(idx);
  }
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
  const int tid = threadIdx.x, warp = tid >> 5;
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
    const bool in = i < n;
    const uint32_t key = in ? order_key(xr[i], largest) : 0u;
    compact_tile<kThreads / 32>(in, key, thresh, need_eq, taken, eq_seen, scratch, [&](int pos) {
      if (pos < k) sel[pos] = pack_result(key, i);
    });
    if (taken >= k) break;  // uniform across the block
  }
  __syncthreads();
  // 3. sort by (key desc, index asc) when asked.
  if (sort == 0) bitonic_desc(sel, k, kThreads);
  write_results(xr, sel, k, blockIdx.x, kThreads, values, indices, i64);
}
// LRQK_TOPK_VARIANT=multiblock keeps few long rows on the multi-launch variant (tests cover both;
// read at every call so that a test can switch it).
bool force_multiblock() {
  const char* v = std::getenv("LRQK_TOPK_VARIANT");
  return v && std::strcmp(v, "multiblock") == 0;
}
RowLen row_len(const TopkArgs& a) { return RowLen{int(a.length), a.length_dev, int(a.length_offset), int(a.k)}; }
#include "topk_multiblock.cuh"
#include "topk_coop.cuh"
}  // namespace

static void topk_cuda(const TopkArgs& a) {
  if (a.rows > 2147483647) fail(ErrorKind::Shape, "topk", "topk: too many rows");
  // Few long rows: spread each over many blocks (topk_multiblock.cuh).
  const int sms = cuda::probe().sm_count > 0 ? cuda::probe().sm_count : 132;
  if (a.rows < sms && a.length >= 16384) {
    // One cooperative launch when the row's keys fit in the resident blocks' registers.
    LRQK_FLOAT_SWITCH(a.x.dtype, T, "topk", {
      if (force_multiblock() || !coop::supported()) mb::launch<T>(a);
      else coop::launch<T>(a, coop::blocks_per_row<T>(a));
    });
    return;
  }
  LRQK_FLOAT_SWITCH(a.x.dtype, T, "topk",
    topk_kernel<T><<<unsigned(a.rows), kThreads, 0, cuda::stream()>>>(a.x.ptr<T>(), a.x.strides[0], row_len(a), int(a.k),
        a.largest, a.sort, a.values.ptr<T>(), a.indices.data, a.indices.dtype == DType::I64));
  cuda::check_launch("topk");
}
LRQK_REGISTER_KERNEL(TopkArgs, Cuda, topk_cuda);
}  // namespace lrqk
