// The narrow interface to the CUDA runtime used by the rest of the addon. Implemented by
// cuda/runtime.cu when nvcc is present and by core/cuda_runtime_stub.cc otherwise, so host code
// never includes CUDA headers and a CPU-only build still links.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace lrqk::cuda {

struct Probe {
  bool compiled = false;          // was the CUDA backend compiled into this addon?
  bool available = false;         // usable device found
  int device_count = 0;
  int device = -1;
  int driver_version = 0;         // e.g. 13000
  int runtime_version = 0;
  std::string name;
  size_t total_bytes = 0;
  int cc_major = 0, cc_minor = 0;
  int sm_count = 0;
  std::vector<std::string> tried;  // what was attempted, in order, with outcomes
};

struct MemStats {
  size_t allocated_bytes = 0;       // live tensors
  size_t peak_allocated_bytes = 0;
  size_t reserved_bytes = 0;        // held by the caching pool
  size_t peak_reserved_bytes = 0;
  size_t free_bytes = 0;            // device free, from cudaMemGetInfo
  size_t total_bytes = 0;
  size_t pinned_bytes = 0;          // live pinned host allocations
  uint64_t alloc_count = 0;
};

bool compiled();
const Probe& probe();              // probed once, cached
bool available();

void* device_alloc(size_t bytes);  // stream-ordered on the current stream, from a caching pool
void device_free(void* p, size_t bytes);
void* pinned_alloc(size_t bytes);  // page-locked, mapped (device-readable through UVA)
void pinned_free(void* p, size_t bytes);
MemStats mem_stats();
void reset_peak();
void empty_cache();

// Copies. kind is inferred by the runtime (unified addressing).
void copy_async(void* dst, const void* src, size_t bytes);  // on the current stream
void copy_sync(void* dst, const void* src, size_t bytes);   // current stream, then waits

void* create_stream();
void destroy_stream(void* s);
void synchronize_stream(void* s);
void* current_stream();
void set_current_stream(void* s);  // nullptr → the addon's default stream
void synchronize_device();
// cudaProfilerStart/Stop: marks the range a profiler started with --profile-from-start off records.
void profiler_range(bool start);

void* create_event(bool timing);
void destroy_event(void* e);
void record_event(void* e, void* stream);
void synchronize_event(void* e);
bool query_event(void* e);
void stream_wait_event(void* stream, void* e);
float elapsed_ms(void* start, void* end);

void memset_async(void* p, int value, size_t bytes);

// CUDA graphs. Capture records the current stream's work (kernels, copies, stream-ordered
// allocations and frees, which become graph-owned memory) instead of running it; the instantiated
// graph then replays it with one launch. Between begin and end nothing may synchronize the stream.
void graph_begin_capture();
void* graph_end_capture();   // the instantiated graph (cudaGraphExec_t)
void graph_abort_capture();  // ends a capture and discards it (after an error); no-op when not capturing
bool capturing();            // is the current stream being captured?
void graph_launch(void* exec);
void graph_destroy(void* exec);

}  // namespace lrqk::cuda
