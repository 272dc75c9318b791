// Softmax / LogSoftmax on any axis of an f32 tensor.
//
//   auto p = kernels::softmax_params_make(shape, axis, /*log=*/false);   // prepare
//   kernels::softmax(*p, x, y, executor);                                // run; x == y allowed
//
// Lines (one per outer x inner index) are independent and split across the executor.
#pragma once

#include <cstdint>

#include "../../core/parallel.hpp"
#include "../../simd/dispatch.hpp"
#include "../common/broadcast.hpp"
#include "params.hpp"
#include "ref.hpp"
#include "simd.hpp"

namespace luodi {
namespace kernels {

// Lines [l0, l1) of the outer * inner lines.
using SoftmaxFn = void (*)(const SoftmaxParams& p, const float* x, float* y, std::int64_t l0, std::int64_t l1) noexcept;

struct SoftmaxKernels {
  SoftmaxFn softmax;
};

struct SoftmaxFamily {
  using Table = SoftmaxKernels;
  template <class Arch>
  static const Table& table() noexcept {
    if constexpr (simd::is_scalar_v<Arch>) {
      static constexpr Table t = {static_cast<SoftmaxFn>(&ref::softmax)};
      return t;
    } else {
#if LUODI_HAS_XSIMD
      static constexpr Table t = {&simd_impl::softmax_f32<Arch>};
      return t;
#else
      return table<simd::scalar>();
#endif
    }
  }
  LUODI_DISPATCH_DECLARE_ISAS(Table)
};

inline const SoftmaxKernels& softmax_kernels(Isa isa = active_isa()) noexcept { return select_table<SoftmaxFamily>(isa); }

inline void softmax(const SoftmaxParams& p, const float* x, float* y, Executor* ex = nullptr, Isa isa = active_isa()) noexcept {
  const SoftmaxFn fn = softmax_kernels(isa).softmax;
  const std::int64_t lines = p.outer * p.inner;
  // Chunks of whole outer rows when inner > 1 keep the lanes' lines together.
  split_elements(lines, ex, [&](std::int64_t b, std::int64_t e) { fn(p, x, y, b, e); },
                 p.n >= 4096 ? 1 : 4096 / (p.n > 0 ? p.n : 1));
}

}  // namespace kernels
}  // namespace luodi
