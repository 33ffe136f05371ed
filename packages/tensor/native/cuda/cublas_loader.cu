// Run-time loading of cuBLAS (see cublas_loader.h): dlopen at first use, one handle for the
// process, a 32 MiB workspace per stream. Also the CUDA kernel behind blasInfo().
#include <dlfcn.h>
#include <cstdlib>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>
#include "../core/dispatch.h"
#include "common.cuh"
#include "cublas_loader.h"

namespace lrqk::cublas {
namespace {
constexpr size_t kWorkspaceBytes = size_t(32) << 20;
constexpr size_t kMaxWorkspaces = 16;  // streams beyond this use cuBLAS's own default workspace

std::mutex g_mu;
bool g_attempted = false;
Api g_api{};
BlasInfo g_info;
Handle g_handle = nullptr;
// stream → workspace. cudaMalloc'd (not from the stream-ordered pool, so valid on any stream and
// invisible to tensor memory statistics) and kept for the life of the process, like the handle:
// destroying either at exit could run after the CUDA runtime has shut down.
std::unordered_map<void*, void*> g_workspaces;

const char* status_name(Status s) {
  switch (s) {
    case 0: return "CUBLAS_STATUS_SUCCESS";
    case 1: return "CUBLAS_STATUS_NOT_INITIALIZED";
    case 3: return "CUBLAS_STATUS_ALLOC_FAILED";
    case 7: return "CUBLAS_STATUS_INVALID_VALUE";
    case 8: return "CUBLAS_STATUS_ARCH_MISMATCH";
    case 11: return "CUBLAS_STATUS_MAPPING_ERROR";
    case 13: return "CUBLAS_STATUS_EXECUTION_FAILED";
    case 14: return "CUBLAS_STATUS_INTERNAL_ERROR";
    case 15: return "CUBLAS_STATUS_NOT_SUPPORTED";
    case 16: return "CUBLAS_STATUS_LICENSE_ERROR";
  }
  return "CUBLAS_STATUS_UNKNOWN";
}

std::string describe(Status s) {
  std::string r = std::string(status_name(s)) + " (" + std::to_string(s) + ")";
  if (g_api.status_string) {
    const char* d = g_api.status_string(s);
    if (d && *d) r += ": " + std::string(d);
  }
  return r;
}

std::vector<std::string> candidates() {
  std::vector<std::string> c;
  if (const char* env = std::getenv("LRQK_CUBLAS"); env && *env) c.push_back(env);
  c.push_back("libcublas.so.13");
  c.push_back("libcublas.so");
  c.push_back("/usr/local/cuda/lib64/libcublas.so.13");
  c.push_back("/usr/local/cuda/targets/x86_64-linux/lib/libcublas.so.13");
  return c;
}

template <class F>
void resolve(void* lib, const char* name, F& fn, std::string& missing) {
  void* p = dlsym(lib, name);
  if (!p) missing += (missing.empty() ? "" : ", ") + std::string(name);
  fn = reinterpret_cast<F>(p);
}

// Tries each candidate once per process; fills g_api and g_info. Caller holds g_mu.
void load_locked() {
  if (g_attempted) return;
  g_attempted = true;
  for (const std::string& path : candidates()) {
    // For a path in a directory, load its libcublasLt first so that the dependency resolves from
    // the same directory even when that directory is not on the loader's search path.
    const size_t slash = path.rfind('/');
    if (slash != std::string::npos) {
      void* lt = dlopen((path.substr(0, slash) + "/libcublasLt.so.13").c_str(), RTLD_NOW | RTLD_GLOBAL);
      if (!lt) dlerror();
    }
    void* lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      const char* e = dlerror();  // already names the file
      g_info.tried.push_back(e ? std::string(e) : path + ": dlopen failed");
      continue;
    }
    Api a{};
    std::string missing;
    resolve(lib, "cublasCreate_v2", a.create, missing);
    resolve(lib, "cublasDestroy_v2", a.destroy, missing);
    resolve(lib, "cublasSetStream_v2", a.set_stream, missing);
    resolve(lib, "cublasSetWorkspace_v2", a.set_workspace, missing);
    resolve(lib, "cublasSetMathMode", a.set_math_mode, missing);
    resolve(lib, "cublasGemmStridedBatchedEx", a.gemm_strided_batched, missing);
    if (!missing.empty()) {
      g_info.tried.push_back(path + ": loaded, but lacks " + missing);
      dlclose(lib);
      continue;
    }
    a.status_string = reinterpret_cast<const char* (*)(Status)>(dlsym(lib, "cublasGetStatusString"));
    int version = 0;
    using GetProperty = Status (*)(libraryPropertyType, int*);
    if (auto gp = reinterpret_cast<GetProperty>(dlsym(lib, "cublasGetProperty"))) {
      int ma = 0, mi = 0, pa = 0;
      if (gp(MAJOR_VERSION, &ma) == 0 && gp(MINOR_VERSION, &mi) == 0 && gp(PATCH_LEVEL, &pa) == 0) version = ma * 10000 + mi * 100 + pa;
    }
    if (version && version < 110000) {  // cublasComputeType_t arguments arrived in cuBLAS 11
      g_info.tried.push_back(path + ": cuBLAS " + std::to_string(version / 10000) + " is too old (need 11 or newer)");
      dlclose(lib);
      continue;
    }
    Dl_info dl{};
    std::string real = dladdr(reinterpret_cast<void*>(a.create), &dl) && dl.dli_fname ? dl.dli_fname : path;
    std::string ver = version ? " (cuBLAS " + std::to_string(version / 10000) + "." + std::to_string(version / 100 % 100) + "." +
                                    std::to_string(version % 100) + ")"
                              : "";
    g_info.tried.push_back(path + ": loaded " + real + ver);
    g_info.loaded = true;
    g_info.path = real;
    g_info.version = version;
    g_api = a;
    return;
  }
  g_info.error = "libcublas not found or unusable (set LRQK_CUBLAS to the path of libcublas.so.13)";
}

[[noreturn]] void not_loaded(const char* op) {
  std::string tried;
  for (const std::string& t : g_info.tried) tried += (tried.empty() ? "" : "; ") + t;
  fail(ErrorKind::Cuda, op, std::string(op) + ": cuBLAS could not be loaded — " + g_info.error + ". Tried: " + tried);
}
}  // namespace

const Api& api(const char* op) {
  std::lock_guard<std::mutex> lock(g_mu);
  load_locked();
  if (!g_info.loaded) not_loaded(op);
  return g_api;
}

void check(Status s, const char* op, const char* what) {
  if (s == 0) return;
  fail(s == 3 ? ErrorKind::OutOfMemory : ErrorKind::Cuda, op, std::string(op) + ": " + what + " failed: " + describe(s));
}

Handle handle_for(void* stream, const char* op) {
  std::lock_guard<std::mutex> lock(g_mu);
  load_locked();
  if (!g_info.loaded) not_loaded(op);
  if (!g_handle) {
    Handle h = nullptr;
    Status s = g_api.create(&h);
    if (s != 0) {
      g_info.error = "cublasCreate_v2 failed: " + describe(s);
      check(s, op, "cublasCreate_v2");
    }
    // f32 accumulation everywhere: no reduced-precision split-K reductions for bf16/f16 outputs.
    s = g_api.set_math_mode(h, kDefaultMath | kDisallowReducedPrecisionReduction);
    if (s != 0) {
      g_api.destroy(h);
      check(s, op, "cublasSetMathMode");
    }
    g_handle = h;
    g_info.error.clear();
  }
  check(g_api.set_stream(g_handle, stream), op, "cublasSetStream_v2");
  auto it = g_workspaces.find(stream);
  if (it == g_workspaces.end() && g_workspaces.size() < kMaxWorkspaces) {
    void* ws = nullptr;
    if (cudaMalloc(&ws, kWorkspaceBytes) != cudaSuccess) {
      cudaGetLastError();  // no workspace of our own: cuBLAS falls back to its default one
      ws = nullptr;
    }
    it = g_workspaces.emplace(stream, ws).first;
  }
  if (it != g_workspaces.end() && it->second)
    check(g_api.set_workspace(g_handle, it->second, kWorkspaceBytes), op, "cublasSetWorkspace_v2");
  return g_handle;
}

BlasInfo info() {
  std::lock_guard<std::mutex> lock(g_mu);
  load_locked();
  return g_info;
}

}  // namespace lrqk::cublas

namespace lrqk {
static void blas_info_cuda(const BlasInfoArgs& a) { *a.out = cublas::info(); }
LRQK_REGISTER_KERNEL(BlasInfoArgs, Cuda, blas_info_cuda);
}  // namespace lrqk
