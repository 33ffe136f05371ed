// Split-K ("flash-decoding") attention for one query per head.
//
// bf16 / f16 with D in {64, 128, 256} and 16-byte aligned rows run the tensor-core kernel of
// attention_decode_mma.cuh (the query heads of a GQA group as the rows of one mma tile). Other
// cases (f32, other D) run the scalar split kernel below:
// Kernel 1, grid (splits, Hk, ceil(G / GMAX)), 256 threads: a block takes one KV head, up to GMAX
// of the G query heads that read it (so K/V are read once per group) and one chunk of the rows.
// Each key row is read by LPK = D/VEC lanes with 16-byte loads (VEC elements each), several rows
// in flight per lane; per-row scores are reduced across those lanes with shuffles and folded into
// an online softmax (log2 domain, f32). The block then merges its lane groups (shuffles) and warps
// (shared memory) and writes either the final row (one split) or a partial (max, sum, acc[D]).
// Kernel 2, grid H: merges the partials of all splits.
// Preconditions for this path (else the simple kernel runs): D/VEC in {8, 16, 32}, K/V base
// pointers 16-byte aligned and K/V outer strides multiples of VEC.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include "../core/dispatch.h"
#include "../ops/attention_decode.h"
#include "attention_decode_mma.cuh"
#include "attention_mma.cuh"
#include "attention_simple.cuh"
#include "common.cuh"

namespace lrqk {
namespace {

struct DecodeParams {
  const void *q, *k, *v;
  void* out;
  float* part_acc;  // (splits, H, D)  when splits > 1
  float* part_ml;   // (splits, H, 2): running max (log2 domain), sum
  int64_t qs, os, ks0, ks1, vs0, vs1;
  int heads, group, length, chunk, splits;
  float scale_log2;
  const int32_t* length_dev;  // see decode_mma::Params
};

constexpr int kDecodeWarps = 8, kDecodeThreads = kDecodeWarps * 32;

template <class T, int LPK, int GMAX>
__global__ void __launch_bounds__(kDecodeThreads) decode_split_kernel(DecodeParams p) {
  constexpr int VEC = 16 / int(sizeof(T)), D = LPK * VEC, KPW = 32 / LPK;
  constexpr int STEP = kDecodeWarps * KPW;  // rows per block step
  constexpr int U = GMAX >= 8 ? 2 : 4;      // rows in flight per lane group
  __shared__ float sm_acc[kDecodeWarps][D];
  __shared__ float sm_ml[kDecodeWarps][2];
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, sub = lane / LPK, cl = lane % LPK;
  const int split = blockIdx.x, hk = blockIdx.y, g0 = blockIdx.z * GMAX;
  const int gn = min(GMAX, p.group - g0), h0 = hk * p.group + g0;
  const int2 rows = decode_mma::split_rows(p.length_dev, p.length, p.chunk, p.splits, split, STEP);
  const int j_begin = rows.x, j_end = rows.y;

  float qf[GMAX][VEC], acc[GMAX][VEC], m[GMAX], l[GMAX];
#pragma unroll
  for (int gi = 0; gi < GMAX; ++gi) {
    const T* qr = static_cast<const T*>(p.q) + int64_t(h0 + (gi < gn ? gi : 0)) * p.qs + cl * VEC;
#pragma unroll
    for (int e = 0; e < VEC; ++e) {
      qf[gi][e] = gi < gn ? dev::to_f32(qr[e]) * p.scale_log2 : 0.f;
      acc[gi][e] = 0.f;
    }
    m[gi] = -INFINITY;
    l[gi] = 0.f;
  }
  const T* kb = static_cast<const T*>(p.k) + hk * p.ks0 + cl * VEC;
  const T* vb = static_cast<const T*>(p.v) + hk * p.vs0 + cl * VEC;

  for (int base = j_begin + warp * KPW; base < j_end; base += STEP * U) {  // warp-uniform
    float kf[U][VEC], vf[U][VEC];
    bool ok[U];
    {
      uint4 kr[U], vr[U];
#pragma unroll
      for (int u = 0; u < U; ++u) {
        const int j = base + u * STEP + sub;
        ok[u] = j < j_end;
        kr[u] = ok[u] ? __ldg(reinterpret_cast<const uint4*>(kb + int64_t(j) * p.ks1)) : make_uint4(0, 0, 0, 0);
        vr[u] = ok[u] ? __ldg(reinterpret_cast<const uint4*>(vb + int64_t(j) * p.vs1)) : make_uint4(0, 0, 0, 0);
      }
#pragma unroll
      for (int u = 0; u < U; ++u) {
        dev::unpack16<T>(kr[u], kf[u]);
        dev::unpack16<T>(vr[u], vf[u]);
      }
    }
#pragma unroll
    for (int gi = 0; gi < GMAX; ++gi) {
      if (gi >= gn) break;  // block-uniform
      float s[U];
#pragma unroll
      for (int u = 0; u < U; ++u) {
        float d = 0.f;
#pragma unroll
        for (int e = 0; e < VEC; ++e) d = fmaf(qf[gi][e], kf[u][e], d);
#pragma unroll
        for (int o = LPK / 2; o > 0; o >>= 1) d += __shfl_xor_sync(0xffffffffu, d, o);
        s[u] = ok[u] ? d : -INFINITY;
      }
      float mx = m[gi];
#pragma unroll
      for (int u = 0; u < U; ++u) mx = fmaxf(mx, s[u]);
      const float ms = mx == -INFINITY ? 0.f : mx;
      const float corr = exp2f(m[gi] - ms);
      l[gi] *= corr;
#pragma unroll
      for (int e = 0; e < VEC; ++e) acc[gi][e] *= corr;
#pragma unroll
      for (int u = 0; u < U; ++u) {
        const float pu = exp2f(s[u] - ms);
        l[gi] += pu;
#pragma unroll
        for (int e = 0; e < VEC; ++e) acc[gi][e] = fmaf(pu, vf[u][e], acc[gi][e]);
      }
      m[gi] = mx;
    }
  }

  // Merge the KPW lane groups of each warp (same cl, different sub).
#pragma unroll
  for (int gi = 0; gi < GMAX; ++gi) {
    if (gi >= gn) break;
#pragma unroll
    for (int o = LPK; o < 32; o <<= 1) {
      const float mo = __shfl_xor_sync(0xffffffffu, m[gi], o), lo = __shfl_xor_sync(0xffffffffu, l[gi], o);
      const float mn = fmaxf(m[gi], mo), ms = mn == -INFINITY ? 0.f : mn;
      const float wa = exp2f(m[gi] - ms), wb = exp2f(mo - ms);
      l[gi] = l[gi] * wa + lo * wb;
#pragma unroll
      for (int e = 0; e < VEC; ++e) acc[gi][e] = acc[gi][e] * wa + __shfl_xor_sync(0xffffffffu, acc[gi][e], o) * wb;
      m[gi] = mn;
    }
  }

  // Merge warps through shared memory, one query head at a time.
  for (int gi = 0; gi < gn; ++gi) {
    if (sub == 0) {
#pragma unroll
      for (int e = 0; e < VEC; ++e) {
        // Runtime gi indexes a register array only through this unrolled select.
        float x = 0.f;
#pragma unroll
        for (int gg = 0; gg < GMAX; ++gg) if (gg == gi) x = acc[gg][e];
        sm_acc[warp][cl * VEC + e] = x;
      }
      if (cl == 0) {
        float mm = 0.f, ll = 0.f;
#pragma unroll
        for (int gg = 0; gg < GMAX; ++gg) if (gg == gi) { mm = m[gg]; ll = l[gg]; }
        sm_ml[warp][0] = mm;
        sm_ml[warp][1] = ll;
      }
    }
    __syncthreads();
    const int h = h0 + gi;
    for (int d = threadIdx.x; d < D; d += kDecodeThreads) {
      float mx = -INFINITY;
#pragma unroll
      for (int w = 0; w < kDecodeWarps; ++w) mx = fmaxf(mx, sm_ml[w][0]);
      const float mref = mx == -INFINITY ? 0.f : mx;  // an empty split: every weight 0, sum 0
      float ls = 0.f, as = 0.f;
#pragma unroll
      for (int w = 0; w < kDecodeWarps; ++w) {
        const float wt = exp2f(sm_ml[w][0] - mref);  // 0 for warps that saw no rows
        ls += sm_ml[w][1] * wt;
        as += sm_acc[w][d] * wt;
      }
      if (p.splits == 1) {
        static_cast<T*>(p.out)[h * p.os + d] = dev::from_f32<T>(as / ls);
      } else {
        p.part_acc[(int64_t(split) * p.heads + h) * D + d] = as;
        if (d == 0) {
          p.part_ml[(int64_t(split) * p.heads + h) * 2] = mx;
          p.part_ml[(int64_t(split) * p.heads + h) * 2 + 1] = ls;
        }
      }
    }
    __syncthreads();
  }
}

// One block per query head: softmax-weighted merge of the split partials. The splits' (max, sum)
// pairs are read once into shared memory with their weights; then each thread sums its output
// columns over the splits with the loads of 8 splits in flight (a chain of dependent loads per
// split took ~7 µs for 33 splits, longer than the split kernel).
constexpr int kCombineThreads = 128;
constexpr int kCombineMaxSplits = 1024;  // shared weights; more splits fold in a second pass

template <class T>
__global__ void __launch_bounds__(kCombineThreads) decode_combine_kernel(const float* part_acc, const float* part_ml, T* out,
                                                                         int64_t os, int heads, int dim, int splits) {
  dev::grid_dependency_wait();  // with PDL: the split kernel's partials are complete and visible
  __shared__ float wt[kCombineMaxSplits];
  __shared__ float red[kCombineThreads / 32];
  const int h = blockIdx.x, tid = threadIdx.x;
  const int ns = min(splits, kCombineMaxSplits);
  // Global max over all splits (the ones past kCombineMaxSplits included).
  float mx = -INFINITY;
  for (int s = tid; s < splits; s += kCombineThreads) mx = fmaxf(mx, part_ml[(int64_t(s) * heads + h) * 2]);
  for (int o = 16; o > 0; o >>= 1) mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, o));
  if ((tid & 31) == 0) red[tid >> 5] = mx;
  __syncthreads();
  mx = red[0];
  for (int w = 1; w < kCombineThreads / 32; ++w) mx = fmaxf(mx, red[w]);
  __syncthreads();  // red is reused for the sum
  float ls = 0.f;
  for (int s = tid; s < splits; s += kCombineThreads) {
    const int64_t i = int64_t(s) * heads + h;
    const float w = exp2f(part_ml[i * 2] - mx);
    if (s < ns) wt[s] = w;
    ls += part_ml[i * 2 + 1] * w;
  }
  for (int o = 16; o > 0; o >>= 1) ls += __shfl_xor_sync(0xffffffffu, ls, o);
  if ((tid & 31) == 0) red[tid >> 5] = ls;
  __syncthreads();
  ls = 0.f;
  for (int w = 0; w < kCombineThreads / 32; ++w) ls += red[w];
  const float inv = 1.f / ls;
  for (int d = tid; d < dim; d += kCombineThreads) {
    const float* acc = part_acc + int64_t(h) * dim + d;
    const int64_t step = int64_t(heads) * dim;
    float as = 0.f;
    int s = 0;
    for (; s + 8 <= ns; s += 8) {
      float v[8];
#pragma unroll
      for (int u = 0; u < 8; ++u) v[u] = acc[(s + u) * step];
#pragma unroll
      for (int u = 0; u < 8; ++u) as = fmaf(v[u], wt[s + u], as);
    }
    for (; s < ns; ++s) as = fmaf(acc[s * step], wt[s], as);
    for (; s < splits; ++s) as = fmaf(acc[s * step], exp2f(part_ml[(int64_t(s) * heads + h) * 2] - mx), as);
    out[h * os + d] = dev::from_f32<T>(as * inv);
  }
}

template <class T, int LPK, int GMAX>
void launch_decode(const AttentionDecodeArgs& a, const char* op) {
  constexpr int KPW = 32 / LPK, STEP = kDecodeWarps * KPW;
  const int group = int(a.heads / a.kv_heads), gz = (group + GMAX - 1) / GMAX;
  const int length = int(a.length);
  // Enough blocks to fill the GPU about four times over, but at least 4 block steps per split.
  const int sms = cuda::probe().sm_count > 0 ? cuda::probe().sm_count : 132;
  const int64_t base_blocks = a.kv_heads * gz;
  int64_t splits = std::max<int64_t>(1, (4 * sms + base_blocks - 1) / base_blocks);
  const int64_t min_chunk = 4 * STEP;
  splits = std::min<int64_t>(splits, (length + min_chunk - 1) / min_chunk);
  splits = std::max<int64_t>(1, std::min<int64_t>(splits, 65535));
  int chunk = int((length + splits - 1) / splits);
  chunk = (chunk + STEP - 1) / STEP * STEP;
  splits = (length + chunk - 1) / chunk;  // every split non-empty

  DecodeParams p{a.q.data, a.k.data, a.v.data, a.out.data, nullptr, nullptr,
                 a.q_head_stride, a.out_head_stride, a.k.strides[0], a.k.strides[1], a.v.strides[0], a.v.strides[1],
                 int(a.heads), group, length, chunk, int(splits), a.scale * 1.4426950408889634f, a.length_dev};
  void* scratch = nullptr;
  const size_t part_bytes = size_t(splits) * size_t(a.heads) * size_t(a.dim + 2) * sizeof(float);
  if (splits > 1) {
    scratch = cuda::device_alloc(part_bytes);
    p.part_acc = static_cast<float*>(scratch);
    p.part_ml = p.part_acc + size_t(splits) * size_t(a.heads) * size_t(a.dim);
  }
  decode_split_kernel<T, LPK, GMAX><<<dim3(unsigned(splits), unsigned(a.kv_heads), unsigned(gz)), kDecodeThreads, 0, cuda::stream()>>>(p);
  cuda::check_launch(op);
  if (splits > 1) {
    decode_combine_kernel<T><<<unsigned(a.heads), kCombineThreads, 0, cuda::stream()>>>(p.part_acc, p.part_ml, static_cast<T*>(a.out.data),
                                                                           a.out_head_stride, int(a.heads), int(a.dim), int(splits));
    cuda::check_launch(op);
    cuda::device_free(scratch, part_bytes);  // stream-ordered: reused only after the combine ran
  }
}

template <class T, int LPK>
void launch_decode_g(const AttentionDecodeArgs& a, const char* op) {
  const int64_t group = a.heads / a.kv_heads;
  if (group <= 1) launch_decode<T, LPK, 1>(a, op);
  else if (group <= 2) launch_decode<T, LPK, 2>(a, op);
  else if (group <= 4) launch_decode<T, LPK, 4>(a, op);
  else launch_decode<T, LPK, 8>(a, op);
}

// Whether the split blocks of a query group may merge through distributed shared memory (one
// thread-block cluster per group) instead of the combine kernel: sm_90+, at most 8 splits (the
// portable cluster size), and every group's cluster resident at once (a second wave of clusters
// would cost more than the combine saves). LRQK_DECODE_CLUSTER=0 (read at each call) turns it off.
// max_clusters: the caller's per-kernel cache, by cluster size (-1 = not yet asked); the kernel's
// dynamic shared memory attribute must already be set.
template <class Kern>
bool cluster_merge_fits(Kern kern, int (&max_clusters)[9], int smem, int splits, int64_t groups) {
  const char* env = std::getenv("LRQK_DECODE_CLUSTER");
  if ((env != nullptr && std::string(env) == "0") || splits < 2 || splits > 8 || cuda::probe().cc_major < 9) return false;
  if (max_clusters[splits] < 0) {
    cudaLaunchAttribute attr[1];
    attr[0].id = cudaLaunchAttributeClusterDimension;
    attr[0].val.clusterDim.x = unsigned(splits);
    attr[0].val.clusterDim.y = 1;
    attr[0].val.clusterDim.z = 1;
    cudaLaunchConfig_t cfg{};
    cfg.gridDim = dim3(unsigned(splits), 1, 1);
    cfg.blockDim = dim3(decode_mma::kThreads);
    cfg.dynamicSmemBytes = size_t(smem);
    cfg.attrs = attr;
    cfg.numAttrs = 1;
    int n = 0;
    if (cudaOccupancyMaxActiveClusters(&n, kern, &cfg) != cudaSuccess) {
      cudaGetLastError();
      n = 0;  // unknown: the combine kernel it is
    }
    max_clusters[splits] = n;
  }
  return groups <= max_clusters[splits];
}

// Rows per split (a multiple of 16, one warp's keys) for about `splits` splits of `length` rows.
inline int decode_chunk(int length, int64_t splits) {
  const int chunk = int((length + splits - 1) / splits);
  return (chunk + 15) / 16 * 16;
}

// Tensor-core path: splits sized so that one wave of blocks fills every SM at the occupancy the
// kernel gets (shared memory bound: 2 blocks per SM at D <= 128).
template <class T, int D, int STAGES>
void launch_decode_mma(const AttentionDecodeArgs& a, const char* op) {
  using C = decode_mma::Cfg<D, STAGES>;
  auto kern = decode_mma::decode_mma_kernel<T, D, STAGES, false>;
  auto kern_cluster = decode_mma::decode_mma_kernel<T, D, STAGES, true>;
  static int per_sm = 0;  // once per instantiation (single device)
  static int max_clusters[9] = {-1, -1, -1, -1, -1, -1, -1, -1, -1};
  if (per_sm == 0) {
    LRQK_CUDA_CHECK(cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, C::kSmem), op);
    LRQK_CUDA_CHECK(cudaFuncSetAttribute(kern_cluster, cudaFuncAttributeMaxDynamicSharedMemorySize, C::kSmem), op);
    LRQK_CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, kern, decode_mma::kThreads, C::kSmem), op);
    if (per_sm < 1) per_sm = 1;
  }
  const int group = int(a.heads / a.kv_heads), gz = (group + decode_mma::kRows - 1) / decode_mma::kRows;
  const int length = int(a.length);
  const int sms = cuda::probe().sm_count > 0 ? cuda::probe().sm_count : 132;
  const int64_t base_blocks = a.kv_heads * gz, slots = int64_t(sms) * per_sm;
  int64_t splits = std::max<int64_t>(1, slots / base_blocks);
  splits = std::min<int64_t>(splits, (length + 15) / 16);  // at least 16 rows (one warp's keys) each
  int chunk = decode_chunk(length, splits);
  splits = (length + chunk - 1) / chunk;  // every split non-empty
  // Merging in a cluster saves the combine kernel; where all clusters of `splits` blocks do not fit
  // at once (cluster blocks must share a GPC), up to a quarter fewer, longer splits may.
  bool cluster = false;
  for (int64_t s = splits; s >= 2 && 4 * s >= 3 * splits && !cluster; --s) {
    const int c = decode_chunk(length, s);
    const int64_t n = (length + c - 1) / c;
    if (n == s && cluster_merge_fits(kern_cluster, max_clusters, C::kSmem, int(s), base_blocks)) {
      cluster = true;
      chunk = c;
      splits = s;
    }
  }
  decode_mma::Params p{a.q.data, a.k.data, a.v.data, a.out.data, nullptr, nullptr,
                       a.q_head_stride, a.out_head_stride, a.k.strides[0], a.k.strides[1], a.v.strides[0], a.v.strides[1],
                       int(a.heads), group, length, chunk, int(splits), a.scale * 1.4426950408889634f, a.length_dev};
  void* scratch = nullptr;
  const size_t part_bytes = size_t(splits) * size_t(a.heads) * size_t(D + 2) * sizeof(float);
  if (splits > 1 && !cluster) {
    scratch = cuda::device_alloc(part_bytes);
    p.part_acc = static_cast<float*>(scratch);
    p.part_ml = p.part_acc + size_t(splits) * size_t(a.heads) * size_t(D);
  }
  // Both kernels use programmatic dependent launch: each may be scheduled while its predecessor in
  // the stream drains, and waits on it (griddepcontrol.wait) before touching its inputs.
  cudaLaunchAttribute attrs[2];
  attrs[0].id = cudaLaunchAttributeProgrammaticStreamSerialization;
  attrs[0].val.programmaticStreamSerializationAllowed = 1;
  attrs[1].id = cudaLaunchAttributeClusterDimension;
  attrs[1].val.clusterDim.x = unsigned(splits);
  attrs[1].val.clusterDim.y = 1;
  attrs[1].val.clusterDim.z = 1;
  cudaLaunchConfig_t cfg{};
  cfg.gridDim = dim3(unsigned(splits), unsigned(a.kv_heads), unsigned(gz));
  cfg.blockDim = dim3(decode_mma::kThreads);
  cfg.dynamicSmemBytes = C::kSmem;
  cfg.stream = cuda::stream();
  cfg.attrs = attrs;
  cfg.numAttrs = cluster ? 2 : 1;
  if (cluster) LRQK_CUDA_CHECK(cudaLaunchKernelEx(&cfg, kern_cluster, p), op);
  else LRQK_CUDA_CHECK(cudaLaunchKernelEx(&cfg, kern, p), op);
  cuda::check_launch(op);
  if (splits > 1 && !cluster) {
    cfg.gridDim = dim3(unsigned(a.heads));
    cfg.blockDim = dim3(kCombineThreads);
    cfg.dynamicSmemBytes = 0;
    cfg.numAttrs = 1;
    LRQK_CUDA_CHECK(cudaLaunchKernelEx(&cfg, decode_combine_kernel<T>, static_cast<const float*>(p.part_acc),
                                       static_cast<const float*>(p.part_ml), static_cast<T*>(a.out.data),
                                       int64_t(a.out_head_stride), int(a.heads), int(D), int(splits)), op);
    cuda::check_launch(op);
    cuda::device_free(scratch, part_bytes);  // stream-ordered: reused only after the combine ran
  }
}

template <class T>
bool try_mma_decode(const AttentionDecodeArgs& a, const char* op) {
  // Q rows are loaded 16 bytes at a time.
  if (reinterpret_cast<uintptr_t>(a.q.data) % 16 != 0 || (a.heads > 1 && (a.q_head_stride * int64_t(sizeof(T))) % 16 != 0)) return false;
  switch (a.dim) {
    case 64: launch_decode_mma<T, 64, 3>(a, op); return true;
    // A 2-deep ring (68 KB a block, 3 blocks an SM) measured slower at every decode shape
    // (docs/benchmarks/tensor.md, 2026-12-01).
    case 128: launch_decode_mma<T, 128, 3>(a, op); return true;
    case 256: launch_decode_mma<T, 256, 2>(a, op); return true;
    default: return false;
  }
}

template <class T>
bool try_vector_decode(const AttentionDecodeArgs& a, const char* op) {
  constexpr int VEC = 16 / int(sizeof(T));
  if (a.dim % VEC != 0) return false;
  switch (a.dim / VEC) {
    case 8: launch_decode_g<T, 8>(a, op); return true;
    case 16: launch_decode_g<T, 16>(a, op); return true;
    case 32: launch_decode_g<T, 32>(a, op); return true;
    default: return false;
  }
}

bool kv_vec_ok(const TensorArg& t) {
  if (reinterpret_cast<uintptr_t>(t.data) % 16 != 0) return false;
  for (int i = 0; i < 2; ++i)
    if (t.shape[i] > 1 && (t.strides[i] * int64_t(dtype_size(t.dtype))) % 16 != 0) return false;
  return true;
}

void attention_decode_cuda(const AttentionDecodeArgs& a) {
  const char* op = "attentionDecode";
  if (a.heads > 65535 || a.length >= (int64_t(1) << 30))
    fail(ErrorKind::Unsupported, op, std::string(op) + ": more than 65535 heads or 2^30 rows");
  if (kv_vec_ok(a.k) && kv_vec_ok(a.v)) {
    if (a.q.dtype == DType::BF16 && try_mma_decode<__nv_bfloat16>(a, op)) return;
    if (a.q.dtype == DType::F16 && try_mma_decode<__half>(a, op)) return;
    bool done = false;
    LRQK_FLOAT_SWITCH(a.q.dtype, T, op, done = try_vector_decode<T>(a, op));
    if (done) return;
  }
  if (a.length_dev != nullptr)
    fail(ErrorKind::Unsupported, op,
         std::string(op) + ": a device-side length needs the vectorized kernels (16-byte aligned K/V rows, D a multiple of 8 / 16-byte vectors)");
  // Fallback: the simple kernel as a one-query, non-causal prefill over `length` rows.
  AttentionPrefillArgs pa;
  pa.q = a.q;
  pa.out = a.out;
  for (TensorArg* t : {&pa.q, &pa.out}) {
    const int64_t hs = t == &pa.q ? a.q_head_stride : a.out_head_stride;
    t->ndim = 3;
    t->shape[0] = a.heads; t->shape[1] = 1; t->shape[2] = a.dim;
    t->strides[0] = hs; t->strides[1] = 0; t->strides[2] = 1;
  }
  pa.k = a.k;
  pa.v = a.v;
  pa.heads = a.heads;
  pa.kv_heads = a.kv_heads;
  pa.tq = 1;
  pa.tk = a.length;
  pa.dim = a.dim;
  pa.scale = a.scale;
  pa.causal = false;
  pa.window = 0;
  attention_simple_cuda(pa, op);
}
}  // namespace

LRQK_REGISTER_KERNEL(AttentionDecodeArgs, Cuda, attention_decode_cuda);
}  // namespace lrqk
