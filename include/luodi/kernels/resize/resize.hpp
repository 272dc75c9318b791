// Resize / Upsample on NCHW f32 (semantics in params.hpp, the SIMD arrangement in simd.hpp).
//
//   auto p = kernels::resize_params_make(x_shape, attrs, scales, 4, nullptr, 0, nullptr, 0);
//   kernels::resize(*p, x, y, executor);
//
// Planes are independent and split across the executor. No scratch: the SIMD path's tap tables
// and row buffers live on the stack.
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

// Planes [p0, p1) of the N*C planes.
using ResizeFn = void (*)(const ResizeParams& p, const float* x, float* y, std::int64_t p0, std::int64_t p1) noexcept;

struct ResizeKernels {
  ResizeFn resize;
};

struct ResizeFamily {
  using Table = ResizeKernels;
  template <class Arch>
  static const Table& table() noexcept {
    if constexpr (simd::is_scalar_v<Arch>) {
      static constexpr Table t = {static_cast<ResizeFn>(&ref::resize)};
      return t;
    } else {
#if LUODI_HAS_XSIMD
      static constexpr Table t = {&simd_impl::resize_f32<Arch>};
      return t;
#else
      return table<simd::scalar>();
#endif
    }
  }
  LUODI_DISPATCH_DECLARE_ISAS(Table)
};

inline const ResizeKernels& resize_kernels(Isa isa = active_isa()) noexcept { return select_table<ResizeFamily>(isa); }

inline void resize(const ResizeParams& p, const float* x, float* y, Executor* ex = nullptr, Isa isa = active_isa()) noexcept {
  const ResizeFn fn = resize_kernels(isa).resize;
  const std::int64_t per_plane = p.oh * p.ow;
  split_elements(p.n * p.c, ex, [&](std::int64_t b, std::int64_t e) { fn(p, x, y, b, e); },
                 per_plane >= 4096 ? 1 : 4096 / (per_plane > 0 ? per_plane : 1));
}

}  // namespace kernels
}  // namespace luodi
