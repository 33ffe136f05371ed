// One block per row. No sort is needed: each slot binary-searches its position in the (sorted)
// selection and marks the match as kept; block-wide scans then rank stale slots and fresh
// positions, and the r-th stale slot receives the r-th fresh position.
#include "../core/dispatch.h"
#include "../ops/slot_diff.h"
#include "common.cuh"

namespace lrqk {
namespace {
constexpr int kThreads = 512;
constexpr int kWarps = kThreads / 32;

// Exclusive scans of two per-thread counts across the block at once (warp shuffles, one pass over
// the warp totals); returns the offsets and the totals.
__device__ void block_exclusive_scan2(int a, int b, int* warp_tot, int& a_off, int& b_off, int& a_tot, int& b_tot) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  int ia = a, ib = b;
  for (int o = 1; o < 32; o <<= 1) {
    const int ya = __shfl_up_sync(0xffffffffu, ia, o), yb = __shfl_up_sync(0xffffffffu, ib, o);
    if (lane >= o) {
      ia += ya;
      ib += yb;
    }
  }
  if (lane == 31) {
    warp_tot[warp] = ia;
    warp_tot[kWarps + warp] = ib;
  }
  __syncthreads();
  if (warp == 0) {
    int ta = lane < kWarps ? warp_tot[lane] : 0, tb = lane < kWarps ? warp_tot[kWarps + lane] : 0;
    for (int o = 1; o < 32; o <<= 1) {
      const int ya = __shfl_up_sync(0xffffffffu, ta, o), yb = __shfl_up_sync(0xffffffffu, tb, o);
      if (lane >= o) {
        ta += ya;
        tb += yb;
      }
    }
    if (lane < kWarps) {
      warp_tot[2 * kWarps + lane] = ta;  // inclusive prefix of the warp totals
      warp_tot[3 * kWarps + lane] = tb;
    }
  }
  __syncthreads();
  const int pa = warp > 0 ? warp_tot[2 * kWarps + warp - 1] : 0, pb = warp > 0 ? warp_tot[3 * kWarps + warp - 1] : 0;
  a_off = pa + ia - a;
  b_off = pb + ib - b;
  a_tot = warp_tot[3 * kWarps - 1];
  b_tot = warp_tot[4 * kWarps - 1];
}

// Index of pos in the ascending s[0..K), or -1.
__device__ __forceinline__ int find_sorted(const int* s, int K, int pos) {
  int l = 0, h = K;
  while (l < h) {
    const int m = (l + h) >> 1;
    if (s[m] < pos) l = m + 1; else h = m;
  }
  return pos >= 0 && l < K && s[l] == pos ? l : -1;
}

// The selection and the slot map are staged in shared memory (the binary searches were dependent
// global loads: ~13 µs a call for K = 2048), each slot is searched once (its hit kept in a bit
// mask), and the scans are warp shuffles.
__global__ void __launch_bounds__(kThreads) slot_diff_kernel(int32_t* __restrict__ slot_map, const int32_t* __restrict__ selection,
                                                              int32_t* __restrict__ load, unsigned long long* __restrict__ misses, int K) {
  extern __shared__ int smem[];
  int* ssel = smem;           // K selected positions (ascending)
  int* smap = smem + K;       // K slot positions
  int* kept = smem + 2 * K;   // K flags, indexed by selection index
  int* fresh = smem + 3 * K;  // K fresh positions, compacted
  int* warp_tot = smem + 4 * K;
  const int b = blockIdx.x;
  int32_t* map = slot_map + int64_t(b) * K;
  const int32_t* sel = selection + int64_t(b) * K;
  int32_t* ld = load + int64_t(b) * K;
  for (int j = threadIdx.x; j < K; j += kThreads) {
    ssel[j] = sel[j];
    smap[j] = map[j];
    kept[j] = 0;
  }
  __syncthreads();
  // Contiguous chunk of slots/selection entries per thread keeps both rankings in ascending order.
  const int per = (K + kThreads - 1) / kThreads;  // ≤ 32 (K ≤ 16384)
  const int lo = min(K, int(threadIdx.x) * per), hi = min(K, lo + per);
  unsigned hits = 0;
  int stale_count = 0;
  for (int s = lo; s < hi; ++s) {
    const int l = find_sorted(ssel, K, smap[s]);
    if (l >= 0) {
      kept[l] = 1;
      hits |= 1u << (s - lo);
    } else {
      ++stale_count;
    }
  }
  __syncthreads();
  int fresh_count = 0;
  for (int j = lo; j < hi; ++j) fresh_count += kept[j] ? 0 : 1;
  int fresh_off, stale_off, total_fresh, total_stale;
  block_exclusive_scan2(fresh_count, stale_count, warp_tot, fresh_off, stale_off, total_fresh, total_stale);
  for (int j = lo; j < hi; ++j)
    if (!kept[j]) fresh[fresh_off++] = ssel[j];
  __syncthreads();
  // The r-th stale slot (ascending) takes the r-th fresh position.
  for (int s = lo; s < hi; ++s) {
    int out = -1;
    if (!(hits >> (s - lo) & 1u)) {
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
  const size_t smem = size_t(4 * K + 4 * kWarps) * sizeof(int);
  if (smem > 48 * 1024)
    LRQK_CUDA_CHECK(cudaFuncSetAttribute(slot_diff_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(smem)), "slot_diff");
  slot_diff_kernel<<<unsigned(a.rows), kThreads, smem, cuda::stream()>>>(
      a.slot_map.ptr<int32_t>(), a.selection.ptr<int32_t>(), a.load.ptr<int32_t>(),
      reinterpret_cast<unsigned long long*>(a.misses.ptr<int64_t>()), K);
  cuda::check_launch("slot_diff");
}
LRQK_REGISTER_KERNEL(SlotDiffArgs, Cuda, slot_diff_cuda);
}  // namespace lrqk
