// low_rank_decode_update: LRQK's per-step decode factor update (spec C.2 + C.3) for every factor
// head of one layer in one launch.
//
// Factor heads b ∈ [0, Hf), each with Gq query vectors (per-query-head layout: Hf = H, Gq = 1;
// shared layout: Hf = Hkv, Gq = G). Query (b, g) is row b·Gq + g of q; the key row of head b is
// k[floor(b·Gq / G)].
//   q       (Hf·Gq, d) float, last dim contiguous       post-RoPE query of the new token
//   k       (Hkv, d)   float, last dim contiguous       its key
//   b_q,b_k (Hf, r, d) f32 contiguous                   updated in place (one line-search step)
//   k_omega (Hf, S, d) float, last dim contiguous       resident keys K_Ω (any strides on dims 0, 1)
//   a_k     (Hf, cap, r) float, last dim contiguous     low-rank keys by position; row `position`
//                                                       is written with k̂ (a_k's dtype)
//   slot_map (Hf, Kact) i32, last dim contiguous; lite_pos (L) i32 contiguous; S = Kact + L.
//       Row s of A_Ω is a_k[b, pos(s)] with pos(s) = slot_map[b, s] (s < Kact) or
//       lite_pos[s − Kact]; pos outside [0, cap) or == position reads as a zero row (C.4).
//   q_hat (Hf·Gq, r) f32, k_hat (Hf, r) f32, status (Hf) i32 (0 ok, 1 jitter used, 2 failed);
//   delta (Hf) f32 and iterations (Hf) i32 are optional outputs; worst (Hf) i32, optional, is
//     updated in place to max(worst, status) (failures kept on the device without a read-back).
//   position_dev (CUDA only, optional): the position is read from the device when the kernel runs
//     (a captured graph replays with whatever it then holds); outside [0, cap) nothing is written.
// All arithmetic is f32. Per head, the loop stops when δ < tol (the reference's global-mean rule
// is not reproduced). On a failed solve (status 2) the outputs hold the last successful half-step
// (zeros when the initial k̂ solve failed) and B_Q, B_K are left unchanged.
#pragma once
#include "../core/tensor_arg.h"

namespace lrqk {

// Limits shared by the binding (validation) and the kernels (buffer sizing).
constexpr int kLrduMaxRank = 64;
constexpr int kLrduMaxDim = 256;
constexpr int kLrduMaxQueries = 16;
constexpr int64_t kLrduMaxResident = 16384;
// Numerical policy shared by the CPU and CUDA kernels: a Cholesky pivot must exceed
// kLrduPivotRel × its (possibly jittered) diagonal entry; otherwise the factorization is retried
// with jitter kLrduJitter1 × mean diagonal, then kLrduJitter2 × mean diagonal, then fails.
constexpr float kLrduPivotRel = 1e-6f;
constexpr float kLrduJitter1 = 1e-6f;
constexpr float kLrduJitter2 = 1e-4f;

enum LrduStatus : int32_t { kLrduOk = 0, kLrduJitter = 1, kLrduFailed = 2 };
// b_mode: kLrduBInline updates B_Q, B_K in the same call; kLrduBSkip leaves them (q̂, k̂, status
// and A_K are written as usual); kLrduBOnly performs only that B update, reading q̂, k̂ and status
// (as left by a kLrduBSkip call) and writing nothing else.
enum LrduBMode : int32_t { kLrduBInline = 0, kLrduBSkip = 1, kLrduBOnly = 2 };

struct LowRankDecodeUpdateArgs {
  TensorArg q, k, b_q, b_k, k_omega, a_k, slot_map, lite_pos;
  TensorArg q_hat, k_hat, status, delta, iterations;
  bool has_delta = false, has_iterations = false;
  int64_t hf, gq, group, hkv, r, d, s, kact, lite, cap;
  int64_t position;
  TensorArg worst;
  bool has_worst = false;
  int b_mode = kLrduBInline;
  const int32_t* position_dev = nullptr;
  float lambda1, lambda2, tol, eps;
  int max_iter;  // already max(1, maxIter)
};

}  // namespace lrqk
