// Pooling: MaxPool, AveragePool, GlobalMaxPool, GlobalAveragePool on NCHW f32.
//
//   auto p = kernels::pool_params_make(x_shape, attrs);   // prepare: output size, pads, checks
//   kernels::pool(*p, x, y, executor);                    // run, on the active ISA
//
// Planes (one n, c pair each) are independent and split across the executor. No scratch: the
// SIMD path's row buffers live on the stack (8 KiB each, see simd.hpp).
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
using PoolFn = void (*)(const PoolParams& p, const float* x, float* y, std::int64_t p0, std::int64_t p1) noexcept;

struct PoolKernels {
  PoolFn pool;
};

struct PoolFamily {
  using Table = PoolKernels;
  template <class Arch>
  static const Table& table() noexcept {
    if constexpr (simd::is_scalar_v<Arch>) {
      static constexpr Table t = {static_cast<PoolFn>(&ref::pool)};
      return t;
    } else {
#if LUODI_HAS_XSIMD
      static constexpr Table t = {&simd_impl::pool_f32<Arch>};
      return t;
#else
      return table<simd::scalar>();
#endif
    }
  }
  LUODI_DISPATCH_DECLARE_ISAS(Table)
};

inline const PoolKernels& pool_kernels(Isa isa = active_isa()) noexcept { return select_table<PoolFamily>(isa); }

inline void pool(const PoolParams& p, const float* x, float* y, Executor* ex = nullptr, Isa isa = active_isa()) noexcept {
  const PoolFn fn = pool_kernels(isa).pool;
  const std::int64_t per_plane = p.oh * p.ow * p.kh * p.kw + p.ih * p.iw;
  split_elements(p.n * p.c, ex, [&](std::int64_t b, std::int64_t e) { fn(p, x, y, b, e); },
                 per_plane >= 16384 ? 1 : 16384 / (per_plane > 0 ? per_plane : 1));
}

}  // namespace kernels
}  // namespace luodi
