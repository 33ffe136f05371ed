// Obviously-correct CUDA attention (see attention_simple.cuh). Block = 4 warps = 4 query rows of
// one head; each lane owns head-dim elements lane, lane+32, ... (at most 8 of them).
#include <cstdint>
#include "../core/dispatch.h"
#include "attention_simple.cuh"
#include "common.cuh"

namespace lrqk {
namespace {
struct SimpleParams {
  const void *q, *k, *v;
  void* out;
  int64_t qs0, qs1, ks0, ks1, vs0, vs1, os0, os1;
  int64_t tq, tk, window;
  int group, dim, causal;
  float scale_log2;
};

template <class T>
__global__ void __launch_bounds__(128) attention_simple_kernel(SimpleParams p) {
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int64_t row = int64_t(blockIdx.x) * 4 + warp;  // query index within Tq
  if (row >= p.tq) return;                             // warp-uniform
  const int h = blockIdx.y, hk = h / p.group;
  const int64_t pos = p.tk - p.tq + row;
  const T* qr = static_cast<const T*>(p.q) + h * p.qs0 + row * p.qs1;
  const T* kh = static_cast<const T*>(p.k) + hk * p.ks0;
  const T* vh = static_cast<const T*>(p.v) + hk * p.vs0;
  float qv[8], acc[8];
#pragma unroll
  for (int i = 0; i < 8; ++i) {
    const int d = lane + 32 * i;
    qv[i] = d < p.dim ? dev::to_f32(qr[d]) * p.scale_log2 : 0.f;  // log2-domain scores
    acc[i] = 0.f;
  }
  const int64_t lo = p.window > 0 ? (pos - p.window + 1 > 0 ? pos - p.window + 1 : 0) : 0;
  const int64_t hi = p.causal ? pos + 1 : p.tk;
  float m = -INFINITY, l = 0.f;
  for (int64_t j = lo; j < hi; ++j) {
    const T* kr = kh + j * p.ks1;
    const T* vr = vh + j * p.vs1;
    float s = 0.f;
#pragma unroll
    for (int i = 0; i < 8; ++i) {
      const int d = lane + 32 * i;
      if (d < p.dim) s += qv[i] * dev::to_f32(kr[d]);
    }
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffffu, s, o);
    const float mn = fmaxf(m, s);
    const float corr = exp2f(m - mn), pj = exp2f(s - mn);  // corr = 0 on the first key
    l = l * corr + pj;
#pragma unroll
    for (int i = 0; i < 8; ++i) {
      const int d = lane + 32 * i;
      if (d < p.dim) acc[i] = acc[i] * corr + pj * dev::to_f32(vr[d]);
    }
    m = mn;
  }
  const float inv = l > 0.f ? 1.f / l : 0.f;
  T* orow = static_cast<T*>(p.out) + h * p.os0 + row * p.os1;
#pragma unroll
  for (int i = 0; i < 8; ++i) {
    const int d = lane + 32 * i;
    if (d < p.dim) orow[d] = dev::from_f32<T>(acc[i] * inv);
  }
}
}  // namespace

void attention_simple_cuda(const AttentionPrefillArgs& a, const char* op) {
  if (a.heads > 65535) fail(ErrorKind::Unsupported, op, std::string(op) + ": more than 65535 heads");
  SimpleParams p{a.q.data, a.k.data, a.v.data, a.out.data,
                 a.q.strides[0], a.q.strides[1], a.k.strides[0], a.k.strides[1],
                 a.v.strides[0], a.v.strides[1], a.out.strides[0], a.out.strides[1],
                 a.tq, a.tk, a.window, int(a.heads / a.kv_heads), int(a.dim), a.causal ? 1 : 0,
                 a.scale * 1.4426950408889634f};
  const dim3 grid(cuda::grid_for(a.tq, 4), unsigned(a.heads));
  LRQK_FLOAT_SWITCH(a.q.dtype, T, op, attention_simple_kernel<T><<<grid, 128, 0, cuda::stream()>>>(p));
  cuda::check_launch(op);
}
}  // namespace lrqk
