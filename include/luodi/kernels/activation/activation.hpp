// Elementwise activations: the kernel family that proves the SIMD layer.
//
//   kernels::activation(ActivationKind::Silu, params, x, y, n);      // active ISA
//   kernels::activation_kernels(Isa::scalar).fn[k](x, y, n, params); // a chosen ISA's table
//
// Accuracy of the SIMD kernels against the exact result (tests/kernels/test_activation.cpp
// enforces these on every compiled ISA, over the whole float range):
//   identity, relu, clip: exact; leaky_relu: 0.5 ULP (one rounding)
//   hard_sigmoid, hard_swish: 1.5 ULP, or 6e-8 * max(1, |x|) absolute where alpha*x + beta
//     cancels (without FMA)
//   exp 1.5, tanh 1.5, sigmoid 3, erf 3, silu 4, gelu 6 ULP: see the table in simd/vmath.hpp
// The ref kernels use the C library's float functions and are held to the same bounds plus one.
#pragma once

#include <cstddef>

#include "../../simd/dispatch.hpp"
#include "params.hpp"
#include "ref.hpp"
#include "simd.hpp"

namespace luodi {
namespace kernels {

using ActivationFn = void (*)(const float* x, float* y, std::size_t n, const ActivationParams& p) noexcept;

struct ActivationKernels {
  ActivationFn fn[kActivationCount];
};

struct ActivationFamily {
  using Table = ActivationKernels;
  template <class Arch>
  static const Table& table() noexcept {
    if constexpr (simd::is_scalar_v<Arch>) {
      static constexpr Table t = {{
#define LUODI_X(e, name, a, b) &ref::activation_f32<ActivationKind::e>,
          LUODI_ACTIVATIONS(LUODI_X)
#undef LUODI_X
      }};
      return t;
    } else {
#if LUODI_HAS_XSIMD
      static constexpr Table t = {{
#define LUODI_X(e, name, a, b) &simd_impl::activation_f32<Arch, ActivationKind::e>,
          LUODI_ACTIVATIONS(LUODI_X)
#undef LUODI_X
      }};
      return t;
#else
      return table<simd::scalar>();
#endif
    }
  }
  LUODI_DISPATCH_DECLARE_ISAS(Table)
};

inline const ActivationKernels& activation_kernels(Isa isa = active_isa()) noexcept {
  return select_table<ActivationFamily>(isa);
}

// y[i] = act(x[i]) for i < n; x == y is allowed.
inline void activation(ActivationKind kind, const ActivationParams& p, const float* x, float* y, std::size_t n,
                       Isa isa = active_isa()) noexcept {
  activation_kernels(isa).fn[static_cast<int>(kind)](x, y, n, p);
}

}  // namespace kernels
}  // namespace luodi
