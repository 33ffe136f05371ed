#include <memory>
#include "../ops/index_rows.h"
#include "args.h"
#include "device_flag.h"
#include "registry.h"

namespace lrqk::binding {

static TensorArg as3d(TensorArg t, const char* op, const char* name) {
  if (t.ndim == 2) {
    for (int i = 2; i > 0; --i) { t.shape[i] = t.shape[i - 1]; t.strides[i] = t.strides[i - 1]; }
    t.shape[0] = 1;
    t.strides[0] = 0;
    t.ndim = 3;
  }
  if (t.ndim != 3) fail(ErrorKind::Shape, op, std::string(op) + ": " + name + " must be 2-D (rows, width) or 3-D (batch, rows, width), got " + t.shape_str());
  if (t.strides[2] != 1) fail(ErrorKind::Shape, op, std::string(op) + ": " + name + " rows must be contiguous (last stride 1)");
  return t;
}

// indexRows(table, rows, indices, scatter, group, skipNegative, checkBounds)
static Napi::Value index_rows(const Napi::CallbackInfo& info) {
  const bool scatter = bool_arg(info, 3, "index_rows", "scatter");
  const char* op = scatter ? "index_copy" : "index_select";
  IndexRowsArgs a;
  a.scatter = scatter;
  a.table = tensor_arg(info[0], op, scatter ? "dst" : "src");
  a.rows = tensor_arg(info[1], op, scatter ? "src" : "out");
  a.indices = tensor_arg(info[2], op, "indices");
  a.group = int_arg(info, 4, op, "groupSize");
  a.skip_negative = bool_arg(info, 5, op, "skipNegative");
  const bool check = bool_arg(info, 6, op, "checkBounds");
  a.error_flag = nullptr;
  if (a.group < 1) fail(ErrorKind::Argument, op, std::string(op) + ": groupSize must be ≥ 1");
  expect_index(a.indices, op, "indices");
  expect_contiguous(a.indices, op, "indices");
  expect_same_dtype(a.table, a.rows, op);
  const bool batched = a.indices.ndim == 2;
  if (a.indices.ndim != 1 && !batched) fail(ErrorKind::Shape, op, std::string(op) + ": indices must be (M) or (B, M)");
  if (batched && a.table.ndim != 3) fail(ErrorKind::Shape, op, std::string(op) + ": batched indices need a 3-D table");
  a.table = as3d(a.table, op, scatter ? "dst" : "src");
  a.rows = as3d(a.rows, op, scatter ? "src" : "out");
  if (!batched) {  // view indices (M) as (1, M)
    a.indices.shape[1] = a.indices.shape[0];
    a.indices.strides[1] = 1;
    a.indices.shape[0] = 1;
    a.indices.strides[0] = a.indices.shape[1];
    a.indices.ndim = 2;
  }
  const int64_t B = a.indices.shape[0], M = a.indices.shape[1];
  if (a.rows.shape[0] != B || a.rows.shape[1] != M)
    fail(ErrorKind::Shape, op, std::string(op) + ": " + (scatter ? "src" : "out") + " must be (" + std::to_string(B) + ", " + std::to_string(M) + ", W), got " + a.rows.shape_str());
  if (a.rows.shape[2] != a.table.shape[2]) fail(ErrorKind::Shape, op, std::string(op) + ": row widths differ");
  if (B % a.group != 0 || B / a.group != a.table.shape[0])
    fail(ErrorKind::Shape, op, std::string(op) + ": batch " + std::to_string(B) + " must equal table batch " + std::to_string(a.table.shape[0]) + " × groupSize " + std::to_string(a.group));
  if (B * M == 0) return info.Env().Undefined();
  // Backend: device if the indices/rows are on the device; the table may then be pinned.
  Backend b = Backend::Cpu;
  if (a.indices.mem == MemKind::Cuda || a.rows.mem == MemKind::Cuda || a.table.mem == MemKind::Cuda) {
    if (a.indices.mem != MemKind::Cuda || a.rows.mem != MemKind::Cuda)
      fail(ErrorKind::Device, op, std::string(op) + ": indices and " + (scatter ? "src" : "out") + " must be on the device when any tensor is");
    if (a.table.mem == MemKind::Host)
      fail(ErrorKind::Device, op, std::string(op) + ": a host table used with the device must be pinned (allocate with pinned: true)");
    b = Backend::Cuda;
  }
  std::unique_ptr<DeviceFlag> flag;
  if (device_check_wanted(b == Backend::Cuda, check)) {
    flag = std::make_unique<DeviceFlag>();
    a.error_flag = flag->get();
  }
  dispatch(b, op, a);
  if (flag && flag->raised())
    fail(ErrorKind::Index, op, std::string(op) + ": index out of range [0, " + std::to_string(a.table.shape[1]) + ")");
  return info.Env().Undefined();
}
LRQK_BINDING(indexRows, index_rows);
}  // namespace lrqk::binding
