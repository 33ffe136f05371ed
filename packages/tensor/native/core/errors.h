// Typed errors thrown by every layer of the addon; the binding layer turns them into JS
// exceptions carrying `code` and `op`, so nothing reaches the process as a crash.
#pragma once
#include <stdexcept>
#include <string>

namespace lrqk {

enum class ErrorKind { Shape, DType, Index, OutOfMemory, Cuda, CudaUnavailable, Device, Argument, Unsupported, Numeric };

inline const char* error_code(ErrorKind k) {
  switch (k) {
    case ErrorKind::Shape: return "LRQK_SHAPE";
    case ErrorKind::DType: return "LRQK_DTYPE";
    case ErrorKind::Index: return "LRQK_INDEX";
    case ErrorKind::OutOfMemory: return "LRQK_OOM";
    case ErrorKind::Cuda: return "LRQK_CUDA";
    case ErrorKind::CudaUnavailable: return "LRQK_CUDA_UNAVAILABLE";
    case ErrorKind::Device: return "LRQK_DEVICE";
    case ErrorKind::Argument: return "LRQK_ARGUMENT";
    case ErrorKind::Unsupported: return "LRQK_UNSUPPORTED";
    case ErrorKind::Numeric: return "LRQK_NUMERIC";
  }
  return "LRQK_ERROR";
}

struct Error : std::runtime_error {
  ErrorKind kind;
  std::string op;
  Error(ErrorKind k, std::string op_name, const std::string& msg)
      : std::runtime_error(msg), kind(k), op(std::move(op_name)) {}
};

[[noreturn]] inline void fail(ErrorKind k, const std::string& op, const std::string& msg) {
  throw Error(k, op, msg);
}

}  // namespace lrqk

#define LRQK_CHECK(cond, kind, op, msg)                         \
  do {                                                          \
    if (!(cond)) ::lrqk::fail(::lrqk::ErrorKind::kind, op, msg); \
  } while (0)
