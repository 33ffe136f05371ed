#include "../ops/slot_diff.h"
#include "args.h"
#include "registry.h"

namespace lrqk::binding {
// slotDiff(slotMap, selection, load, misses)
static Napi::Value slot_diff(const Napi::CallbackInfo& info) {
  const char* op = "slot_diff";
  SlotDiffArgs a;
  a.slot_map = tensor_arg(info[0], op, "slotMap");
  a.selection = tensor_arg(info[1], op, "selection");
  a.load = tensor_arg(info[2], op, "load");
  a.misses = tensor_arg(info[3], op, "misses");
  expect_dtype(a.slot_map, DType::I32, op, "slotMap");
  expect_dtype(a.selection, DType::I32, op, "selection");
  expect_dtype(a.load, DType::I32, op, "load");
  expect_dtype(a.misses, DType::I64, op, "misses");
  expect_ndim(a.slot_map, 2, op, "slotMap");
  for (const TensorArg* t : {&a.slot_map, &a.selection, &a.load, &a.misses}) expect_contiguous(*t, op, "every argument");
  expect_same_shape(a.slot_map, a.selection, op, "slotMap", "selection");
  expect_same_shape(a.slot_map, a.load, op, "slotMap", "load");
  a.rows = a.slot_map.size(0);
  a.k = a.slot_map.size(1);
  expect_ndim(a.misses, 1, op, "misses");
  expect_dim(a.misses, 0, a.rows, op, "misses");
  if (a.k > 8192) fail(ErrorKind::Shape, op, "slot_diff: at most 8192 slots per row");
  if (a.rows == 0 || a.k == 0) return info.Env().Undefined();
  dispatch(backend_for(op, {&a.slot_map, &a.selection, &a.load, &a.misses}), op, a);
  return info.Env().Undefined();
}
LRQK_BINDING(slotDiff, slot_diff);
}  // namespace lrqk::binding
