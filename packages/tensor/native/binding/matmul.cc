// matmul binding: validates shapes, dtypes, strides and devices once and reduces every accepted
// layout to MatmulArgs (row strides, batch strides, folded batch); blasInfo() reports cuBLAS.
#include "../ops/matmul.h"
#include "args.h"
#include "registry.h"

namespace lrqk::binding {
namespace {
const char* kOp = "matmul";

[[noreturn]] void shape_fail(const std::string& msg) { fail(ErrorKind::Shape, kOp, std::string("matmul: ") + msg); }

// The last dim must be contiguous (stride 1, unless it has a single element).
void expect_unit_last(const TensorArg& t, const char* name) {
  if (t.size(-1) > 1 && t.stride(-1) != 1)
    shape_fail(std::string(name) + " " + t.shape_str() + " must have a contiguous last dim (stride 1), got stride " +
               std::to_string(t.stride(-1)));
}

// Row stride of the (rows, cols) matrix in the last two dims: any value when rows == 1 (then it
// is normalised to cols), else >= cols so that rows do not overlap.
int64_t row_stride(const TensorArg& t, const char* name) {
  const int64_t rows = t.size(-2), cols = t.size(-1), s = t.stride(-2);
  if (rows <= 1) return cols > 0 ? cols : 1;
  if (s < cols)
    shape_fail(std::string(name) + " " + t.shape_str() + " has row stride " + std::to_string(s) + " < row length " +
               std::to_string(cols) + " (overlapping or reversed rows are not supported)");
  return s;
}

// Batch stride of a 3-D operand (0 when it is 2-D or its batch has one element).
int64_t batch_stride(const TensorArg& t, const char* name) {
  if (t.ndim < 3 || t.shape[0] <= 1) return 0;
  if (t.strides[0] < 0) shape_fail(std::string(name) + " has a negative batch stride");
  return t.strides[0];
}
}  // namespace

// matmul(a, b, out, bias | null, transA, transB, alpha, beta)
static Napi::Value matmul(const Napi::CallbackInfo& info) {
  const char* op = kOp;
  MatmulArgs g;
  g.a = tensor_arg(info[0], op, "a");
  g.b = tensor_arg(info[1], op, "b");
  g.out = tensor_arg(info[2], op, "out");
  g.has_bias = optional_tensor_arg(info[3], op, "bias", g.bias);
  g.trans_a = bool_arg(info, 4, op, "transA");
  g.trans_b = bool_arg(info, 5, op, "transB");
  g.alpha = float(num_arg(info, 6, op, "alpha"));
  g.beta = float(num_arg(info, 7, op, "beta"));

  // Devices first: mixing host and device memory is a DeviceError whatever the shapes.
  Backend be = g.has_bias ? backend_for(op, {&g.a, &g.b, &g.out, &g.bias}) : backend_for(op, {&g.a, &g.b, &g.out});

  expect_float(g.a, op, "a");
  expect_float(g.b, op, "b");
  expect_same_dtype(g.a, g.b, op);
  if (g.out.dtype != g.a.dtype && g.out.dtype != DType::F32)
    fail(ErrorKind::DType, op, std::string("matmul: out must be ") + dtype_name(g.a.dtype) + " or f32, got " + dtype_name(g.out.dtype));
  if (g.has_bias) expect_float(g.bias, op, "bias");

  if (g.a.ndim < 2 || g.a.ndim > 3) shape_fail("a must be 2-D or 3-D, got " + g.a.shape_str());
  if (g.b.ndim < 2 || g.b.ndim > 3) shape_fail("b must be 2-D or 3-D, got " + g.b.shape_str());
  if (g.a.ndim == 2 && g.b.ndim == 3) shape_fail("a 2-D a " + g.a.shape_str() + " cannot take a batched b " + g.b.shape_str() + " (make a 3-D)");
  if (g.out.ndim != g.a.ndim) shape_fail("out " + g.out.shape_str() + " must have " + std::to_string(g.a.ndim) + " dims");

  g.batch = g.a.ndim == 3 ? g.a.shape[0] : 1;
  if (g.b.ndim == 3 && g.b.shape[0] != g.batch)
    shape_fail("batch sizes differ: a " + g.a.shape_str() + ", b " + g.b.shape_str());
  g.m = g.trans_a ? g.a.size(-1) : g.a.size(-2);
  g.k = g.trans_a ? g.a.size(-2) : g.a.size(-1);
  const int64_t kb = g.trans_b ? g.b.size(-1) : g.b.size(-2);
  g.n = g.trans_b ? g.b.size(-2) : g.b.size(-1);
  if (kb != g.k)
    shape_fail("inner dims differ: a " + g.a.shape_str() + (g.trans_a ? "ᵀ" : "") + " has K=" + std::to_string(g.k) + ", b " +
               g.b.shape_str() + (g.trans_b ? "ᵀ" : "") + " has K=" + std::to_string(kb));
  const bool out_ok = g.out.size(-2) == g.m && g.out.size(-1) == g.n && (g.out.ndim == 2 || g.out.shape[0] == g.batch);
  if (!out_ok)
    shape_fail("out " + g.out.shape_str() + " must be " + (g.a.ndim == 3 ? "[" + std::to_string(g.batch) + "," : "[") +
               std::to_string(g.m) + "," + std::to_string(g.n) + "]");
  if (g.has_bias) {
    if (g.bias.ndim != 1 || g.bias.shape[0] != g.n)
      shape_fail("bias " + g.bias.shape_str() + " must be [" + std::to_string(g.n) + "]");
    if (g.n > 1 && g.bias.strides[0] != 1) shape_fail("bias must be contiguous");
  }

  expect_unit_last(g.a, "a");
  expect_unit_last(g.b, "b");
  expect_unit_last(g.out, "out");
  g.lda = row_stride(g.a, "a");
  g.ldb = row_stride(g.b, "b");
  g.ldc = row_stride(g.out, "out");
  g.batch_a = batch_stride(g.a, "a");
  g.batch_b = batch_stride(g.b, "b");
  g.batch_c = batch_stride(g.out, "out");
  if (g.batch > 1 && g.batch_c == 0 && g.m * g.n > 0) shape_fail("out must not broadcast over the batch (batch stride 0)");

  if (g.batch * g.m * g.n == 0) return info.Env().Undefined();

  // A batch over a shared b whose a rows and out rows are evenly spaced is one tall GEMM.
  if (g.batch > 1 && g.batch_b == 0 && !g.trans_a && g.batch_a == g.m * g.lda && g.batch_c == g.m * g.ldc) {
    g.m *= g.batch;
    g.batch = 1;
    g.batch_a = g.batch_c = 0;
  }
  dispatch(be, op, g);
  return info.Env().Undefined();
}
LRQK_BINDING(matmul, matmul);

// blasInfo() → { loaded, path?, tried, error?, version? }
static Napi::Value blas_info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  BlasInfo bi;
  if (has_kernel<BlasInfoArgs>(Backend::Cuda)) {
    dispatch(Backend::Cuda, "blas_info", BlasInfoArgs{&bi});
  } else {
    bi.tried.push_back("build: CUDA backend not compiled into @lrqk/tensor; cuBLAS is never loaded");
    bi.error = "CUDA backend not compiled";
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("loaded", bi.loaded);
  if (!bi.path.empty()) o.Set("path", bi.path);
  Napi::Array tried = Napi::Array::New(env, bi.tried.size());
  for (size_t i = 0; i < bi.tried.size(); ++i) tried.Set(uint32_t(i), bi.tried[i]);
  o.Set("tried", tried);
  if (!bi.error.empty()) o.Set("error", bi.error);
  if (bi.version) o.Set("version", bi.version);
  return o;
}
LRQK_BINDING(blasInfo, blas_info);
}  // namespace lrqk::binding
