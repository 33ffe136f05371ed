// Causal / windowed / full prefill attention on Hopper's warpgroup MMA (D = 128, bf16 / f16,
// sm_90a), included by attention_prefill.cu after FlashParams and prefill_block. Same scheduling,
// masking and online softmax as the mma.sync kernel there; what changes is the tensor-core
// instruction:
//  - a block of 2 warpgroups takes 128 query rows (64 a warpgroup) of one head; K and V tiles of
//    128 keys arrive by cp.async in 128-byte-swizzled shared memory (two K slots, two V slots);
//  - S = Q·Kᵀ is 8 wgmma m64n128k16 with both operands in shared memory (Q and K K-major);
//  - O += P·V is 8 wgmma with P from registers (the S accumulators re-packed to 16 bits: the
//    accumulator and A-fragment layouts line up) and V read N-major (transposed) from the
//    same swizzled layout;
//  - within a warpgroup the MMAs of one tile overlap the softmax of the next (FlashAttention-3's
//    intra-warpgroup pipelining): iteration i issues S_i = Q·K_iᵀ and P_{i-1}·V_{i-1}, waits for
//    S_i only, and runs its softmax while P_{i-1}·V_{i-1} is still on the tensor cores. K and V
//    have two slots each, so the loads of K_{i+1} and V_i have a whole iteration to land.
#pragma once
// (wgmma.cuh is included at the top of attention_prefill.cu, outside its namespaces.)

namespace wgp {
constexpr int D = 128, BM = 128, BN = 128, kThreads = 256;
constexpr uint32_t kQBytes = BM * D * 2, kTileBytes = BN * D * 2;
constexpr int kSmem = int(kQBytes + 4 * kTileBytes) + 1024;  // Q, 2 K slots, 2 V slots, 1 KB to align

// ROWS × 128 elements from global (row stride in elements) into the swizzled layout of
// wg::sw128; rows >= valid are zero-filled and read nothing.
template <class T, int ROWS>
__device__ __forceinline__ void load_rows(uint32_t dst, const T* src, int64_t row_stride, int valid) {
  constexpr int TOTAL = ROWS * 16;
  static_assert(TOTAL % kThreads == 0, "chunks must divide evenly among threads");
#pragma unroll
  for (int i = 0; i < TOTAL / kThreads; ++i) {
    const int idx = i * kThreads + int(threadIdx.x), r = idx >> 4, c = idx & 15;
    const bool ok = r < valid;
    dev::cp_async_16(dst + wg::sw128<ROWS>(r, c), ok ? src + r * row_stride + c * 8 : src, ok ? 16 : 0);
  }
}

template <class T>
__global__ void __launch_bounds__(kThreads, 1) wgmma_prefill_kernel(FlashParams p) {
  extern __shared__ __align__(1024) uint8_t smem_raw[];
  const uint32_t sQ = (dev::smem_addr(smem_raw) + 1023u) & ~1023u, sKV = sQ + kQBytes;
  const int tid = threadIdx.x, wgi = tid >> 7, warp = (tid >> 5) & 3, lane = tid & 31, g = lane >> 2, t4 = lane & 3;
  const PrefillBlock blk = prefill_block(p, BM, BN);
  const int h = blk.h, q0 = blk.q0, off = blk.off, tile_lo = blk.tile_lo, tile_hi = blk.tile_hi;
  const T* qg = static_cast<const T*>(p.q) + h * p.qs0 + int64_t(q0) * p.qs1;
  const T* kg = static_cast<const T*>(p.k) + blk.hk * p.ks0;
  const T* vg = static_cast<const T*>(p.v) + blk.hk * p.vs0;
  const int row0 = wgi * 64 + warp * 16 + g;  // this thread's first row in the block; the second is +8
  const float sl2 = p.scale_log2;

  float o[64];
#pragma unroll
  for (int i = 0; i < 64; ++i) o[i] = 0.f;
  float m_run[2] = {-INFINITY, -INFINITY}, l_run[2] = {0.f, 0.f};

  // Tiles are visited from the last (diagonal) one down; the i-th visited tile's K sits in K slot
  // i & 1 and its V in V slot i & 1. Iteration i issues S_i = Q·K_iᵀ and then O += P_{i-1}·V_{i-1},
  // and runs the softmax of S_i while the tensor cores still work on P_{i-1}·V_{i-1}; the loads of
  // K_{i+1} and V_i go out at its start, into the slots iteration i-1 finished with.
  const uint32_t sK0 = sKV, sV0 = sKV + 2 * kTileBytes;
  auto load_k = [&](int slot, int tile) {
    const int n0 = tile * BN;
    load_rows<T, BN>(sK0 + uint32_t(slot) * kTileBytes, kg + int64_t(n0) * p.ks1, p.ks1, p.tk - n0);
  };
  auto load_v = [&](int slot, int tile) {
    const int n0 = tile * BN;
    load_rows<T, BN>(sV0 + uint32_t(slot) * kTileBytes, vg + int64_t(n0) * p.vs1, p.vs1, p.tk - n0);
  };
  const int tiles = tile_hi - tile_lo + 1;  // >= 1: every query row sees at least one key
  load_rows<T, BM>(sQ, qg, p.qs1, p.tq - q0);
  load_k(0, tile_hi);
  dev::cp_async_commit();

  float s[64];              // S_i, then P_i in f32
  uint32_t pa[BN / 16][4];  // P_{i-1} as A fragments, read by its P·V
  float corr[2];

  // Waits for this thread's loads, publishes them to every thread and to the async proxy, and
  // issues the next: K_{i+1} (when there is one) and V_i, into the slots iteration i-1 freed.
  auto next_loads = [&](int i) {
    dev::cp_async_wait<0>();
    wg::fence_proxy_async();
    __syncthreads();
    if (i + 1 < tiles) load_k((i + 1) & 1, tile_hi - i - 1);
    load_v(i & 1, tile_hi - i);
    dev::cp_async_commit();
  };
  // S = Q · K_iᵀ for this warpgroup's 64 rows and the tile's 128 keys (one commit group).
  auto issue_s = [&](int i) {
    const uint32_t sK = sK0 + uint32_t(i & 1) * kTileBytes;
#pragma unroll
    for (int kk = 0; kk < D / 16; ++kk) {
      const uint32_t col = uint32_t(kk >> 2), k32 = uint32_t(kk & 3) * 32;
      const uint64_t a = wg::desc(sQ + col * (BM * 128) + uint32_t(wgi) * 64 * 128 + k32, 16, 1024);
      const uint64_t b = wg::desc(sK + col * (BN * 128) + k32, 16, 1024);
      wg::mma_ss<T, 0>(s, a, b, kk > 0 ? 1 : 0);
    }
    wg::commit();
  };
  // O += P_j · V_j (one commit group); V N-major: 16 keys a step (2048 bytes), the two 64-column
  // halves BN·128 bytes apart.
  auto issue_pv = [&](int j) {
    const uint32_t sV = sV0 + uint32_t(j & 1) * kTileBytes;
#pragma unroll
    for (int kb = 0; kb < BN / 16; ++kb) wg::mma_rs<T, 1>(o, pa[kb], wg::desc(sV + uint32_t(kb) * 2048, BN * 128, 1024), 1);
    wg::commit();
  };
  // Masks S_i where needed and turns it into P_i (f32, in s) with the online softmax (log2
  // domain) over the 16 column blocks b of 8 keys: row r = 0 holds s[4b + {0, 1}], r = 1 (8 rows
  // further) s[4b + {2, 3}]. Sets corr; returns whether O needs rescaling (any row's max moved).
  auto softmax = [&](int i) -> bool {
    const int n0 = (tile_hi - i) * BN;
    // Mask only tiles that cross the causal diagonal, the window edge or the end of the keys.
    const bool need_mask = n0 + BN > p.tk || (p.causal && n0 + BN - 1 > off + q0) ||
                           (p.window > 0 && n0 <= off + q0 + BM - 1 - p.window);
    if (need_mask) {
#pragma unroll
      for (int j = 0; j < 64; ++j) {
        const int qpos = off + q0 + row0 + ((j >> 1) & 1) * 8;
        const int col = n0 + (j >> 2) * 8 + 2 * t4 + (j & 1);
        const bool vis = col < p.tk && (!p.causal || col <= qpos) && (p.window == 0 || col > qpos - p.window);
        if (!vis) s[j] = -INFINITY;
      }
    }
    bool changed = false;
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      float mx = m_run[r];
#pragma unroll
      for (int b = 0; b < 16; ++b) mx = fmaxf(mx, fmaxf(s[4 * b + 2 * r], s[4 * b + 2 * r + 1]));
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
      const float ms = mx == -INFINITY ? 0.f : mx * sl2;
      corr[r] = exp2f(m_run[r] * sl2 - ms);
      changed |= mx != m_run[r];
      m_run[r] = mx;
      float rs = 0.f;
#pragma unroll
      for (int b = 0; b < 16; ++b)
#pragma unroll
        for (int e = 2 * r; e < 2 * r + 2; ++e) {
          const float pe = exp2f(fmaf(s[4 * b + e], sl2, -ms));
          s[4 * b + e] = pe;
          rs += pe;
        }
      l_run[r] = l_run[r] * corr[r] + rs;
    }
    return __any_sync(0xffffffffu, changed);
  };
  // P_i as A fragments (keys 16kb..16kb+15 are accumulator columns 2kb, 2kb+1).
  auto pack_p = [&]() {
#pragma unroll
    for (int kb = 0; kb < BN / 16; ++kb) {
      pa[kb][0] = dev::pack2<T>(s[8 * kb + 0], s[8 * kb + 1]);
      pa[kb][1] = dev::pack2<T>(s[8 * kb + 2], s[8 * kb + 3]);
      pa[kb][2] = dev::pack2<T>(s[8 * kb + 4], s[8 * kb + 5]);
      pa[kb][3] = dev::pack2<T>(s[8 * kb + 6], s[8 * kb + 7]);
    }
  };

  // The first tile: nothing to overlap with yet (O is zero, no rescale).
  next_loads(0);
  wg::fence();
  issue_s(0);
  wg::wait<0>();
  wg::pin(s);
  softmax(0);
  pack_p();
  // Tile i's S and tile i-1's P·V in flight together; the softmax of S_i overlaps the latter.
  for (int i = 1; i < tiles; ++i) {
    next_loads(i);
    wg::fence();
    issue_s(i);
    issue_pv(i - 1);
    wg::wait<1>();  // S_i done; P_{i-1}·V_{i-1} may still run
    wg::pin(s);
    const bool rescale = softmax(i);
    wg::wait<0>();  // P_{i-1}·V_{i-1} done: O and the P fragments are free
    wg::pin(o);
    wg::pin(pa);
    if (rescale) {
#pragma unroll
      for (int b = 0; b < 16; ++b)
#pragma unroll
        for (int r = 0; r < 2; ++r) {
          o[4 * b + 2 * r] *= corr[r];
          o[4 * b + 2 * r + 1] *= corr[r];
        }
    }
    pack_p();
  }
  // The last tile's P·V.
  dev::cp_async_wait<0>();
  wg::fence_proxy_async();
  __syncthreads();
  wg::fence();
  issue_pv(tiles - 1);
  wg::wait<0>();
  wg::pin(o);
  wg::pin(pa);

  // Normalise and store (two 16-bit values a 32-bit store).
  T* og = static_cast<T*>(p.out) + h * p.os0;
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    float l = l_run[r];
    l += __shfl_xor_sync(0xffffffffu, l, 1);
    l += __shfl_xor_sync(0xffffffffu, l, 2);
    const float inv = l > 0.f ? 1.f / l : 0.f;
    const int q = q0 + row0 + r * 8;
    if (q < p.tq) {
      T* orow = og + int64_t(q) * p.os1;
#pragma unroll
      for (int b = 0; b < 16; ++b)
        *reinterpret_cast<uint32_t*>(orow + b * 8 + 2 * t4) = dev::pack2<T>(o[4 * b + 2 * r] * inv, o[4 * b + 2 * r + 1] * inv);
    }
  }
}

template <class T>
void launch(const AttentionPrefillArgs& a, const char* op) {
  auto kern = wgmma_prefill_kernel<T>;
  static bool smem_attr_set = false;  // once per instantiation (single device)
  if (!smem_attr_set) {
    LRQK_CUDA_CHECK(cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, kSmem), op);
    smem_attr_set = true;
  }
  const int64_t m_blocks = (a.tq + BM - 1) / BM;
  if (m_blocks * a.heads >= (int64_t(1) << 31)) fail(ErrorKind::Unsupported, op, std::string(op) + ": too many query blocks × heads");
  FlashParams p{a.q.data, a.k.data, a.v.data, a.out.data,
                a.q.strides[0], a.q.strides[1], a.k.strides[0], a.k.strides[1],
                a.v.strides[0], a.v.strides[1], a.out.strides[0], a.out.strides[1],
                int(a.tq), int(a.tk), int(a.window), int(a.heads / a.kv_heads), int(a.heads), int(m_blocks), a.causal ? 1 : 0,
                a.scale * 1.4426950408889634f};
  kern<<<unsigned(m_blocks * a.heads), kThreads, kSmem, cuda::stream()>>>(p);
  cuda::check_launch(op);
}
}  // namespace wgp
