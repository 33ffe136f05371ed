// Proxy scores, memory-bound on A_K (read once). Rows whose r values fill whole 16-byte chunks
// (r = 32 in bf16: 4 chunks) take LPR = r·size/16 lanes each, one chunk a lane, so that a warp's
// loads cover 512 contiguous bytes; each lane keeps its chunk's columns of the head's Gq queries in
// registers (Gq ≤ 8; more stay in shared memory) and each query's partial products are summed
// across the row's lanes by shuffles. Other rows: a thread per row.
#include <algorithm>
#include <cstdlib>
#include <type_traits>
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

// Each thread takes kRowsAhead rows a step, loading all of them before using any, and a block
// walks its head's rows in steps (grid-stride) with the next step's loads in flight while it
// computes the current one: one-shot blocks (16K of them at first, 4096 with 4 rows ahead) spent
// their time starting up and waiting on latency (1.8, then 2.2 TB/s).
constexpr int kRowsAhead = 4;

template <class TA, int LPR>
__device__ __forceinline__ void load_step(const ScoreArgs& p, int h, int t0, int c, uint4 (&u)[kRowsAhead]) {
  constexpr int V = 16 / int(sizeof(TA)), RPB = kThreads / LPR;
#pragma unroll
  for (int a = 0; a < kRowsAhead; ++a) {
    const int t = t0 + a * RPB;
    u[a] = t < p.rows ? *reinterpret_cast<const uint4*>(static_cast<const TA*>(p.ak) + h * p.a_s0 + int64_t(t) * p.a_s1 + c * V)
                      : make_uint4(0u, 0u, 0u, 0u);
  }
}

// MAXG > 0: the head's Gq ≤ MAXG queries, this lane's V columns of each, live in registers — read
// from shared memory for every row they made L1/shared the bottleneck (ncu: L1 86% busy, DRAM 37%).
// MAXG = 0: read from shared memory (Gq up to kScoresMaxQueries). EXACT: Gq == MAXG (no early exit
// between the queries' shuffle chains, which then overlap).
template <class TA, int LPR, int MAXG, bool EXACT>
__global__ void __launch_bounds__(kThreads, 2) scores_vec_kernel(const ScoreArgs p) {
  __shared__ float sq[kScoresMaxQueries * kScoresMaxRank];
  constexpr int V = 16 / int(sizeof(TA));
  constexpr int RPB = kThreads / LPR, RPS = RPB * kRowsAhead;  // rows a block covers per row slot, per step
  const int h = blockIdx.y, c = threadIdx.x % LPR;
  const int stride = int(gridDim.x) * RPS;
  int t0 = blockIdx.x * RPS + threadIdx.x / LPR;
  uint4 u[kRowsAhead];
  load_step<TA, LPR>(p, h, t0, c, u);
  load_queries(p, sq);  // after the first rows' loads are issued: the two latencies overlap
  float qr[MAXG > 0 ? MAXG : 1][V];
  if constexpr (MAXG > 0) {
#pragma unroll
    for (int g = 0; g < MAXG; ++g)
#pragma unroll
      for (int j = 0; j < V; ++j) qr[g][j] = g < p.Gq ? sq[g * p.R + c * V + j] : 0.f;
  }
  for (; t0 - int(threadIdx.x / LPR) < p.rows; t0 += stride) {  // block-uniform condition
    uint4 cur[kRowsAhead];
#pragma unroll
    for (int a = 0; a < kRowsAhead; ++a) cur[a] = u[a];
    if (t0 + stride - int(threadIdx.x / LPR) < p.rows) load_step<TA, LPR>(p, h, t0 + stride, c, u);
#pragma unroll
    for (int a = 0; a < kRowsAhead; ++a) {
      const int t = t0 + a * RPB;
      const TA* e = reinterpret_cast<const TA*>(&cur[a]);
      float x[V];
#pragma unroll
      for (int j = 0; j < V; ++j) x[j] = dev::to_f32(e[j]);
      float best = -INFINITY, sum = 0.f;
      if constexpr (MAXG > 0) {
#pragma unroll
        for (int g = 0; g < MAXG; ++g) {
          if (!EXACT && g >= p.Gq) break;  // uniform; none when Gq == MAXG, so the queries interleave
          float s = 0.f;
#pragma unroll
          for (int j = 0; j < V; ++j) s += x[j] * qr[g][j];
#pragma unroll
          for (int o = LPR / 2; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffffu, s, o);
          best = fmaxf(best, s);
          sum += s;
        }
      } else {
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
      }
      if (c == 0 && t < p.rows) p.out[h * p.o_s0 + t] = p.use_max ? best : sum;
    }
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
  // Vector kernels: one wave of resident blocks over all heads (grid-stride over each head's rows).
  const int sms = cuda::probe().sm_count > 0 ? cuda::probe().sm_count : 132;
  auto vec = [&](auto kernel, int per_block) {
    int resident = 0;
    LRQK_CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&resident, kernel, kThreads, 0), "low_rank_scores");
    const int64_t need = (a.rows + per_block - 1) / per_block;
    // LRQK_SCORES_WAVES (read each call, for measuring): resident waves of blocks; 0 = one step a block.
    const char* w = std::getenv("LRQK_SCORES_WAVES");
    const int waves = w && *w ? std::atoi(w) : 1;
    // Whole waves only (rounded down per head): a partial extra wave doubled the time at Hf = 32.
    const int64_t fill = waves <= 0 ? need : std::max<int64_t>(1, waves * std::max(resident, 1) * int64_t(sms) / a.hf);
    kernel<<<dim3(unsigned(std::min(need, fill)), unsigned(a.hf)), kThreads, 0, cuda::stream()>>>(p);
  };
  auto row = [&](auto kernel) {
    kernel<<<dim3(unsigned((a.rows + kThreads - 1) / kThreads), unsigned(a.hf)), kThreads, 0, cuda::stream()>>>(p);
  };
  // Queries in registers for Gq ≤ 8 (Llama-3 4 and per query head 1 exactly, Qwen2.5 7), else in shared memory.
  auto by_gq = [&](auto lpr) {
    constexpr int L = decltype(lpr)::value;
    const int per_block = kThreads / L * kRowsAhead;
    if (a.gq == 1) vec(scores_vec_kernel<TA, L, 1, true>, per_block);
    else if (a.gq == 4) vec(scores_vec_kernel<TA, L, 4, true>, per_block);
    else if (a.gq <= 8) vec(scores_vec_kernel<TA, L, 8, false>, per_block);
    else vec(scores_vec_kernel<TA, L, 0, false>, per_block);
  };
  if (aligned && lpr == 1) by_gq(std::integral_constant<int, 1>{});
  else if (aligned && lpr == 2) by_gq(std::integral_constant<int, 2>{});
  else if (aligned && lpr == 4) by_gq(std::integral_constant<int, 4>{});
  else if (aligned && lpr == 8) by_gq(std::integral_constant<int, 8>{});
  else if (aligned && lpr == 16) by_gq(std::integral_constant<int, 16>{});
  else row(scores_row_kernel<TA>);
}
}  // namespace

static void low_rank_scores_cuda(const LowRankScoresArgs& a) {
  if (a.hf > 65535) fail(ErrorKind::Shape, "low_rank_scores", "low_rank_scores: at most 65535 heads");
  LRQK_FLOAT_SWITCH(a.a_k.dtype, TA, "low_rank_scores", launch<TA>(a));
  cuda::check_launch("low_rank_scores");
}
LRQK_REGISTER_KERNEL(LowRankScoresArgs, Cuda, low_rank_scores_cuda);
}  // namespace lrqk
