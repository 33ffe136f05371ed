#include <cstring>
#include <string>
#include "../core/dispatch.h"
#include "../ops/embedding.h"

namespace lrqk {
static void embedding_cpu(const EmbeddingArgs& a) {
  const size_t row = size_t(a.dim) * dtype_size(a.weight.dtype);
  for (int64_t t = 0; t < a.tokens; ++t) {
    int64_t id = load_index(a.ids.data, a.ids.dtype, t);
    if (id < 0 || id >= a.vocab)
      fail(ErrorKind::Index, "embedding", "embedding: token id " + std::to_string(id) + " at " + std::to_string(t) + " out of range [0, " + std::to_string(a.vocab) + ")");
    std::memcpy(static_cast<uint8_t*>(a.out.data) + t * row, static_cast<const uint8_t*>(a.weight.data) + id * row, row);
  }
}
LRQK_REGISTER_KERNEL(EmbeddingArgs, Cpu, embedding_cpu);
}  // namespace lrqk
