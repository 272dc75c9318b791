// Softmax / LogSoftmax on any axis of an f32 tensor.
//
//   auto p = kernels::softmax_params_make(shape, axis, /*log=*/false);
//   kernels::softmax(*p, x, y, executor);   // x == y allowed
#pragma once

#include <cstdint>

#include "../../core/parallel.hpp"
#include "../common/broadcast.hpp"
#include "params.hpp"
#include "ref.hpp"

namespace luodi {
namespace kernels {

inline void softmax(const SoftmaxParams& p, const float* x, float* y, Executor* ex = nullptr) noexcept {
  const std::int64_t lines = p.outer * p.inner;
  split_elements(lines, ex, [&](std::int64_t b, std::int64_t e) { ref::softmax(p, x, y, b, e); },
                 p.n >= 4096 ? 1 : 4096 / (p.n > 0 ? p.n : 1));
}

}  // namespace kernels
}  // namespace luodi
