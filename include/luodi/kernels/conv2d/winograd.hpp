// placeholder: Winograd F(4x4, 3x3) lands in the next commit
#pragma once
#include <cstdint>
#include "plan.hpp"
namespace luodi {
namespace kernels {
inline bool wino_worth_it(std::int64_t, std::int64_t, std::int64_t, std::int64_t) noexcept { return false; }
inline void wino_plan(Conv2dPlan*) noexcept {}
inline void wino_pack_weights(const Conv2dPlan&, const float*, float*) noexcept {}
}  // namespace kernels
}  // namespace luodi
