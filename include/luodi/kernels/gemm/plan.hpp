// GemmPlan: what gemm_plan() decides once at prepare time, as plain data.
#pragma once

#include <cstdint>

#include "../../simd/dispatch.hpp"
#include "params.hpp"

namespace luodi {
namespace kernels {

// Conv2D's im2col GEMM with a K this short and an output this large (floats per image and
// group, past L2) runs each row tile across the panels of wider column blocks instead of each
// panel down the row tiles (driver.hpp, GemmBlocking::rows_outer_max_k; conv2d_plan_with).
inline constexpr std::int64_t kGemmRowsOuterMaxK = 64;
inline constexpr std::int64_t kGemmRowsOuterMinC = 128 * 1024;

enum class GemmAlgo : std::uint8_t {
  Reference = 0,  // ref::gemm_f32 (Isa::scalar); "packed" B is a plain copy of B and the bias
  Packed = 1,     // register-blocked micro-kernels over NR-wide B panels (gemm/ukernel.hpp)
};

struct GemmPlan {
  GemmParams p;
  Isa isa;
  GemmAlgo algo;
  int mr, nr;                      // micro-kernel tile (0 for Reference)
  std::int64_t kc, mc, nc;         // cache blocking
  std::int64_t b_slices;           // distinct B matrices in a batched product
  std::int64_t b_slice_floats;     // floats per packed B slice
  std::int64_t bias_offset;        // floats from the start of the packed buffer to the bias
  std::int64_t packed_bytes;       // gemm_pack_b output
  std::int64_t scratch_per_thread; // bytes gemm_run_unpacked needs per thread (B panels)
};

}  // namespace kernels
}  // namespace luodi
