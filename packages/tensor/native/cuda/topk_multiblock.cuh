// Exact top-k of few long rows (rows < SMs, n ≥ 16K) spread over many blocks per row, in 6
// launches (7 when sorted by value) — where cooperative launch is unavailable; topk_coop.cuh does
// the same in one launch (ncu at 128K × 8 rows: 42 → 22 µs). Inside a
// captured graph each launch costs a few µs, more than reading the data (8 × 128K f32 scores are
// 4 MB), so the number of launches sets the time.
//  1. radix select, 3 passes of 11, 11 and 10 bits: hist_kernel adds each block's histogram of the
//     keys that match the row's prefix into the pass's global one; the row's last block to finish
//     (a counter per pass) picks the bin holding the k-th key (same rule as topk.cu) and stores
//     the extended prefix, which the next launches read (no launch is spent on the pick, and no
//     block repeats the earlier passes' picks);
//  2. count_kernel: keys > T and == T per block; compact_kernel: each block places its taken keys
//     after those of the blocks before it (an exclusive sum over the row's counts), ties to the
//     lowest indices — so the k results come out in ascending index order, written as the output
//     when that order is asked for;
//  3. otherwise finish_kernel (a block per row) sorts them by (key desc, index asc).
// Included by topk.cu inside its anonymous namespace (order_key, kMaxK, RowLen).
namespace mb {
constexpr int kThreads = 256, kWarps = kThreads / 32;
constexpr int kPasses = 3;
constexpr int kBins = 2048;  // 11-bit digits (the last pass uses 1024 bins)

__device__ __forceinline__ int digit_shift(int pass) { return pass == 0 ? 21 : (pass == 1 ? 10 : 0); }
__device__ __forceinline__ uint32_t digit_mask(int pass) { return pass < 2 ? 0x7ffu : 0x3ffu; }

struct RowState {
  uint32_t prefix, mask;
  int remaining;
};

// One radix-select step for every thread of the block: the bin of this pass's histogram h where
// the count of keys in higher bins first reaches `remaining` extends the prefix.
__device__ RowState pick_step(const unsigned* h, int pass, RowState st) {
  __shared__ unsigned s_warp[kWarps];
  __shared__ int s_bin;
  __shared__ unsigned s_above;
  constexpr int per = kBins / kThreads;
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  unsigned v[per];
  unsigned sum = 0;
#pragma unroll
  for (int i = 0; i < per; ++i) {
    v[i] = __ldcg(h + tid * per + i);  // L2: filled by other blocks' atomics
    sum += v[i];
  }
  // Suffix sums: keys in the bins of this lane and the lanes above it, then of the warps above.
  unsigned incl = sum;
  for (int o = 1; o < 32; o <<= 1) {
    const unsigned t = __shfl_down_sync(0xffffffffu, incl, o);
    if (lane + o < 32) incl += t;
  }
  if (lane == 0) s_warp[warp] = incl;
  if (tid == 0) {
    s_bin = 0;
    s_above = 0;
  }
  __syncthreads();
  unsigned cum = incl - sum;
  for (int w = warp + 1; w < kWarps; ++w) cum += s_warp[w];
  const unsigned need = unsigned(st.remaining);
  for (int i = per - 1; i >= 0; --i) {
    if (cum + v[i] >= need) {
      if (cum < need) {  // the one bin where the count crosses `need`
        s_bin = tid * per + i;
        s_above = cum;
      }
      break;
    }
    cum += v[i];
  }
  __syncthreads();
  st.remaining -= int(s_above);
  st.prefix |= uint32_t(s_bin) << digit_shift(pass);
  st.mask |= digit_mask(pass) << digit_shift(pass);
  __syncthreads();  // s_* are reused by the next call
  return st;
}

// Per row: the histogram of every pass, the state after each pass (written by the pass's last
// block, so that later kernels read it instead of recomputing every earlier step in every block)
// and the blocks that finished each pass.
struct RowScratch {
  unsigned hist[kPasses][kBins];
  RowState state[kPasses];
  unsigned done[kPasses];
};

__device__ __forceinline__ RowState state_after(const RowScratch* rs, int passes, int k) {
  if (passes == 0) return RowState{0u, 0u, k};
  const RowState* p = &rs->state[passes - 1];
  return RowState{__ldcg(&p->prefix), __ldcg(&p->mask), __ldcg(&p->remaining)};
}

template <class T>
__global__ void __launch_bounds__(kThreads) hist_kernel(const T* x, int64_t stride, RowLen len, int chunk, bool largest, int pass, int k,
                                                        RowScratch* scratch) {
  __shared__ unsigned h[2][kBins];
  __shared__ bool s_last;
  const int row = blockIdx.y;
  RowScratch* rs = scratch + row;
  const RowState s = state_after(rs, pass, k);
  const int n = len.get();
  for (int i = threadIdx.x; i < 2 * kBins; i += kThreads) (&h[0][0])[i] = 0;
  __syncthreads();
  const T* xr = x + row * stride;
  const int begin = blockIdx.x * chunk, end = min(n, begin + chunk);
  const int shift = digit_shift(pass);
  const uint32_t dm = digit_mask(pass);
  unsigned* hh = h[(threadIdx.x >> 5) & 1];
  for (int i = begin + int(threadIdx.x); i < end; i += kThreads) {
    const uint32_t key = order_key(xr[i], largest);
    if ((key & s.mask) == s.prefix) atomicAdd(&hh[(key >> shift) & dm], 1u);
  }
  __syncthreads();
  for (int b = threadIdx.x; b < kBins; b += kThreads) {
    const unsigned v = h[0][b] + h[1][b];
    if (v) atomicAdd(&rs->hist[pass][b], v);
  }
  // The row's last block to finish picks this pass's digit (threadFenceReduction pattern).
  __threadfence();
  __syncthreads();
  if (threadIdx.x == 0) s_last = atomicAdd(&rs->done[pass], 1u) == gridDim.x - 1;
  __syncthreads();
  if (!s_last) return;  // block-uniform
  __threadfence();
  const RowState t = pick_step(rs->hist[pass], pass, s);
  if (threadIdx.x == 0) rs->state[pass] = t;
}

template <class T>
__global__ void __launch_bounds__(kThreads) count_kernel(const T* x, int64_t stride, RowLen len, int chunk, bool largest, int k,
                                                         const RowScratch* scratch, int2* counts) {
  __shared__ int s_gt, s_eq;
  const int row = blockIdx.y;
  const uint32_t t = state_after(scratch + row, kPasses, k).prefix;
  const int n = len.get();
  if (threadIdx.x == 0) s_gt = s_eq = 0;
  __syncthreads();
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

// Writes the taken keys in ascending index order: as values and indices when `direct`, else packed
// (key, ~index) into sel for finish_kernel.
template <class T>
__global__ void __launch_bounds__(kThreads) compact_kernel(const T* x, int64_t stride, RowLen len, int chunk, bool largest,
                                                           const RowScratch* scratch, const int2* counts, int k, bool direct,
                                                           unsigned long long* sel, T* values, void* indices, bool i64) {
  __shared__ int scratch_scan[kWarps + 1];
  __shared__ int s_prev[2];
  const int row = blockIdx.y, blk = blockIdx.x;
  const RowState s = state_after(scratch + row, kPasses, k);
  const int n = len.get();
  const uint32_t thresh = s.prefix;
  const int need_eq = s.remaining;
  // Counts of the blocks before this one, summed by the block (all loads in flight at once).
  int gt_prev = 0, eq_prev = 0;
  for (int b = threadIdx.x; b < blk; b += kThreads) {
    const int2 c = counts[row * gridDim.x + b];
    gt_prev += c.x;
    eq_prev += c.y;
  }
  if (threadIdx.x == 0) s_prev[0] = s_prev[1] = 0;
  for (int o = 16; o > 0; o >>= 1) {
    gt_prev += __shfl_xor_sync(0xffffffffu, gt_prev, o);
    eq_prev += __shfl_xor_sync(0xffffffffu, eq_prev, o);
  }
  __syncthreads();
  if ((threadIdx.x & 31) == 0 && (gt_prev | eq_prev)) {
    atomicAdd(&s_prev[0], gt_prev);
    atomicAdd(&s_prev[1], eq_prev);
  }
  __syncthreads();
  gt_prev = s_prev[0];
  eq_prev = s_prev[1];
  int taken = gt_prev + min(eq_prev, need_eq);
  if (taken >= k) return;  // block-uniform
  int eq_seen = eq_prev;
  const T* xr = x + row * stride;
  unsigned long long* out = direct ? nullptr : sel + int64_t(row) * k;
  const int begin = blk * chunk, end = min(n, begin + chunk);
  // The next tile's key is loaded before this tile's compaction (its barriers would otherwise wait
  // on every load).
  uint32_t next = begin + int(threadIdx.x) < end ? order_key(xr[begin + threadIdx.x], largest) : 0u;
  for (int base = begin; base < end; base += kThreads) {
    const int i = base + int(threadIdx.x);
    const bool in = i < end;
    const uint32_t key = next;
    if (i + kThreads < end) next = order_key(xr[i + kThreads], largest);
    compact_tile<kWarps>(in, key, thresh, need_eq, taken, eq_seen, scratch_scan, [&](int pos) {
      if (pos >= k) return;
      if (!direct) {
        out[pos] = pack_result(key, i);
      } else {
        values[int64_t(row) * k + pos] = xr[i];
        if (i64) static_cast<int64_t*>(indices)[int64_t(row) * k + pos] = i;
        else static_cast<int32_t*>(indices)[int64_t(row) * k + pos] = int32_t(i);
      }
    });
    if (taken >= k) break;  // block-uniform
  }
}

// 1024 threads per row: the row's k packed (key, ~index) results sorted by value (key desc, index asc).
template <class T>
__global__ void __launch_bounds__(1024) finish_kernel(const T* x, int64_t stride, const unsigned long long* sel, int k, T* values,
                                                      void* indices, bool i64) {
  __shared__ unsigned long long s[kMaxK];
  const int row = blockIdx.x;
  const unsigned long long* in = sel + int64_t(row) * k;
  for (int i = threadIdx.x; i < k; i += 1024) s[i] = in[i];
  bitonic_desc(s, k, 1024);
  write_results(x + row * stride, s, k, row, 1024, values, indices, i64);
}

// One device allocation for a launch of a multi-block variant: per-row state S (zeroed by the
// caller), per-block (gt, eq) counts, and the packed results when they are sorted afterwards.
template <class S>
struct Scratch {
  uint8_t* base;
  size_t rows_bytes, bytes;
  S* rows;
  int2* counts;
  unsigned long long* sel;
  Scratch(int n_rows, int blocks, int k, bool direct) {
    rows_bytes = (size_t(n_rows) * sizeof(S) + 15) / 16 * 16;
    const size_t cnt_bytes = size_t(n_rows) * blocks * sizeof(int2);
    bytes = rows_bytes + cnt_bytes + (direct ? 0 : size_t(n_rows) * k * sizeof(unsigned long long));
    base = static_cast<uint8_t*>(cuda::device_alloc(bytes));
    rows = reinterpret_cast<S*>(base);
    counts = reinterpret_cast<int2*>(base + rows_bytes);
    sel = direct ? nullptr : reinterpret_cast<unsigned long long*>(base + rows_bytes + cnt_bytes);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch() { cuda::device_free(base, bytes); }  // stream-ordered: reused only after the kernels ran
};

template <class T>
void launch(const TopkArgs& a) {
  const int rows = int(a.rows), n = int(a.length), k = int(a.k);
  const RowLen len = row_len(a);  // blocks past a shorter device-side length find no keys
  const int sms = cuda::probe().sm_count > 0 ? cuda::probe().sm_count : 132;
  int blocks = std::max(1, (2 * sms + rows - 1) / rows);
  blocks = std::min(blocks, (n + 4095) / 4096);  // at least 4096 keys a block
  int chunk = (n + blocks - 1) / blocks;
  chunk = (chunk + kThreads - 1) / kThreads * kThreads;
  blocks = (n + chunk - 1) / chunk;
  const bool direct = a.sort != 0;  // index order is the order compaction produces
  Scratch<RowScratch> scratch(rows, blocks, k, direct);
  RowScratch* hist = scratch.rows;
  int2* counts = scratch.counts;
  unsigned long long* sel = scratch.sel;
  cudaStream_t stream = cuda::stream();
  const T* x = a.x.ptr<T>();
  const int64_t stride = a.x.strides[0];
  const bool i64 = a.indices.dtype == DType::I64;
  cuda::memset_async(hist, 0, scratch.rows_bytes);
  const dim3 grid(static_cast<unsigned>(blocks), static_cast<unsigned>(rows), 1u);
  for (int pass = 0; pass < kPasses; ++pass) hist_kernel<T><<<grid, kThreads, 0, stream>>>(x, stride, len, chunk, a.largest, pass, k, hist);
  count_kernel<T><<<grid, kThreads, 0, stream>>>(x, stride, len, chunk, a.largest, k, hist, counts);
  compact_kernel<T><<<grid, kThreads, 0, stream>>>(x, stride, len, chunk, a.largest, hist, counts, k, direct, sel, a.values.ptr<T>(),
                                                   a.indices.data, i64);
  if (!direct) finish_kernel<T><<<unsigned(rows), 1024, 0, stream>>>(x, stride, sel, k, a.values.ptr<T>(), a.indices.data, i64);
  cuda::check_launch("topk");
}
}  // namespace mb
