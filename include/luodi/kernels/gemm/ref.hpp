// Reference GEMM: the obvious triple loop, float accumulation in k order. It is the MCU path
// and the oracle the SIMD kernels are tested against (it is itself checked against PyTorch in
// tests/kernels/test_gemm.cpp through the conv fixtures' 1x1 cases and numpy-free identities).
#pragma once

#include <cstdint>

#include "../activation/ref.hpp"
#include "params.hpp"

namespace luodi {
namespace kernels {
namespace ref {

inline float gemm_bias_at(const GemmParams& p, const float* bias, std::int64_t i, std::int64_t j) noexcept {
  switch (p.bias) {
    case GemmBias::None: return 0.0f;
    case GemmBias::Scalar: return bias[0];
    case GemmBias::Row: return bias[i];
    case GemmBias::Col: return bias[j];
    case GemmBias::Full: return bias[i * p.N + j];
  }
  return 0.0f;
}

// One batch entry: C = act(alpha*op(A)*op(B) + beta*bias + residual), rows [m0, m1).
inline void gemm_f32_rows(const GemmParams& p, const float* A, const float* B, const float* bias, const float* residual,
                          float* C, std::int64_t m0, std::int64_t m1) noexcept {
  const std::int64_t M = p.M, N = p.N, K = p.K;
  for (std::int64_t i = m0; i < m1; ++i) {
    for (std::int64_t j = 0; j < N; ++j) {
      float acc = 0.0f;
      for (std::int64_t k = 0; k < K; ++k) {
        const float a = p.trans_a ? A[k * M + i] : A[i * K + k];
        const float b = p.trans_b ? B[j * K + k] : B[k * N + j];
        acc += a * b;
      }
      float v = p.alpha * acc;
      if (p.bias != GemmBias::None) v += p.beta * gemm_bias_at(p, bias, i, j);
      if (residual) v += residual[i * N + j];
      C[i * N + j] = activate(p.activation, v, p.act_params);
    }
  }
}

inline void gemm_f32(const GemmParams& p, const float* A, const float* B, const float* bias, const float* residual,
                     float* C) noexcept {
  const std::int64_t batches = gemm_batch_count(p);
  for (std::int64_t b = 0; b < batches; ++b) {
    std::int64_t oa = 0, ob = 0;
    gemm_batch_offsets(p, b, &oa, &ob);
    gemm_f32_rows(p, A + oa, B + ob, bias, residual ? residual + b * p.M * p.N : nullptr, C + b * p.M * p.N, 0, p.M);
  }
}

}  // namespace ref
}  // namespace kernels
}  // namespace luodi
