// Runtime entry points: device probe, memory statistics, streams, events, synchronisation and
// plain byte copies between any two memories.
#include <cstring>
#include "../core/cuda_runtime.h"
#include "args.h"
#include "registry.h"

namespace lrqk::binding {

static Napi::Value probe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const cuda::Probe& p = cuda::probe();
  Napi::Object o = Napi::Object::New(env);
  o.Set("compiled", p.compiled);
  o.Set("available", p.available);
  o.Set("deviceCount", p.device_count);
  o.Set("device", p.device);
  o.Set("driverVersion", p.driver_version);
  o.Set("runtimeVersion", p.runtime_version);
  o.Set("name", p.name);
  o.Set("totalBytes", double(p.total_bytes));
  o.Set("computeCapability", std::to_string(p.cc_major) + "." + std::to_string(p.cc_minor));
  o.Set("smCount", p.sm_count);
  Napi::Array tried = Napi::Array::New(env, p.tried.size());
  for (size_t i = 0; i < p.tried.size(); ++i) tried.Set(uint32_t(i), p.tried[i]);
  o.Set("tried", tried);
  return o;
}
LRQK_BINDING(probe, probe);

static Napi::Value mem_stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  cuda::MemStats s = cuda::mem_stats();
  Napi::Object o = Napi::Object::New(env);
  o.Set("allocatedBytes", double(s.allocated_bytes));
  o.Set("peakAllocatedBytes", double(s.peak_allocated_bytes));
  o.Set("reservedBytes", double(s.reserved_bytes));
  o.Set("peakReservedBytes", double(s.peak_reserved_bytes));
  o.Set("freeBytes", double(s.free_bytes));
  o.Set("totalBytes", double(s.total_bytes));
  o.Set("pinnedBytes", double(s.pinned_bytes));
  o.Set("allocCount", double(s.alloc_count));
  return o;
}
LRQK_BINDING(memStats, mem_stats);

static Napi::Value reset_peak(const Napi::CallbackInfo& info) { cuda::reset_peak(); return info.Env().Undefined(); }
LRQK_BINDING(resetPeakMemory, reset_peak);
static Napi::Value empty_cache(const Napi::CallbackInfo& info) { cuda::empty_cache(); return info.Env().Undefined(); }
LRQK_BINDING(emptyCache, empty_cache);
static Napi::Value synchronize(const Napi::CallbackInfo& info) { cuda::synchronize_device(); return info.Env().Undefined(); }
LRQK_BINDING(synchronize, synchronize);
static Napi::Value profiler_range(const Napi::CallbackInfo& info) {
  cuda::profiler_range(info[0].ToBoolean().Value());
  return info.Env().Undefined();
}
LRQK_BINDING(profilerRange, profiler_range);

static void* handle(const Napi::Value& v, const char* op) {
  if (v.IsUndefined() || v.IsNull()) return nullptr;
  if (!v.IsExternal()) fail(ErrorKind::Argument, op, std::string(op) + ": expected a stream/event handle");
  return v.As<Napi::External<void>>().Data();
}

static Napi::Value create_stream(const Napi::CallbackInfo& info) { return Napi::External<void>::New(info.Env(), cuda::create_stream()); }
LRQK_BINDING(createStream, create_stream);
static Napi::Value destroy_stream(const Napi::CallbackInfo& info) { cuda::destroy_stream(handle(info[0], "destroy_stream")); return info.Env().Undefined(); }
LRQK_BINDING(destroyStream, destroy_stream);
static Napi::Value sync_stream(const Napi::CallbackInfo& info) { cuda::synchronize_stream(handle(info[0], "synchronize_stream")); return info.Env().Undefined(); }
LRQK_BINDING(synchronizeStream, sync_stream);
static Napi::Value set_stream(const Napi::CallbackInfo& info) { cuda::set_current_stream(handle(info[0], "set_stream")); return info.Env().Undefined(); }
LRQK_BINDING(setStream, set_stream);
static Napi::Value get_stream(const Napi::CallbackInfo& info) {
  void* s = cuda::current_stream();
  return s ? Napi::Value(Napi::External<void>::New(info.Env(), s)) : info.Env().Null();
}
LRQK_BINDING(currentStream, get_stream);

static Napi::Value create_event(const Napi::CallbackInfo& info) {
  bool timing = info.Length() > 0 && info[0].IsBoolean() && info[0].As<Napi::Boolean>().Value();
  return Napi::External<void>::New(info.Env(), cuda::create_event(timing));
}
LRQK_BINDING(createEvent, create_event);
static Napi::Value destroy_event(const Napi::CallbackInfo& info) { cuda::destroy_event(handle(info[0], "destroy_event")); return info.Env().Undefined(); }
LRQK_BINDING(destroyEvent, destroy_event);
static Napi::Value record_event(const Napi::CallbackInfo& info) {
  cuda::record_event(handle(info[0], "record_event"), info.Length() > 1 ? handle(info[1], "record_event") : nullptr);
  return info.Env().Undefined();
}
LRQK_BINDING(recordEvent, record_event);
static Napi::Value sync_event(const Napi::CallbackInfo& info) { cuda::synchronize_event(handle(info[0], "synchronize_event")); return info.Env().Undefined(); }
LRQK_BINDING(synchronizeEvent, sync_event);
static Napi::Value query_event(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), cuda::query_event(handle(info[0], "query_event"))); }
LRQK_BINDING(queryEvent, query_event);
static Napi::Value wait_event(const Napi::CallbackInfo& info) {
  cuda::stream_wait_event(handle(info[0], "stream_wait_event"), handle(info[1], "stream_wait_event"));
  return info.Env().Undefined();
}
LRQK_BINDING(streamWaitEvent, wait_event);
static Napi::Value elapsed(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), cuda::elapsed_ms(handle(info[0], "elapsed_ms"), handle(info[1], "elapsed_ms")));
}
LRQK_BINDING(elapsedMs, elapsed);

// CUDA graphs (see cuda_runtime.h). The graph handle is an External; the JS CudaGraph class owns
// it and calls graphDestroy once.
static Napi::Value graph_begin(const Napi::CallbackInfo& info) { cuda::graph_begin_capture(); return info.Env().Undefined(); }
LRQK_BINDING(graphBeginCapture, graph_begin);
static Napi::Value graph_end(const Napi::CallbackInfo& info) { return Napi::External<void>::New(info.Env(), cuda::graph_end_capture()); }
LRQK_BINDING(graphEndCapture, graph_end);
static Napi::Value graph_abort(const Napi::CallbackInfo& info) { cuda::graph_abort_capture(); return info.Env().Undefined(); }
LRQK_BINDING(graphAbortCapture, graph_abort);
static Napi::Value graph_capturing(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), cuda::capturing()); }
LRQK_BINDING(isCapturing, graph_capturing);
static Napi::Value graph_launch(const Napi::CallbackInfo& info) { cuda::graph_launch(handle(info[0], "graphLaunch")); return info.Env().Undefined(); }
LRQK_BINDING(graphLaunch, graph_launch);
static Napi::Value graph_destroy(const Napi::CallbackInfo& info) { cuda::graph_destroy(handle(info[0], "graphDestroy")); return info.Env().Undefined(); }
LRQK_BINDING(graphDestroy, graph_destroy);

// copy(dst, src): contiguous tensors of the same dtype and element count, any memories. Copies that
// involve the device are asynchronous on the current stream (truly so when the host side is pinned).
static Napi::Value copy(const Napi::CallbackInfo& info) {
  const char* op = "copy";
  TensorArg dst = tensor_arg(info[0], op, "dst"), src = tensor_arg(info[1], op, "src");
  expect_same_dtype(dst, src, op);
  expect_contiguous(dst, op, "dst");
  expect_contiguous(src, op, "src");
  if (dst.numel() != src.numel())
    fail(ErrorKind::Shape, op, "copy: element counts differ (" + dst.shape_str() + " vs " + src.shape_str() + ")");
  size_t bytes = size_t(dst.numel()) * dtype_size(dst.dtype);
  if (bytes == 0) return info.Env().Undefined();
  if (dst.mem != MemKind::Cuda && src.mem != MemKind::Cuda) {
    if (dst.mem == MemKind::Pinned || src.mem == MemKind::Pinned) cuda::synchronize_stream(nullptr);
    std::memmove(dst.data, src.data, bytes);
  } else {
    cuda::copy_async(dst.data, src.data, bytes);
  }
  return info.Env().Undefined();
}
LRQK_BINDING(copy, copy);

}  // namespace lrqk::binding
