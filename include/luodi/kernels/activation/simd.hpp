// SIMD activations over xsimd batches. Same contract as ref.hpp: NaN propagates, in place is
// allowed. Accuracy against the exact result is stated in activation.hpp and tested against
// ref in tests/kernels/test_activation.cpp.
#pragma once

#include <cstddef>
#include <cstring>

#include "../../simd/arch.hpp"
#include "../../simd/vmath.hpp"
#include "params.hpp"

#if LUODI_HAS_XSIMD

namespace luodi {
namespace kernels {
namespace simd_impl {

using ::luodi::simd::fbatch;

// One activation on one batch. Comparisons are written so that NaN takes the `x` branch.
template <class Arch, ActivationKind K>
LUODI_ALWAYS_INLINE fbatch<Arch> activate(const fbatch<Arch>& x, const ActivationParams& p) noexcept {
  using B = fbatch<Arch>;
  namespace s = ::luodi::simd;
  if constexpr (K == ActivationKind::Identity) {
    return x;
  } else if constexpr (K == ActivationKind::Relu) {
    return xsimd::select(x < B(0.0f), B(0.0f), x);
  } else if constexpr (K == ActivationKind::Clip) {
    const B lo(p.alpha), hi(p.beta);
    return xsimd::select(x < lo, lo, xsimd::select(x > hi, hi, x));
  } else if constexpr (K == ActivationKind::LeakyRelu) {
    return xsimd::select(x < B(0.0f), x * B(p.alpha), x);
  } else if constexpr (K == ActivationKind::Sigmoid) {
    return s::vsigmoid<Arch>(x);
  } else if constexpr (K == ActivationKind::Tanh) {
    return s::vtanh<Arch>(x);
  } else if constexpr (K == ActivationKind::HardSigmoid || K == ActivationKind::HardSwish) {
    const B v = xsimd::fma(B(p.alpha), x, B(p.beta));
    const B h = xsimd::select(v < B(0.0f), B(0.0f), xsimd::select(v > B(1.0f), B(1.0f), v));
    if constexpr (K == ActivationKind::HardSigmoid) return h;
    else return x * h;
  } else if constexpr (K == ActivationKind::Silu) {
    return s::vsilu<Arch>(x);
  } else if constexpr (K == ActivationKind::Gelu) {
    return s::vgelu<Arch>(x);
  } else if constexpr (K == ActivationKind::Exp) {
    return s::vexp<Arch>(x);
  } else if constexpr (K == ActivationKind::Erf) {
    return s::verf<Arch>(x);
  } else if constexpr (K == ActivationKind::Elu) {
    return xsimd::select(x > B(0.0f), x, B(p.alpha) * s::vexpm1<Arch>(x));
  } else if constexpr (K == ActivationKind::Selu) {
    return xsimd::select(x > B(0.0f), B(p.beta) * x, B(p.beta) * (B(p.alpha) * s::vexpm1<Arch>(x)));
  } else if constexpr (K == ActivationKind::Softplus) {
    return s::vsoftplus<Arch>(x);
  } else if constexpr (K == ActivationKind::Mish) {
    return s::vmish<Arch>(x);
  } else if constexpr (K == ActivationKind::Sqrt) {
    return s::vsqrt<Arch>(x);
  } else if constexpr (K == ActivationKind::Reciprocal) {
    return s::vdiv<Arch>(B(1.0f), x);
  } else if constexpr (K == ActivationKind::Abs) {
    return xsimd::abs(x);
  } else if constexpr (K == ActivationKind::Neg) {
    return -x;
  } else if constexpr (K == ActivationKind::Floor) {
    return xsimd::floor(x);
  } else if constexpr (K == ActivationKind::Ceil) {
    return xsimd::ceil(x);
  } else if constexpr (K == ActivationKind::Round) {
    return xsimd::nearbyint(x);  // the default rounding mode: ties to even
  } else {
    static_assert(K == ActivationKind::Log, "every kind is handled above");
    return s::vlog<Arch>(x);
  }
}

// y[i] = f(x[i]) for i < n. Four batches per iteration to hide the latency of the longer
// functions; the tail goes through a lane-sized buffer, so no scalar code is needed.
template <class Arch, ActivationKind K>
void activation_f32(const float* x, float* y, std::size_t n, const ActivationParams& p) noexcept {
  using B = fbatch<Arch>;
  constexpr std::size_t L = B::size;
  std::size_t i = 0;
  for (; i + 4 * L <= n; i += 4 * L) {
    const B a = B::load_unaligned(x + i);
    const B b = B::load_unaligned(x + i + L);
    const B c = B::load_unaligned(x + i + 2 * L);
    const B d = B::load_unaligned(x + i + 3 * L);
    activate<Arch, K>(a, p).store_unaligned(y + i);
    activate<Arch, K>(b, p).store_unaligned(y + i + L);
    activate<Arch, K>(c, p).store_unaligned(y + i + 2 * L);
    activate<Arch, K>(d, p).store_unaligned(y + i + 3 * L);
  }
  for (; i + L <= n; i += L) activate<Arch, K>(B::load_unaligned(x + i), p).store_unaligned(y + i);
  if (i < n) {
    alignas(64) float buf[L] = {};
    std::memcpy(buf, x + i, (n - i) * sizeof(float));
    activate<Arch, K>(B::load_aligned(buf), p).store_aligned(buf);
    std::memcpy(y + i, buf, (n - i) * sizeof(float));
  }
}

// Apply a runtime-chosen activation in place to one batch: for fused epilogues, where the
// switch is hoisted out of the inner loop by the caller choosing K at compile time when it can.
template <class Arch>
LUODI_ALWAYS_INLINE fbatch<Arch> activate_dynamic(ActivationKind k, const fbatch<Arch>& x,
                                                  const ActivationParams& p) noexcept {
  switch (k) {
#define LUODI_X(e, name, a, b) \
  case ActivationKind::e:      \
    return activate<Arch, ActivationKind::e>(x, p);
    LUODI_ACTIVATIONS(LUODI_X)
#undef LUODI_X
  }
  return x;
}

}  // namespace simd_impl
}  // namespace kernels
}  // namespace luodi

#endif  // LUODI_HAS_XSIMD
