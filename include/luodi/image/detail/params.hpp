// Plain data shared by the image kernels and their drivers: taps, coefficient scales, and the
// fixed-point constants that make luodi's results equal OpenCV 4.6's.
//
// The constants below are facts about OpenCV's published arithmetic (its documentation and
// observable behaviour, checked pixel by pixel in tests/image/):
//   * resize INTER_LINEAR on u8: coefficients are rounded to 11 bits (INTER_RESIZE_COEF_BITS),
//     the horizontal pass keeps exact int32 sums src*a0 + src*a1, and the vertical pass computes
//     ((h0 >> 4) * b0 >> 16) + ((h1 >> 4) * b1 >> 16), then (+2) >> 2, saturated to u8. That
//     vertical rounding is what OpenCV's SSE2 path does for every pixel of the build Debian ships
//     (measured: 4.8M pixels over random sizes, 0 differences), and it is 16-bit friendly.
//   * warpAffine: coordinates in 10-bit fixed point (AB_BITS), 5 fractional bits of sub-pixel
//     position (INTER_BITS), bilinear weights in 15 bits (INTER_REMAP_COEF_BITS).
//   * YUV 4:2:0 -> RGB: BT.601 video range with 20-bit coefficients (see color.hpp).
//   * RGB -> Gray: 0.299 R + 0.587 G + 0.114 B in Q15 as (9798, 19235, 3735), rounded. (Not the
//     Q14 weights OpenCV documents for other paths: those differ on 0.2% of pixels; these match
//     COLOR_RGB2GRAY / COLOR_BGR2GRAY on all 2^24 inputs.)
#pragma once

#include <cstdint>

namespace luodi {
namespace image {

enum class Interp : std::uint8_t { Nearest = 0, Linear = 1, Area = 2 };
enum class Border : std::uint8_t { Constant = 0, Replicate = 1, Reflect101 = 2 };

namespace detail {

inline constexpr int kResizeCoefBits = 11;
inline constexpr int kResizeCoefScale = 1 << kResizeCoefBits;  // 2048

inline constexpr int kWarpAbBits = 10;
inline constexpr int kWarpAbScale = 1 << kWarpAbBits;
inline constexpr int kWarpInterBits = 5;
inline constexpr int kWarpInterTab = 1 << kWarpInterBits;  // 32
inline constexpr int kWarpRemapBits = 15;

// BT.601 video-range YUV -> RGB in Q20.
inline constexpr int kYuvShift = 20;
inline constexpr int kYuvCY = 1220542;   // 1.164
inline constexpr int kYuvCUB = 2116026;  // 2.018
inline constexpr int kYuvCUG = -409993;  // -0.391
inline constexpr int kYuvCVG = -852492;  // -0.813
inline constexpr int kYuvCVR = 1673527;  // 1.596

// RGB -> Gray in Q15.
inline constexpr int kGrayShift = 15;
inline constexpr int kGrayR = 9798;
inline constexpr int kGrayG = 19235;
inline constexpr int kGrayB = 3735;

// One output column of a linear (or area-upscale) resize: byte offsets of the two source
// pixels in a row and their Q11 weights. ofs1 == ofs0 at the right edge (a1 == 0 there).
struct LinearTap {
  std::int32_t ofs0;
  std::int32_t ofs1;
  std::int16_t a0;
  std::int16_t a1;
};

// One output column of an area down-scale, OpenCV's cell split into three parts: an optional
// partial first source column (weight wf), whole columns [mid0, mid0 + nmid) (weight wm each)
// and an optional partial last column (weight wl). Offsets are in pixels; an absent part has
// weight 0 and a valid offset.
struct AreaTap {
  std::int32_t first;
  std::int32_t mid0;
  std::int32_t nmid;
  std::int32_t last;
  float wf;
  float wm;
  float wl;
};

// The three-part split of one output row of an area down-scale (same meaning as AreaTap).
struct AreaRows {
  int first;
  int mid0;
  int nmid;
  int last;
  float wf;
  float wm;
  float wl;
};

// Which channel layout a packed conversion reads and writes.
struct PackedConvert {
  std::int8_t scn;      // source bytes per pixel: 1, 3 or 4
  std::int8_t dcn;      // destination bytes per pixel: 1, 3 or 4
  std::int8_t swap_rb;  // 1: exchange channels 0 and 2 (RGB <-> BGR)
  std::int8_t src_blue; // for -> Gray: index of blue in the source (0 for BGR*, 2 for RGB*)
};

// A YUV 4:2:0 source: two Y rows sharing one chroma row. u[i*uv_step], v[i*uv_step] are the
// chroma of pixels 2i and 2i+1.
struct YuvRows {
  const std::uint8_t* y0;
  const std::uint8_t* y1;  // may equal y0 when only one row is wanted
  const std::uint8_t* u;
  const std::uint8_t* v;
  int uv_step;             // 2 for NV12/NV21, 1 for I420
};

}  // namespace detail
}  // namespace image
}  // namespace luodi
