#include <cmath>
#include "../ops/attention_prefill.h"
#include "args.h"
#include "attention_checks.h"
#include "registry.h"

namespace lrqk::binding {
// attentionPrefill(q, k, v, out, scale, causal, window)
static Napi::Value attention_prefill(const Napi::CallbackInfo& info) {
  const char* op = "attentionPrefill";
  AttentionPrefillArgs a;
  a.q = tensor_arg(info[0], op, "q");
  a.k = tensor_arg(info[1], op, "k");
  a.v = tensor_arg(info[2], op, "v");
  a.out = tensor_arg(info[3], op, "out");
  double scale = num_arg(info, 4, op, "scale");
  a.causal = bool_arg(info, 5, op, "causal");
  a.window = int_arg(info, 6, op, "window");
  if (!std::isfinite(scale)) fail(ErrorKind::Argument, op, std::string(op) + ": scale must be finite");
  if (a.window < 0) fail(ErrorKind::Argument, op, std::string(op) + ": slidingWindow must be >= 1 (0 = none)");
  a.scale = float(scale);

  expect_float(a.q, op, "q");
  expect_same_dtype(a.q, a.k, op);
  expect_same_dtype(a.q, a.v, op);
  expect_same_dtype(a.q, a.out, op);
  expect_ndim(a.q, 3, op, "q");
  expect_ndim(a.k, 3, op, "k");
  expect_ndim(a.v, 3, op, "v");
  expect_ndim(a.out, 3, op, "out");
  a.heads = a.q.size(0);
  a.tq = a.q.size(1);
  a.dim = a.q.size(2);
  a.kv_heads = a.k.size(0);
  a.tk = a.k.size(1);
  expect_attention_dim(a.dim, op);
  expect_dim(a.k, 2, a.dim, op, "k");
  expect_same_shape(a.k, a.v, op, "k", "v");
  expect_same_shape(a.q, a.out, op, "q", "out");
  if (a.kv_heads < 1 || a.heads % a.kv_heads != 0)
    fail(ErrorKind::Shape, op, std::string(op) + ": query heads " + std::to_string(a.heads) + " must be a multiple of KV heads " + std::to_string(a.kv_heads));
  if (a.tk < a.tq)
    fail(ErrorKind::Shape, op, std::string(op) + ": Tk " + std::to_string(a.tk) + " must be >= Tq " + std::to_string(a.tq));
  for (auto [t, n] : {std::pair{&a.q, "q"}, {&a.k, "k"}, {&a.v, "v"}, {&a.out, "out"}}) expect_rows_unit_stride(*t, op, n);
  expect_disjoint_rows(a.heads, a.out.stride(0), a.tq, a.out.stride(1), a.dim, op, "out");
  Backend b = backend_for(op, {&a.q, &a.k, &a.v, &a.out});
  if (a.heads == 0 || a.tq == 0) return info.Env().Undefined();
  dispatch(b, op, a);
  return info.Env().Undefined();
}
LRQK_BINDING(attentionPrefill, attention_prefill);
}  // namespace lrqk::binding
