// FlashAttention-2-style prefill on tensor cores (bf16 / f16, D in {64, 128, 256}).
//
// 1-D grid over (query block, head), heads fastest and, for causal attention, the query blocks with
// the most key tiles first across all heads (longest-first scheduling shortens the tail). Each warp
// owns 16·MT query rows; the Q tile (BM×D) stays in shared memory. K and V tiles (BN×D) stream in
// with cp.async, in one of two schemes (STAGES):
//   1:  one K and one V buffer, FA2's overlap: V(n) loads while S = Q·K(n)ᵀ is computed, K(n-1)
//       loads during the softmax and O += P·V(n) (two barriers per tile);
//   2+: a ring of STAGES (K, V) pairs: tile n+STAGES-1 loads while tile n is computed (one
//       barrier per tile).
// Shared-memory rows are XOR-swizzled in 16-byte chunks (chunk ^ (row & 7)) so ldmatrix is
// conflict-free. Scores stay in registers (mma.sync m16n8k16, f32 accumulators); the online softmax
// works in the log2 domain with scale·log2(e) folded into exp2 and (LAZY) skips the rescale of the
// output accumulators on tiles where no row of the warp saw a new maximum. Key tiles run from the last to the
// first so the masked (diagonal / window-edge / ragged) tiles come first; tiles wholly outside the
// causal or window range are never visited. The output is staged through the warp's own Q rows in
// shared memory and written with 16-byte stores (strided output allowed).
//
// Preconditions (checked by the launcher, else the simple path runs): 16-byte aligned pointers,
// outer strides multiples of 8 elements, scale > 0, Tk < 2^31.
//
// D = 128 on sm_90a runs the warpgroup-MMA kernel of attention_prefill_wgmma.cuh instead (same
// scheduling, masking and softmax; TMA loads from a producer warpgroup; H200, causal, 32 / 8
// heads: 642 / 620 TFLOP/s at 8K / 32K against 337 / 348 for this kernel,
// docs/benchmarks/tensor.md). It falls back to this kernel when TMA cannot describe the tensors.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <type_traits>
#include "../core/dispatch.h"
#include "../ops/attention_prefill.h"
#include "attention_mma.cuh"
#include "attention_simple.cuh"
#include "common.cuh"
#include "tma.cuh"
#include "wgmma.cuh"

namespace lrqk {
namespace {

struct FlashParams {
  const void *q, *k, *v;
  void* out;
  int64_t qs0, qs1, ks0, ks1, vs0, vs1, os0, os1;
  int tq, tk, window, group, heads, m_blocks, causal;
  float scale_log2;
};

template <int D, int MT, int WARPS, int BN_, int STAGES>
struct FlashCfg {
  static constexpr int kWarps = WARPS, kThreads = WARPS * 32;
  static constexpr int BM = kWarps * 16 * MT;  // query rows per block
  static constexpr int BN = BN_;               // keys per tile
  static constexpr int kKvBufs = STAGES == 1 ? 2 : 2 * STAGES;
  static constexpr int kSmem = (BM + kKvBufs * BN) * D * 2;
};

using dev::load_tile;
using dev::swz;

// What one block of either prefill kernel works on. Heads fastest; causal blocks with more key
// tiles first, across all heads (longest first); the key tiles any of its rows can see.
struct PrefillBlock {
  int h, hk, q0, off, tile_lo, tile_hi;
};
__device__ __forceinline__ PrefillBlock prefill_block(const FlashParams& p, int bm, int bn) {
  PrefillBlock b;
  b.h = int(blockIdx.x % unsigned(p.heads));
  const int mb = int(blockIdx.x / unsigned(p.heads));
  const int m_block = p.causal ? p.m_blocks - 1 - mb : mb;
  b.hk = b.h / p.group;
  b.q0 = m_block * bm;
  b.off = p.tk - p.tq;
  const int q_last = min(b.q0 + bm, p.tq) - 1;
  const int n_begin = p.window > 0 ? max(0, b.off + b.q0 - p.window + 1) : 0;  // keys [n_begin, n_end)
  const int n_end = p.causal ? min(p.tk, b.off + q_last + 1) : p.tk;
  b.tile_lo = n_begin / bn;
  b.tile_hi = (n_end - 1) / bn;
  return b;
}

// S = Q(warp rows) · K(tile)ᵀ, raw scores.
template <class T, int D, int MT, int NT>
__device__ __forceinline__ void flash_qk(float (&s)[MT][NT][4], uint32_t sQ, uint32_t sK, int wrow, int lane) {
#pragma unroll
  for (int mt = 0; mt < MT; ++mt)
#pragma unroll
    for (int nt = 0; nt < NT; ++nt)
#pragma unroll
      for (int e = 0; e < 4; ++e) s[mt][nt][e] = 0.f;
#pragma unroll
  for (int kk = 0; kk < D / 16; ++kk) {
    uint32_t a[MT][4];
#pragma unroll
    for (int mt = 0; mt < MT; ++mt) dev::ldmatrix_x4(a[mt], sQ + swz<D>(wrow + mt * 16 + (lane & 15), kk * 2 + (lane >> 4)));
#pragma unroll
    for (int np = 0; np < NT / 2; ++np) {
      uint32_t b[4];
      dev::ldmatrix_x4(b, sK + swz<D>(np * 16 + ((lane >> 4) << 3) + (lane & 7), kk * 2 + ((lane >> 3) & 1)));
#pragma unroll
      for (int mt = 0; mt < MT; ++mt) {
        dev::mma_16816<T>(s[mt][2 * np], a[mt], b[0], b[1]);
        dev::mma_16816<T>(s[mt][2 * np + 1], a[mt], b[2], b[3]);
      }
    }
  }
}

// Online softmax over one tile; this thread holds rows g (e = 0, 1) and g + 8 (e = 2, 3) of each
// m-tile. Scores become probabilities in place; o and l are rescaled.
template <bool LAZY, int MT, int NT, int DT>
__device__ __forceinline__ void flash_softmax(float (&s)[MT][NT][4], float (&m_run)[MT][2], float (&l_run)[MT][2],
                                              float (&o)[MT][DT][4], float sl2) {
#pragma unroll
  for (int mt = 0; mt < MT; ++mt)
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      float mx = m_run[mt][r];
#pragma unroll
      for (int nt = 0; nt < NT; ++nt) mx = fmaxf(mx, fmaxf(s[mt][nt][2 * r], s[mt][nt][2 * r + 1]));
      const dev::RowMax row = dev::quad_row_max(mx, m_run[mt][r], sl2);
      const float ms = row.ms, corr = row.corr;
      const bool changed = row.mx != m_run[mt][r];
      m_run[mt][r] = row.mx;
      float rs = 0.f;
#pragma unroll
      for (int nt = 0; nt < NT; ++nt)
#pragma unroll
        for (int e = 2 * r; e < 2 * r + 2; ++e) {
          const float pe = exp2f(fmaf(s[mt][nt][e], sl2, -ms));
          s[mt][nt][e] = pe;
          rs += pe;
        }
      l_run[mt][r] = l_run[mt][r] * corr + rs;
      // LAZY: skip the rescale (a multiply by exactly 1) when no row of the warp saw a new max,
      // which is most tiles once a row has seen a few hundred keys.
      if (!LAZY || __any_sync(0xffffffffu, changed)) {
#pragma unroll
        for (int dt = 0; dt < DT; ++dt) {
          o[mt][dt][2 * r] *= corr;
          o[mt][dt][2 * r + 1] *= corr;
        }
      }
    }
}

// O += P · V(tile); P re-packed from the score accumulators into A fragments.
template <class T, int D, int MT, int NT, int DT>
__device__ __forceinline__ void flash_pv(float (&o)[MT][DT][4], const float (&s)[MT][NT][4], uint32_t sV, int lane) {
#pragma unroll
  for (int ks = 0; ks < NT / 2; ++ks) {
    uint32_t pa[MT][4];
#pragma unroll
    for (int mt = 0; mt < MT; ++mt) {
      pa[mt][0] = dev::pack2<T>(s[mt][2 * ks][0], s[mt][2 * ks][1]);
      pa[mt][1] = dev::pack2<T>(s[mt][2 * ks][2], s[mt][2 * ks][3]);
      pa[mt][2] = dev::pack2<T>(s[mt][2 * ks + 1][0], s[mt][2 * ks + 1][1]);
      pa[mt][3] = dev::pack2<T>(s[mt][2 * ks + 1][2], s[mt][2 * ks + 1][3]);
    }
#pragma unroll
    for (int dp = 0; dp < D / 16; ++dp) {
      uint32_t b[4];
      dev::ldmatrix_x4_trans(b, sV + swz<D>(ks * 16 + ((lane >> 3) & 1) * 8 + (lane & 7), dp * 2 + (lane >> 4)));
#pragma unroll
      for (int mt = 0; mt < MT; ++mt) {
        dev::mma_16816<T>(o[mt][2 * dp], pa[mt], b[0], b[1]);
        dev::mma_16816<T>(o[mt][2 * dp + 1], pa[mt], b[2], b[3]);
      }
    }
  }
}

template <class T, int D, int MT, int WARPS, int BN_, int STAGES, int MIN_BLOCKS, bool LAZY>
__global__ void __launch_bounds__(WARPS * 32, MIN_BLOCKS) flash_prefill_kernel(FlashParams p) {
  using Cfg = FlashCfg<D, MT, WARPS, BN_, STAGES>;
  constexpr int TH = Cfg::kThreads;
  constexpr int BM = Cfg::BM, BN = Cfg::BN, C = D / 8, NT = BN / 8, DT = D / 8;
  constexpr uint32_t kTileBytes = BN * D * 2;
  extern __shared__ __align__(128) uint8_t smem[];
  const uint32_t sQ = dev::smem_addr(smem), sKV = sQ + BM * D * 2;
  const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31, g = lane >> 2, t4 = lane & 3;
  const PrefillBlock blk = prefill_block(p, BM, BN);
  const int h = blk.h, q0 = blk.q0, off = blk.off, tile_lo = blk.tile_lo, tile_hi = blk.tile_hi;
  const T* qg = static_cast<const T*>(p.q) + h * p.qs0 + int64_t(q0) * p.qs1;
  const T* kg = static_cast<const T*>(p.k) + blk.hk * p.ks0;
  const T* vg = static_cast<const T*>(p.v) + blk.hk * p.vs0;

  float o[MT][DT][4];
  float m_run[MT][2], l_run[MT][2];
#pragma unroll
  for (int mt = 0; mt < MT; ++mt) {
#pragma unroll
    for (int dt = 0; dt < DT; ++dt)
#pragma unroll
      for (int e = 0; e < 4; ++e) o[mt][dt][e] = 0.f;
    m_run[mt][0] = m_run[mt][1] = -INFINITY;
    l_run[mt][0] = l_run[mt][1] = 0.f;
  }
  const int wrow = warp * 16 * MT;  // first row of this warp within the block
  const float sl2 = p.scale_log2;

  // Mask only tiles that cross the causal diagonal, the window edge or the end of the keys.
  auto mask = [&](float (&s)[MT][NT][4], int n0) {
    const bool need_mask = n0 + BN > p.tk || (p.causal && n0 + BN - 1 > off + q0) ||
                           (p.window > 0 && n0 <= off + q0 + BM - 1 - p.window);
    if (!need_mask) return;
#pragma unroll
    for (int mt = 0; mt < MT; ++mt)
#pragma unroll
      for (int nt = 0; nt < NT; ++nt)
#pragma unroll
        for (int e = 0; e < 4; ++e) {
          const int qpos = off + q0 + wrow + mt * 16 + g + (e >> 1) * 8;
          const int col = n0 + nt * 8 + 2 * t4 + (e & 1);
          const bool vis = col < p.tk && (!p.causal || col <= qpos) && (p.window == 0 || col > qpos - p.window);
          if (!vis) s[mt][nt][e] = -INFINITY;
        }
  };

  load_tile<T, D, BM, TH>(sQ, qg, p.qs1, p.tq - q0);
  if constexpr (STAGES == 1) {
    const uint32_t sK = sKV, sV = sKV + kTileBytes;
    dev::cp_async_commit();
    load_tile<T, D, BN, TH>(sK, kg + int64_t(tile_hi) * BN * p.ks1, p.ks1, p.tk - tile_hi * BN);
    dev::cp_async_commit();
    for (int tile = tile_hi; tile >= tile_lo; --tile) {
      const int n0 = tile * BN;
      dev::cp_async_wait_all();
      __syncthreads();  // K(tile) (and Q) landed; every warp is done with the previous V
      load_tile<T, D, BN, TH>(sV, vg + int64_t(n0) * p.vs1, p.vs1, p.tk - n0);
      dev::cp_async_commit();
      float s[MT][NT][4];
      flash_qk<T, D, MT, NT>(s, sQ, sK, wrow, lane);
      mask(s, n0);
      dev::cp_async_wait_all();
      __syncthreads();  // V(tile) landed; every warp is done reading K(tile)
      if (tile > tile_lo) load_tile<T, D, BN, TH>(sK, kg + int64_t(n0 - BN) * p.ks1, p.ks1, p.tk - (n0 - BN));
      dev::cp_async_commit();
      flash_softmax<LAZY, MT, NT, DT>(s, m_run, l_run, o, sl2);
      flash_pv<T, D, MT, NT, DT>(o, s, sV, lane);
    }
  } else {
    auto load_kv = [&](int slot, int tile) {
      const int n0 = tile * BN;
      const uint32_t sK = sKV + uint32_t(slot) * 2 * kTileBytes;
      load_tile<T, D, BN, TH>(sK, kg + int64_t(n0) * p.ks1, p.ks1, p.tk - n0);
      load_tile<T, D, BN, TH>(sK + kTileBytes, vg + int64_t(n0) * p.vs1, p.vs1, p.tk - n0);
    };
#pragma unroll
    for (int st = 0; st < STAGES - 1; ++st) {
      if (tile_hi - st >= tile_lo) load_kv(st, tile_hi - st);
      dev::cp_async_commit();  // the first group also holds Q; empty groups keep the counts uniform
    }
    int slot = 0;
    for (int tile = tile_hi; tile >= tile_lo; --tile) {
      dev::cp_async_wait<STAGES - 2>();
      __syncthreads();  // tile landed for every thread; every warp is done with the slot refilled next
      const int next = tile - (STAGES - 1);
      if (next >= tile_lo) load_kv(slot == 0 ? STAGES - 1 : slot - 1, next);
      dev::cp_async_commit();
      const uint32_t sK = sKV + uint32_t(slot) * 2 * kTileBytes, sV = sK + kTileBytes;
      float s[MT][NT][4];
      flash_qk<T, D, MT, NT>(s, sQ, sK, wrow, lane);
      mask(s, tile * BN);
      flash_softmax<LAZY, MT, NT, DT>(s, m_run, l_run, o, sl2);
      flash_pv<T, D, MT, NT, DT>(o, s, sV, lane);
      slot = slot == STAGES - 1 ? 0 : slot + 1;
    }
  }

  // Normalise, stage into this warp's own Q rows (no other warp reads them), store 16 B a lane.
  __syncwarp();
#pragma unroll
  for (int mt = 0; mt < MT; ++mt)
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      float l = l_run[mt][r];
      l += __shfl_xor_sync(0xffffffffu, l, 1);
      l += __shfl_xor_sync(0xffffffffu, l, 2);
      const float inv = l > 0.f ? 1.f / l : 0.f;
      const int row = wrow + mt * 16 + g + r * 8;
#pragma unroll
      for (int dt = 0; dt < DT; ++dt)
        *reinterpret_cast<uint32_t*>(smem + swz<D>(row, dt) + t4 * 4) =
            dev::pack2<T>(o[mt][dt][2 * r] * inv, o[mt][dt][2 * r + 1] * inv);
    }
  __syncwarp();
  T* og = static_cast<T*>(p.out) + h * p.os0;
#pragma unroll
  for (int i = 0; i < 16 * MT * C / 32; ++i) {
    const int idx = i * 32 + lane, r = wrow + idx / C, c = idx % C;
    if (q0 + r < p.tq)
      *reinterpret_cast<uint4*>(og + int64_t(q0 + r) * p.os1 + c * 8) = *reinterpret_cast<const uint4*>(smem + swz<D>(r, c));
  }
}

template <class T, int D, int MT, int WARPS, int BN, int STAGES, int MIN_BLOCKS, bool LAZY>
void launch_flash(const AttentionPrefillArgs& a, const char* op) {
  using Cfg = FlashCfg<D, MT, WARPS, BN, STAGES>;
  auto kern = flash_prefill_kernel<T, D, MT, WARPS, BN, STAGES, MIN_BLOCKS, LAZY>;
  static bool smem_attr_set = false;  // once per instantiation (single device)
  if (!smem_attr_set) {
    LRQK_CUDA_CHECK(cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, Cfg::kSmem), op);
    smem_attr_set = true;
  }
  const int64_t m_blocks = (a.tq + Cfg::BM - 1) / Cfg::BM;
  if (m_blocks * a.heads >= (int64_t(1) << 31))
    fail(ErrorKind::Unsupported, op, std::string(op) + ": too many query blocks × heads");
  FlashParams p{a.q.data, a.k.data, a.v.data, a.out.data,
                a.q.strides[0], a.q.strides[1], a.k.strides[0], a.k.strides[1],
                a.v.strides[0], a.v.strides[1], a.out.strides[0], a.out.strides[1],
                int(a.tq), int(a.tk), int(a.window), int(a.heads / a.kv_heads), int(a.heads), int(m_blocks), a.causal ? 1 : 0,
                a.scale * 1.4426950408889634f};
  kern<<<unsigned(m_blocks * a.heads), Cfg::kThreads, Cfg::kSmem, cuda::stream()>>>(p);
  cuda::check_launch(op);
}

#include "attention_prefill_wgmma.cuh"

// The wgmma kernel needs sm_90a (the cubin this addon carries); LRQK_PREFILL_KERNEL=mma keeps the
// mma.sync kernel (tests cover both; read at every call).
bool use_wgmma() {
  const cuda::Probe& pr = cuda::probe();
  if (pr.cc_major != 9 || pr.cc_minor != 0) return false;
  const char* v = std::getenv("LRQK_PREFILL_KERNEL");
  return !(v && std::strcmp(v, "mma") == 0);
}

// 16-byte alignment of the base pointer and of every outer stride that is actually stepped.
bool vec_ok(const TensorArg& t) {
  if (reinterpret_cast<uintptr_t>(t.data) % 16 != 0) return false;
  for (int i = 0; i < t.ndim - 1; ++i)
    if (t.shape[i] > 1 && (t.strides[i] * int64_t(dtype_size(t.dtype))) % 16 != 0) return false;
  return true;
}

// D = 128 (the Llama shape, measured on the H200): ring of 2 (K, V) stages with lazy rescale,
// 335 / 349 TFLOP/s causal at 8K / 32K against 325 / 338 for the two-buffer FA2 scheme, 300 / 322 for
// 8 warps × 32 rows and 296-310 for 16-row warps or 32-key tiles. D = 64 and 256 keep the
// two-buffer scheme (the ring would halve the blocks per SM at D = 256).
template <class T>
bool try_flash(const AttentionPrefillArgs& a, const char* op) {
  switch (a.dim) {
    case 64: launch_flash<T, 64, 2, 4, 64, 1, 2, false>(a, op); return true;
    case 128:
      if (!(use_wgmma() && wgp::launch<T>(a, op))) launch_flash<T, 128, 2, 4, 64, 2, 2, true>(a, op);
      return true;
    case 256: launch_flash<T, 256, 1, 4, 64, 1, 2, false>(a, op); return true;
    default: return false;
  }
}

void attention_prefill_cuda(const AttentionPrefillArgs& a) {
  const char* op = "attentionPrefill";
  if (a.heads > 65535) fail(ErrorKind::Unsupported, op, std::string(op) + ": more than 65535 heads");
  const bool flash_ok = (a.q.dtype == DType::BF16 || a.q.dtype == DType::F16) && a.scale > 0.f &&
                        a.tk < (int64_t(1) << 30) && a.window < (int64_t(1) << 30) &&
                        vec_ok(a.q) && vec_ok(a.k) && vec_ok(a.v) && vec_ok(a.out);
  if (flash_ok) {
    if (a.q.dtype == DType::BF16 ? try_flash<__nv_bfloat16>(a, op) : try_flash<__half>(a, op)) return;
  }
  attention_simple_cuda(a, op);
}
}  // namespace

LRQK_REGISTER_KERNEL(AttentionPrefillArgs, Cuda, attention_prefill_cuda);
}  // namespace lrqk
