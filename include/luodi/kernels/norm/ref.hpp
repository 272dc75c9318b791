// Reference normalisations, straight from the formulas in params.hpp. Means and variances are
// two-pass (mean first, then the mean of squared deviations), in float.
#pragma once

#include <cmath>
#include <cstdint>

#include "params.hpp"

namespace luodi {
namespace kernels {
namespace ref {

// Planes [p0, p1) of the N*C planes.
inline void batch_norm(const BatchNormParams& p, const float* x, const float* scale, const float* bias, const float* mean,
                       const float* var, float* y, std::int64_t p0, std::int64_t p1) noexcept {
  for (std::int64_t plane = p0; plane < p1; ++plane) {
    const std::int64_t c = plane % p.c;
    const float* in = x + plane * p.inner;
    float* out = y + plane * p.inner;
    const float sd = std::sqrt(var[c] + p.epsilon);
    for (std::int64_t i = 0; i < p.inner; ++i) out[i] = (in[i] - mean[c]) / sd * scale[c] + bias[c];
  }
}

inline void instance_norm(const InstanceNormParams& p, const float* x, const float* scale, const float* bias, float* y,
                          std::int64_t p0, std::int64_t p1) noexcept {
  for (std::int64_t plane = p0; plane < p1; ++plane) {
    const std::int64_t c = plane % p.c;
    const float* in = x + plane * p.inner;
    float* out = y + plane * p.inner;
    float sum = 0.0f;
    for (std::int64_t i = 0; i < p.inner; ++i) sum += in[i];
    const float mu = sum / static_cast<float>(p.inner);
    float sq = 0.0f;
    for (std::int64_t i = 0; i < p.inner; ++i) sq += (in[i] - mu) * (in[i] - mu);
    const float var = sq / static_cast<float>(p.inner);
    const float sd = std::sqrt(var + p.epsilon);
    for (std::int64_t i = 0; i < p.inner; ++i) out[i] = (in[i] - mu) / sd * scale[c] + bias[c];
  }
}

// Rows [r0, r1) of the outer rows; bias may be null when !p.has_bias.
inline void layer_norm(const LayerNormParams& p, const float* x, const float* scale, const float* bias, float* y,
                       std::int64_t r0, std::int64_t r1) noexcept {
  for (std::int64_t r = r0; r < r1; ++r) {
    const float* in = x + r * p.inner;
    float* out = y + r * p.inner;
    float sum = 0.0f;
    for (std::int64_t i = 0; i < p.inner; ++i) sum += in[i];
    const float mu = sum / static_cast<float>(p.inner);
    float sq = 0.0f;
    for (std::int64_t i = 0; i < p.inner; ++i) sq += (in[i] - mu) * (in[i] - mu);
    const float sd = std::sqrt(sq / static_cast<float>(p.inner) + p.epsilon);
    for (std::int64_t i = 0; i < p.inner; ++i) {
      const float s = scale[p.scale_is_scalar ? 0 : i];
      const float b = p.has_bias ? bias[p.bias_is_scalar ? 0 : i] : 0.0f;
      out[i] = (in[i] - mu) / sd * s + b;
    }
  }
}

// Planes [p0, p1) of the N*C planes; the window runs over channels.
inline void lrn(const LrnParams& p, const float* x, float* y, std::int64_t p0, std::int64_t p1) noexcept {
  const std::int64_t before = (p.size - 1) / 2, after = p.size - 1 - before;  // floor, ceil of (size-1)/2
  const float a = p.alpha / static_cast<float>(p.size);
  for (std::int64_t plane = p0; plane < p1; ++plane) {
    const std::int64_t n = plane / p.c, c = plane % p.c;
    const std::int64_t c0 = c - before < 0 ? 0 : c - before;
    const std::int64_t c1 = c + after > p.c - 1 ? p.c - 1 : c + after;
    for (std::int64_t i = 0; i < p.inner; ++i) {
      float sq = 0.0f;
      for (std::int64_t k = c0; k <= c1; ++k) {
        const float v = x[(n * p.c + k) * p.inner + i];
        sq += v * v;
      }
      y[plane * p.inner + i] = x[plane * p.inner + i] / std::pow(p.bias + a * sq, p.beta);
    }
  }
}

}  // namespace ref
}  // namespace kernels
}  // namespace luodi
