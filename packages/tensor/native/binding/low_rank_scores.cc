#include "../ops/low_rank_scores.h"
#include "args.h"
#include "registry.h"

namespace lrqk::binding {
// lowRankScores(aK, queries, out, combine) — combine: "max" | "sum"
static Napi::Value low_rank_scores(const Napi::CallbackInfo& info) {
  const char* op = "low_rank_scores";
  LowRankScoresArgs a;
  a.a_k = tensor_arg(info[0], op, "aK");
  a.queries = tensor_arg(info[1], op, "queries");
  a.out = tensor_arg(info[2], op, "out");
  const std::string combine = str_arg(info, 3, op, "combine");
  if (combine != "max" && combine != "sum") fail(ErrorKind::Argument, op, "low_rank_scores: combine must be 'max' or 'sum', got '" + combine + "'");
  a.use_max = combine == "max";
  expect_float(a.a_k, op, "aK");
  expect_dtype(a.queries, DType::F32, op, "queries");
  expect_dtype(a.out, DType::F32, op, "out");
  expect_ndim(a.a_k, 3, op, "aK");
  expect_ndim(a.queries, 3, op, "queries");
  expect_ndim(a.out, 2, op, "out");
  for (auto [t, n] : {std::pair{&a.a_k, "aK"}, {&a.queries, "queries"}, {&a.out, "out"}})
    if (t->size(-1) > 1 && t->stride(-1) != 1) fail(ErrorKind::Shape, op, std::string(op) + ": " + n + " must be contiguous in its last dim");
  a.hf = a.a_k.size(0);
  a.r = a.a_k.size(2);
  a.gq = a.queries.size(1);
  a.rows = a.out.size(1);
  expect_dim(a.queries, 0, a.hf, op, "queries");
  expect_dim(a.queries, 2, a.r, op, "queries");
  expect_dim(a.out, 0, a.hf, op, "out");
  if (a.r < 1 || a.r > kScoresMaxRank) fail(ErrorKind::Shape, op, "low_rank_scores: rank " + std::to_string(a.r) + " outside [1, " + std::to_string(kScoresMaxRank) + "]");
  if (a.gq < 1 || a.gq > kScoresMaxQueries) fail(ErrorKind::Shape, op, "low_rank_scores: " + std::to_string(a.gq) + " queries per head outside [1, " + std::to_string(kScoresMaxQueries) + "]");
  if (a.rows > a.a_k.size(1)) fail(ErrorKind::Shape, op, "low_rank_scores: " + std::to_string(a.rows) + " rows asked of aK's " + std::to_string(a.a_k.size(1)));
  if (a.rows > 2147483647) fail(ErrorKind::Shape, op, "low_rank_scores: rows beyond 2^31 are not supported");
  if (a.hf == 0 || a.rows == 0) return info.Env().Undefined();
  dispatch(backend_for(op, {&a.a_k, &a.queries, &a.out}), op, a);
  return info.Env().Undefined();
}
LRQK_BINDING(lowRankScores, low_rank_scores);
}  // namespace lrqk::binding
