// sample_logits: one token id per row of logits (rows, V) float, contiguous:
//   z = logits / temperature (temperature 0 → argmax, ties → lowest index);
//   top-k: keep z ≥ the k-th largest z (ties kept, as HF);      (top_k 0 = off)
//   top-p: keep the largest z whose softmax mass (over kept) first reaches top_p (ties kept);
//   min-p: keep p ≥ min_p · p_max;
//   then the first token, in index order, whose cumulative kept mass exceeds u · total,
//   with u = uniforms[row] ∈ [0, 1). out (rows) i32.
#pragma once
#include "../core/tensor_arg.h"

namespace lrqk {
struct SampleLogitsArgs {
  TensorArg logits, uniforms, out;
  int64_t rows, vocab;
  float temperature, top_p, min_p;
  int64_t top_k;
};
}  // namespace lrqk
