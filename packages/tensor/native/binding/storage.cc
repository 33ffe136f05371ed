#include "storage.h"
#include <cstdlib>
#include <cstring>
#include "../core/cuda_runtime.h"
#include "../core/errors.h"
#include "args.h"
#include "registry.h"

namespace lrqk::binding {

Napi::FunctionReference* Storage::constructor = nullptr;

static MemKind parse_kind(const std::string& s) {
  if (s == "host") return MemKind::Host;
  if (s == "pinned") return MemKind::Pinned;
  if (s == "cuda") return MemKind::Cuda;
  fail(ErrorKind::Argument, "alloc", "alloc: memory kind must be host, pinned or cuda, got '" + s + "'");
}

static const char* kind_name(MemKind k) {
  return k == MemKind::Host ? "host" : k == MemKind::Pinned ? "pinned" : "cuda";
}

Storage::Storage(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Storage>(info) {
  Napi::Env env = info.Env();
  try {
    if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsString())
      fail(ErrorKind::Argument, "alloc", "alloc: expected (bytes: number, kind: string)");
    double b = info[0].As<Napi::Number>().DoubleValue();
    if (!(b >= 0) || b > 9.0e15) fail(ErrorKind::Argument, "alloc", "alloc: invalid byte count");
    bytes = size_t(b);
    kind = parse_kind(info[1].As<Napi::String>().Utf8Value());
    switch (kind) {
      case MemKind::Host: {
        size_t rounded = (bytes + 63) / 64 * 64;
        ptr = std::aligned_alloc(64, rounded ? rounded : 64);
        if (!ptr) fail(ErrorKind::OutOfMemory, "alloc", "alloc: host out of memory allocating " + std::to_string(bytes >> 20) + " MiB");
        break;
      }
      case MemKind::Pinned: ptr = cuda::pinned_alloc(bytes); break;
      case MemKind::Cuda: ptr = cuda::device_alloc(bytes); break;
    }
    // Tell V8 about memory it cannot see, so unreferenced tensors get collected under pressure.
    external_ = int64_t(bytes < (size_t(1) << 30) ? bytes : (size_t(1) << 30));
    Napi::MemoryManagement::AdjustExternalMemory(env, external_);
  } catch (const Error& e) {
    throw js_error(env, e);
  }
}

void Storage::release(Napi::Env env) {
  if (!ptr) return;
  switch (kind) {
    case MemKind::Host: std::free(ptr); break;
    case MemKind::Pinned: cuda::pinned_free(ptr, bytes); break;
    case MemKind::Cuda: cuda::device_free(ptr, bytes); break;
  }
  ptr = nullptr;
  if (external_) Napi::MemoryManagement::AdjustExternalMemory(env, -external_);
  external_ = 0;
}

Storage::~Storage() {
  if (!ptr) return;
  switch (kind) {
    case MemKind::Host: std::free(ptr); break;
    case MemKind::Pinned: cuda::pinned_free(ptr, bytes); break;
    case MemKind::Cuda: cuda::device_free(ptr, bytes); break;
  }
  ptr = nullptr;
}

Storage* Storage::unwrap(const Napi::Value& v, const char* op) {
  if (!v.IsObject() || !v.As<Napi::Object>().InstanceOf(constructor->Value()))
    fail(ErrorKind::Argument, op, std::string(op) + ": expected a NativeStorage");
  Storage* s = Storage::Unwrap(v.As<Napi::Object>());
  if (!s->ptr) fail(ErrorKind::Argument, op, std::string(op) + ": tensor used after dispose()");
  return s;
}

Napi::Value Storage::dispose(const Napi::CallbackInfo& info) {
  release(info.Env());
  return info.Env().Undefined();
}

// write(byteOffset, view): copies a host typed array into this storage (synchronously).
Napi::Value Storage::write(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    if (!ptr) fail(ErrorKind::Argument, "write", "write: storage used after dispose()");
    size_t off = size_t(info[0].As<Napi::Number>().Int64Value());
    if (!info[1].IsTypedArray()) fail(ErrorKind::Argument, "write", "write: expected a typed array");
    auto ta = info[1].As<Napi::TypedArray>();
    size_t n = ta.ByteLength();
    if (off + n > bytes) fail(ErrorKind::Index, "write", "write: " + std::to_string(n) + " bytes at offset " + std::to_string(off) + " exceed storage of " + std::to_string(bytes));
    const uint8_t* src = static_cast<const uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
    if (kind == MemKind::Cuda) cuda::copy_sync(static_cast<uint8_t*>(ptr) + off, src, n);
    else std::memcpy(static_cast<uint8_t*>(ptr) + off, src, n);
  } catch (const Error& e) {
    throw js_error(env, e);
  }
  return env.Undefined();
}

// read(byteOffset, byteLength) → ArrayBuffer (synchronous; waits for the current stream).
Napi::Value Storage::read(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    if (!ptr) fail(ErrorKind::Argument, "read", "read: storage used after dispose()");
    size_t off = size_t(info[0].As<Napi::Number>().Int64Value());
    size_t n = size_t(info[1].As<Napi::Number>().Int64Value());
    if (off + n > bytes) fail(ErrorKind::Index, "read", "read: range exceeds storage");
    Napi::ArrayBuffer out = Napi::ArrayBuffer::New(env, n);
    if (kind == MemKind::Cuda) {
      cuda::copy_sync(out.Data(), static_cast<uint8_t*>(ptr) + off, n);
    } else {
      if (kind == MemKind::Pinned) cuda::synchronize_stream(nullptr);  // async copies may target it
      std::memcpy(out.Data(), static_cast<uint8_t*>(ptr) + off, n);
    }
    return out;
  } catch (const Error& e) {
    throw js_error(env, e);
  }
}

Napi::Value Storage::get_bytes(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), double(bytes)); }
Napi::Value Storage::get_kind(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), kind_name(kind)); }
Napi::Value Storage::get_disposed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), ptr == nullptr); }

static void init_storage(Napi::Env env, Napi::Object exports) {
  Napi::Function f = Storage::DefineClass(
      env, "NativeStorage",
      {Storage::InstanceMethod<&Storage::dispose>("dispose"), Storage::InstanceMethod<&Storage::write>("write"),
       Storage::InstanceMethod<&Storage::read>("read"), Storage::InstanceAccessor<&Storage::get_bytes>("bytes"),
       Storage::InstanceAccessor<&Storage::get_kind>("kind"), Storage::InstanceAccessor<&Storage::get_disposed>("disposed")});
  Storage::constructor = new Napi::FunctionReference(Napi::Persistent(f));
  exports.Set("NativeStorage", f);
}
static ClassRegistrar reg_storage(init_storage);

}  // namespace lrqk::binding
