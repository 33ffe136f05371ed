// CUDA runtime state for the addon: device probe, a stream-ordered caching pool (the device's
// default cudaMemPool with an unbounded release threshold, so freed blocks are reused without
// returning to the driver), mapped pinned host memory, streams, events and copies.
#include <cuda_profiler_api.h>
#include <atomic>
#include <cstdlib>
#include <mutex>
#include "common.cuh"

namespace lrqk::cuda {

namespace {
cudaStream_t g_default_stream = nullptr;
cudaStream_t g_current_stream = nullptr;
cudaMemPool_t g_pool = nullptr;
std::atomic<size_t> g_allocated{0}, g_peak{0}, g_pinned{0};
std::atomic<uint64_t> g_alloc_count{0};

void note_alloc(size_t bytes) {
  size_t now = g_allocated.fetch_add(bytes) + bytes;
  size_t peak = g_peak.load();
  while (now > peak && !g_peak.compare_exchange_weak(peak, now)) {}
  g_alloc_count++;
}

Probe run_probe() {
  Probe p;
  p.compiled = true;
  p.tried.push_back(std::string("build: CUDA backend compiled with CUDA ") + std::to_string(CUDART_VERSION / 1000) + "." +
                    std::to_string(CUDART_VERSION % 1000 / 10) + " for sm_90a + compute_90 PTX");
  const char* env = std::getenv("LRQK_DEVICE");
  if (env && std::string(env) == "cpu") {
    p.tried.push_back("LRQK_DEVICE=cpu: CUDA not probed");
    return p;
  }
  cudaRuntimeGetVersion(&p.runtime_version);
  cudaError_t e = cudaDriverGetVersion(&p.driver_version);
  if (e != cudaSuccess || p.driver_version == 0) {
    p.tried.push_back("cudaDriverGetVersion: no CUDA driver found (libcuda.so not loadable)");
    cudaGetLastError();
    return p;
  }
  p.tried.push_back("cudaDriverGetVersion: driver supports CUDA " + std::to_string(p.driver_version / 1000) + "." +
                    std::to_string(p.driver_version % 1000 / 10));
  e = cudaGetDeviceCount(&p.device_count);
  if (e != cudaSuccess) {
    p.tried.push_back(std::string("cudaGetDeviceCount: ") + cudaGetErrorName(e) + " (" + cudaGetErrorString(e) + ")");
    p.device_count = 0;
    cudaGetLastError();
    return p;
  }
  p.tried.push_back("cudaGetDeviceCount: " + std::to_string(p.device_count) + " device(s)");
  if (p.device_count == 0) return p;
  int dev = 0;
  if (const char* d = std::getenv("LRQK_CUDA_DEVICE")) dev = std::atoi(d);
  cudaDeviceProp prop{};
  e = cudaGetDeviceProperties(&prop, dev);
  if (e != cudaSuccess) {
    p.tried.push_back(std::string("cudaGetDeviceProperties(") + std::to_string(dev) + "): " + cudaGetErrorString(e));
    cudaGetLastError();
    return p;
  }
  p.name = prop.name;
  p.total_bytes = prop.totalGlobalMem;
  p.cc_major = prop.major;
  p.cc_minor = prop.minor;
  p.sm_count = prop.multiProcessorCount;
  if (prop.major < 9) {
    p.tried.push_back("device " + std::to_string(dev) + " is sm_" + std::to_string(prop.major * 10 + prop.minor) +
                      "; kernels are built for sm_90a with compute_90 PTX, which needs sm_90 or newer");
    return p;
  }
  e = cudaSetDevice(dev);
  if (e == cudaSuccess) e = cudaStreamCreateWithFlags(&g_default_stream, cudaStreamNonBlocking);
  if (e == cudaSuccess) e = cudaDeviceGetDefaultMemPool(&g_pool, dev);
  if (e == cudaSuccess) {
    uint64_t threshold = UINT64_MAX;
    e = cudaMemPoolSetAttribute(g_pool, cudaMemPoolAttrReleaseThreshold, &threshold);
  }
  if (e != cudaSuccess) {
    p.tried.push_back(std::string("context setup on device ") + std::to_string(dev) + ": " + cudaGetErrorString(e));
    cudaGetLastError();
    return p;
  }
  g_current_stream = g_default_stream;
  p.device = dev;
  p.available = true;
  p.tried.push_back("device " + std::to_string(dev) + ": " + p.name + " ready");
  return p;
}
}  // namespace

bool compiled() { return true; }

const Probe& probe() {
  static Probe p = run_probe();
  return p;
}

bool available() { return probe().available; }

static void require(const char* op) {
  if (!available()) {
    const Probe& p = probe();
    fail(ErrorKind::CudaUnavailable, op,
         std::string(op) + ": no usable CUDA device (" + (p.tried.empty() ? "" : p.tried.back()) + ")");
  }
}

void* device_alloc(size_t bytes) {
  require("alloc");
  if (bytes == 0) bytes = 1;
  void* p = nullptr;
  cudaError_t e = cudaMallocFromPoolAsync(&p, bytes, g_pool, g_current_stream);
  if (e == cudaErrorMemoryAllocation) {
    cudaGetLastError();
    cudaStreamSynchronize(g_current_stream);
    cudaMemPoolTrimTo(g_pool, 0);
    e = cudaMallocFromPoolAsync(&p, bytes, g_pool, g_current_stream);
  }
  if (e != cudaSuccess) {
    cudaGetLastError();
    size_t free_b = 0, total_b = 0;
    cudaMemGetInfo(&free_b, &total_b);
    auto mib = [](size_t b) { return std::to_string(b >> 20) + " MiB"; };
    fail(e == cudaErrorMemoryAllocation ? ErrorKind::OutOfMemory : ErrorKind::Cuda, "alloc",
         "alloc: CUDA out of memory allocating " + mib(bytes) + " (live tensors " + mib(g_allocated.load()) +
             ", device free " + mib(free_b) + " of " + mib(total_b) + "): " + cudaGetErrorString(e));
  }
  note_alloc(bytes);
  return p;
}

void device_free(void* p, size_t bytes) {
  if (!p) return;
  if (bytes == 0) bytes = 1;
  cudaFreeAsync(p, g_current_stream);
  g_allocated.fetch_sub(bytes);
}

void* pinned_alloc(size_t bytes) {
  require("alloc_pinned");
  void* p = nullptr;
  cudaError_t e = cudaHostAlloc(&p, bytes ? bytes : 1, cudaHostAllocMapped | cudaHostAllocPortable);
  if (e != cudaSuccess) {
    cudaGetLastError();
    fail(ErrorKind::OutOfMemory, "alloc_pinned",
         "alloc_pinned: cudaHostAlloc of " + std::to_string(bytes >> 20) + " MiB failed: " + cudaGetErrorString(e));
  }
  g_pinned += bytes;
  return p;
}

void pinned_free(void* p, size_t bytes) {
  if (!p) return;
  cudaFreeHost(p);
  g_pinned -= bytes;
}

MemStats mem_stats() {
  MemStats s;
  s.allocated_bytes = g_allocated.load();
  s.peak_allocated_bytes = g_peak.load();
  s.pinned_bytes = g_pinned.load();
  s.alloc_count = g_alloc_count.load();
  if (available()) {
    uint64_t v = 0;
    cudaMemPoolGetAttribute(g_pool, cudaMemPoolAttrReservedMemCurrent, &v);
    s.reserved_bytes = v;
    cudaMemPoolGetAttribute(g_pool, cudaMemPoolAttrReservedMemHigh, &v);
    s.peak_reserved_bytes = v;
    cudaMemGetInfo(&s.free_bytes, &s.total_bytes);
  }
  return s;
}

void reset_peak() {
  g_peak = g_allocated.load();
  if (available()) {
    uint64_t zero = 0;
    cudaMemPoolSetAttribute(g_pool, cudaMemPoolAttrReservedMemHigh, &zero);
  }
}

void empty_cache() {
  if (!available()) return;
  LRQK_CUDA_CHECK(cudaDeviceSynchronize(), "empty_cache");
  LRQK_CUDA_CHECK(cudaMemPoolTrimTo(g_pool, 0), "empty_cache");
}

void copy_async(void* dst, const void* src, size_t bytes) {
  require("copy");
  LRQK_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDefault, g_current_stream), "copy");
}

void copy_sync(void* dst, const void* src, size_t bytes) {
  require("copy");
  LRQK_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDefault, g_current_stream), "copy");
  LRQK_CUDA_CHECK(cudaStreamSynchronize(g_current_stream), "copy");
}

void* create_stream() {
  require("create_stream");
  cudaStream_t s;
  LRQK_CUDA_CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), "create_stream");
  return s;
}
void destroy_stream(void* s) {
  if (s && s != g_default_stream) {
    if (g_current_stream == s) g_current_stream = g_default_stream;
    cudaStreamDestroy(static_cast<cudaStream_t>(s));
  }
}
void synchronize_stream(void* s) {
  require("synchronize");
  LRQK_CUDA_CHECK(cudaStreamSynchronize(s ? static_cast<cudaStream_t>(s) : g_current_stream), "synchronize");
}
void* current_stream() { return g_current_stream; }
void set_current_stream(void* s) {
  require("set_stream");
  g_current_stream = s ? static_cast<cudaStream_t>(s) : g_default_stream;
}
void synchronize_device() {
  if (!available()) return;
  LRQK_CUDA_CHECK(cudaDeviceSynchronize(), "synchronize");
}
void profiler_range(bool start) {
  if (!available()) return;
  LRQK_CUDA_CHECK(start ? cudaProfilerStart() : cudaProfilerStop(), "profiler_range");
}

void* create_event(bool timing) {
  require("create_event");
  cudaEvent_t e;
  LRQK_CUDA_CHECK(cudaEventCreateWithFlags(&e, timing ? cudaEventDefault : cudaEventDisableTiming), "create_event");
  return e;
}
void destroy_event(void* e) {
  if (e) cudaEventDestroy(static_cast<cudaEvent_t>(e));
}
void record_event(void* e, void* s) {
  LRQK_CUDA_CHECK(cudaEventRecord(static_cast<cudaEvent_t>(e), s ? static_cast<cudaStream_t>(s) : g_current_stream),
                  "record_event");
}
void synchronize_event(void* e) { LRQK_CUDA_CHECK(cudaEventSynchronize(static_cast<cudaEvent_t>(e)), "synchronize_event"); }
bool query_event(void* e) {
  cudaError_t r = cudaEventQuery(static_cast<cudaEvent_t>(e));
  if (r == cudaErrorNotReady) {
    cudaGetLastError();
    return false;
  }
  check(r, "query_event", "cudaEventQuery");
  return true;
}
void stream_wait_event(void* s, void* e) {
  LRQK_CUDA_CHECK(cudaStreamWaitEvent(s ? static_cast<cudaStream_t>(s) : g_current_stream, static_cast<cudaEvent_t>(e), 0),
                  "stream_wait_event");
}
float elapsed_ms(void* a, void* b) {
  float ms = 0;
  LRQK_CUDA_CHECK(cudaEventElapsedTime(&ms, static_cast<cudaEvent_t>(a), static_cast<cudaEvent_t>(b)), "elapsed_ms");
  return ms;
}
void memset_async(void* p, int v, size_t bytes) {
  LRQK_CUDA_CHECK(cudaMemsetAsync(p, v, bytes, g_current_stream), "memset");
}

bool capturing() {
  if (!available()) return false;
  cudaStreamCaptureStatus st = cudaStreamCaptureStatusNone;
  LRQK_CUDA_CHECK(cudaStreamIsCapturing(g_current_stream, &st), "capturing");
  return st != cudaStreamCaptureStatusNone;
}

void graph_begin_capture() {
  require("graphCapture");
  if (capturing()) fail(ErrorKind::Argument, "graphCapture", "graphCapture: the current stream is already being captured");
  // Thread-local mode: this thread may not make unsafe calls (a synchronizing copy, say) while
  // capturing, so such a mistake surfaces as an error instead of a silently wrong graph.
  LRQK_CUDA_CHECK(cudaStreamBeginCapture(g_current_stream, cudaStreamCaptureModeThreadLocal), "graphCapture");
}

void* graph_end_capture() {
  require("graphCapture");
  cudaGraph_t graph = nullptr;
  cudaError_t e = cudaStreamEndCapture(g_current_stream, &graph);
  if (e != cudaSuccess) {
    cudaGetLastError();
    if (graph) cudaGraphDestroy(graph);
    fail(ErrorKind::Cuda, "graphCapture",
         std::string("graphCapture: capture failed (") + cudaGetErrorName(e) + ": " + cudaGetErrorString(e) +
             "); something in the captured code synchronized or used another stream");
  }
  cudaGraphExec_t exec = nullptr;
  e = cudaGraphInstantiateWithFlags(&exec, graph, 0);
  cudaGraphDestroy(graph);
  if (e != cudaSuccess) {
    cudaGetLastError();
    fail(ErrorKind::Cuda, "graphCapture", std::string("graphCapture: cudaGraphInstantiate: ") + cudaGetErrorString(e));
  }
  return exec;
}

void graph_abort_capture() {
  if (!capturing()) return;
  cudaGraph_t graph = nullptr;
  cudaStreamEndCapture(g_current_stream, &graph);
  cudaGetLastError();
  if (graph) cudaGraphDestroy(graph);
}

void graph_launch(void* exec) {
  require("graphLaunch");
  LRQK_CUDA_CHECK(cudaGraphLaunch(static_cast<cudaGraphExec_t>(exec), g_current_stream), "graphLaunch");
}

void graph_destroy(void* exec) {
  if (exec) cudaGraphExecDestroy(static_cast<cudaGraphExec_t>(exec));
}

}  // namespace lrqk::cuda
