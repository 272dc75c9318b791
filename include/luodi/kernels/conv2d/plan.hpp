// Conv2dPlan: what conv2d_plan() decides once at prepare time, as plain data.
#pragma once

#include <cstdint>

#include "../../simd/dispatch.hpp"
#include "../gemm/plan.hpp"
#include "params.hpp"

namespace luodi {
namespace kernels {

// The algorithms. Auto is only a request; a plan always names a concrete one.
#define LUODI_CONV2D_ALGOS(X)                                                                   \
  X(Auto, "auto")                                                                               \
  X(Reference, "reference")        /* ref::conv2d_f32 (Isa::scalar), weights kept OIHW */        \
  X(Gemm, "gemm")                  /* C[Cout][HW] = W * im2col(x): weights as packed A panels */ \
  X(GemmT, "gemm_t")               /* C[HW][Cout] = im2col(x)^T * W^T: for few pixels, many Cout */ \
  X(Winograd43, "winograd_f43")    /* 3x3 stride 1: F(4x4, 3x3) */                               \
  X(Depthwise, "depthwise")        /* groups == C_in: one plane at a time */                     \
  X(Winograd23, "winograd_f23")    /* 3x3 stride 1: F(2x2, 3x3), for small planes */             \
  X(DepthwiseRows, "depthwise_rows") /* groups == C_in, 3x3/5x5, stride 1/2: register-blocked rows */ \
  X(DepthwiseSmall, "depthwise_small") /* the same, output rows <= 16 wide: rows in vectors (AVX-512) */ \
  X(DirectRows, "direct_rows")     /* groups == 1, C_in <= 4 (the stem), kernel <= 7, stride 1/2: direct, rows in vectors */ \
  X(DepthwiseS2, "depthwise_s2")   /* groups == C_in, 3x3/5x5, stride 2: NCHW read in place, even/odd split in registers (AVX-512) */ \
  X(DepthwiseS1, "depthwise_s1")   /* the same kernel at stride 1: taps as masked loads (AVX-512) */ \
  X(DirectChannels, "direct_channels") /* groups == 1, stride 2 along W, kernel <= 7: direct, output channels in vectors */ \
  X(Winograd23T, "winograd_f23t")  /* 3x3 stride 1: F(2x2, 3x3) with the <= 16 tiles of a small plane in vectors */

enum class Conv2dAlgo : std::uint8_t {
#define LUODI_X(e, name) e,
  LUODI_CONV2D_ALGOS(LUODI_X)
#undef LUODI_X
};
inline constexpr int kConv2dAlgoCount = 0
#define LUODI_X(e, name) +1
    LUODI_CONV2D_ALGOS(LUODI_X)
#undef LUODI_X
    ;

inline const char* conv2d_algo_name(Conv2dAlgo a) noexcept {
  switch (a) {
#define LUODI_X(e, name) \
  case Conv2dAlgo::e:    \
    return name;
    LUODI_CONV2D_ALGOS(LUODI_X)
#undef LUODI_X
  }
  return "invalid";
}

struct Conv2dPlan {
  Conv2dParams p;
  Isa isa;
  Conv2dAlgo algo;
  int mr, nr;                  // micro-kernel tile of the ISA (0 for Reference)
  std::int64_t out_h, out_w;
  std::int64_t cin_g, cout_g;  // channels per group
  std::int64_t K;              // GEMM reduction length per group: cin_g * kernel_h * kernel_w
  std::int64_t kc, mc, nc;     // GEMM cache blocking
  bool b_in_place;             // Gemm: the input is B, read in place (conv2d_gemm_b_in_place)
  bool rows_outer;             // Gemm: row tiles outer over column blocks (conv2d_gemm_rows_outer)
  std::int64_t cout_pad;       // cout_g rounded up to the panel width of the packed weights
  std::int64_t group_floats;   // packed weight floats per group
  std::int64_t bias_offset;    // floats from the start of the packed buffer to the bias
  std::int64_t packed_bytes;   // conv2d_pack output
  std::int64_t scratch_per_thread;  // bytes per executor thread
  std::int64_t scratch_shared;      // bytes shared by all threads (in front of the per-thread slots)
  // Winograd
  std::int64_t tiles_h, tiles_w;  // output tiles per image
  std::int64_t tile_block;        // tiles transformed and multiplied together
  // Depthwise
  std::int64_t dw_multiplier;     // C_out / C_in
  std::int64_t dw_plane_h, dw_plane_w, dw_phase_floats;  // padded (and stride-split) input planes
  // DirectRows (and DirectChannels, Winograd23T): output channels per register block, output rows per strip, padded input rows
  // per strip and floats per padded row (both stride phases)
  std::int64_t dr_mc, dr_strip_rows, dr_rows, dr_row_floats;
};

// Row stride of GemmT's C^T buffer: cout_pad plus one cache line, so that the MR rows of a tile
// do not all fall into the same L1 set when cout_pad * 4 is a multiple of 4 KiB (2048, 1024
// channels: every row of a tile would alias).
inline std::int64_t conv2d_gemm_t_ldc(std::int64_t cout_pad) noexcept { return cout_pad + 16; }

// Whether the Gemm algorithm runs the short-K order (gemm/plan.hpp, kGemmRowsOuterMaxK): a
// function of the plan, so that conv2d_plan_with (which widens nc for it) and the run agree.
inline bool conv2d_gemm_rows_outer(std::int64_t cout_g, std::int64_t pixels, std::int64_t K) noexcept {
  return K <= kGemmRowsOuterMaxK && cout_g * pixels >= kGemmRowsOuterMinC;
}

// Whether a Gemm plan can read its input as B in place: a 1x1, stride-1, unpadded convolution's
// input per image and group is the K x HW row-major B itself (gemm_path.hpp).
inline bool conv2d_gemm_b_in_place(const Conv2dParams& p) noexcept {
  return p.kernel_h == 1 && p.kernel_w == 1 && p.stride_h == 1 && p.stride_w == 1 && p.pad_top == 0 &&
         p.pad_left == 0 && p.pad_bottom == 0 && p.pad_right == 0;
}

// The K block length Gemm runs: K split into ceil(K / kc) blocks of equal length (the last one
// shorter by the remainder), so that no block is a short tail; never more than kc. The run-time
// loops split K the same way themselves (gemm_blocked's and GemmT's kc_even: per-ISA code does
// not call shared inline functions), so a change here must be made there too.
inline std::int64_t conv2d_gemm_kc_eff(std::int64_t K, std::int64_t kc) noexcept {
  const std::int64_t blocks = (K + kc - 1) / kc;
  return (K + blocks - 1) / blocks;
}

// Whether a Gemm plan that can read its input as B in place (above) does. Not in the short-K order
// (conv2d_plan_with says why), and on avx2 (isa_runs_avx2: runtime or compile-time) not when the
// B panel the micro-kernels read, kc_eff x NR floats at the channel-row stride, is half of L1 or
// more (kc_eff >= 256 at NR = 16) and at least 64 output channels of the group reuse it: read in
// place, its rows are separate cache lines (about 1.75 per row when the row stride is not a
// multiple of 64 bytes, and one 4 KiB page per row at 56x56), which do not stay in L1 across the
// MR-row tiles; packed, they are one contiguous panel. Measured on Zen 3, one thread, hot caches
// (bench_conv2d LUODI_BENCH_CONV_PACKB, two runs of 5 interleaved repetitions, docs/performance.md
// "Pointwise B in place"): packing 1.03-1.15x faster at 14x14 with K = 384..672 (K blocks of
// 288..480) and 64..112 channels, 1.18-1.36x at 56x56 with K = 256; two packed shapes were ahead
// in one run and level or behind in the other (28x28 512 -> 128, 14x14 256 -> 1024); below the
// thresholds in place was level or ahead. sse2 (NR = 8), avx512f (NR = 32: in place measured ahead
// at 384 -> 64 14x14) and NEON keep reading in place.
inline bool conv2d_gemm_b_in_place_pays(Isa isa, std::int64_t kc_eff, std::int64_t nr, std::int64_t cout_g,
                                        bool rows_outer) noexcept {
  if (rows_outer) return false;
  if (!isa_runs_avx2(isa)) return true;
  return kc_eff * nr * static_cast<std::int64_t>(sizeof(float)) < 16 * 1024 || cout_g < 64;
}

// Row bands: the GEMM path's pixel split with one image (gemm_path.hpp). Thread t of T takes
// output rows [conv2d_band_row(rows, t, T), conv2d_band_row(rows, t + 1, T)) of every output
// channel, its edges rounded to the nearest NR panel (a block edge must be one), so threads get
// equal shares (the former split cut nc-wide blocks first and gave a 56x56 short-K 1x1 2048 and
// 1088 pixels). The depthwise kernels keep splitting (image, channel) planes: with these row
// bands there too (each thread all channels over its rows, the rows its expand 1x1 wrote) the
// depthwise nodes ran 1.3-3.6x slower at two threads, on near and far vCPUs alike, and whole
// MobileNets were no faster (docs/performance.md, "One split for a MobileNet block").
inline std::int64_t conv2d_band_row(std::int64_t rows, std::int64_t t, std::int64_t T) noexcept { return rows * t / T; }

// GemmT's pixel count rounded up to its MR-row A panels.
inline std::int64_t conv2d_gemm_t_rows_pad(std::int64_t P, std::int64_t mr) noexcept { return (P + mr - 1) / mr * mr; }

// Floats of GemmT's per-thread A buffer (in front of its offset table): the A panels of one K
// block, or for P == 1 (the GEMV) the gathered im2col column of K floats; 16-float multiples.
inline std::int64_t conv2d_gemm_t_a_floats(std::int64_t P, std::int64_t K, std::int64_t kc, std::int64_t mr) noexcept {
  const std::int64_t a = P == 1 ? K : conv2d_gemm_t_rows_pad(P, mr) * kc;
  return (a + 15) / 16 * 16;
}

}  // namespace kernels
}  // namespace luodi
