#include "../ops/sample_logits.h"
#include "args.h"
#include "registry.h"

namespace lrqk::binding {
// sampleLogits(logits, uniforms, out, temperature, topK, topP, minP)
static Napi::Value sample_logits(const Napi::CallbackInfo& info) {
  const char* op = "sample_logits";
  SampleLogitsArgs a;
  a.logits = tensor_arg(info[0], op, "logits");
  a.uniforms = tensor_arg(info[1], op, "uniforms");
  a.out = tensor_arg(info[2], op, "out");
  a.temperature = float(num_arg(info, 3, op, "temperature"));
  a.top_k = int_arg(info, 4, op, "topK");
  a.top_p = float(num_arg(info, 5, op, "topP"));
  a.min_p = float(num_arg(info, 6, op, "minP"));
  if (!(a.temperature >= 0)) fail(ErrorKind::Argument, op, "sample_logits: temperature must be ≥ 0");
  if (!(a.top_p > 0 && a.top_p <= 1)) fail(ErrorKind::Argument, op, "sample_logits: topP must be in (0, 1]");
  if (!(a.min_p >= 0 && a.min_p <= 1)) fail(ErrorKind::Argument, op, "sample_logits: minP must be in [0, 1]");
  if (a.top_k < 0) fail(ErrorKind::Argument, op, "sample_logits: topK must be ≥ 0");
  expect_float(a.logits, op, "logits");
  expect_ndim(a.logits, 2, op, "logits");
  expect_contiguous(a.logits, op, "logits");
  expect_dtype(a.uniforms, DType::F32, op, "uniforms");
  expect_dtype(a.out, DType::I32, op, "out");
  a.rows = a.logits.size(0);
  a.vocab = a.logits.size(1);
  if (a.vocab < 1 || a.vocab > 2147483647) fail(ErrorKind::Shape, op, "sample_logits: vocab size out of range");
  if (a.uniforms.numel() != a.rows || a.out.numel() != a.rows)
    fail(ErrorKind::Shape, op, "sample_logits: uniforms and out need one entry per row (" + std::to_string(a.rows) + ")");
  if (a.rows == 0) return info.Env().Undefined();
  dispatch(backend_for(op, {&a.logits, &a.uniforms, &a.out}), op, a);
  return info.Env().Undefined();
}
LRQK_BINDING(sampleLogits, sample_logits);
}  // namespace lrqk::binding
