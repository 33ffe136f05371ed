#include "../ops/rope.h"
#include <memory>
#include "device_flag.h"
#include "args.h"
#include "registry.h"

namespace lrqk::binding {
// rope(x, positions, cos, sin, out, checkBounds)
static Napi::Value rope(const Napi::CallbackInfo& info) {
  const char* op = "rope";
  RopeArgs a;
  a.x = tensor_arg(info[0], op, "x");
  a.positions = tensor_arg(info[1], op, "positions");
  a.cos = tensor_arg(info[2], op, "cos");
  a.sin = tensor_arg(info[3], op, "sin");
  a.out = tensor_arg(info[4], op, "out");
  const bool check = bool_arg(info, 5, op, "checkBounds");
  expect_float(a.x, op, "x");
  expect_same_dtype(a.x, a.out, op);
  expect_ndim(a.x, 3, op, "x");
  expect_same_shape(a.x, a.out, op, "x", "out");
  if (a.x.stride(-1) != 1 || a.out.stride(-1) != 1) fail(ErrorKind::Shape, op, "rope: the last dim of x and out must be contiguous");
  expect_index(a.positions, op, "positions");
  expect_ndim(a.positions, 1, op, "positions");
  expect_contiguous(a.positions, op, "positions");
  expect_dtype(a.cos, DType::F32, op, "cos");
  expect_dtype(a.sin, DType::F32, op, "sin");
  expect_ndim(a.cos, 2, op, "cos");
  expect_same_shape(a.cos, a.sin, op, "cos", "sin");
  expect_contiguous(a.cos, op, "cos");
  expect_contiguous(a.sin, op, "sin");
  a.tokens = a.x.size(0);
  a.heads = a.x.size(1);
  a.dim = a.x.size(2);
  a.half = a.cos.size(1);
  a.table_positions = a.cos.size(0);
  expect_dim(a.positions, 0, a.tokens, op, "positions");
  if (2 * a.half > a.dim) fail(ErrorKind::Shape, op, "rope: table rotates " + std::to_string(2 * a.half) + " dims but head_dim is " + std::to_string(a.dim));
  a.error_flag = nullptr;
  if (a.tokens == 0 || a.heads == 0) return info.Env().Undefined();
  Backend b = backend_for(op, {&a.x, &a.positions, &a.cos, &a.sin, &a.out});
  std::unique_ptr<DeviceFlag> flag;
  if (device_check_wanted(b == Backend::Cuda, check)) {
    flag = std::make_unique<DeviceFlag>();
    a.error_flag = flag->get();
  }
  dispatch(b, op, a);
  if (flag && flag->raised())
    fail(ErrorKind::Index, op, "rope: position out of the table's range [0, " + std::to_string(a.table_positions) + ")");
  return info.Env().Undefined();
}
LRQK_BINDING(rope, rope);
}  // namespace lrqk::binding
