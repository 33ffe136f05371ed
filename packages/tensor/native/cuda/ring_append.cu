// One block per KV head; thread j moves element j of the K and V halves to every replica's ring
// slot and to the store row (which may be pinned host memory: the writes then cross PCIe, 2·D
// elements per head and token).
#include "../core/dispatch.h"
#include "../ops/ring_append.h"
#include "common.cuh"

namespace lrqk {
namespace {
template <class E>
__global__ void ring_append_kernel(const E* k, int64_t k_s0, const E* v, int64_t v_s0, E* slots, int64_t sl_s0, int64_t sl_s1, E* store,
                                   int64_t st_s0, int64_t st_s1, int32_t* lite_pos, int d, int replicas, int ring_start, int ring_size,
                                   int64_t cap, int64_t position, const int32_t* position_dev) {
  const int64_t p = position_dev ? int64_t(*position_dev) : position;
  if (p < 0 || p >= cap) return;
  const int h = blockIdx.x, r = int(((p - ring_start) % ring_size + ring_size) % ring_size);
  for (int j = threadIdx.x; j < d; j += blockDim.x) {
    const E kj = k[h * k_s0 + j], vj = v[h * v_s0 + j];
    for (int g = 0; g < replicas; ++g) {
      E* row = slots + int64_t(h * replicas + g) * sl_s0 + int64_t(ring_start + r) * sl_s1;
      row[j] = kj;
      row[d + j] = vj;
    }
    E* srow = store + h * st_s0 + p * st_s1;
    srow[j] = kj;
    srow[d + j] = vj;
  }
  if (h == 0 && threadIdx.x == 0) lite_pos[r] = int32_t(p);
}

template <class E>
void launch(const RingAppendArgs& a) {
  ring_append_kernel<E><<<unsigned(a.hkv), 128, 0, cuda::stream()>>>(
      static_cast<const E*>(a.k.data), a.k.stride(0), static_cast<const E*>(a.v.data), a.v.stride(0), static_cast<E*>(a.slots.data),
      a.slots.stride(0), a.slots.stride(1), static_cast<E*>(a.store.data), a.store.stride(0), a.store.stride(1), a.lite_pos.ptr<int32_t>(),
      int(a.d), int(a.replicas), int(a.ring_start), int(a.ring_size), a.cap, a.position, a.position_dev);
}
}  // namespace

static void ring_append_cuda(const RingAppendArgs& a) {
  // The op moves bytes: 2- and 4-byte elements cover every float dtype.
  if (dtype_size(a.k.dtype) == 2) launch<uint16_t>(a);
  else launch<uint32_t>(a);
  cuda::check_launch("ring_append");
}
LRQK_REGISTER_KERNEL(RingAppendArgs, Cuda, ring_append_cuda);
}  // namespace lrqk
