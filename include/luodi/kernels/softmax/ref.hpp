// Reference Softmax / LogSoftmax: subtract the maximum (so exp never overflows), sum the
// exponentials, divide (or subtract the log of the sum). NaN anywhere on a line makes that line
// NaN; a line of -inf gives NaN (0/0), as in PyTorch.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

#include "params.hpp"

namespace luodi {
namespace kernels {
namespace ref {

// The lines [l0, l1) of the outer * inner lines.
inline void softmax(const SoftmaxParams& p, const float* x, float* y, std::int64_t l0, std::int64_t l1) noexcept {
  for (std::int64_t line = l0; line < l1; ++line) {
    const std::int64_t o = line / p.inner, i = line % p.inner;
    const float* in = x + o * p.n * p.inner + i;
    float* out = y + o * p.n * p.inner + i;
    float m = -std::numeric_limits<float>::infinity();
    for (std::int64_t k = 0; k < p.n; ++k) {
      const float v = in[k * p.inner];
      if (v > m || v != v) m = v;
      if (m != m) break;
    }
    float sum = 0.0f;
    for (std::int64_t k = 0; k < p.n; ++k) sum += std::exp(in[k * p.inner] - m);
    if (p.log) {
      const float ls = std::log(sum);
      for (std::int64_t k = 0; k < p.n; ++k) out[k * p.inner] = in[k * p.inner] - m - ls;
    } else {
      for (std::int64_t k = 0; k < p.n; ++k) out[k * p.inner] = std::exp(in[k * p.inner] - m) / sum;
    }
  }
}

inline void softmax(const SoftmaxParams& p, const float* x, float* y) noexcept { softmax(p, x, y, 0, p.outer * p.inner); }

}  // namespace ref
}  // namespace kernels
}  // namespace luodi
