// Stand-in for cuda/runtime.cu when this addon is built without nvcc: every entry point reports
// CudaUnavailable, and the probe says why.
#include "cuda_runtime.h"
#include "errors.h"

namespace lrqk::cuda {

namespace {
[[noreturn]] void unavailable(const char* op) {
  fail(ErrorKind::CudaUnavailable, op,
       std::string(op) + ": CUDA backend not compiled into @lrqk/tensor (nvcc was not found at build time)");
}
}  // namespace

bool compiled() { return false; }
const Probe& probe() {
  static Probe p = [] {
    Probe q;
    q.tried.push_back("build: CUDA backend not compiled (nvcc not found when the addon was built)");
    return q;
  }();
  return p;
}
bool available() { return false; }
void* device_alloc(size_t) { unavailable("alloc"); }
void device_free(void*, size_t) {}
void* pinned_alloc(size_t) { unavailable("alloc_pinned"); }
void pinned_free(void*, size_t) {}
MemStats mem_stats() { return {}; }
void reset_peak() {}
void empty_cache() {}
void copy_async(void*, const void*, size_t) { unavailable("copy"); }
void copy_sync(void*, const void*, size_t) { unavailable("copy"); }
void* create_stream() { unavailable("create_stream"); }
void destroy_stream(void*) {}
void synchronize_stream(void*) {}
void* current_stream() { return nullptr; }
void set_current_stream(void*) {}
void synchronize_device() {}
void profiler_range(bool) {}
void* create_event(bool) { unavailable("create_event"); }
void destroy_event(void*) {}
void record_event(void*, void*) { unavailable("record_event"); }
void synchronize_event(void*) {}
bool query_event(void*) { return true; }
void stream_wait_event(void*, void*) {}
float elapsed_ms(void*, void*) { unavailable("elapsed_ms"); }
void memset_async(void*, int, size_t) { unavailable("memset"); }
void graph_begin_capture() { unavailable("graphCapture"); }
void* graph_end_capture() { unavailable("graphCapture"); }
void graph_abort_capture() {}
bool capturing() { return false; }
void graph_launch(void*) { unavailable("graphLaunch"); }
void graph_destroy(void*) {}

}  // namespace lrqk::cuda
