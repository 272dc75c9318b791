// Normalisations: BatchNormalization (inference), InstanceNormalization, LayerNormalization,
// LRN, on f32 (params and formulas in params.hpp, the SIMD arrangement in simd.hpp).
//
// Batch, instance and layer norm may run in place (x == y); LRN may not (each output reads its
// neighbouring channels).
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

// Each kernel takes a range of independent units: planes (n, c) for batch / instance norm and
// LRN, rows for layer norm.
using BatchNormFn = void (*)(const BatchNormParams&, const float* x, const float* scale, const float* bias, const float* mean,
                             const float* var, float* y, std::int64_t b, std::int64_t e) noexcept;
using InstanceNormFn = void (*)(const InstanceNormParams&, const float* x, const float* scale, const float* bias, float* y,
                                std::int64_t b, std::int64_t e) noexcept;
using LayerNormFn = void (*)(const LayerNormParams&, const float* x, const float* scale, const float* bias, float* y,
                             std::int64_t b, std::int64_t e) noexcept;
using LrnFn = void (*)(const LrnParams&, const float* x, float* y, std::int64_t b, std::int64_t e) noexcept;

struct NormKernels {
  BatchNormFn batch_norm;
  InstanceNormFn instance_norm;
  LayerNormFn layer_norm;
  LrnFn lrn;
};

struct NormFamily {
  using Table = NormKernels;
  template <class Arch>
  static const Table& table() noexcept {
    if constexpr (simd::is_scalar_v<Arch>) {
      static constexpr Table t = {&ref::batch_norm, &ref::instance_norm, &ref::layer_norm, &ref::lrn};
      return t;
    } else {
#if LUODI_HAS_XSIMD
      static constexpr Table t = {&simd_impl::batch_norm_f32<Arch>, &simd_impl::instance_norm_f32<Arch>,
                                  &simd_impl::layer_norm_f32<Arch>, &simd_impl::lrn_f32<Arch>};
      return t;
#else
      return table<simd::scalar>();
#endif
    }
  }
  LUODI_DISPATCH_DECLARE_ISAS(Table)
};

inline const NormKernels& norm_kernels(Isa isa = active_isa()) noexcept { return select_table<NormFamily>(isa); }

inline std::int64_t norm_grain(std::int64_t per_item) noexcept { return per_item >= 8192 ? 1 : 8192 / (per_item > 0 ? per_item : 1); }

inline void batch_norm(const BatchNormParams& p, const float* x, const float* scale, const float* bias, const float* mean,
                       const float* var, float* y, Executor* ex = nullptr, Isa isa = active_isa()) noexcept {
  const BatchNormFn fn = norm_kernels(isa).batch_norm;
  split_elements(p.n * p.c, ex, [&](std::int64_t b, std::int64_t e) { fn(p, x, scale, bias, mean, var, y, b, e); },
                 norm_grain(p.inner));
}

inline void instance_norm(const InstanceNormParams& p, const float* x, const float* scale, const float* bias, float* y,
                          Executor* ex = nullptr, Isa isa = active_isa()) noexcept {
  const InstanceNormFn fn = norm_kernels(isa).instance_norm;
  split_elements(p.n * p.c, ex, [&](std::int64_t b, std::int64_t e) { fn(p, x, scale, bias, y, b, e); }, norm_grain(p.inner));
}

// bias may be null when !p.has_bias.
inline void layer_norm(const LayerNormParams& p, const float* x, const float* scale, const float* bias, float* y,
                       Executor* ex = nullptr, Isa isa = active_isa()) noexcept {
  const LayerNormFn fn = norm_kernels(isa).layer_norm;
  split_elements(p.outer, ex, [&](std::int64_t b, std::int64_t e) { fn(p, x, scale, bias, y, b, e); }, norm_grain(p.inner));
}

inline void lrn(const LrnParams& p, const float* x, float* y, Executor* ex = nullptr, Isa isa = active_isa()) noexcept {
  const LrnFn fn = norm_kernels(isa).lrn;
  split_elements(p.n * p.c, ex, [&](std::int64_t b, std::int64_t e) { fn(p, x, y, b, e); }, norm_grain(p.inner * p.size));
}

}  // namespace kernels
}  // namespace luodi
