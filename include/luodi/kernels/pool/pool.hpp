// Pooling: MaxPool, AveragePool, GlobalMaxPool, GlobalAveragePool on NCHW f32.
//
//   auto p = kernels::pool_params_make(x_shape, attrs);   // prepare: output size, pads, checks
//   kernels::pool(*p, x, y, executor);                    // run
//
// Planes (one n, c pair each) are independent and split across the executor.
#pragma once

#include <cstdint>

#include "../../core/parallel.hpp"
#include "../common/broadcast.hpp"
#include "params.hpp"
#include "ref.hpp"

namespace luodi {
namespace kernels {

inline void pool(const PoolParams& p, const float* x, float* y, Executor* ex = nullptr) noexcept {
  const std::int64_t per_plane = p.oh * p.ow * p.kh * p.kw;
  split_elements(p.n * p.c, ex, [&](std::int64_t b, std::int64_t e) { ref::pool(p, x, y, b, e); },
                 per_plane >= 16384 ? 1 : 16384 / (per_plane > 0 ? per_plane : 1));
}

}  // namespace kernels
}  // namespace luodi
