#include "../ops/silu_mul.h"
#include "args.h"
#include "registry.h"

namespace lrqk::binding {
// siluMul(gate, up | null, out): up null → gate is the fused (rows, 2I) gate‖up tensor.
static Napi::Value silu_mul(const Napi::CallbackInfo& info) {
  const char* op = "silu_mul";
  SiluMulArgs a;
  a.gate = tensor_arg(info[0], op, "gate");
  a.fused = !optional_tensor_arg(info[1], op, "up", a.up);
  a.out = tensor_arg(info[2], op, "out");
  expect_float(a.gate, op, "gate");
  expect_same_dtype(a.gate, a.out, op);
  expect_contiguous(a.gate, op, "gate");
  expect_contiguous(a.out, op, "out");
  if (a.gate.ndim < 1) fail(ErrorKind::Shape, op, "silu_mul: gate must have at least 1 dim");
  const int64_t last = a.gate.size(-1);
  if (a.fused) {
    if (last % 2) fail(ErrorKind::Shape, op, "silu_mul: fused gate‖up needs an even last dim, got " + a.gate.shape_str());
    a.inner = last / 2;
    a.up = a.gate;
  } else {
    expect_same_dtype(a.gate, a.up, op);
    expect_contiguous(a.up, op, "up");
    expect_same_shape(a.gate, a.up, op, "gate", "up");
    a.inner = last;
  }
  a.rows = a.inner ? a.gate.numel() / last : 0;
  if (a.out.numel() != a.rows * a.inner || a.out.size(-1) != a.inner)
    fail(ErrorKind::Shape, op, "silu_mul: out must be (rows, " + std::to_string(a.inner) + "), got " + a.out.shape_str());
  if (a.rows == 0) return info.Env().Undefined();
  dispatch(backend_for(op, {&a.gate, &a.up, &a.out}), op, a);
  return info.Env().Undefined();
}
LRQK_BINDING(siluMul, silu_mul);
}  // namespace lrqk::binding
