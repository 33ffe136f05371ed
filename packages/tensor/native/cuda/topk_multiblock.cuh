// Exact top-k of few long rows (rows < SMs, n ≥ 16K; LRQK's selection: 8 KV heads × 128K
// candidates) spread over many blocks per row. The one-block-per-row kernel of topk.cu leaves all
// but `rows` SMs idle and spends ~0.2 ms on 8 × 128K; here every pass is a grid of (B, rows)
// blocks, B chosen to fill the GPU twice over:
//  1. radix select, 4 passes of 8 bits: hist_kernel adds each block's histogram of the keys that
//     match the row's prefix into a global one; pick_kernel (a block per row) finds the bin holding
//     the k-th key and extends the prefix (same rule as topk.cu);
//  2. count_kernel: keys > T and == T per block; compact_kernel: each block places its taken keys
//     after those of the blocks before it (an exclusive sum over the row's counts), ties to the
//     lowest indices — so the k results come out in ascending index order;
//  3. finish_kernel (a block per row): optional bitonic sort by (key desc, index asc), then values
//     and indices.
// Included by topk.cu inside its anonymous namespace (order_key, kMaxK).
namespace mb {
constexpr int kThreads = 256, kWarps = kThreads / 32;

struct RowState {
  uint32_t prefix, mask;
  int remaining, pad;
};

__global__ void init_kernel(RowState* st, int rows, int k) {
  const int r = blockIdx.x * blockDim.x + threadIdx.x;
  if (r < rows) st[r] = RowState{0u, 0u, k, 0};
}

template <class T>
__global__ void __launch_bounds__(kThreads) hist_kernel(const T* x, int64_t stride, int n, int chunk, bool largest, int shift,
                                                        const RowState* st, unsigned* ghist) {
  __shared__ unsigned h[4][256];
  for (int i = threadIdx.x; i < 4 * 256; i += kThreads) (&h[0][0])[i] = 0;
  __syncthreads();
  const int row = blockIdx.y;
  const RowState s = st[row];
  const T* xr = x + row * stride;
  const int begin = blockIdx.x * chunk, end = min(n, begin + chunk);
  unsigned* hh = h[(threadIdx.x >> 5) & 3];
  for (int i = begin + int(threadIdx.x); i < end; i += kThreads) {
    const uint32_t key = order_key(xr[i], largest);
    if ((key & s.mask) == s.prefix) atomicAdd(&hh[(key >> shift) & 255u], 1u);
  }
  __syncthreads();
  for (int b = threadIdx.x; b < 256; b += kThreads) {
    const unsigned v = h[0][b] + h[1][b] + h[2][b] + h[3][b];
    if (v) atomicAdd(&ghist[row * 256 + b], v);
  }
}

// 256 threads per row: reads and clears the row's histogram, then thread 0 moves the prefix.
__global__ void pick_kernel(unsigned* ghist, RowState* st, int shift) {
  __shared__ unsigned hs[256];
  const int row = blockIdx.x;
  hs[threadIdx.x] = ghist[row * 256 + threadIdx.x];
  ghist[row * 256 + threadIdx.x] = 0;  // ready for the next pass
  __syncthreads();
  if (threadIdx.x == 0) {
    RowState s = st[row];
    unsigned cum = 0;
    int b = 255;
    for (; b > 0; --b) {
      if (cum + hs[b] >= unsigned(s.remaining)) break;
      cum += hs[b];
    }
    s.remaining -= int(cum);
    s.prefix |= uint32_t(b) << shift;
    s.mask |= 255u << shift;
    st[row] = s;
  }
}

template <class T>
__global__ void __launch_bounds__(kThreads) count_kernel(const T* x, int64_t stride, int n, int chunk, bool largest,
                                                         const RowState* st, int2* counts) {
  __shared__ int s_gt, s_eq;
  if (threadIdx.x == 0) s_gt = s_eq = 0;
  __syncthreads();
  const int row = blockIdx.y;
  const uint32_t t = st[row].prefix;
  const T* xr = x + row * stride;
  const int begin = blockIdx.x * chunk, end = min(n, begin + chunk);
  int gt = 0, eq = 0;
  for (int i = begin + int(threadIdx.x); i < end; i += kThreads) {
    const uint32_t key = order_key(xr[i], largest);
    gt += key > t;
    eq += key == t;
  }
  for (int o = 16; o > 0; o >>= 1) {
    gt += __shfl_xor_sync(0xffffffffu, gt, o);
    eq += __shfl_xor_sync(0xffffffffu, eq, o);
  }
  if ((threadIdx.x & 31) == 0) {
    atomicAdd(&s_gt, gt);
    atomicAdd(&s_eq, eq);
  }
  __syncthreads();
  if (threadIdx.x == 0) counts[row * gridDim.x + blockIdx.x] = make_int2(s_gt, s_eq);
}

// Exclusive offset of this warp's `count` among the block's warps, and the block total.
__device__ __forceinline__ int block_offsets(int count, int* scratch, int* total) {
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  if (lane == 0) scratch[warp] = count;
  __syncthreads();
  if (warp == 0) {
    const int v = lane < kWarps ? scratch[lane] : 0;
    int incl = v;
    for (int o = 1; o < 32; o <<= 1) {
      const int u = __shfl_up_sync(0xffffffffu, incl, o);
      if (lane >= o) incl += u;
    }
    if (lane < kWarps) scratch[lane] = incl - v;
    if (lane == kWarps - 1) scratch[kWarps] = incl;
  }
  __syncthreads();
  const int off = scratch[warp];
  *total = scratch[kWarps];
  __syncthreads();
  return off;
}

template <class T>
__global__ void __launch_bounds__(kThreads) compact_kernel(const T* x, int64_t stride, int n, int chunk, bool largest,
                                                           const RowState* st, const int2* counts, int k,
                                                           unsigned long long* sel) {
  __shared__ int scratch[kWarps + 1];
  const int row = blockIdx.y, blk = blockIdx.x, lane = threadIdx.x & 31;
  const RowState s = st[row];
  const uint32_t thresh = s.prefix;
  const int need_eq = s.remaining;
  int gt_prev = 0, eq_prev = 0;
  for (int b = 0; b < blk; ++b) {
    const int2 c = counts[row * gridDim.x + b];
    gt_prev += c.x;
    eq_prev += c.y;
  }
  int taken = gt_prev + min(eq_prev, need_eq);
  if (taken >= k) return;  // block-uniform
  int eq_seen = eq_prev;
  const T* xr = x + row * stride;
  unsigned long long* out = sel + int64_t(row) * k;
  const int begin = blk * chunk, end = min(n, begin + chunk);
  const unsigned lt_mask = (1u << lane) - 1u;
  for (int base = begin; base < end; base += kThreads) {
    const int i = base + int(threadIdx.x);
    const bool in = i < end;
    const uint32_t key = in ? order_key(xr[i], largest) : 0u;
    const bool gt = in && key > thresh;
    const bool eq = in && key == thresh;
    const unsigned eq_ballot = __ballot_sync(0xffffffffu, eq);
    int eq_total;
    const int eq_off = block_offsets(__popc(eq_ballot), scratch, &eq_total);
    const int eq_rank = eq_seen + eq_off + __popc(eq_ballot & lt_mask);
    const bool take = gt || (eq && eq_rank < need_eq);
    const unsigned take_ballot = __ballot_sync(0xffffffffu, take);
    int take_total;
    const int take_off = block_offsets(__popc(take_ballot), scratch, &take_total);
    if (take) {
      const int pos = taken + take_off + __popc(take_ballot & lt_mask);
      if (pos < k) out[pos] = (static_cast<unsigned long long>(key) << 32) | (0xffffffffu - uint32_t(i));
    }
    taken += take_total;
    eq_seen += eq_total;
    if (taken >= k) break;  // block-uniform
  }
}

// 1024 threads per row: the row's k packed (key, ~index) results, sorted by value when asked.
template <class T>
__global__ void __launch_bounds__(1024) finish_kernel(const T* x, int64_t stride, const unsigned long long* sel, int k, int sort,
                                                      T* values, void* indices, bool i64) {
  __shared__ unsigned long long s[kMaxK];
  const int row = blockIdx.x, tid = threadIdx.x;
  const unsigned long long* in = sel + int64_t(row) * k;
  if (sort == 0) {
    int p2 = 1;
    while (p2 < k) p2 <<= 1;
    for (int i = tid; i < p2; i += 1024) s[i] = i < k ? in[i] : 0ull;
    __syncthreads();
    for (int size = 2; size <= p2; size <<= 1) {
      for (int stride2 = size >> 1; stride2 > 0; stride2 >>= 1) {
        for (int i = tid; i < p2; i += 1024) {
          const int j = i ^ stride2;
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
  const T* xr = x + row * stride;
  for (int j = tid; j < k; j += 1024) {
    const unsigned long long v = sort == 0 ? s[j] : in[j];
    const uint32_t idx = 0xffffffffu - uint32_t(v & 0xffffffffull);
    values[int64_t(row) * k + j] = xr[idx];
    if (i64) static_cast<int64_t*>(indices)[int64_t(row) * k + j] = idx;
    else static_cast<int32_t*>(indices)[int64_t(row) * k + j] = int32_t(idx);
  }
}

template <class T>
void launch(const TopkArgs& a) {
  const int rows = int(a.rows), n = int(a.length), k = int(a.k);
  const int sms = cuda::probe().sm_count > 0 ? cuda::probe().sm_count : 132;
  int blocks = std::max(1, (2 * sms + rows - 1) / rows);
  blocks = std::min(blocks, (n + 4095) / 4096);  // at least 4096 keys a block
  int chunk = (n + blocks - 1) / blocks;
  chunk = (chunk + kThreads - 1) / kThreads * kThreads;
  blocks = (n + chunk - 1) / chunk;
  // Scratch, one allocation: row states, histograms, per-block counts, packed results.
  const size_t st_bytes = size_t(rows) * sizeof(RowState), hist_bytes = size_t(rows) * 256 * sizeof(unsigned);
  const size_t cnt_bytes = size_t(rows) * blocks * sizeof(int2), sel_bytes = size_t(rows) * k * sizeof(unsigned long long);
  const size_t bytes = st_bytes + hist_bytes + cnt_bytes + sel_bytes;
  uint8_t* base = static_cast<uint8_t*>(cuda::device_alloc(bytes));
  auto* st = reinterpret_cast<RowState*>(base);
  auto* hist = reinterpret_cast<unsigned*>(base + st_bytes);
  auto* counts = reinterpret_cast<int2*>(base + st_bytes + hist_bytes);
  auto* sel = reinterpret_cast<unsigned long long*>(base + st_bytes + hist_bytes + cnt_bytes);
  cudaStream_t stream = cuda::stream();
  const T* x = a.x.ptr<T>();
  const int64_t stride = a.x.strides[0];
  cuda::memset_async(hist, 0, hist_bytes);
  init_kernel<<<(rows + 127) / 128, 128, 0, stream>>>(st, rows, k);
  const dim3 grid(static_cast<unsigned>(blocks), static_cast<unsigned>(rows), 1u);
  for (int pass = 0; pass < 4; ++pass) {
    const int shift = 24 - 8 * pass;
    hist_kernel<T><<<grid, kThreads, 0, stream>>>(x, stride, n, chunk, a.largest, shift, st, hist);
    pick_kernel<<<unsigned(rows), 256, 0, stream>>>(hist, st, shift);
  }
  count_kernel<T><<<grid, kThreads, 0, stream>>>(x, stride, n, chunk, a.largest, st, counts);
  compact_kernel<T><<<grid, kThreads, 0, stream>>>(x, stride, n, chunk, a.largest, st, counts, k, sel);
  finish_kernel<T><<<unsigned(rows), 1024, 0, stream>>>(x, stride, sel, k, a.sort, a.values.ptr<T>(), a.indices.data,
                                                       a.indices.dtype == DType::I64);
  cuda::check_launch("topk");
  cuda::device_free(base, bytes);  // stream-ordered: reused only after the kernels ran
}
}  // namespace mb
