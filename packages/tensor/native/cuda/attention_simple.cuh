// The simple CUDA attention path (any float dtype, any 1 <= D <= 256, any strides): one warp per
// query row, keys one at a time with an online softmax. Used for f32, for head dims or
// alignments the tensor-core / vectorised kernels do not cover, and as the decode fallback.
#pragma once
#include "../ops/attention_prefill.h"

namespace lrqk {
void attention_simple_cuda(const AttentionPrefillArgs& a, const char* op);
}
