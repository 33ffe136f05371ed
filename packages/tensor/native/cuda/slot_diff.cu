// One block per row. No sort is needed: each slot binary-searches its position in the (sorted)
// selection and marks the match as kept; block-wide scans then rank stale slots and fresh
// positions, and the r-th stale slot receives the r-th fresh position.
#include "../core/dispatch.h"
#include "../ops/slot_diff.h"
#include "common.cuh"

namespace lrqk {
namespace {
constexpr int kThreads = 512;

// Exclusive scan of per-thread counts across the block; returns this thread's offset and the total.
__device__ int block_exclusive_scan(int v, int* tmp, int* total) {
  const int t = threadIdx.x;
  tmp[t] = v;
  __syncthreads();
  for (int off = 1; off < kThreads; off <<= 1) {
    int add = t >= off ? tmp[t - off] : 0;
    __syncthreads();
    tmp[t] += add;
    __syncthreads();
  }
  int incl = tmp[t];
  *total = tmp[kThreads - 1];
  __syncthreads();
  return incl - v;
}

__global__ void slot_diff_kernel(int32_t* __restrict__ slot_map, const int32_t* __restrict__ selection,
                                 int32_t* __restrict__ load, unsigned long long* __restrict__ misses, int K) {
  extern __shared__ int smem[];
  int* kept = smem;            // K flags, indexed by selection index
  int* fresh = smem + K;       // K fresh positions, compacted
  int* scan_tmp = smem + 2 * K;
  const int b = blockIdx.x;
  int32_t* map = slot_map + int64_t(b) * K;
  const int32_t* sel = selection + int64_t(b) * K;
  int32_t* ld = load + int64_t(b) * K;
  // Contiguous chunk of slots/selection entries per thread keeps both rankings in ascending order.
  const int per = (K + kThreads - 1) / kThreads;
  const int lo = min(K, int(threadIdx.x) * per), hi = min(K, lo + per);
  for (int j = lo; j < hi; ++j) kept[j] = 0;
  __syncthreads();
  int stale_count = 0;
  for (int s = lo; s < hi; ++s) {
    const int pos = map[s];
    int l = 0, h = K;
    while (l < h) {
      int m = (l + h) >> 1;
      if (sel[m] < pos) l = m + 1; else h = m;
    }
    if (pos >= 0 && l < K && sel[l] == pos) kept[l] = 1;
    else ++stale_count;
  }
  __syncthreads();
  int fresh_count = 0;
  for (int j = lo; j < hi; ++j) fresh_count += kept[j] ? 0 : 1;
  int total_fresh = 0, total_stale = 0;
  int fresh_off = block_exclusive_scan(fresh_count, scan_tmp, &total_fresh);
  for (int j = lo; j < hi; ++j)
    if (!kept[j]) fresh[fresh_off++] = sel[j];
  int stale_off = block_exclusive_scan(stale_count, scan_tmp, &total_stale);
  __syncthreads();
  // Re-classify this thread's slots (map is unchanged so far) and assign in ascending slot order.
  for (int s = lo; s < hi; ++s) {
    const int pos = map[s];
    int l = 0, h = K;
    while (l < h) {
      int m = (l + h) >> 1;
      if (sel[m] < pos) l = m + 1; else h = m;
    }
    const bool hit = pos >= 0 && l < K && sel[l] == pos;
    int out = -1;
    if (!hit) {
      if (stale_off < total_fresh) {
        out = fresh[stale_off];
        map[s] = out;
      }
      ++stale_off;
    }
    ld[s] = out;
  }
  if (threadIdx.x == 0) misses[b] += (unsigned long long)min(total_fresh, total_stale);
}
}  // namespace

static void slot_diff_cuda(const SlotDiffArgs& a) {
  const int K = int(a.k);
  const size_t smem = size_t(2 * K + kThreads) * sizeof(int);
  if (smem > 48 * 1024)
    LRQK_CUDA_CHECK(cudaFuncSetAttribute(slot_diff_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(smem)), "slot_diff");
  slot_diff_kernel<<<unsigned(a.rows), kThreads, smem, cuda::stream()>>>(
      a.slot_map.ptr<int32_t>(), a.selection.ptr<int32_t>(), a.load.ptr<int32_t>(),
      reinterpret_cast<unsigned long long*>(a.misses.ptr<int64_t>()), K);
  cuda::check_launch("slot_diff");
}
LRQK_REGISTER_KERNEL(SlotDiffArgs, Cuda, slot_diff_cuda);
}  // namespace lrqk
