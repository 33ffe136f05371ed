// One thread per (head, position): the row's r values (16-byte loads when rows allow, 64 B per row
// at r = 32 in bf16, so a warp reads 2 KB contiguous) against the head's Gq queries held in shared
// memory; memory-bound on A_K, which is read once.
#include "../core/dispatch.h"
#include "../ops/low_rank_scores.h"
#include "common.cuh"

namespace lrqk {
namespace {
constexpr int kThreads = 256;

template <class TA>
__global__ void __launch_bounds__(kThreads) scores_kernel(const TA* ak, int64_t a_s0, int64_t a_s1, const float* q, int64_t q_s0,
                                                          int64_t q_s1, float* out, int64_t o_s0, int rows, int R, int Gq, bool use_max,
                                                          bool vec) {
  __shared__ float sq[kScoresMaxQueries * kScoresMaxRank];
  const int h = blockIdx.y;
  for (int i = threadIdx.x; i < Gq * R; i += kThreads) sq[i] = q[h * q_s0 + (i / R) * q_s1 + i % R];
  __syncthreads();
  const int t = blockIdx.x * kThreads + threadIdx.x;
  if (t >= rows) return;
  const TA* row = ak + h * a_s0 + int64_t(t) * a_s1;
  float acc[kScoresMaxQueries];
#pragma unroll
  for (int g = 0; g < kScoresMaxQueries; ++g) acc[g] = 0.f;
  constexpr int V = 16 / int(sizeof(TA));
  constexpr int kChunks = kScoresMaxRank / V;
  const int chunks = (R + V - 1) / V;
  if (vec) {
    // The whole row first (up to 128 B), so that its loads are in flight together.
    uint4 u[kChunks];
#pragma unroll
    for (int c = 0; c < kChunks; ++c)
      if (c < chunks) u[c] = reinterpret_cast<const uint4*>(row)[c];
#pragma unroll
    for (int c = 0; c < kChunks; ++c) {
      if (c >= chunks) break;
      const TA* e = reinterpret_cast<const TA*>(&u[c]);
#pragma unroll
      for (int g = 0; g < kScoresMaxQueries; ++g) {
        if (g >= Gq) break;
        const float* qg = sq + g * R + c * V;
        float s = 0.f;
#pragma unroll
        for (int j = 0; j < V; ++j) s += dev::to_f32(e[j]) * qg[j];
        acc[g] += s;
      }
    }
  } else {
    for (int i = 0; i < R; ++i) {
      const float x = dev::to_f32(row[i]);
      for (int g = 0; g < Gq; ++g) acc[g] += x * sq[g * R + i];
    }
  }
  float best = -INFINITY, sum = 0.f;
  for (int g = 0; g < Gq; ++g) {
    best = fmaxf(best, acc[g]);
    sum += acc[g];
  }
  out[h * o_s0 + t] = use_max ? best : sum;
}

template <class TA>
void launch(const LowRankScoresArgs& a) {
  const size_t es = sizeof(TA);
  const bool vec = reinterpret_cast<uintptr_t>(a.a_k.data) % 16 == 0 && (a.a_k.stride(0) * int64_t(es)) % 16 == 0 &&
                   (a.a_k.stride(1) * int64_t(es)) % 16 == 0 && (a.r * int64_t(es)) % 16 == 0;
  const dim3 grid(unsigned((a.rows + kThreads - 1) / kThreads), unsigned(a.hf));
  scores_kernel<TA><<<grid, kThreads, 0, cuda::stream()>>>(a.a_k.ptr<TA>(), a.a_k.stride(0), a.a_k.stride(1), a.queries.ptr<float>(),
                                                           a.queries.stride(0), a.queries.stride(1), a.out.ptr<float>(), a.out.stride(0),
                                                           int(a.rows), int(a.r), int(a.gq), a.use_max, vec);
}
}  // namespace

static void low_rank_scores_cuda(const LowRankScoresArgs& a) {
  if (a.hf > 65535) fail(ErrorKind::Shape, "low_rank_scores", "low_rank_scores: at most 65535 heads");
  LRQK_FLOAT_SWITCH(a.a_k.dtype, TA, "low_rank_scores", launch<TA>(a));
  cuda::check_launch("low_rank_scores");
}
LRQK_REGISTER_KERNEL(LowRankScoresArgs, Cuda, low_rank_scores_cuda);
}  // namespace lrqk
