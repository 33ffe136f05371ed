// Proxy scores, memory-bound on A_K (read once). Rows whose r values fill whole 16-byte chunks
// (r = 32 in bf16: 4 chunks) take LPR = r·size/16 lanes each, one chunk a lane, so that a warp's
// loads cover 512 contiguous bytes; the head's Gq queries sit in shared memory and each query's
// partial products are summed across the row's lanes by shuffles. Other rows: a thread per row.
#include "../core/dispatch.h"
#include "../ops/low_rank_scores.h"
#include "common.cuh"

namespace lrqk {
namespace {
constexpr int kThreads = 256;

struct ScoreArgs {
  const void* ak;
  int64_t a_s0, a_s1;
  const float* q;
  int64_t q_s0, q_s1;
  float* out;
  int64_t o_s0;
  int rows, R, Gq;
  bool use_max;
};

__device__ __forceinline__ void load_queries(const ScoreArgs& p, float* sq) {
  const int h = blockIdx.y;
  for (int i = threadIdx.x; i < p.Gq * p.R; i += kThreads) sq[i] = p.q[h * p.q_s0 + (i / p.R) * p.q_s1 + i % p.R];
  __syncthreads();
}

// Each thread takes kRowsAhead rows, loading all of them before using any: with one 16-byte load a
// thread and 16K tiny blocks, block start-up and load latency held the kernel to ~1.8 TB/s.
constexpr int kRowsAhead = 4;

template <class TA, int LPR>
__global__ void __launch_bounds__(kThreads) scores_vec_kernel(const ScoreArgs p) {
  __shared__ float sq[kScoresMaxQueries * kScoresMaxRank];
  load_queries(p, sq);
  constexpr int V = 16 / int(sizeof(TA));
  constexpr int RPB = kThreads / LPR;  // rows a block covers per step
  const int h = blockIdx.y, c = threadIdx.x % LPR;
  const int t0 = blockIdx.x * (RPB * kRowsAhead) + threadIdx.x / LPR;
  uint4 u[kRowsAhead];
#pragma unroll
  for (int a = 0; a < kRowsAhead; ++a) {
    const int t = t0 + a * RPB;
    u[a] = t < p.rows ? *reinterpret_cast<const uint4*>(static_cast<const TA*>(p.ak) + h * p.a_s0 + int64_t(t) * p.a_s1 + c * V)
                      : make_uint4(0u, 0u, 0u, 0u);
  }
#pragma unroll
  for (int a = 0; a < kRowsAhead; ++a) {
    const int t = t0 + a * RPB;
    const TA* e = reinterpret_cast<const TA*>(&u[a]);
    float x[V];
#pragma unroll
    for (int j = 0; j < V; ++j) x[j] = dev::to_f32(e[j]);
    float best = -INFINITY, sum = 0.f;
    for (int g = 0; g < p.Gq; ++g) {  // uniform: every lane takes part in the shuffles
      const float* qg = sq + g * p.R + c * V;
      float s = 0.f;
#pragma unroll
      for (int j = 0; j < V; ++j) s += x[j] * qg[j];
#pragma unroll
      for (int o = LPR / 2; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffffu, s, o);
      best = fmaxf(best, s);
      sum += s;
    }
    if (c == 0 && t < p.rows) p.out[h * p.o_s0 + t] = p.use_max ? best : sum;
  }
}

template <class TA>
__global__ void __launch_bounds__(kThreads) scores_row_kernel(const ScoreArgs p) {
  __shared__ float sq[kScoresMaxQueries * kScoresMaxRank];
  load_queries(p, sq);
  const int h = blockIdx.y;
  const int t = blockIdx.x * kThreads + threadIdx.x;
  if (t >= p.rows) return;
  const TA* row = static_cast<const TA*>(p.ak) + h * p.a_s0 + int64_t(t) * p.a_s1;
  float best = -INFINITY, sum = 0.f;
  for (int g = 0; g < p.Gq; ++g) {
    float s = 0.f;
    for (int i = 0; i < p.R; ++i) s += dev::to_f32(row[i]) * sq[g * p.R + i];
    best = fmaxf(best, s);
    sum += s;
  }
  p.out[h * p.o_s0 + t] = p.use_max ? best : sum;
}

template <class TA>
void launch(const LowRankScoresArgs& a) {
  const ScoreArgs p{a.a_k.data, a.a_k.stride(0), a.a_k.stride(1), a.queries.ptr<float>(), a.queries.stride(0), a.queries.stride(1),
                    a.out.ptr<float>(), a.out.stride(0), int(a.rows), int(a.r), int(a.gq), a.use_max};
  constexpr int V = 16 / int(sizeof(TA));
  const int64_t es = sizeof(TA);
  const bool aligned = reinterpret_cast<uintptr_t>(a.a_k.data) % 16 == 0 && (a.a_k.stride(0) * es) % 16 == 0 && (a.a_k.stride(1) * es) % 16 == 0;
  const int lpr = a.r % V == 0 ? int(a.r / V) : 0;
  auto vec = [&](auto kernel, int per_block) {
    kernel<<<dim3(unsigned((a.rows + per_block - 1) / per_block), unsigned(a.hf)), kThreads, 0, cuda::stream()>>>(p);
  };
  if (aligned && lpr == 1) vec(scores_vec_kernel<TA, 1>, kThreads * kRowsAhead);
  else if (aligned && lpr == 2) vec(scores_vec_kernel<TA, 2>, kThreads / 2 * kRowsAhead);
  else if (aligned && lpr == 4) vec(scores_vec_kernel<TA, 4>, kThreads / 4 * kRowsAhead);
  else if (aligned && lpr == 8) vec(scores_vec_kernel<TA, 8>, kThreads / 8 * kRowsAhead);
  else if (aligned && lpr == 16) vec(scores_vec_kernel<TA, 16>, kThreads / 16 * kRowsAhead);
  else vec(scores_row_kernel<TA>, kThreads);
}
}  // namespace

static void low_rank_scores_cuda(const LowRankScoresArgs& a) {
  if (a.hf > 65535) fail(ErrorKind::Shape, "low_rank_scores", "low_rank_scores: at most 65535 heads");
  LRQK_FLOAT_SWITCH(a.a_k.dtype, TA, "low_rank_scores", launch<TA>(a));
  cuda::check_launch("low_rank_scores");
}
LRQK_REGISTER_KERNEL(LowRankScoresArgs, Cuda, low_rank_scores_cuda);
}  // namespace lrqk
