// Exact top-k of few long rows in ONE cooperative launch (LRQK's selection: 8 KV heads × 128K
// candidates). The multi-block variant (topk_multiblock.cuh) spends 5 launches and re-reads the row
// each time; ncu timed them at 42 µs for 4 MB of keys. Here every block owns 4096 consecutive
// keys, 16 per thread, loaded once into registers (rows longer than the resident blocks hold
// that way take several such tiles a block, re-read at each pass); the blocks of a row meet at
// row barriers (all blocks are resident: cooperative launch) instead of kernel boundaries:
//  1. radix select, 3 passes of 11, 11 and 10 bits: each block adds its histogram of the keys that
//     match the row's prefix into the row's global one, waits for the row's other blocks, and picks
//     the digit itself from the global histogram (every block computes the same pick);
//  2. each block counts its keys > T and == T, publishes them, waits, and sums the counts of the
//     blocks before it; one block-wide scan of the per-thread counts then places every taken key
//     (ties to the lowest indices), so results come out in ascending index order — as the output
//     when that order is asked for, else packed for finish_kernel's sort.
// Included by topk.cu after topk_multiblock.cuh (order_key, pack_result, RowLen, mb::pick_step).
namespace coop {
constexpr int kThreads = 256, kPer = 16, kKeysPerBlock = kThreads * kPer;
constexpr int kBarriers = mb::kPasses + 1;

struct RowScratch {
  unsigned hist[mb::kPasses][mb::kBins];
  unsigned barrier[kBarriers];
};

// Waits until `expected` blocks have arrived at this counter (all of them resident: cooperative
// launch). Thread 0 arrives for the block; the acquire makes the others' atomics visible.
__device__ __forceinline__ void row_barrier(unsigned* counter, unsigned expected) {
  __syncthreads();
  if (threadIdx.x == 0) {
    __threadfence();
    atomicAdd(counter, 1u);
    unsigned v;
    do {
      asm volatile("ld.acquire.gpu.global.u32 %0, [%1];" : "=r"(v) : "l"(counter) : "memory");
    } while (v < expected);
  }
  __syncthreads();
}

// This thread's kPer consecutive keys (0 past the row's end, flagged by `valid`).
template <class T>
__device__ __forceinline__ void load_keys(const T* xr, int first, int n, bool largest, uint32_t (&key)[kPer]) {
  if constexpr (sizeof(T) == 4) {
    if (first + kPer <= n && (reinterpret_cast<uintptr_t>(xr + first) & 15u) == 0) {
      float4 v[kPer / 4];
#pragma unroll
      for (int j = 0; j < kPer / 4; ++j) v[j] = __ldg(reinterpret_cast<const float4*>(xr + first) + j);
#pragma unroll
      for (int j = 0; j < kPer / 4; ++j) {
        key[4 * j] = order_key(v[j].x, largest);
        key[4 * j + 1] = order_key(v[j].y, largest);
        key[4 * j + 2] = order_key(v[j].z, largest);
        key[4 * j + 3] = order_key(v[j].w, largest);
      }
      return;
    }
  }
#pragma unroll
  for (int j = 0; j < kPer; ++j) key[j] = first + j < n ? order_key(xr[first + j], largest) : 0u;
}

template <class T>
__global__ void __launch_bounds__(kThreads, 4) coop_topk_kernel(const T* x, int64_t stride, RowLen len, int blocks_per_row, int tiles,
                                                                bool largest, int k, RowScratch* scratch, int2* counts, bool direct,
                                                                unsigned long long* sel, T* values, void* indices, bool i64) {
  __shared__ unsigned h[2][mb::kBins];  // two copies (by warp parity) halve the atomics' contention
  unsigned* hh = h[(threadIdx.x >> 5) & 1];
  __shared__ int s_scan[kThreads / 32 + 1];
  __shared__ int s_prev[2];
  const int row = blockIdx.x / blocks_per_row, blk = blockIdx.x % blocks_per_row;
  RowScratch* rs = scratch + row;
  const int n = len.get();
  const T* xr = x + row * stride;
  // This thread's keys of tile t: [first(t), first(t) + valid(t)). With one tile a block (LRQK's
  // shapes) they are loaded once and stay in registers through every pass.
  const auto first = [&](int t) { return (blk * tiles + t) * kKeysPerBlock + int(threadIdx.x) * kPer; };
  uint32_t key[kPer];
  load_keys(xr, first(0), n, largest, key);

  // 1. radix select over the row, the digit of each pass picked by every block alike.
  mb::RowState st{0u, 0u, k};
  for (int pass = 0; pass < mb::kPasses; ++pass) {
    for (int b = threadIdx.x; b < 2 * mb::kBins; b += kThreads) (&h[0][0])[b] = 0;
    __syncthreads();
    const int shift = mb::digit_shift(pass);
    const uint32_t dm = mb::digit_mask(pass);
    for (int t = 0; t < tiles; ++t) {
      if (tiles > 1) load_keys(xr, first(t), n, largest, key);
      const int valid = max(0, min(kPer, n - first(t)));
#pragma unroll
      for (int j = 0; j < kPer; ++j)
        if (j < valid && (key[j] & st.mask) == st.prefix) atomicAdd(&hh[(key[j] >> shift) & dm], 1u);
    }
    __syncthreads();
    for (int b = threadIdx.x; b < mb::kBins; b += kThreads) {
      const unsigned v = h[0][b] + h[1][b];
      if (v) atomicAdd(&rs->hist[pass][b], v);
    }
    row_barrier(&rs->barrier[pass], unsigned(blocks_per_row));
    st = mb::pick_step(rs->hist[pass], pass, st);
  }
  const uint32_t thresh = st.prefix;
  const int need_eq = st.remaining;

  // 2. this block's keys > T and == T, published; then the sums of the row's blocks before it.
  int gt = 0, eq = 0;
  for (int t = 0; t < tiles; ++t) {
    if (tiles > 1) load_keys(xr, first(t), n, largest, key);
    const int valid = max(0, min(kPer, n - first(t)));
#pragma unroll
    for (int j = 0; j < kPer; ++j) {
      gt += j < valid && key[j] > thresh;
      eq += j < valid && key[j] == thresh;
    }
  }
  for (int o = 16; o > 0; o >>= 1) {
    gt += __shfl_xor_sync(0xffffffffu, gt, o);
    eq += __shfl_xor_sync(0xffffffffu, eq, o);
  }
  if (threadIdx.x == 0) s_prev[0] = s_prev[1] = 0;
  __syncthreads();
  if ((threadIdx.x & 31) == 0) {
    atomicAdd(&s_prev[0], gt);
    atomicAdd(&s_prev[1], eq);
  }
  __syncthreads();
  if (threadIdx.x == 0) counts[row * blocks_per_row + blk] = make_int2(s_prev[0], s_prev[1]);
  row_barrier(&rs->barrier[mb::kPasses], unsigned(blocks_per_row));
  int gt_prev = 0, eq_prev = 0;
  for (int b = threadIdx.x; b < blk; b += kThreads) {
    const int2 c = __ldcg(&counts[row * blocks_per_row + b]);
    gt_prev += c.x;
    eq_prev += c.y;
  }
  for (int o = 16; o > 0; o >>= 1) {
    gt_prev += __shfl_xor_sync(0xffffffffu, gt_prev, o);
    eq_prev += __shfl_xor_sync(0xffffffffu, eq_prev, o);
  }
  __syncthreads();
  if (threadIdx.x == 0) s_prev[0] = s_prev[1] = 0;
  __syncthreads();
  if ((threadIdx.x & 31) == 0 && (gt_prev | eq_prev)) {
    atomicAdd(&s_prev[0], gt_prev);
    atomicAdd(&s_prev[1], eq_prev);
  }
  __syncthreads();
  int gt_run = s_prev[0], eq_run = s_prev[1];  // keys > T and == T before the current tile

  // 3. place the taken keys, a tile at a time: position = keys taken before this one in index order.
  unsigned long long* out = direct ? nullptr : sel + int64_t(row) * k;
  for (int t = 0; t < tiles; ++t) {
    if (tiles > 1) load_keys(xr, first(t), n, largest, key);
    const int valid = max(0, min(kPer, n - first(t)));
    int tgt = 0, teq = 0;
#pragma unroll
    for (int j = 0; j < kPer; ++j) {
      tgt += j < valid && key[j] > thresh;
      teq += j < valid && key[j] == thresh;
    }
    // Block-wide exclusive scan of (eq << 16 | gt): at most 4096 of each a tile.
    const int packed = (teq << 16) | tgt;
    int incl = packed;
    for (int o = 1; o < 32; o <<= 1) {
      const int u = __shfl_up_sync(0xffffffffu, incl, o);
      if ((threadIdx.x & 31) >= o) incl += u;
    }
    int tile_total;
    const int warp_off = warp_offsets<kThreads / 32>(__shfl_sync(0xffffffffu, incl, 31), s_scan, &tile_total);
    const int excl = warp_off + incl - packed;
    int gt_before = gt_run + (excl & 0xffff), eq_before = eq_run + (excl >> 16);
#pragma unroll
    for (int j = 0; j < kPer; ++j) {
      if (j >= valid) break;
      const bool is_gt = key[j] > thresh, is_eq = key[j] == thresh;
      if (is_gt || (is_eq && eq_before < need_eq)) {
        const int pos = gt_before + min(eq_before, need_eq);
        const int i = first(t) + j;
        if (pos < k) {
          if (!direct) {
            out[pos] = pack_result(key[j], i);
          } else {
            values[int64_t(row) * k + pos] = xr[i];
            if (i64) static_cast<int64_t*>(indices)[int64_t(row) * k + pos] = i;
            else static_cast<int32_t*>(indices)[int64_t(row) * k + pos] = int32_t(i);
          }
        }
      }
      gt_before += is_gt;
      eq_before += is_eq;
    }
    gt_run += tile_total & 0xffff;
    eq_run += tile_total >> 16;
  }
}

// Whether the device can launch cooperative kernels (not, e.g., under some MPS / MIG setups): the
// multi-launch variant runs otherwise.
inline bool supported() {
  static const int ok = [] {
    int dev = 0, v = 0;
    if (cudaGetDevice(&dev) != cudaSuccess || cudaDeviceGetAttribute(&v, cudaDevAttrCooperativeLaunch, dev) != cudaSuccess) {
      cudaGetLastError();
      return 0;
    }
    return v;
  }();
  return ok != 0;
}

// Blocks a row gets: every block resident at once (the row barriers wait on all of them, and a
// cooperative launch guarantees it), one tile of 4096 keys a block when the rows are short enough,
// else several tiles a block.
template <class T>
int blocks_per_row(const TopkArgs& a) {
  int resident = 0;
  LRQK_CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&resident, coop_topk_kernel<T>, kThreads, 0), "topk");
  const int sms = cuda::probe().sm_count > 0 ? cuda::probe().sm_count : 0;
  const int64_t capacity = int64_t(resident) * sms / a.rows;
  const int64_t tiles = (a.length + kKeysPerBlock - 1) / kKeysPerBlock;
  return int(std::max<int64_t>(1, std::min(tiles, capacity)));
}

template <class T>
void launch(const TopkArgs& a, int per_row) {
  const int rows = int(a.rows), k = int(a.k);
  const int tiles = int((a.length + int64_t(per_row) * kKeysPerBlock - 1) / (int64_t(per_row) * kKeysPerBlock));
  const bool direct = a.sort != 0;
  mb::Scratch<RowScratch> scratch(rows, per_row, k, direct);
  RowScratch* rs = scratch.rows;
  int2* counts = scratch.counts;
  unsigned long long* sel = scratch.sel;
  cudaStream_t stream = cuda::stream();
  cuda::memset_async(rs, 0, scratch.rows_bytes);
  cudaLaunchConfig_t cfg{};
  cfg.gridDim = dim3(unsigned(per_row * rows));
  cfg.blockDim = dim3(kThreads);
  cfg.stream = stream;
  cudaLaunchAttribute attr[1];
  attr[0].id = cudaLaunchAttributeCooperative;
  attr[0].val.cooperative = 1;
  cfg.attrs = attr;
  cfg.numAttrs = 1;
  LRQK_CUDA_CHECK(cudaLaunchKernelEx(&cfg, coop_topk_kernel<T>, a.x.ptr<T>(), a.x.strides[0], row_len(a), per_row, tiles, bool(a.largest), k, rs,
                                     counts, direct, sel, a.values.ptr<T>(), a.indices.data, a.indices.dtype == DType::I64),
                  "topk");
  if (!direct)
    mb::finish_kernel<T><<<unsigned(rows), 1024, 0, stream>>>(a.x.ptr<T>(), a.x.strides[0], sel, k, a.values.ptr<T>(), a.indices.data,
                                                             a.indices.dtype == DType::I64);
  cuda::check_launch("topk");
}
}  // namespace coop
