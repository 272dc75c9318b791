// placeholder: depthwise kernels land in a later commit
#pragma once
#include <cstdint>
#include "plan.hpp"
namespace luodi {
namespace kernels {
inline void dw_plan(Conv2dPlan*) noexcept {}
inline void dw_pack_weights(const Conv2dPlan&, const float*, float*) noexcept {}
}  // namespace kernels
}  // namespace luodi
