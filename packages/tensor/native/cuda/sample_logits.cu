// Block per row (1024 threads). Thresholds instead of sorting: top-k and top-p each become one
// radix selection (by count and by probability mass) over order-preserving keys of z; min-p is a
// direct bound; the draw is an ordered scan of kept mass in tiles of 1024 tokens.
#include "../core/dispatch.h"
#include "../ops/sample_logits.h"
#include "common.cuh"
#include "radix_select.cuh"
#include "reduce.cuh"

namespace lrqk {
namespace {
constexpr int kThreads = 1024;

template <class T>
__global__ void sample_kernel(const T* logits, const float* uniforms, int32_t* out, int V, float inv_t, bool greedy, int top_k,
                              float top_p, float min_p) {
  __shared__ float hist[dev::kRadixHists][256];
  __shared__ uint32_t s_state[2];
  __shared__ float s_rem;
  __shared__ float scratch[32];
  __shared__ float tile[kThreads];
  __shared__ int s_pick;
  const T* row = logits + int64_t(blockIdx.x) * V;
  const int tid = threadIdx.x;
  auto zval = [&](int i) {
    float v = dev::to_f32(row[i]);
    return isnan(v) ? -INFINITY : v * inv_t;
  };
  // max (and greedy argmax with lowest-index ties)
  float m = -INFINITY;
  for (int i = tid; i < V; i += kThreads) m = fmaxf(m, zval(i));
  m = dev::block_max(m, scratch);
  if (greedy) {
    if (tid == 0) s_pick = V;
    __syncthreads();
    for (int i = tid; i < V; i += kThreads)
      if (zval(i) == m) atomicMin(&s_pick, i);
    __syncthreads();
    if (tid == 0) out[blockIdx.x] = s_pick == V ? 0 : s_pick;
    return;
  }
  uint32_t kmin = 0;  // keys below kmin are dropped
  if (top_k > 0 && top_k < V) {
    auto kw = [&](int i, uint32_t* key, float* w) { *key = dev::float_key(zval(i)); *w = 1.f; };
    kmin = dev::radix_select(V, float(top_k), kw, hist, s_state, &s_rem).key;
  }
  if (min_p > 0.f) kmin = max(kmin, dev::float_key(m + logf(min_p)));
  // Top-p on the mass of what top-k kept (min-p applies after, as HF orders the warpers).
  if (top_p < 1.f) {
    const uint32_t kk = top_k > 0 && top_k < V ? kmin : 0u;
    float total = 0.f;
    for (int i = tid; i < V; i += kThreads) {
      float z = zval(i);
      if (dev::float_key(z) >= kk) total += __expf(z - m);
    }
    total = dev::block_sum(total, scratch);
    auto mw = [&](int i, uint32_t* key, float* w) {
      float z = zval(i);
      *key = dev::float_key(z);
      *w = *key >= kk ? __expf(z - m) : 0.f;
    };
    kmin = max(kmin, dev::radix_select(V, top_p * total, mw, hist, s_state, &s_rem).key);
  }
  // Kept mass, then the ordered draw.
  float mass = 0.f;
  for (int i = tid; i < V; i += kThreads) {
    float z = zval(i);
    if (dev::float_key(z) >= kmin) mass += __expf(z - m);
  }
  mass = dev::block_sum(mass, scratch);
  const float target = uniforms[blockIdx.x] * mass;
  if (tid == 0) s_pick = -1;
  __syncthreads();
  float base = 0.f;
  int last_kept = -1;
  for (int t0 = 0; t0 < V; t0 += kThreads) {
    const int i = t0 + tid;
    float w = 0.f;
    if (i < V) {
      float z = zval(i);
      if (dev::float_key(z) >= kmin) w = __expf(z - m);
    }
    tile[tid] = w;
    __syncthreads();
    for (int off = 1; off < kThreads; off <<= 1) {  // inclusive scan
      float add = tid >= off ? tile[tid - off] : 0.f;
      __syncthreads();
      tile[tid] += add;
      __syncthreads();
    }
    const float incl = base + tile[tid];
    if (w > 0.f && incl > target && (tid == 0 || base + tile[tid - 1] <= target)) atomicMin((unsigned*)&s_pick, unsigned(i));
    if (w > 0.f) last_kept = i;
    base += tile[kThreads - 1];
    __syncthreads();
    if (s_pick >= 0) break;
  }
  // Rounding can leave target ≥ the scanned total: take the last kept token.
  __shared__ int s_last;
  if (tid == 0) s_last = -1;
  __syncthreads();
  if (last_kept >= 0) atomicMax(&s_last, last_kept);
  __syncthreads();
  if (tid == 0) out[blockIdx.x] = s_pick >= 0 ? s_pick : (s_last >= 0 ? s_last : 0);
}
}  // namespace

static void sample_logits_cuda(const SampleLogitsArgs& a) {
  if (a.rows > 65535) fail(ErrorKind::Shape, "sample_logits", "sample_logits: at most 65535 rows per call");
  const float inv_t = a.temperature > 0 ? 1.f / a.temperature : 1.f;
  LRQK_FLOAT_SWITCH(a.logits.dtype, T, "sample_logits",
    sample_kernel<T><<<unsigned(a.rows), kThreads, 0, cuda::stream()>>>(a.logits.ptr<T>(), a.uniforms.ptr<float>(), a.out.ptr<int32_t>(),
        int(a.vocab), inv_t, a.temperature == 0.f, int(a.top_k), a.top_p, a.min_p));
  cuda::check_launch("sample_logits");
}
LRQK_REGISTER_KERNEL(SampleLogitsArgs, Cuda, sample_logits_cuda);
}  // namespace lrqk
