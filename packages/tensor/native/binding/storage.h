// NativeStorage: one block of memory on the host, in pinned host memory or on the device,
// owned by a JS object. Freed by dispose() or, failing that, by the GC finalizer.
#pragma once
#include <napi.h>
#include "../core/tensor_arg.h"

namespace lrqk::binding {

class Storage : public Napi::ObjectWrap<Storage> {
 public:
  static Napi::FunctionReference* constructor;
  explicit Storage(const Napi::CallbackInfo& info);
  ~Storage() override;

  void* ptr = nullptr;
  size_t bytes = 0;
  MemKind kind = MemKind::Host;

  static Storage* unwrap(const Napi::Value& v, const char* op);
  void release(Napi::Env env);

 public:  // methods exposed to JS (DefineClass needs access)
  Napi::Value dispose(const Napi::CallbackInfo& info);
  Napi::Value write(const Napi::CallbackInfo& info);
  Napi::Value read(const Napi::CallbackInfo& info);
  Napi::Value get_bytes(const Napi::CallbackInfo& info);
  Napi::Value get_kind(const Napi::CallbackInfo& info);
  Napi::Value get_disposed(const Napi::CallbackInfo& info);
  int64_t external_ = 0;
};

}  // namespace lrqk::binding
