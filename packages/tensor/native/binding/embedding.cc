#include <memory>
#include "../ops/embedding.h"
#include "args.h"
#include "device_flag.h"
#include "registry.h"

namespace lrqk::binding {
// embedding(weight, ids, out, checkBounds)
static Napi::Value embedding(const Napi::CallbackInfo& info) {
  const char* op = "embedding";
  EmbeddingArgs a;
  a.weight = tensor_arg(info[0], op, "weight");
  a.ids = tensor_arg(info[1], op, "ids");
  a.out = tensor_arg(info[2], op, "out");
  const bool check = bool_arg(info, 3, op, "checkBounds");
  expect_float(a.weight, op, "weight");
  expect_index(a.ids, op, "ids");
  expect_ndim(a.weight, 2, op, "weight");
  expect_ndim(a.ids, 1, op, "ids");
  expect_ndim(a.out, 2, op, "out");
  expect_same_dtype(a.weight, a.out, op);
  for (const TensorArg* t : {&a.weight, &a.ids, &a.out}) expect_contiguous(*t, op, "every argument");
  a.vocab = a.weight.size(0);
  a.dim = a.weight.size(1);
  a.tokens = a.ids.size(0);
  expect_dim(a.out, 0, a.tokens, op, "out");
  expect_dim(a.out, 1, a.dim, op, "out");
  a.error_flag = nullptr;
  if (a.tokens == 0) return info.Env().Undefined();
  Backend b = backend_for(op, {&a.weight, &a.ids, &a.out});
  std::unique_ptr<DeviceFlag> flag;
  if (device_check_wanted(b == Backend::Cuda, check)) {
    flag = std::make_unique<DeviceFlag>();
    a.error_flag = flag->get();
  }
  dispatch(b, op, a);
  if (flag && flag->raised())
    fail(ErrorKind::Index, op, "embedding: token id out of range [0, " + std::to_string(a.vocab) + ")");
  return info.Env().Undefined();
}
LRQK_BINDING(embedding, embedding);

}  // namespace lrqk::binding
