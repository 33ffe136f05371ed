// A device-side error flag for kernels that validate indices they read on the GPU: allocated
// and zeroed before the launch, read back (one small synchronous copy) after it.
#pragma once
#include <cstdint>
#include "../core/cuda_runtime.h"

namespace lrqk::binding {
/**
 * Whether an op should validate device-read indices with a DeviceFlag: asked for, on CUDA, and not
 * while a graph is being captured (reading the flag back synchronizes, which capture forbids; code
 * that captures validates its indices on the host before writing them).
 */
inline bool device_check_wanted(bool cuda_backend, bool asked) { return cuda_backend && asked && !cuda::capturing(); }

class DeviceFlag {
 public:
  DeviceFlag() {
    ptr_ = static_cast<int32_t*>(cuda::device_alloc(sizeof(int32_t)));
    cuda::memset_async(ptr_, 0, sizeof(int32_t));
  }
  ~DeviceFlag() { cuda::device_free(ptr_, sizeof(int32_t)); }
  DeviceFlag(const DeviceFlag&) = delete;
  DeviceFlag& operator=(const DeviceFlag&) = delete;
  int32_t* get() const { return ptr_; }
  bool raised() const {
    int32_t v = 0;
    cuda::copy_sync(&v, ptr_, sizeof(v));
    return v != 0;
  }

 private:
  int32_t* ptr_;
};
}  // namespace lrqk::binding
