// Split-K decode attention on tensor cores (bf16 / f16, D in {64, 128, 256}), included by
// attention_decode.cu.
//
// The G query heads that share one KV head form the rows of a 16-row A operand (rows past G are
// zeros), so Q·Kᵀ and P·V run as mma.sync m16n8k16 and the CUDA cores only do the online softmax:
// per 16 keys a warp issues 2·D/8 mma and a few dozen scalar instructions instead of the
// 2·G·D FMAs per key of a scalar kernel. That keeps the kernel a pure stream of K and V.
//
// Grid (splits, Hk, ceil(G / 16)), 4 warps. A block takes a contiguous chunk of rows of one KV head
// and walks it in 64-row tiles; K and V tiles stream through a STAGES-deep cp.async ring (up to
// STAGES - 1 tiles = 64 KB in flight per block at D = 128), and warp w handles rows 16w..16w+15 of
// every tile with its own online-softmax state (log2 domain, scale·log2(e) folded into exp2). The
// warps merge through shared memory at the end; the block writes the output row (one split) or a
// partial (max, sum, acc[D]) that decode_combine_kernel merges — or, launched as one thread-block
// cluster per query group (CLUSTER, splits <= 8), the splits merge through distributed shared
// memory and write the output row themselves: no partials in global memory, no second kernel.
#pragma once
#include <cooperative_groups.h>
#include "attention_mma.cuh"
#include "common.cuh"

namespace lrqk {
namespace decode_mma {

constexpr int kWarps = 4, kThreads = kWarps * 32, kRows = 16, BN = 64;

template <int D, int STAGES>
struct Cfg {
  static constexpr int kQBytes = kRows * D * 2;
  static constexpr int kTileBytes = BN * D * 2;  // one K or one V tile
  static constexpr int kPipeBytes = STAGES * 2 * kTileBytes;
  // f32 acc + (max, sum) per warp row, then the block's merged rows (read by the cluster's blocks)
  static constexpr int kMergeBytes = (kWarps + 1) * kRows * (D + 2) * 4;
  static constexpr int kSmem = kQBytes + (kPipeBytes > kMergeBytes ? kPipeBytes : kMergeBytes);
};

struct Params {
  const void *q, *k, *v;
  void* out;
  float* part_acc;  // (splits, H, D) when splits > 1
  float* part_ml;   // (splits, H, 2): max (log2 domain), sum
  int64_t qs, os, ks0, ks1, vs0, vs1;
  int heads, group, length, chunk, splits;
  float scale_log2;
  const int32_t* length_dev;  // when set: rows = clamp(*length_dev, 1, length), chunk derived here
};

// The rows [j_begin, j_end) of this split (j_end >= j_begin; a split past the rows is empty).
// With a device-side length the chunk is derived from it, so the work spreads over all splits.
__device__ inline int2 split_rows(const int32_t* length_dev, int length, int chunk, int splits, int split, int align) {
  int n = length;
  if (length_dev != nullptr) {
    n = min(max(*length_dev, 1), length);
    chunk = ((n + splits - 1) / splits + align - 1) / align * align;
  }
  const int b = split * chunk;
  return make_int2(b, max(b, min(n, b + chunk)));
}

template <class T, int D, int STAGES, bool CLUSTER>
__global__ void __launch_bounds__(kThreads) decode_mma_kernel(Params p) {
  using C = Cfg<D, STAGES>;
  constexpr int DT = D / 8, KS = D / 16, CH = D / 8;
  extern __shared__ __align__(128) uint8_t smem[];
  const uint32_t sQ = dev::smem_addr(smem), sPipe = sQ + C::kQBytes;
  const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31, g = lane >> 2, t4 = lane & 3;
  const int split = blockIdx.x, hk = blockIdx.y, g0 = blockIdx.z * kRows;
  const int gn = min(kRows, p.group - g0), h0 = hk * p.group + g0;
  dev::grid_dependency_wait();  // launched early (PDL): q, k, v (and the length) may come from the previous kernel
  dev::launch_dependents();     // the combine kernel may launch now; it waits for this grid to finish
  const int2 rows = split_rows(p.length_dev, p.length, p.chunk, p.splits, split, 16);
  const int j_begin = rows.x, j_end = rows.y;
  const int tiles = (j_end - j_begin + BN - 1) / BN;
  const T* kb = static_cast<const T*>(p.k) + hk * p.ks0;
  const T* vb = static_cast<const T*>(p.v) + hk * p.vs0;

  // Q rows (query heads h0..h0+gn-1); padded rows are zeros, so their scores are finite zeros.
  {
    const T* qg = static_cast<const T*>(p.q);
    for (int idx = tid; idx < kRows * CH; idx += kThreads) {
      const int r = idx / CH, c = idx % CH;
      const bool ok = r < gn;
      dev::cp_async_16(sQ + dev::swz<D>(r, c), ok ? qg + int64_t(h0 + r) * p.qs + c * 8 : qg, ok ? 16 : 0);
    }
  }
  auto load_stage = [&](int t) {
    const int n0 = j_begin + t * BN;
    const uint32_t sK = sPipe + uint32_t((t % STAGES) * 2 * C::kTileBytes);
    dev::load_tile<T, D, BN, kThreads>(sK, kb + int64_t(n0) * p.ks1, p.ks1, j_end - n0);
    dev::load_tile<T, D, BN, kThreads>(sK + C::kTileBytes, vb + int64_t(n0) * p.vs1, p.vs1, j_end - n0);
  };
#pragma unroll
  for (int s = 0; s < STAGES - 1; ++s) {
    if (s < tiles) load_stage(s);
    dev::cp_async_commit();  // empty groups keep the wait counts uniform
  }

  float o[DT][4];
#pragma unroll
  for (int dt = 0; dt < DT; ++dt)
#pragma unroll
    for (int e = 0; e < 4; ++e) o[dt][e] = 0.f;
  float m_run[2] = {-INFINITY, -INFINITY}, l_run[2] = {0.f, 0.f};
  const float sl2 = p.scale_log2;

  for (int t = 0; t < tiles; ++t) {
    dev::cp_async_wait<STAGES - 2>();
    __syncthreads();  // tile t (and Q) landed for every thread; every warp is done with tile t-1
    if (t + STAGES - 1 < tiles) load_stage(t + STAGES - 1);
    dev::cp_async_commit();
    const int n0 = j_begin + t * BN + warp * 16;  // this warp's 16 keys
    if (n0 >= j_end) continue;                    // warp-uniform; the next barrier is still reached
    const uint32_t sK = sPipe + uint32_t((t % STAGES) * 2 * C::kTileBytes), sV = sK + C::kTileBytes;

    float s[2][4];
#pragma unroll
    for (int nt = 0; nt < 2; ++nt)
#pragma unroll
      for (int e = 0; e < 4; ++e) s[nt][e] = 0.f;
#pragma unroll
    for (int kk = 0; kk < KS; ++kk) {
      uint32_t a[4], b[4];
      dev::ldmatrix_x4(a, sQ + dev::swz<D>(lane & 15, kk * 2 + (lane >> 4)));
      dev::ldmatrix_x4(b, sK + dev::swz<D>(warp * 16 + ((lane >> 4) << 3) + (lane & 7), kk * 2 + ((lane >> 3) & 1)));
      dev::mma_16816<T>(s[0], a, b[0], b[1]);
      dev::mma_16816<T>(s[1], a, b[2], b[3]);
    }
    if (n0 + 16 > j_end) {
#pragma unroll
      for (int nt = 0; nt < 2; ++nt)
#pragma unroll
        for (int e = 0; e < 4; ++e)
          if (n0 + nt * 8 + 2 * t4 + (e & 1) >= j_end) s[nt][e] = -INFINITY;
    }

    // Online softmax; this thread holds rows g (e = 0, 1) and g + 8 (e = 2, 3).
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      float mx = fmaxf(m_run[r], fmaxf(fmaxf(s[0][2 * r], s[0][2 * r + 1]), fmaxf(s[1][2 * r], s[1][2 * r + 1])));
      const dev::RowMax row = dev::quad_row_max(mx, m_run[r], sl2);
      const float ms = row.ms, corr = row.corr;
      m_run[r] = row.mx;
      float rs = 0.f;
#pragma unroll
      for (int nt = 0; nt < 2; ++nt)
#pragma unroll
        for (int e = 2 * r; e < 2 * r + 2; ++e) {
          const float pe = exp2f(fmaf(s[nt][e], sl2, -ms));
          s[nt][e] = pe;
          rs += pe;
        }
      l_run[r] = l_run[r] * corr + rs;
#pragma unroll
      for (int dt = 0; dt < DT; ++dt) {
        o[dt][2 * r] *= corr;
        o[dt][2 * r + 1] *= corr;
      }
    }

    // O += P · V(16 keys); P re-packed from the score accumulators into an A fragment.
    uint32_t pa[4];
    pa[0] = dev::pack2<T>(s[0][0], s[0][1]);
    pa[1] = dev::pack2<T>(s[0][2], s[0][3]);
    pa[2] = dev::pack2<T>(s[1][0], s[1][1]);
    pa[3] = dev::pack2<T>(s[1][2], s[1][3]);
#pragma unroll
    for (int dp = 0; dp < D / 16; ++dp) {
      uint32_t b[4];
      dev::ldmatrix_x4_trans(b, sV + dev::swz<D>(warp * 16 + ((lane >> 3) & 1) * 8 + (lane & 7), dp * 2 + (lane >> 4)));
      dev::mma_16816<T>(o[2 * dp], pa, b[0], b[1]);
      dev::mma_16816<T>(o[2 * dp + 1], pa, b[2], b[3]);
    }
  }

  // Merge the warps: each writes its rows' (max, sum, acc) to shared memory (over the pipeline).
  dev::cp_async_wait_all();
  __syncthreads();
  float* s_acc = reinterpret_cast<float*>(smem + C::kQBytes);  // [warp][row][D]
  float* s_ml = s_acc + kWarps * kRows * D;                      // [warp][row][2]
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    float l = l_run[r];
    l += __shfl_xor_sync(0xffffffffu, l, 1);
    l += __shfl_xor_sync(0xffffffffu, l, 2);
    const int row = g + 8 * r;
#pragma unroll
    for (int dt = 0; dt < DT; ++dt) {
      float* dst = s_acc + (warp * kRows + row) * D + dt * 8 + 2 * t4;
      dst[0] = o[dt][2 * r];
      dst[1] = o[dt][2 * r + 1];
    }
    if (t4 == 0) {
      s_ml[(warp * kRows + row) * 2] = m_run[r] == -INFINITY ? -INFINITY : m_run[r] * sl2;
      s_ml[(warp * kRows + row) * 2 + 1] = l;
    }
  }
  __syncthreads();
  float* s_blk = s_ml + kWarps * kRows * 2;  // [row][D]: this block's merged rows (CLUSTER)
  float* s_blk_ml = s_blk + kRows * D;        // [row][2]
  for (int idx = tid; idx < gn * D; idx += kThreads) {
    const int r = idx / D, d = idx % D, h = h0 + r;
    float mx = -INFINITY;
#pragma unroll
    for (int w = 0; w < kWarps; ++w) mx = fmaxf(mx, s_ml[(w * kRows + r) * 2]);
    const float mref = mx == -INFINITY ? 0.f : mx;  // an empty split: every weight 0, sum 0
    float ls = 0.f, as = 0.f;
#pragma unroll
    for (int w = 0; w < kWarps; ++w) {
      const float wt = exp2f(s_ml[(w * kRows + r) * 2] - mref);  // 0 for a warp that saw no keys
      ls += s_ml[(w * kRows + r) * 2 + 1] * wt;
      as += s_acc[(w * kRows + r) * D + d] * wt;
    }
    if (p.splits == 1) {
      static_cast<T*>(p.out)[h * p.os + d] = dev::from_f32<T>(as / ls);
    } else if (CLUSTER) {
      s_blk[r * D + d] = as;
      if (d == 0) {
        s_blk_ml[r * 2] = mx;
        s_blk_ml[r * 2 + 1] = ls;
      }
    } else {
      p.part_acc[(int64_t(split) * p.heads + h) * D + d] = as;
      if (d == 0) {
        p.part_ml[(int64_t(split) * p.heads + h) * 2] = mx;
        p.part_ml[(int64_t(split) * p.heads + h) * 2 + 1] = ls;
      }
    }
  }
  if constexpr (CLUSTER) {
    // The cluster is this group's `splits` blocks (grid.x = cluster.x = splits, rank = split).
    // Each block merges a share of the output columns from every block's shared memory; the
    // second barrier keeps every block's shared memory alive until all reads are done.
    namespace cg = cooperative_groups;
    cg::cluster_group cluster = cg::this_cluster();
    cluster.sync();
    // Every remote value is loaded before any is used (unrolled over the at most 8 blocks), so
    // the merge waits for one round trip to distributed shared memory, not one per block.
    const int ranks = int(cluster.num_blocks()), rank = int(cluster.block_rank());
    for (int idx = rank * kThreads + tid; idx < gn * D; idx += ranks * kThreads) {
      const int r = idx / D, d = idx % D;
      float bm[8], bl[8], ba[8];
#pragma unroll
      for (int b = 0; b < 8; ++b) {
        if (b < ranks) {
          bm[b] = cluster.map_shared_rank(s_blk_ml, b)[r * 2];
          bl[b] = cluster.map_shared_rank(s_blk_ml, b)[r * 2 + 1];
          ba[b] = cluster.map_shared_rank(s_blk, b)[r * D + d];
        } else {
          bm[b] = -INFINITY;
          bl[b] = ba[b] = 0.f;
        }
      }
      float mx = -INFINITY;
#pragma unroll
      for (int b = 0; b < 8; ++b) mx = fmaxf(mx, bm[b]);
      float ls = 0.f, as = 0.f;
#pragma unroll
      for (int b = 0; b < 8; ++b) {
        const float wt = exp2f(bm[b] - mx);  // mx is finite: some split saw keys; 0 for empty splits
        ls += bl[b] * wt;
        as += ba[b] * wt;
      }
      static_cast<T*>(p.out)[(h0 + r) * p.os + d] = dev::from_f32<T>(as / ls);
    }
    cluster.sync();
  }
}

}  // namespace decode_mma
}  // namespace lrqk
