// copy_strided: dst[i] = convert(src[i]) for same-shape tensors of any strides (src may broadcast
// with stride 0) and any dtypes. Memories: both host, both device, or one pinned host + one
// device (the CUDA kernel reads/writes mapped pinned memory through unified addressing).
// The binding merges adjacent dims that are contiguous in both tensors before dispatch.
#pragma once
#include "../core/tensor_arg.h"

namespace lrqk {
struct CopyStridedArgs {
  TensorArg dst, src;  // same ndim/shape after merging
};
}  // namespace lrqk
