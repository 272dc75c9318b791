// Resize / Upsample on NCHW f32 (semantics in params.hpp).
#pragma once

#include <cstdint>

#include "../../core/parallel.hpp"
#include "../common/broadcast.hpp"
#include "params.hpp"
#include "ref.hpp"

namespace luodi {
namespace kernels {

inline void resize(const ResizeParams& p, const float* x, float* y, Executor* ex = nullptr) noexcept {
  const std::int64_t per_plane = p.oh * p.ow;
  split_elements(p.n * p.c, ex, [&](std::int64_t b, std::int64_t e) { ref::resize(p, x, y, b, e); },
                 per_plane >= 4096 ? 1 : 4096 / (per_plane > 0 ? per_plane : 1));
}

}  // namespace kernels
}  // namespace luodi
