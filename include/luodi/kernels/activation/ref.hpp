// Reference activations: one plain scalar function per kind, written to be obviously correct.
// They are the MCU path too, so they use float <cmath>, not double.
//
// NaN propagates through every kind (a comparison with NaN is false, so the plain `x` branch is
// taken). In-place (x == y) is allowed.
#pragma once

#include <cmath>
#include <cstddef>

#include "params.hpp"

namespace luodi {
namespace kernels {
namespace ref {

inline float act_identity(float x, const ActivationParams&) noexcept { return x; }
inline float act_relu(float x, const ActivationParams&) noexcept { return x < 0.0f ? 0.0f : x; }
inline float act_clip(float x, const ActivationParams& p) noexcept {
  return x < p.alpha ? p.alpha : (x > p.beta ? p.beta : x);
}
inline float act_leaky_relu(float x, const ActivationParams& p) noexcept { return x < 0.0f ? p.alpha * x : x; }
inline float act_sigmoid(float x, const ActivationParams&) noexcept {
  // Two forms so that neither tail computes 1 - (something close to 1).
  if (x >= 0.0f) return 1.0f / (1.0f + std::exp(-x));
  const float e = std::exp(x);
  return e / (1.0f + e);
}
inline float act_tanh(float x, const ActivationParams&) noexcept { return std::tanh(x); }
inline float act_hard_sigmoid(float x, const ActivationParams& p) noexcept {
  const float v = p.alpha * x + p.beta;
  return v < 0.0f ? 0.0f : (v > 1.0f ? 1.0f : v);
}
inline float act_hard_swish(float x, const ActivationParams& p) noexcept { return x * act_hard_sigmoid(x, p); }
inline float act_silu(float x, const ActivationParams& p) noexcept { return x * act_sigmoid(x, p); }
inline float act_gelu(float x, const ActivationParams&) noexcept {
  // 1 + erf(y) == erfc(-y); erfc keeps its precision in the left tail where 1 + erf cancels.
  const float y = x * 0.7071067690849304f;
  return 0.5f * x * std::erfc(-y);
}
inline float act_exp(float x, const ActivationParams&) noexcept { return std::exp(x); }
inline float act_erf(float x, const ActivationParams&) noexcept { return std::erf(x); }
// expm1 rather than exp(x) - 1: the left tail of elu and selu starts at 0 without cancelling.
inline float act_elu(float x, const ActivationParams& p) noexcept { return x > 0.0f ? x : p.alpha * std::expm1(x); }
inline float act_selu(float x, const ActivationParams& p) noexcept {
  return x > 0.0f ? p.beta * x : p.beta * (p.alpha * std::expm1(x));
}
// max(x, 0) + log1p(e^-|x|): never overflows, and keeps e^x's precision for very negative x.
inline float act_softplus(float x, const ActivationParams&) noexcept {
  return (x > 0.0f ? x : 0.0f) + std::log1p(std::exp(-std::fabs(x)));
}
inline float act_mish(float x, const ActivationParams& p) noexcept { return x * std::tanh(act_softplus(x, p)); }
inline float act_sqrt(float x, const ActivationParams&) noexcept { return std::sqrt(x); }
inline float act_reciprocal(float x, const ActivationParams&) noexcept { return 1.0f / x; }
inline float act_abs(float x, const ActivationParams&) noexcept { return std::fabs(x); }
inline float act_neg(float x, const ActivationParams&) noexcept { return -x; }
inline float act_floor(float x, const ActivationParams&) noexcept { return std::floor(x); }
inline float act_ceil(float x, const ActivationParams&) noexcept { return std::ceil(x); }
inline float act_round(float x, const ActivationParams&) noexcept { return std::nearbyint(x); }  // ties to even
inline float act_log(float x, const ActivationParams&) noexcept { return std::log(x); }

inline float activate(ActivationKind k, float x, const ActivationParams& p) noexcept {
  switch (k) {
    case ActivationKind::Identity: return act_identity(x, p);
    case ActivationKind::Relu: return act_relu(x, p);
    case ActivationKind::Clip: return act_clip(x, p);
    case ActivationKind::LeakyRelu: return act_leaky_relu(x, p);
    case ActivationKind::Sigmoid: return act_sigmoid(x, p);
    case ActivationKind::Tanh: return act_tanh(x, p);
    case ActivationKind::HardSigmoid: return act_hard_sigmoid(x, p);
    case ActivationKind::HardSwish: return act_hard_swish(x, p);
    case ActivationKind::Silu: return act_silu(x, p);
    case ActivationKind::Gelu: return act_gelu(x, p);
    case ActivationKind::Exp: return act_exp(x, p);
    case ActivationKind::Erf: return act_erf(x, p);
    case ActivationKind::Elu: return act_elu(x, p);
    case ActivationKind::Selu: return act_selu(x, p);
    case ActivationKind::Softplus: return act_softplus(x, p);
    case ActivationKind::Mish: return act_mish(x, p);
    case ActivationKind::Sqrt: return act_sqrt(x, p);
    case ActivationKind::Reciprocal: return act_reciprocal(x, p);
    case ActivationKind::Abs: return act_abs(x, p);
    case ActivationKind::Neg: return act_neg(x, p);
    case ActivationKind::Floor: return act_floor(x, p);
    case ActivationKind::Ceil: return act_ceil(x, p);
    case ActivationKind::Round: return act_round(x, p);
    case ActivationKind::Log: return act_log(x, p);
  }
  return x;
}

template <ActivationKind K>
void activation_f32(const float* x, float* y, std::size_t n, const ActivationParams& p) noexcept {
  for (std::size_t i = 0; i < n; ++i) y[i] = activate(K, x[i], p);
}

}  // namespace ref
}  // namespace kernels
}  // namespace luodi
