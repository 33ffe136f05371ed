// The dispatch table: one slot per (op, backend), keyed by the op's argument struct. Kernel files
// register themselves (LRQK_REGISTER_KERNEL), so adding an op never edits a central list; the
// binding layer validates shapes and dtypes once and then calls dispatch().
#pragma once
#include <string>
#include "errors.h"

namespace lrqk {

enum class Backend : int { Cpu = 0, Cuda = 1 };
constexpr int kNumBackends = 2;
inline const char* backend_name(Backend b) { return b == Backend::Cpu ? "cpu" : "cuda"; }

template <class Args>
struct KernelSlot {
  using Fn = void (*)(const Args&);
  static inline Fn fns[kNumBackends] = {nullptr, nullptr};
};

template <class Args>
struct KernelRegistrar {
  KernelRegistrar(Backend b, typename KernelSlot<Args>::Fn fn) { KernelSlot<Args>::fns[int(b)] = fn; }
};

template <class Args>
inline bool has_kernel(Backend b) { return KernelSlot<Args>::fns[int(b)] != nullptr; }

template <class Args>
inline void dispatch(Backend b, const char* op, const Args& args) {
  auto fn = KernelSlot<Args>::fns[int(b)];
  if (!fn) {
    fail(b == Backend::Cuda ? ErrorKind::CudaUnavailable : ErrorKind::Unsupported, op,
         std::string(op) + ": no " + backend_name(b) + " kernel" +
             (b == Backend::Cuda ? " (this build of @lrqk/tensor has no CUDA backend)" : ""));
  }
  fn(args);
}

}  // namespace lrqk

#define LRQK_CONCAT_(a, b) a##b
#define LRQK_CONCAT(a, b) LRQK_CONCAT_(a, b)
#define LRQK_REGISTER_KERNEL(ArgsType, backend, fn)                                      \
  static ::lrqk::KernelRegistrar<ArgsType> LRQK_CONCAT(lrqk_kernel_reg_, __LINE__)( \
      ::lrqk::Backend::backend, fn)
