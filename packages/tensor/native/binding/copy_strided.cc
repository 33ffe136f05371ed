#include "../core/cuda_runtime.h"
#include "../ops/copy_strided.h"
#include "args.h"
#include "registry.h"

namespace lrqk::binding {

// Merges dim i into dim i+1 where both tensors step through them contiguously, and drops size-1
// dims, so most copies become 1–3 dimensional.
static void merge_dims(TensorArg& d, TensorArg& s) {
  int n = 0;
  int64_t shape[kMaxDims], ds[kMaxDims], ss[kMaxDims];
  for (int i = 0; i < d.ndim; ++i) {
    if (d.shape[i] == 1) continue;
    if (n > 0 && ds[n - 1] == d.strides[i] * d.shape[i] && ss[n - 1] == s.strides[i] * d.shape[i]) {
      shape[n - 1] *= d.shape[i];
      ds[n - 1] = d.strides[i];
      ss[n - 1] = s.strides[i];
      continue;
    }
    shape[n] = d.shape[i];
    ds[n] = d.strides[i];
    ss[n] = s.strides[i];
    ++n;
  }
  if (n == 0) { shape[0] = 1; ds[0] = 1; ss[0] = 1; n = 1; }
  d.ndim = s.ndim = n;
  for (int i = 0; i < n; ++i) {
    d.shape[i] = s.shape[i] = shape[i];
    d.strides[i] = ds[i];
    s.strides[i] = ss[i];
  }
}

// copyStrided(dst, src)
static Napi::Value copy_strided(const Napi::CallbackInfo& info) {
  const char* op = "copy_strided";
  CopyStridedArgs a{tensor_arg(info[0], op, "dst"), tensor_arg(info[1], op, "src")};
  expect_same_shape(a.dst, a.src, op, "dst", "src");
  // Overlapping writes: a dst with a zero stride over a dim of size > 1 would race.
  for (int i = 0; i < a.dst.ndim; ++i)
    if (a.dst.strides[i] == 0 && a.dst.shape[i] > 1) fail(ErrorKind::Shape, op, "copy_strided: dst must not broadcast (stride 0)");
  if (a.dst.numel() == 0) return info.Env().Undefined();
  Backend b = Backend::Cpu;
  const bool dd = a.dst.mem == MemKind::Cuda, sd = a.src.mem == MemKind::Cuda;
  if (dd || sd) {
    const TensorArg& host = dd ? a.src : a.dst;
    if (dd != sd && host.mem != MemKind::Pinned)
      fail(ErrorKind::Device, op, "copy_strided: a device tensor can only be copied to/from pinned host memory (allocate with pinned: true) or another device tensor");
    b = Backend::Cuda;
  } else if (a.dst.mem == MemKind::Pinned || a.src.mem == MemKind::Pinned) {
    cuda::synchronize_stream(nullptr);  // pending device work may still read/write the pinned side
  }
  merge_dims(a.dst, a.src);
  dispatch(b, op, a);
  return info.Env().Undefined();
}
LRQK_BINDING(copyStrided, copy_strided);
}  // namespace lrqk::binding
