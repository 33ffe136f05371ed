// binary: out = a + alpha·b (kind Add) or out = a · b (kind Mul), elementwise in f32.
// a, out: same shape, contiguous, same float dtype; b contiguous with numel dividing a's numel
// and shape equal to a trailing suffix of a's (broadcast over leading dims): b index = i mod nb.
// out may alias a (in place).
#pragma once
#include "../core/tensor_arg.h"

namespace lrqk {
enum class BinaryKind : int { Add = 0, Mul = 1 };
struct BinaryArgs {
  TensorArg a, b, out;
  BinaryKind kind;
  float alpha;
};
}  // namespace lrqk
