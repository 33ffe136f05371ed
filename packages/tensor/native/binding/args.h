// Argument parsing and validation shared by all op bindings: JS Tensor objects become TensorArg,
// and the helpers below are the one place where shapes, dtypes and devices are checked.
#pragma once
#include <napi.h>
#include <initializer_list>
#include <string>
#include "../core/dispatch.h"
#include "../core/errors.h"
#include "../core/tensor_arg.h"

namespace lrqk::binding {

Napi::Error to_js_error(Napi::Env env, const char* code, const std::string& op, const std::string& msg);
inline Napi::Error js_error(Napi::Env env, const Error& e) { return to_js_error(env, error_code(e.kind), e.op, e.what()); }

DType parse_dtype(const std::string& s, const char* op);

// Reads a JS Tensor ({storage, dtype, shape, strides, offset}) and checks it lies inside its storage.
TensorArg tensor_arg(const Napi::Value& v, const char* op, const char* name);
// Same, but undefined/null → has_value=false.
bool optional_tensor_arg(const Napi::Value& v, const char* op, const char* name, TensorArg& out);

// The backend that runs an op on these tensors: CUDA if all live on the device, CPU if all live in
// host memory (pinned or not); anything else is a device mismatch.
Backend backend_for(const char* op, std::initializer_list<const TensorArg*> ts);

double num_arg(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name);
int64_t int_arg(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name);
bool bool_arg(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name);
std::string str_arg(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name);

// An optional one-element i32 tensor (argument i) holding a count or position the op reads when it
// runs. On the device its pointer goes to the kernel, so a captured CUDA graph replays the op with
// whatever the tensor then holds; in host memory it is read now (after the stream drains, when
// pinned: async copies may target it). `like` fixes the device it must be on.
struct DeviceScalar {
  bool present = false;
  const int32_t* dev = nullptr;  // set when the tensor is on the device
  int64_t host = 0;              // the value, when the tensor is in host memory
};
DeviceScalar device_scalar_arg(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name, const TensorArg& like);

void expect_float(const TensorArg& t, const char* op, const char* name);
void expect_index(const TensorArg& t, const char* op, const char* name);
void expect_dtype(const TensorArg& t, DType d, const char* op, const char* name);
void expect_same_dtype(const TensorArg& a, const TensorArg& b, const char* op);
void expect_ndim(const TensorArg& t, int ndim, const char* op, const char* name);
void expect_contiguous(const TensorArg& t, const char* op, const char* name);
void expect_dim(const TensorArg& t, int dim, int64_t size, const char* op, const char* name);
void expect_same_shape(const TensorArg& a, const TensorArg& b, const char* op, const char* an, const char* bn);

}  // namespace lrqk::binding
