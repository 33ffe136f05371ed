#include "../ops/binary.h"
#include "args.h"
#include "registry.h"

namespace lrqk::binding {
// binary(a, b, out, kind: 'add' | 'mul', alpha)
static Napi::Value binary(const Napi::CallbackInfo& info) {
  const char* op = "binary";
  BinaryArgs a;
  a.a = tensor_arg(info[0], op, "a");
  a.b = tensor_arg(info[1], op, "b");
  a.out = tensor_arg(info[2], op, "out");
  std::string kind = str_arg(info, 3, op, "kind");
  if (kind != "add" && kind != "mul") fail(ErrorKind::Argument, op, "binary: kind must be add or mul");
  a.kind = kind == "add" ? BinaryKind::Add : BinaryKind::Mul;
  a.alpha = float(num_arg(info, 4, op, "alpha"));
  for (const TensorArg* t : {&a.a, &a.b, &a.out}) {
    expect_float(*t, op, "every operand");
    expect_contiguous(*t, op, "every operand");
  }
  expect_same_dtype(a.a, a.out, op);
  expect_same_dtype(a.a, a.b, op);
  expect_same_shape(a.a, a.out, op, "a", "out");
  // b's shape must be a trailing suffix of a's.
  bool suffix = a.b.ndim <= a.a.ndim;
  for (int i = 1; suffix && i <= a.b.ndim; ++i) suffix = a.b.shape[a.b.ndim - i] == a.a.shape[a.a.ndim - i];
  if (!suffix) fail(ErrorKind::Shape, op, "binary: b " + a.b.shape_str() + " must equal a trailing part of a " + a.a.shape_str());
  if (a.a.numel() == 0) return info.Env().Undefined();
  dispatch(backend_for(op, {&a.a, &a.b, &a.out}), op, a);
  return info.Env().Undefined();
}
LRQK_BINDING(binary, binary);

}  // namespace lrqk::binding
