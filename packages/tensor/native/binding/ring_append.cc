#include "../ops/ring_append.h"
#include "args.h"
#include "registry.h"

namespace lrqk::binding {
// ringAppend(k, v, slots, store, litePos, ringStart, position, positionTensor?)
static Napi::Value ring_append(const Napi::CallbackInfo& info) {
  const char* op = "ring_append";
  RingAppendArgs a;
  a.k = tensor_arg(info[0], op, "k");
  a.v = tensor_arg(info[1], op, "v");
  a.slots = tensor_arg(info[2], op, "slots");
  a.store = tensor_arg(info[3], op, "store");
  a.lite_pos = tensor_arg(info[4], op, "litePos");
  a.ring_start = int_arg(info, 5, op, "ringStart");
  a.position = int_arg(info, 6, op, "position");
  expect_float(a.k, op, "k");
  for (const TensorArg* t : {&a.v, &a.slots, &a.store}) expect_same_dtype(a.k, *t, op);
  expect_dtype(a.lite_pos, DType::I32, op, "litePos");
  expect_ndim(a.k, 2, op, "k");
  expect_same_shape(a.k, a.v, op, "k", "v");
  expect_ndim(a.slots, 3, op, "slots");
  expect_ndim(a.store, 3, op, "store");
  expect_ndim(a.lite_pos, 1, op, "litePos");
  expect_contiguous(a.lite_pos, op, "litePos");
  a.hkv = a.k.size(0);
  a.d = a.k.size(1);
  a.ring_size = a.lite_pos.size(0);
  a.cap = a.store.size(1);
  for (auto [t, n] : {std::pair{&a.k, "k"}, {&a.v, "v"}, {&a.slots, "slots"}, {&a.store, "store"}})
    if (t->size(-1) > 1 && t->stride(-1) != 1) fail(ErrorKind::Shape, op, std::string(op) + ": " + n + " must be contiguous in its last dim");
  expect_dim(a.slots, 2, 2 * a.d, op, "slots");
  expect_dim(a.store, 0, a.hkv, op, "store");
  expect_dim(a.store, 2, 2 * a.d, op, "store");
  if (a.hkv < 1 || a.slots.size(0) % a.hkv != 0)
    fail(ErrorKind::Shape, op, std::string(op) + ": slots has " + std::to_string(a.slots.size(0)) + " heads, not a multiple of the " + std::to_string(a.hkv) + " KV heads of k");
  a.replicas = a.slots.size(0) / a.hkv;
  if (a.ring_size < 1 || a.ring_start < 0 || a.ring_start + a.ring_size > a.slots.size(1))
    fail(ErrorKind::Argument, op, std::string(op) + ": the ring [" + std::to_string(a.ring_start) + ", " + std::to_string(a.ring_start + a.ring_size) +
                                      ") does not fit the " + std::to_string(a.slots.size(1)) + " slots");
  // Slots, k, v and litePos share the compute device; next to CUDA slots the store may be pinned.
  const Backend be = backend_for(op, {&a.k, &a.v, &a.slots, &a.lite_pos});
  if (be == Backend::Cuda ? a.store.mem == MemKind::Host : a.store.mem == MemKind::Cuda)
    fail(ErrorKind::Device, op, std::string(op) + (be == Backend::Cuda ? ": with CUDA slots the store must be on the device or in pinned host memory" : ": with host slots the store must be in host memory"));
  const DeviceScalar pos = device_scalar_arg(info, 7, op, "positionTensor", a.slots);
  if (pos.dev) a.position_dev = pos.dev;
  else if (pos.present) a.position = pos.host;
  if (!a.position_dev && (a.position < 0 || a.position >= a.cap))
    fail(ErrorKind::Index, op, std::string(op) + ": position " + std::to_string(a.position) + " outside the store's capacity [0, " + std::to_string(a.cap) + ")");
  dispatch(be, op, a);
  return info.Env().Undefined();
}
LRQK_BINDING(ringAppend, ring_append);
}  // namespace lrqk::binding
