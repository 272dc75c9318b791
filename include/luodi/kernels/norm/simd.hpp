// SIMD normalisations.
//   batch / instance norm: per plane, y = fma(x - mean, scale / sd, bias): the subtraction keeps
//     x close to the mean exact, and one fused multiply-add replaces ref's divide, multiply, add;
//   instance / layer norm: mean and variance are two vector passes (sum, then sum of squared
//     deviations), reassociated against ref's sequential sums;
//   LRN: vectorised over the spatial index, the channel window summed directly (as ref does),
//     and base^-beta as exp(-beta * log(base)) from vmath.
// The test bounds each against ref (norm results are O(1..10)).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#include "../../simd/arch.hpp"
#include "../../simd/vmath.hpp"
#include "../common/simd_util.hpp"
#include "params.hpp"

#if LUODI_HAS_XSIMD

namespace luodi {
namespace kernels {
namespace simd_impl {

using ::luodi::simd::fbatch;

// y[i] = (x[i] - m) * k + b, for per-plane constants
template <class Arch>
LUODI_ALWAYS_INLINE void affine_plane(const float* x, float* y, std::int64_t n, float m, float k, float b) noexcept {
  using B = fbatch<Arch>;
  constexpr std::int64_t L = static_cast<std::int64_t>(B::size);
  const B mb(m), kb(k), bb(b);
  std::int64_t i = 0;
  for (; i + 2 * L <= n; i += 2 * L) {
    xsimd::fma(B::load_unaligned(x + i) - mb, kb, bb).store_unaligned(y + i);
    xsimd::fma(B::load_unaligned(x + i + L) - mb, kb, bb).store_unaligned(y + i + L);
  }
  for (; i + L <= n; i += L) xsimd::fma(B::load_unaligned(x + i) - mb, kb, bb).store_unaligned(y + i);
  for (; i < n; ++i) y[i] = (x[i] - m) * k + b;
}

// mean and biased variance of n floats, two passes
template <class Arch>
LUODI_ALWAYS_INLINE void mean_var(const float* x, std::int64_t n, float* mean, float* var) noexcept {
  using B = fbatch<Arch>;
  constexpr std::int64_t L = static_cast<std::int64_t>(B::size);
  B s0(0.0f), s1(0.0f);
  std::int64_t i = 0;
  for (; i + 2 * L <= n; i += 2 * L) {
    s0 += B::load_unaligned(x + i);
    s1 += B::load_unaligned(x + i + L);
  }
  for (; i + L <= n; i += L) s0 += B::load_unaligned(x + i);
  float sum = hsum<Arch>(s0 + s1);
  for (; i < n; ++i) sum += x[i];
  const float mu = sum / static_cast<float>(n);
  const B mb(mu);
  B q0(0.0f), q1(0.0f);
  i = 0;
  for (; i + 2 * L <= n; i += 2 * L) {
    const B d0 = B::load_unaligned(x + i) - mb, d1 = B::load_unaligned(x + i + L) - mb;
    q0 = xsimd::fma(d0, d0, q0);
    q1 = xsimd::fma(d1, d1, q1);
  }
  for (; i + L <= n; i += L) {
    const B d = B::load_unaligned(x + i) - mb;
    q0 = xsimd::fma(d, d, q0);
  }
  float sq = hsum<Arch>(q0 + q1);
  for (; i < n; ++i) sq += (x[i] - mu) * (x[i] - mu);
  *mean = mu;
  *var = sq / static_cast<float>(n);
}

template <class Arch>
void batch_norm_f32(const BatchNormParams& p, const float* x, const float* scale, const float* bias, const float* mean,
                    const float* var, float* y, std::int64_t p0, std::int64_t p1) noexcept {
  for (std::int64_t plane = p0; plane < p1; ++plane) {
    const std::int64_t c = plane % p.c;
    const float k = scale[c] / std::sqrt(var[c] + p.epsilon);
    affine_plane<Arch>(x + plane * p.inner, y + plane * p.inner, p.inner, mean[c], k, bias[c]);
  }
}

template <class Arch>
void instance_norm_f32(const InstanceNormParams& p, const float* x, const float* scale, const float* bias, float* y,
                       std::int64_t p0, std::int64_t p1) noexcept {
  for (std::int64_t plane = p0; plane < p1; ++plane) {
    const std::int64_t c = plane % p.c;
    float mu, var;
    mean_var<Arch>(x + plane * p.inner, p.inner, &mu, &var);
    const float k = scale[c] / std::sqrt(var + p.epsilon);
    affine_plane<Arch>(x + plane * p.inner, y + plane * p.inner, p.inner, mu, k, bias[c]);
  }
}

template <class Arch>
void layer_norm_f32(const LayerNormParams& p, const float* x, const float* scale, const float* bias, float* y, std::int64_t r0,
                    std::int64_t r1) noexcept {
  using B = fbatch<Arch>;
  constexpr std::int64_t L = static_cast<std::int64_t>(B::size);
  const std::int64_t n = p.inner;
  for (std::int64_t r = r0; r < r1; ++r) {
    const float* in = x + r * n;
    float* out = y + r * n;
    float mu, var;
    mean_var<Arch>(in, n, &mu, &var);
    const float inv = 1.0f / std::sqrt(var + p.epsilon);
    const B mb(mu), ib(inv);
    std::int64_t i = 0;
    for (; i + L <= n; i += L) {
      const B s = p.scale_is_scalar ? B(scale[0]) : B::load_unaligned(scale + i);
      const B b = !p.has_bias ? B(0.0f) : (p.bias_is_scalar ? B(bias[0]) : B::load_unaligned(bias + i));
      xsimd::fma((B::load_unaligned(in + i) - mb) * ib, s, b).store_unaligned(out + i);
    }
    for (; i < n; ++i) {
      const float s = scale[p.scale_is_scalar ? 0 : i];
      const float b = p.has_bias ? bias[p.bias_is_scalar ? 0 : i] : 0.0f;
      out[i] = (in[i] - mu) * inv * s + b;
    }
  }
}

// v / (bias + a * sq)^beta
template <class Arch>
LUODI_ALWAYS_INLINE fbatch<Arch> lrn_apply(const fbatch<Arch>& sq, const fbatch<Arch>& v, const fbatch<Arch>& a,
                                           const fbatch<Arch>& bias, const fbatch<Arch>& neg_beta) noexcept {
  return v * simd::vexp<Arch>(neg_beta * simd::vlog<Arch>(xsimd::fma(a, sq, bias)));
}

template <class Arch>
void lrn_f32(const LrnParams& p, const float* x, float* y, std::int64_t p0, std::int64_t p1) noexcept {
  using B = fbatch<Arch>;
  constexpr std::int64_t L = static_cast<std::int64_t>(B::size);
  const std::int64_t before = (p.size - 1) / 2, after = p.size - 1 - before;
  const float a = p.alpha / static_cast<float>(p.size);
  const B ab(a), biasb(p.bias), nbeta(-p.beta);
  for (std::int64_t plane = p0; plane < p1; ++plane) {
    const std::int64_t n = plane / p.c, c = plane % p.c;
    const std::int64_t c0 = c - before < 0 ? 0 : c - before;
    const std::int64_t c1 = c + after > p.c - 1 ? p.c - 1 : c + after;
    const float* base = x + n * p.c * p.inner;
    const float* in = x + plane * p.inner;
    float* out = y + plane * p.inner;
    std::int64_t i = 0;
    for (; i + L <= p.inner; i += L) {
      B sq(0.0f);
      for (std::int64_t k = c0; k <= c1; ++k) {
        const B v = B::load_unaligned(base + k * p.inner + i);
        sq = xsimd::fma(v, v, sq);
      }
      lrn_apply<Arch>(sq, B::load_unaligned(in + i), ab, biasb, nbeta).store_unaligned(out + i);
    }
    if (i < p.inner) {
      const std::int64_t rem = p.inner - i;
      alignas(64) float buf[L], vin[L];
      for (std::int64_t k = 0; k < L; ++k) buf[k] = vin[k] = 0.0f;
      for (std::int64_t k = c0; k <= c1; ++k) {
        const float* row = base + k * p.inner + i;
        for (std::int64_t j = 0; j < rem; ++j) buf[j] += row[j] * row[j];
      }
      std::memcpy(vin, in + i, static_cast<std::size_t>(rem) * sizeof(float));
      lrn_apply<Arch>(B::load_aligned(buf), B::load_aligned(vin), ab, biasb, nbeta).store_aligned(buf);
      std::memcpy(out + i, buf, static_cast<std::size_t>(rem) * sizeof(float));
    }
  }
}

}  // namespace simd_impl
}  // namespace kernels
}  // namespace luodi

#endif  // LUODI_HAS_XSIMD
