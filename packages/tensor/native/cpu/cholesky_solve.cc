#include <cmath>
#include <vector>
#include "../core/dispatch.h"
#include "../ops/cholesky_solve.h"

namespace lrqk {
// Lower-triangular L with L Lᵀ = A + shift·I, in double; false on a non-positive pivot.
static bool factor(const float* A, int64_t r, double shift, std::vector<double>& L) {
  for (int64_t j = 0; j < r; ++j) {
    double d = double(A[j * r + j]) + shift;
    for (int64_t k = 0; k < j; ++k) d -= L[j * r + k] * L[j * r + k];
    if (!(d > 0) || !std::isfinite(d)) return false;
    const double ljj = std::sqrt(d);
    L[j * r + j] = ljj;
    for (int64_t i = j + 1; i < r; ++i) {
      double s = double(A[i * r + j]);
      for (int64_t k = 0; k < j; ++k) s -= L[i * r + k] * L[j * r + k];
      L[i * r + j] = s / ljj;
    }
  }
  return true;
}

static void cholesky_solve_cpu(const CholeskySolveArgs& a) {
  const int64_t r = a.r, m = a.m;
#pragma omp parallel for schedule(dynamic)
  for (int64_t b = 0; b < a.batch; ++b) {
    const float* A = a.a.ptr<float>() + b * r * r;
    const float* R = a.rhs.ptr<float>() + b * r * m;
    float* X = a.out.ptr<float>() + b * r * m;
    std::vector<double> L(size_t(r * r), 0.0);
    std::vector<double> y(static_cast<size_t>(r), 0.0);
    double mean_diag = 0;
    for (int64_t i = 0; i < r; ++i) mean_diag += std::fabs(double(A[i * r + i]));
    mean_diag = mean_diag / double(r) + 1e-30;
    int status = 0;
    bool ok = factor(A, r, 0.0, L);
    for (double j = a.jitter; !ok && j <= 1.5e-2; j *= 100) {
      status = 1;
      ok = factor(A, r, j * mean_diag, L);
    }
    if (!ok) {
      for (int64_t i = 0; i < r * m; ++i) X[i] = 0.f;
      a.info.ptr<int32_t>()[b] = 2;
      continue;
    }
    for (int64_t c = 0; c < m; ++c) {
      for (int64_t i = 0; i < r; ++i) {  // L y = rhs
        double s = double(R[i * m + c]);
        for (int64_t k = 0; k < i; ++k) s -= L[i * r + k] * y[k];
        y[i] = s / L[i * r + i];
      }
      for (int64_t i = r - 1; i >= 0; --i) {  // Lᵀ x = y
        double s = y[i];
        for (int64_t k = i + 1; k < r; ++k) s -= L[k * r + i] * y[k];
        y[i] = s / L[i * r + i];
      }
      for (int64_t i = 0; i < r; ++i) X[i * m + c] = float(y[i]);
    }
    a.info.ptr<int32_t>()[b] = status;
  }
}
LRQK_REGISTER_KERNEL(CholeskySolveArgs, Cpu, cholesky_solve_cpu);
}  // namespace lrqk
