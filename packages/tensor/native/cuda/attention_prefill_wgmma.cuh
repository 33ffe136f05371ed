// Causal / windowed / full prefill attention on Hopper's warpgroup MMA (D = 128, bf16 / f16,
// sm_90a), included by attention_prefill.cu after FlashParams and prefill_block. Same scheduling,
// masking and online softmax as the mma.sync kernel there; what changes:
//  - a block of 2 consumer warpgroups takes 128 query rows (64 a warpgroup) of one head, and a
//    producer warpgroup (one thread of it busy, its registers lent to the consumers) moves every
//    tile with TMA (tma.cuh): Q once, then K and V tiles of 128 keys into two K slots and two V
//    slots, 128-byte-swizzled, each slot with a "full" barrier (the TMA's bytes landed) and an
//    "empty" one (both warpgroups are done reading it). The consumers issue no copies and never
//    wait on each other (taking turns at the tensor cores, FA3's ping-pong, measured no faster);
//  - S = Q·Kᵀ is 8 wgmma m64n128k16 with both operands in shared memory (Q and K K-major);
//  - O += P·V is 8 wgmma with P from registers (the S accumulators re-packed to 16 bits: the
//    accumulator and A-fragment layouts line up) and V read N-major (transposed) from the
//    same swizzled layout;
//  - within a warpgroup the MMAs of one tile overlap the softmax of the next (FlashAttention-3's
//    intra-warpgroup pipelining): iteration i issues S_i = Q·K_iᵀ and P_{i-1}·V_{i-1}, waits for
//    S_i only, and runs its softmax while P_{i-1}·V_{i-1} is still on the tensor cores.
#pragma once
// (wgmma.cuh and tma.cuh are included at the top of attention_prefill.cu, outside its namespaces.)

namespace wgp {
constexpr int D = 128, BM = 128, BN = 128, kConsumers = 256, kThreads = kConsumers + 128;
constexpr uint32_t kQBytes = BM * D * 2, kTileBytes = BN * D * 2;
// Q, 2 K slots, 2 V slots, 9 barriers (8 bytes each, in the last 1 KB), 1 KB to align the tiles.
constexpr int kSmem = int(kQBytes + 4 * kTileBytes) + 2048;

struct Maps {
  CUtensorMap q, k, v;
};

template <class T>
__global__ void __launch_bounds__(kThreads, 1) wgmma_prefill_kernel(FlashParams p, const __grid_constant__ Maps maps) {
  extern __shared__ __align__(1024) uint8_t smem_raw[];
  const uint32_t sQ = (dev::smem_addr(smem_raw) + 1023u) & ~1023u, sK0 = sQ + kQBytes, sV0 = sK0 + 2 * kTileBytes;
  // Barriers: full_q, full_k[2], full_v[2], empty_k[2], empty_v[2].
  const uint32_t bars = sV0 + 2 * kTileBytes, full_q = bars, full_k = bars + 8, full_v = bars + 24, empty_k = bars + 40,
                 empty_v = bars + 56;
  const int tid = threadIdx.x;
  const PrefillBlock blk = prefill_block(p, BM, BN);
  const int h = blk.h, q0 = blk.q0, off = blk.off, tile_lo = blk.tile_lo, tile_hi = blk.tile_hi;
  const int tiles = tile_hi - tile_lo + 1;  // >= 1: every query row sees at least one key
  if (tid == 0) {
    tma::mbar_init(full_q, 1);
    for (int s = 0; s < 2; ++s) {
      tma::mbar_init(full_k + 8 * s, 1);
      tma::mbar_init(full_v + 8 * s, 1);
      tma::mbar_init(empty_k + 8 * s, kConsumers);
      tma::mbar_init(empty_v + 8 * s, kConsumers);
    }
    tma::mbar_fence_init();
  }
  __syncthreads();  // the only block-wide barrier: the producer warpgroup leaves after its loop

  if (tid >= kConsumers) {
    // The producer warpgroup gives its registers to the consumers (24 + 2 × 240 per thread triple
    // fits the register file; the launch bound alone would cap everyone at 168 and spill).
    wg::set_max_regs<24, false>();
    // Producer: one lane issues every load, each into a slot both warpgroups have released. The
    // i-th visited tile (from the last, diagonal one down) uses K slot i & 1 and V slot i & 1.
    if (tid == kConsumers) {
      tma::prefetch_map(&maps.k);
      tma::prefetch_map(&maps.v);
      tma::mbar_arrive_expect_tx(full_q, kQBytes);
      tma::load_3d(sQ, &maps.q, 0, q0, h, full_q);
      tma::load_3d(sQ + BM * 128, &maps.q, 64, q0, h, full_q);
      for (int i = 0; i < tiles; ++i) {
        const uint32_t slot = uint32_t(i & 1), n0 = uint32_t(tile_hi - i) * BN;
        if (i >= 2) tma::mbar_wait(empty_k + 8 * slot, uint32_t((i >> 1) - 1) & 1u);
        tma::mbar_arrive_expect_tx(full_k + 8 * slot, kTileBytes);
        tma::load_3d(sK0 + slot * kTileBytes, &maps.k, 0, int(n0), blk.hk, full_k + 8 * slot);
        tma::load_3d(sK0 + slot * kTileBytes + BN * 128, &maps.k, 64, int(n0), blk.hk, full_k + 8 * slot);
        if (i >= 2) tma::mbar_wait(empty_v + 8 * slot, uint32_t((i >> 1) - 1) & 1u);
        tma::mbar_arrive_expect_tx(full_v + 8 * slot, kTileBytes);
        tma::load_3d(sV0 + slot * kTileBytes, &maps.v, 0, int(n0), blk.hk, full_v + 8 * slot);
        tma::load_3d(sV0 + slot * kTileBytes + BN * 128, &maps.v, 64, int(n0), blk.hk, full_v + 8 * slot);
      }
    }
    return;
  }

  wg::set_max_regs<240, true>();
  const int wgi = tid >> 7, warp = (tid >> 5) & 3, lane = tid & 31, g = lane >> 2, t4 = lane & 3;
  const int row0 = wgi * 64 + warp * 16 + g;  // this thread's first row in the block; the second is +8
  const float sl2 = p.scale_log2;
  float o[64];
#pragma unroll
  for (int i = 0; i < 64; ++i) o[i] = 0.f;
  float m_run[2] = {-INFINITY, -INFINITY}, l_run[2] = {0.f, 0.f};
  float s[64];              // S_i, then P_i in f32
  uint32_t pa[BN / 16][4];  // P_{i-1} as A fragments, read by its P·V
  float corr[2];

  auto wait_k = [&](int i) { tma::mbar_wait(full_k + 8 * uint32_t(i & 1), uint32_t(i >> 1) & 1u); };
  auto wait_v = [&](int i) { tma::mbar_wait(full_v + 8 * uint32_t(i & 1), uint32_t(i >> 1) & 1u); };
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
      const dev::RowMax row = dev::quad_row_max(mx, m_run[r], sl2);
      const float ms = row.ms;
      corr[r] = row.corr;
      changed |= row.mx != m_run[r];
      m_run[r] = row.mx;
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
  tma::mbar_wait(full_q, 0);
  wait_k(0);
  wg::fence();
  issue_s(0);
  wg::wait<0>();
  wg::pin(s);
  tma::mbar_arrive(empty_k);
  softmax(0);
  pack_p();
  // Tile i's S and tile i-1's P·V in flight together; the softmax of S_i overlaps the latter.
  for (int i = 1; i < tiles; ++i) {
    wait_k(i);
    wait_v(i - 1);
    wg::fence();
    issue_s(i);
    issue_pv(i - 1);
    wg::wait<1>();  // S_i done; P_{i-1}·V_{i-1} may still run
    wg::pin(s);
    tma::mbar_arrive(empty_k + 8 * uint32_t(i & 1));
    const bool rescale = softmax(i);
    wg::wait<0>();  // P_{i-1}·V_{i-1} done: O and the P fragments are free
    wg::pin(o);
    wg::pin(pa);
    tma::mbar_arrive(empty_v + 8 * uint32_t((i - 1) & 1));
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
  wait_v(tiles - 1);
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

// False (nothing launched) when TMA cannot describe q, k or v; the caller runs the mma.sync kernel.
template <class T>
bool launch(const AttentionPrefillArgs& a, const char* op) {
  constexpr bool bf16 = std::is_same_v<T, __nv_bfloat16>;
  Maps maps;
  if (!tma::encode_3d_sw128(&maps.q, bf16, a.q.data, D, a.tq, a.heads, a.q.strides[1], a.q.strides[0], 64, BM) ||
      !tma::encode_3d_sw128(&maps.k, bf16, a.k.data, D, a.tk, a.kv_heads, a.k.strides[1], a.k.strides[0], 64, BN) ||
      !tma::encode_3d_sw128(&maps.v, bf16, a.v.data, D, a.tk, a.kv_heads, a.v.strides[1], a.v.strides[0], 64, BN))
    return false;
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
  kern<<<unsigned(m_blocks * a.heads), kThreads, kSmem, cuda::stream()>>>(p, maps);
  cuda::check_launch(op);
  return true;
}
}  // namespace wgp
