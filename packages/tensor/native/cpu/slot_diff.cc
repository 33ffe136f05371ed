#include <algorithm>
#include <vector>
#include "../core/dispatch.h"
#include "../ops/slot_diff.h"

namespace lrqk {
static void slot_diff_cpu(const SlotDiffArgs& a) {
  const int64_t K = a.k;
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < a.rows; ++b) {
    int32_t* map = a.slot_map.ptr<int32_t>() + b * K;
    const int32_t* sel = a.selection.ptr<int32_t>() + b * K;
    int32_t* load = a.load.ptr<int32_t>() + b * K;
    std::vector<char> kept(size_t(K), 0);
    std::vector<int64_t> stale;
    for (int64_t s = 0; s < K; ++s) {
      const int32_t* it = std::lower_bound(sel, sel + K, map[s]);
      if (map[s] >= 0 && it != sel + K && *it == map[s]) {
        kept[size_t(it - sel)] = 1;
      } else {
        stale.push_back(s);
      }
      load[s] = -1;
    }
    size_t r = 0;
    for (int64_t j = 0; j < K && r < stale.size(); ++j) {
      if (kept[size_t(j)]) continue;
      const int64_t s = stale[r++];
      load[s] = sel[j];
      map[s] = sel[j];
    }
    a.misses.ptr<int64_t>()[b] += int64_t(r);
  }
}
LRQK_REGISTER_KERNEL(SlotDiffArgs, Cpu, slot_diff_cpu);
}  // namespace lrqk
