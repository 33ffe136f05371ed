// low_rank_scores: LRQK's proxy scores (spec C.5 step 4) of the first `rows` positions of every
// factor head, combined over the head's proxy queries:
//   a_k     (Hf, cap, r) float, last dim contiguous   low-rank keys by position
//   queries (Hf, Gq, r) f32, last dim contiguous      q̂ of each of the head's Gq queries
//   out     (Hf, rows) f32, last dim contiguous       max_g or Σ_g of a_k[h, t] · q̂[h, g]
// Products and sums in f32 (a_k's values widened, the queries unrounded). r ≤ 64, Gq ≤ 16.
#pragma once
#include "../core/tensor_arg.h"

namespace lrqk {
constexpr int kScoresMaxRank = 64;
constexpr int kScoresMaxQueries = 16;
struct LowRankScoresArgs {
  TensorArg a_k, queries, out;
  int64_t hf, gq, r, rows;
  bool use_max;
};
}  // namespace lrqk
