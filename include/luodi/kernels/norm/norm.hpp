// Normalisations: BatchNormalization (inference), InstanceNormalization, LayerNormalization,
// LRN, on f32 (params and formulas in params.hpp).
#pragma once

#include <cstdint>

#include "../../core/parallel.hpp"
#include "../common/broadcast.hpp"
#include "params.hpp"
#include "ref.hpp"

namespace luodi {
namespace kernels {

inline std::int64_t norm_grain(std::int64_t per_item) noexcept { return per_item >= 8192 ? 1 : 8192 / (per_item > 0 ? per_item : 1); }

inline void batch_norm(const BatchNormParams& p, const float* x, const float* scale, const float* bias, const float* mean,
                       const float* var, float* y, Executor* ex = nullptr) noexcept {
  split_elements(p.n * p.c, ex, [&](std::int64_t b, std::int64_t e) { ref::batch_norm(p, x, scale, bias, mean, var, y, b, e); },
                 norm_grain(p.inner));
}

inline void instance_norm(const InstanceNormParams& p, const float* x, const float* scale, const float* bias, float* y,
                          Executor* ex = nullptr) noexcept {
  split_elements(p.n * p.c, ex, [&](std::int64_t b, std::int64_t e) { ref::instance_norm(p, x, scale, bias, y, b, e); },
                 norm_grain(p.inner));
}

inline void layer_norm(const LayerNormParams& p, const float* x, const float* scale, const float* bias, float* y,
                       Executor* ex = nullptr) noexcept {
  split_elements(p.outer, ex, [&](std::int64_t b, std::int64_t e) { ref::layer_norm(p, x, scale, bias, y, b, e); },
                 norm_grain(p.inner));
}

inline void lrn(const LrnParams& p, const float* x, float* y, Executor* ex = nullptr) noexcept {
  split_elements(p.n * p.c, ex, [&](std::int64_t b, std::int64_t e) { ref::lrn(p, x, y, b, e); }, norm_grain(p.inner * p.size));
}

}  // namespace kernels
}  // namespace luodi
