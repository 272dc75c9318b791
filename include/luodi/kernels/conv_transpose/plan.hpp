// ConvTranspose2dPlan: what conv_transpose2d_plan() decides at prepare time, as plain data.
#pragma once

#include <cstdint>

#include "../../simd/dispatch.hpp"
#include "params.hpp"

namespace luodi {
namespace kernels {

enum class ConvTranspose2dAlgo : std::uint8_t {
  Reference = 0,  // ref::conv_transpose2d_f32_channels, weights kept as given
  Gemm = 1,       // columns = W^T x by the GEMM micro-kernels, then col2im (simd.hpp)
};

struct ConvTranspose2dPlan {
  ConvTranspose2dParams p;
  Isa isa;
  ConvTranspose2dAlgo algo;
  int mr, nr;
  std::int64_t out_h, out_w;
  std::int64_t cin_g, cout_g;
  std::int64_t M;       // GEMM rows per group: cout_g * kernel_h * kernel_w
  std::int64_t m_pad;   // M rounded up to MR
  std::int64_t kc;      // K (= cin_g) blocking
  std::int64_t cols;    // input pixels per column block
  std::int64_t group_floats;
  std::int64_t bias_offset;
  std::int64_t packed_bytes;
  std::int64_t scratch_per_thread;
};

}  // namespace kernels
}  // namespace luodi
