// Probe: how fast can scattered 512-byte rows (LRQK's K‖V misses) move from pinned host memory to
// the GPU? Compares, in one run on one GPU:
//   contig  one cudaMemcpyAsync of the same bytes, contiguous (the copy engine's ceiling);
//   batch   cudaMemcpyBatchAsync, one 512-B copy per row (copy engine, host-side row list);
//   warp    one warp per row, 16-byte loads straight from pinned memory (what index_rows.cu does);
//   tma     cp.async.bulk (TMA) row loads from pinned memory into a shared-memory ring, bulk stores
//           to the destination: one issuing thread per block, NSLOT rows in flight per block.
// Every variant's output is checked against the host rows. Build here (no GPU needed):
//   nvcc -O3 -std=c++17 -gencode=arch=compute_90a,code=sm_90a -cudart static -o gather_pcie gather_pcie.cu
// Run on the GPU machine: ./gather_pcie [heads=8] [rows_per_head=2048] [capacity=131072] [alloc=pinned|mapped|thp|vmm] [batch|-] [stores=1] [fresh|-] [thrash|-]
//   alloc pinned: cudaHostAlloc (default flags); mapped: cudaHostAllocMapped | Portable; thp: 2 MiB-aligned memory advised MADV_HUGEPAGE, touched, then
//   cudaHostRegister'ed (transparent huge pages behind the pinned store); vmm: cuMemCreate on the
//   host (HOST_NUMA 0) mapped for the device and the CPU at the allocation granularity. A 6th argument, stores
//   (default 1): that many stores of the same size, gathered from in turn (one per model layer).
#include <cuda_runtime.h>
#include <cudaTypedefs.h>
#include <sys/mman.h>
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#define CK(x)                                                                                   \
  do {                                                                                          \
    cudaError_t e_ = (x);                                                                       \
    if (e_ != cudaSuccess) {                                                                    \
      std::fprintf(stderr, "%s:%d %s: %s\n", __FILE__, __LINE__, #x, cudaGetErrorString(e_)); \
      std::exit(1);                                                                             \
    }                                                                                           \
  } while (0)

constexpr int kRowBytes = 512;

template <class F>
F driver_fn(const char* name) {
  void* p = nullptr;
  cudaDriverEntryPointQueryResult q{};
  if (cudaGetDriverEntryPointByVersion(name, &p, 12000, cudaEnableDefault, &q) != cudaSuccess || q != cudaDriverEntryPointSuccess) {
    std::fprintf(stderr, "no driver entry point %s\n", name);
    std::exit(1);
  }
  return reinterpret_cast<F>(p);
}

// Pinned host memory through the virtual memory management API: a HOST_NUMA physical allocation
// mapped at a reserved address, readable and writable by device 0 and the CPU.
uint8_t* vmm_host_alloc(size_t bytes) {
  auto create = driver_fn<PFN_cuMemCreate_v10020>("cuMemCreate");
  auto gran = driver_fn<PFN_cuMemGetAllocationGranularity_v10020>("cuMemGetAllocationGranularity");
  auto reserve = driver_fn<PFN_cuMemAddressReserve_v10020>("cuMemAddressReserve");
  auto map = driver_fn<PFN_cuMemMap_v10020>("cuMemMap");
  auto access = driver_fn<PFN_cuMemSetAccess_v10020>("cuMemSetAccess");
  CUmemAllocationProp prop{};
  prop.type = CU_MEM_ALLOCATION_TYPE_PINNED;
  prop.location.type = CU_MEM_LOCATION_TYPE_HOST_NUMA;
  prop.location.id = 0;
  size_t g = 0;
  if (gran(&g, &prop, CU_MEM_ALLOC_GRANULARITY_RECOMMENDED) != CUDA_SUCCESS) { std::fprintf(stderr, "granularity failed\n"); std::exit(1); }
  const size_t len = (bytes + g - 1) / g * g;
  CUmemGenericAllocationHandle h{};
  CUresult r = create(&h, len, &prop, 0);
  if (r != CUDA_SUCCESS) { std::fprintf(stderr, "cuMemCreate failed %d\n", int(r)); std::exit(1); }
  CUdeviceptr va = 0;
  if (reserve(&va, len, g, 0, 0) != CUDA_SUCCESS || map(va, len, 0, h, 0) != CUDA_SUCCESS) { std::fprintf(stderr, "reserve/map failed\n"); std::exit(1); }
  CUmemAccessDesc d[2]{};
  d[0].location.type = CU_MEM_LOCATION_TYPE_DEVICE;
  d[0].location.id = 0;
  d[0].flags = CU_MEM_ACCESS_FLAGS_PROT_READWRITE;
  d[1].location.type = CU_MEM_LOCATION_TYPE_HOST_NUMA;
  d[1].location.id = 0;
  d[1].flags = CU_MEM_ACCESS_FLAGS_PROT_READWRITE;
  r = access(va, len, d, 2);
  if (r != CUDA_SUCCESS) { std::fprintf(stderr, "cuMemSetAccess failed %d\n", int(r)); std::exit(1); }
  std::printf("vmm host allocation: granularity %zu KiB\n", g >> 10);
  return reinterpret_cast<uint8_t*>(va);
}

__global__ void warp_gather(const uint4* __restrict__ store, int64_t head_rows, const int32_t* __restrict__ idx, int rows_per_head,
                            int total, uint4* __restrict__ out) {
  const int64_t warp = (blockIdx.x * int64_t(blockDim.x) + threadIdx.x) >> 5;
  const int lane = threadIdx.x & 31;
  const int64_t warps = (int64_t(gridDim.x) * blockDim.x) >> 5;
  for (int64_t i = warp; i < total; i += warps) {
    const int64_t h = i / rows_per_head;
    const int64_t p = idx[i];
    out[i * 32 + lane] = store[(h * head_rows + p) * 32 + lane];
  }
}

template <int NSLOT>
__global__ void tma_gather(const uint8_t* __restrict__ store, int64_t head_rows, const int32_t* __restrict__ idx, int rows_per_head,
                           int total, uint8_t* __restrict__ out) {
  __shared__ alignas(128) uint8_t ring[NSLOT][kRowBytes];
  __shared__ alignas(8) uint64_t bar[NSLOT];
  if (threadIdx.x != 0) return;
  const int per = (total + gridDim.x - 1) / gridDim.x;
  const int begin = blockIdx.x * per, end = min(total, begin + per);
  if (begin >= end) return;
  for (int s = 0; s < NSLOT; ++s) {
    const uint32_t b = static_cast<uint32_t>(__cvta_generic_to_shared(&bar[s]));
    asm volatile("mbarrier.init.shared::cta.b64 [%0], 1;\n" ::"r"(b) : "memory");
  }
  asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory");
  asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory");
  auto issue = [&](int i) {
    const int s = (i - begin) % NSLOT;
    const int64_t h = i / rows_per_head;
    const uint8_t* src = store + (h * head_rows + idx[i]) * kRowBytes;
    const uint32_t b = static_cast<uint32_t>(__cvta_generic_to_shared(&bar[s]));
    const uint32_t d = static_cast<uint32_t>(__cvta_generic_to_shared(&ring[s][0]));
    asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;\n" ::"r"(b), "r"(kRowBytes) : "memory");
    asm volatile("cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1], %2, [%3];\n" ::"r"(d),
                 "l"(src), "r"(kRowBytes), "r"(b)
                 : "memory");
  };
  for (int i = begin; i < min(end, begin + NSLOT); ++i) issue(i);
  for (int i = begin; i < end; ++i) {
    const int s = (i - begin) % NSLOT;
    const uint32_t phase = ((i - begin) / NSLOT) & 1;
    const uint32_t b = static_cast<uint32_t>(__cvta_generic_to_shared(&bar[s]));
    uint32_t done = 0;
    do {
      asm volatile("{\n .reg .pred p;\n mbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2;\n selp.u32 %0, 1, 0, p;\n}\n"
                   : "=r"(done)
                   : "r"(b), "r"(phase)
                   : "memory");
    } while (!done);
    const uint32_t src = static_cast<uint32_t>(__cvta_generic_to_shared(&ring[s][0]));
    asm volatile("cp.async.bulk.global.shared::cta.bulk_group [%0], [%1], %2;\n" ::"l"(out + int64_t(i) * kRowBytes), "r"(src),
                 "r"(kRowBytes)
                 : "memory");
    asm volatile("cp.async.bulk.commit_group;\n" ::: "memory");
    if (i + NSLOT < end) {
      // The slot is refilled only after the store has read it.
      asm volatile("cp.async.bulk.wait_group.read 0;\n" ::: "memory");
      issue(i + NSLOT);
    }
  }
  asm volatile("cp.async.bulk.wait_group 0;\n" ::: "memory");
}

int main(int argc, char** argv) {
  const int heads = argc > 1 ? std::atoi(argv[1]) : 8;
  const int rows_per_head = argc > 2 ? std::atoi(argv[2]) : 2048;
  const int64_t cap = argc > 3 ? std::atoll(argv[3]) : 131072;
  const int total = heads * rows_per_head;
  const size_t store_bytes = size_t(heads) * cap * kRowBytes, out_bytes = size_t(total) * kRowBytes;
  cudaDeviceProp prop{};
  CK(cudaGetDeviceProperties(&prop, 0));
  std::printf("device %s, %d SMs; %d heads x %d rows of %d B from a %lld-row pinned store (%.1f MB moved)\n", prop.name,
              prop.multiProcessorCount, heads, rows_per_head, kRowBytes, (long long)cap, out_bytes / 1e6);
  const char* alloc = argc > 4 ? argv[4] : "pinned";
  const int nstores = argc > 6 ? std::atoi(argv[6]) : 1;
  std::vector<uint8_t*> stores;
  for (int si = 0; si < nstores; ++si) {
  uint8_t* store = nullptr;
  if (std::strcmp(alloc, "thp") == 0) {
    void* p = nullptr;
    if (posix_memalign(&p, size_t(2) << 20, store_bytes) != 0) return 1;
    if (madvise(p, store_bytes, MADV_HUGEPAGE) != 0) std::perror("madvise(MADV_HUGEPAGE)");
    std::memset(p, 0, store_bytes);
    CK(cudaHostRegister(p, store_bytes, cudaHostRegisterDefault));
    store = static_cast<uint8_t*>(p);
  } else if (std::strcmp(alloc, "vmm") == 0) {
    CK(cudaFree(nullptr));
    store = vmm_host_alloc(store_bytes);
  } else if (std::strcmp(alloc, "mapped") == 0) {
    CK(cudaHostAlloc(&store, store_bytes, cudaHostAllocMapped | cudaHostAllocPortable));  // @lrqk/tensor's flags
  } else {
    CK(cudaHostAlloc(&store, store_bytes, cudaHostAllocDefault));
  }
  for (size_t i = 0; i < store_bytes / 4; ++i) reinterpret_cast<uint32_t*>(store)[i] = uint32_t(i * 2654435761u);
  stores.push_back(store);
  }
  uint8_t* store = stores[0];
  std::printf("stores: %d x %s, %.2f GB each\n", nstores, alloc, store_bytes / 1e9);
  if (FILE* f = std::fopen("/proc/self/smaps_rollup", "r")) {
    char line[256];
    while (std::fgets(line, sizeof line, f))
      if (std::strncmp(line, "AnonHugePages", 13) == 0) std::printf("this process: %s", line);
    std::fclose(f);
  }
  // Ascending distinct positions per head, as LRQK's misses are. With `fresh`, every timed run
  // gathers a new set (as every decode step does); otherwise all runs repeat set 0.
  const bool fresh = argc > 7 && std::strcmp(argv[7], "fresh") == 0;
  const int nsets = fresh ? 22 : 1;
  std::mt19937 rng(7);
  std::vector<int32_t> idx(size_t(total) * nsets);
  std::vector<int32_t> all(cap);
  for (int set = 0; set < nsets; ++set)
    for (int h = 0; h < heads; ++h) {
      for (int64_t p = 0; p < cap; ++p) all[p] = int32_t(p);
      std::shuffle(all.begin(), all.end(), rng);
      std::sort(all.begin(), all.begin() + rows_per_head);
      std::copy(all.begin(), all.begin() + rows_per_head, idx.begin() + size_t(set) * total + size_t(h) * rows_per_head);
    }
  int set = 0;  // the index set of the current run
  // With `thrash`, 512 MB of device memory is written before every timed run, as a decode step's
  // weight and A_K reads do before its gather.
  const bool do_thrash = argc > 8 && std::strcmp(argv[8], "thrash") == 0;
  const size_t thrash_bytes = size_t(512) << 20;
  uint8_t* thrash = nullptr;
  if (do_thrash) CK(cudaMalloc(&thrash, thrash_bytes));
  int32_t* d_idx_sets = nullptr;
  uint8_t *d_out = nullptr, *d_contig = nullptr;
  CK(cudaMalloc(&d_idx_sets, idx.size() * sizeof(int32_t)));
  CK(cudaMalloc(&d_out, out_bytes));
  CK(cudaMalloc(&d_contig, out_bytes));
  CK(cudaMemcpy(d_idx_sets, idx.data(), idx.size() * sizeof(int32_t), cudaMemcpyHostToDevice));
  auto d_idx_now = [&] { return d_idx_sets + size_t(set) * total; };
  std::vector<uint8_t> host_out(out_bytes);
  cudaStream_t st;
  CK(cudaStreamCreateWithFlags(&st, cudaStreamNonBlocking));
  cudaEvent_t e0, e1;
  CK(cudaEventCreate(&e0));
  CK(cudaEventCreate(&e1));
  // Row lists for the batched copy engine path.
  std::vector<void*> dsts(total);
  std::vector<const void*> srcs(total);
  std::vector<size_t> sizes(total, kRowBytes);
  for (int i = 0; i < total; ++i) {
    dsts[i] = d_out + size_t(i) * kRowBytes;
    srcs[i] = store + (size_t(i / rows_per_head) * cap + idx[i]) * kRowBytes;
  }
  cudaMemcpyAttributes attr{};
  attr.srcAccessOrder = cudaMemcpySrcAccessOrderStream;
  size_t attr_idx = 0;

  auto check = [&](const char* name) {
    CK(cudaMemcpy(host_out.data(), d_out, out_bytes, cudaMemcpyDeviceToHost));
    for (int i = 0; i < total; ++i) {
      const uint8_t* want = store + (size_t(i / rows_per_head) * cap + idx[i]) * kRowBytes;
      if (std::memcmp(host_out.data() + size_t(i) * kRowBytes, want, kRowBytes) != 0) {
        std::printf("%s: row %d differs\n", name, i);
        return false;
      }
    }
    return true;
  };
  auto time = [&](const char* name, auto&& run, bool verify) {
    CK(cudaMemsetAsync(d_out, 0xAB, out_bytes, st));
    set = 0;
    run();  // warm-up, checked against set 0
    CK(cudaStreamSynchronize(st));
    CK(cudaGetLastError());
    const bool ok = !verify || check(name);
    std::vector<float> ms;
    for (int r = 0; r < 21; ++r) {
      set = (r + 1) % nsets;
      if (thrash) CK(cudaMemsetAsync(thrash, r, thrash_bytes, st));  // evict the L2 (outside the timed range)
      CK(cudaEventRecord(e0, st));
      run();
      CK(cudaEventRecord(e1, st));
      CK(cudaEventSynchronize(e1));
      float m = 0.f;
      CK(cudaEventElapsedTime(&m, e0, e1));
      ms.push_back(m);
    }
    CK(cudaGetLastError());
    std::sort(ms.begin(), ms.end());
    const float med = ms[ms.size() / 2];
    std::printf("%-28s %8.1f us  %6.1f GB/s  %s\n", name, med * 1e3f / nstores, nstores * out_bytes / (med * 1e-3) / 1e9, ok ? "ok" : "WRONG");
  };
  time("contig cudaMemcpyAsync", [&] {
    for (uint8_t* s : stores) CK(cudaMemcpyAsync(d_contig, s, out_bytes, cudaMemcpyHostToDevice, st));
  }, false);
  if (argc > 5 && std::strcmp(argv[5], "batch") == 0) time("batch cudaMemcpyBatchAsync", [&] {
    CK(cudaMemcpyBatchAsync(dsts.data(), srcs.data(), sizes.data(), total, &attr, &attr_idx, 1, st));
  }, true);
  // One warp per row: 8 blocks an SM, and index_rows.cu's grid (a block per 8 rows).
  const int per_sm = std::min(total * 32 / 256, prop.multiProcessorCount * 8);
  const int one_per_8_rows = std::min(65535, total * 32 / 256);
  for (const int grid : {std::max(1, per_sm), one_per_8_rows}) {
    char name[64];
    std::snprintf(name, sizeof name, grid == one_per_8_rows ? "warp (grid %d, index_rows)" : "warp (grid %d)", grid);
    time(name, [&] {
      for (uint8_t* s : stores)
        warp_gather<<<grid, 256, 0, st>>>(reinterpret_cast<const uint4*>(s), cap, d_idx_now(), rows_per_head, total, reinterpret_cast<uint4*>(d_out));
    }, true);
  }
  {
    const int blocks = 528;
    char name[64];
    std::snprintf(name, sizeof name, "tma 16 slots x %d blocks", blocks);
    time(name, [&] { for (uint8_t* s : stores) tma_gather<16><<<blocks, 32, 0, st>>>(s, cap, d_idx_now(), rows_per_head, total, d_out); }, true);
    std::snprintf(name, sizeof name, "tma 32 slots x %d blocks", blocks);
    time(name, [&] { for (uint8_t* s : stores) tma_gather<32><<<blocks, 32, 0, st>>>(s, cap, d_idx_now(), rows_per_head, total, d_out); }, true);
  }
  return 0;
}
