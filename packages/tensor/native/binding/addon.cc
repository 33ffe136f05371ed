// Module entry: exports every registered binding and class.
#include <napi.h>
#include "../core/errors.h"
#include "registry.h"

namespace lrqk::binding {

std::vector<BindingEntry>& registry() {
  static std::vector<BindingEntry> r;
  return r;
}
std::vector<ClassInit>& class_registry() {
  static std::vector<ClassInit> r;
  return r;
}

Napi::Error to_js_error(Napi::Env env, const char* code, const std::string& op, const std::string& msg) {
  Napi::Error err = Napi::Error::New(env, msg);
  err.Set("code", Napi::String::New(env, code));
  err.Set("op", Napi::String::New(env, op));
  return err;
}

static Napi::Value call_wrapped(const Napi::CallbackInfo& info) {
  auto fn = reinterpret_cast<BindingFn>(info.Data());
  try {
    return fn(info);
  } catch (const Error& e) {
    throw to_js_error(info.Env(), error_code(e.kind), e.op, e.what());
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw to_js_error(info.Env(), "LRQK_OOM", "host", "host out of memory");
  } catch (const std::exception& e) {
    throw to_js_error(info.Env(), "LRQK_ERROR", "native", e.what());
  }
}

static Napi::Object init(Napi::Env env, Napi::Object exports) {
  for (const auto& e : registry()) {
    exports.Set(e.name, Napi::Function::New(env, call_wrapped, e.name, reinterpret_cast<void*>(e.fn)));
  }
  for (auto f : class_registry()) f(env, exports);
  return exports;
}

}  // namespace lrqk::binding

static Napi::Object lrqk_init(Napi::Env env, Napi::Object exports) { return lrqk::binding::init(env, exports); }
NODE_API_MODULE(lrqk_tensor, lrqk_init)
