#include "args.h"
#include "storage.h"
#include "../core/cuda_runtime.h"

namespace lrqk::binding {

DType parse_dtype(const std::string& s, const char* op) {
  if (s == "f32") return DType::F32;
  if (s == "f16") return DType::F16;
  if (s == "bf16") return DType::BF16;
  if (s == "i32") return DType::I32;
  if (s == "i64") return DType::I64;
  if (s == "u8") return DType::U8;
  fail(ErrorKind::DType, op, std::string(op) + ": unknown dtype '" + s + "'");
}

TensorArg tensor_arg(const Napi::Value& v, const char* op, const char* name) {
  auto where = [&](const std::string& m) { return std::string(op) + ": " + name + " " + m; };
  if (!v.IsObject()) fail(ErrorKind::Argument, op, where("must be a Tensor"));
  Napi::Object o = v.As<Napi::Object>();
  Storage* s = Storage::unwrap(o.Get("storage"), op);
  TensorArg t;
  t.mem = s->kind;
  t.dtype = parse_dtype(o.Get("dtype").As<Napi::String>().Utf8Value(), op);
  Napi::Value shape_v = o.Get("shape"), strides_v = o.Get("strides");
  if (!shape_v.IsArray() || !strides_v.IsArray()) fail(ErrorKind::Argument, op, where("has no shape/strides"));
  auto shape = shape_v.As<Napi::Array>();
  auto strides = strides_v.As<Napi::Array>();
  if (shape.Length() > uint32_t(kMaxDims) || strides.Length() != shape.Length())
    fail(ErrorKind::Shape, op, where("has too many dimensions (max 8) or mismatched strides"));
  t.ndim = int(shape.Length());
  int64_t offset = o.Get("offset").As<Napi::Number>().Int64Value();
  int64_t lo = offset, hi = offset;  // element range touched
  bool empty = false;
  for (int i = 0; i < t.ndim; ++i) {
    t.shape[i] = shape.Get(uint32_t(i)).As<Napi::Number>().Int64Value();
    t.strides[i] = strides.Get(uint32_t(i)).As<Napi::Number>().Int64Value();
    if (t.shape[i] < 0) fail(ErrorKind::Shape, op, where("has a negative dimension"));
    if (t.shape[i] == 0) empty = true;
    int64_t span = (t.shape[i] - 1) * t.strides[i];
    if (span < 0) lo += span; else hi += span;
  }
  size_t es = dtype_size(t.dtype);
  if (!empty && (lo < 0 || size_t(hi + 1) * es > s->bytes))
    fail(ErrorKind::Index, op, where("view " + t.shape_str() + " at offset " + std::to_string(offset) + " exceeds its storage"));
  t.data = static_cast<uint8_t*>(s->ptr) + offset * int64_t(es);
  return t;
}

bool optional_tensor_arg(const Napi::Value& v, const char* op, const char* name, TensorArg& out) {
  if (v.IsUndefined() || v.IsNull()) return false;
  out = tensor_arg(v, op, name);
  return true;
}

DeviceScalar device_scalar_arg(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name, const TensorArg& like) {
  DeviceScalar d;
  if (info.Length() <= i || info[i].IsUndefined() || info[i].IsNull()) return d;
  TensorArg t = tensor_arg(info[i], op, name);
  expect_dtype(t, DType::I32, op, name);
  if (t.numel() != 1) fail(ErrorKind::Shape, op, std::string(op) + ": " + name + " must hold one element, got " + t.shape_str());
  if ((t.mem == MemKind::Cuda) != (like.mem == MemKind::Cuda))
    fail(ErrorKind::Device, op, std::string(op) + ": " + name + " must be on the same device as the op's tensors");
  d.present = true;
  if (t.mem == MemKind::Cuda) {
    d.dev = static_cast<const int32_t*>(t.data);
  } else {
    if (t.mem == MemKind::Pinned) cuda::synchronize_stream(nullptr);
    d.host = *static_cast<const int32_t*>(t.data);
  }
  return d;
}

Backend backend_for(const char* op, std::initializer_list<const TensorArg*> ts) {
  int dev = 0, host = 0;
  for (const TensorArg* t : ts) (t->mem == MemKind::Cuda ? dev : host)++;
  if (dev && host)
    fail(ErrorKind::Device, op, std::string(op) + ": tensors are on different devices (cpu and cuda); move them first");
  return dev ? Backend::Cuda : Backend::Cpu;
}

double num_arg(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name) {
  if (info.Length() <= i || !info[i].IsNumber()) fail(ErrorKind::Argument, op, std::string(op) + ": " + name + " must be a number");
  return info[i].As<Napi::Number>().DoubleValue();
}
int64_t int_arg(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name) {
  double d = num_arg(info, i, op, name);
  if (d != double(int64_t(d))) fail(ErrorKind::Argument, op, std::string(op) + ": " + name + " must be an integer");
  return int64_t(d);
}
bool bool_arg(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name) {
  if (info.Length() <= i || !info[i].IsBoolean()) fail(ErrorKind::Argument, op, std::string(op) + ": " + name + " must be a boolean");
  return info[i].As<Napi::Boolean>().Value();
}
std::string str_arg(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name) {
  if (info.Length() <= i || !info[i].IsString()) fail(ErrorKind::Argument, op, std::string(op) + ": " + name + " must be a string");
  return info[i].As<Napi::String>().Utf8Value();
}

void expect_float(const TensorArg& t, const char* op, const char* name) {
  if (!dtype_is_float(t.dtype))
    fail(ErrorKind::DType, op, std::string(op) + ": " + name + " must be f32, f16 or bf16, got " + dtype_name(t.dtype));
}
void expect_index(const TensorArg& t, const char* op, const char* name) {
  if (!dtype_is_index(t.dtype))
    fail(ErrorKind::DType, op, std::string(op) + ": " + name + " must be i32 or i64, got " + dtype_name(t.dtype));
}
void expect_dtype(const TensorArg& t, DType d, const char* op, const char* name) {
  if (t.dtype != d)
    fail(ErrorKind::DType, op, std::string(op) + ": " + name + " must be " + dtype_name(d) + ", got " + dtype_name(t.dtype));
}
void expect_same_dtype(const TensorArg& a, const TensorArg& b, const char* op) {
  if (a.dtype != b.dtype)
    fail(ErrorKind::DType, op, std::string(op) + ": dtype mismatch (" + dtype_name(a.dtype) + " vs " + dtype_name(b.dtype) + ")");
}
void expect_ndim(const TensorArg& t, int ndim, const char* op, const char* name) {
  if (t.ndim != ndim)
    fail(ErrorKind::Shape, op, std::string(op) + ": " + name + " must have " + std::to_string(ndim) + " dims, got " + t.shape_str());
}
void expect_contiguous(const TensorArg& t, const char* op, const char* name) {
  if (!t.contiguous()) fail(ErrorKind::Shape, op, std::string(op) + ": " + name + " must be contiguous");
}
void expect_dim(const TensorArg& t, int dim, int64_t size, const char* op, const char* name) {
  if (t.size(dim) != size)
    fail(ErrorKind::Shape, op, std::string(op) + ": " + name + " dim " + std::to_string(dim) + " must be " + std::to_string(size) + ", got shape " + t.shape_str());
}
void expect_same_shape(const TensorArg& a, const TensorArg& b, const char* op, const char* an, const char* bn) {
  bool same = a.ndim == b.ndim;
  for (int i = 0; same && i < a.ndim; ++i) same = a.shape[i] == b.shape[i];
  if (!same) fail(ErrorKind::Shape, op, std::string(op) + ": " + an + " " + a.shape_str() + " and " + bn + " " + b.shape_str() + " must have the same shape");
}

}  // namespace lrqk::binding
