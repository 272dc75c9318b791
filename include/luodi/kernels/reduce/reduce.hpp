// Reductions over any set of axes, and ArgMax / ArgMin (params.hpp has the semantics).
#pragma once

#include <cstdint>

#include "../../core/parallel.hpp"
#include "../common/broadcast.hpp"
#include "params.hpp"
#include "ref.hpp"

namespace luodi {
namespace kernels {

// f32 on the split outputs; other dtypes through the reference.
inline Status reduce(const ReduceParams& p, DType dtype, const void* x, void* y, Executor* ex = nullptr) noexcept {
  LUODI_RETURN_IF_ERROR(reduce_check_dtype(p.op, dtype));
  if (dtype != DType::f32) return ref::reduce_any(p, dtype, x, y);
  const float* fx = static_cast<const float*>(x);
  float* fy = static_cast<float*>(y);
  split_elements(p.out_numel, ex, [&](std::int64_t b, std::int64_t e) { ref::reduce<float>(p, fx, fy, b, e); },
                 p.reduce_count >= 8192 ? 1 : 8192 / (p.reduce_count > 0 ? p.reduce_count : 1));
  return Status();
}

inline Status arg_reduce(const ArgReduceParams& p, DType dtype, const void* x, std::int64_t* y) noexcept {
  return ref::arg_reduce_any(p, dtype, x, y);
}

}  // namespace kernels
}  // namespace luodi
