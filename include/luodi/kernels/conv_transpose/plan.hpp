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
  GemmPhase = 2,  // kernel == stride, no pads/dilation: the same GEMM, each column row written
                  // once into its output phase (interleaved), no accumulation (simd.hpp)
};
inline constexpr int kConvTranspose2dAlgoCount = 3;

inline const char* conv_transpose2d_algo_name(ConvTranspose2dAlgo a) noexcept {
  switch (a) {
    case ConvTranspose2dAlgo::Reference: return "reference";
    case ConvTranspose2dAlgo::Gemm: return "gemm";
    case ConvTranspose2dAlgo::GemmPhase: return "gemm_phase";
  }
  return "invalid";
}

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
  std::int64_t cols;    // input pixels per column block (GemmPhase: rows_blk whole rows, rounded up to NR)
  std::int64_t rows_blk;  // GemmPhase: input rows per block
  std::int64_t group_floats;
  std::int64_t bias_offset;
  std::int64_t packed_bytes;
  std::int64_t scratch_per_thread;
};

}  // namespace kernels
}  // namespace luodi
