// Self-registration of JS entry points: each binding file adds its functions with
// LRQK_BINDING(name, fn), and addon.cc exports them all, wrapped so that lrqk::Error and any
// std::exception become JS exceptions with `code` and `op` set.
#pragma once
#include <napi.h>
#include <vector>

namespace lrqk::binding {

using BindingFn = Napi::Value (*)(const Napi::CallbackInfo&);
struct BindingEntry {
  const char* name;
  BindingFn fn;
};
std::vector<BindingEntry>& registry();
struct BindingRegistrar {
  BindingRegistrar(const char* name, BindingFn fn) { registry().push_back({name, fn}); }
};

// Classes (ObjectWrap) register an initializer that adds their constructor to exports.
using ClassInit = void (*)(Napi::Env, Napi::Object);
std::vector<ClassInit>& class_registry();
struct ClassRegistrar {
  explicit ClassRegistrar(ClassInit f) { class_registry().push_back(f); }
};

}  // namespace lrqk::binding

#define LRQK_BINDING(name, fn) \
  static ::lrqk::binding::BindingRegistrar LRQK_BINDING_CONCAT(lrqk_binding_, name)(#name, fn)
#define LRQK_BINDING_CONCAT_(a, b) a##b
#define LRQK_BINDING_CONCAT(a, b) LRQK_BINDING_CONCAT_(a, b)
