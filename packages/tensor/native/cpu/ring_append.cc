#include <cstring>
#include "../core/dispatch.h"
#include "../ops/ring_append.h"

namespace lrqk {
static void ring_append_cpu(const RingAppendArgs& a) {
  const size_t es = dtype_size(a.k.dtype), row = size_t(a.d) * es;
  const int64_t p = a.position, j = ((p - a.ring_start) % a.ring_size + a.ring_size) % a.ring_size, slot = a.ring_start + j;
  auto at = [es](const TensorArg& t, int64_t i0, int64_t i1) { return static_cast<uint8_t*>(t.data) + (i0 * t.stride(0) + i1 * t.stride(1)) * int64_t(es); };
  for (int64_t h = 0; h < a.hkv; ++h) {
    const uint8_t* k = static_cast<const uint8_t*>(a.k.data) + h * a.k.stride(0) * int64_t(es);
    const uint8_t* v = static_cast<const uint8_t*>(a.v.data) + h * a.v.stride(0) * int64_t(es);
    for (int64_t g = 0; g <= a.replicas; ++g) {  // the replicas' ring slots, then the store row
      uint8_t* dst = g < a.replicas ? at(a.slots, h * a.replicas + g, slot) : at(a.store, h, p);
      std::memcpy(dst, k, row);
      std::memcpy(dst + row, v, row);
    }
  }
  a.lite_pos.ptr<int32_t>()[j] = int32_t(p);
}
LRQK_REGISTER_KERNEL(RingAppendArgs, Cpu, ring_append_cpu);
}  // namespace lrqk
