// image::warp_affine: dst(x, y) = src(M^-1 (x, y)), with M mapping src to dst as in
// cv::warpAffine without WARP_INVERSE_MAP, u8, Nearest and Linear, three borders.
//
// The arithmetic is OpenCV 4.6's: M is inverted in double; per output pixel the source position
// is accumulated in 10-bit fixed point (rows: round((m1*y + m2) * 1024), columns: round(m0*x *
// 1024), each rounded half to even), plus half a pixel for Nearest or half a 1/32 step for
// Linear. Linear keeps 5 fractional bits and blends the four neighbours with the weights
// (32-fx)(32-fy)*32 ... in Q15. Coordinates saturate to 16 bits as OpenCV's maps do.
// Borders: Constant uses border_value for every neighbour outside the image, Replicate clamps,
// Reflect101 mirrors without repeating the edge (gfedcb|abcdefgh|gfedcba).
// Area is treated as Linear, as cv::warpAffine does.
//
// Errors: a singular or non-finite matrix, or one that sends some output pixel more than 2^20
// pixels away (where OpenCV's 32-bit fixed point would overflow), is rejected.
#pragma once

#include <cmath>
#include <cstdint>

#include "../core/status.hpp"
#include "../simd/dispatch.hpp"
#include "detail/family.hpp"
#include "detail/tables.hpp"
#include "resize.hpp"
#include "view.hpp"

namespace luodi {
namespace image {

namespace detail {
inline constexpr int kWarpTile = 512;

// The inverse (dst -> src) of the affine map m, in double, as cv::warpAffine computes it.
inline bool invert_affine(const double m[6], double out[6]) noexcept {
  double d = m[0] * m[4] - m[1] * m[3];
  if (d == 0.0 || !std::isfinite(d)) return false;
  d = 1.0 / d;
  const double a11 = m[4] * d, a22 = m[0] * d;
  out[0] = a11;
  out[1] = m[1] * -d;
  out[3] = m[3] * -d;
  out[4] = a22;
  out[2] = -out[0] * m[2] - out[1] * m[5];
  out[5] = -out[3] * m[2] - out[4] * m[5];
  return true;
}
}  // namespace detail

inline Status warp_affine(const ImageView& src, const MutableImageView& dst, const float m[6], Interp interp,
                          Border border, std::uint8_t border_value, Isa isa = active_isa()) noexcept {
  LUODI_RETURN_IF_ERROR(validate(src, "warp_affine: src"));
  LUODI_RETURN_IF_ERROR(validate(dst, "warp_affine: dst"));
  if (src.format != dst.format)
    return Status::error(StatusCode::InvalidArgument, "warp_affine: src is %s but dst is %s; warp keeps the format",
                         pixel_format_name(src.format), pixel_format_name(dst.format));
  if (is_yuv420(src.format))
    return Status::error(StatusCode::Unsupported, "warp_affine: %s images cannot be warped; convert them first",
                         pixel_format_name(src.format));
  if (interp != Interp::Nearest && interp != Interp::Linear && interp != Interp::Area)
    return Status::error(StatusCode::InvalidArgument, "warp_affine: invalid interpolation value %d", static_cast<int>(interp));
  if (border != Border::Constant && border != Border::Replicate && border != Border::Reflect101)
    return Status::error(StatusCode::InvalidArgument, "warp_affine: invalid border value %d", static_cast<int>(border));
  if (m == nullptr) return Status(StatusCode::InvalidArgument, "warp_affine: the matrix is null");
  if (detail::views_overlap(src, dst)) return Status(StatusCode::InvalidArgument, "warp_affine: src and dst overlap");
  double md[6], inv[6];
  for (int i = 0; i < 6; ++i) {
    if (!std::isfinite(m[i]))
      return Status::error(StatusCode::InvalidArgument, "warp_affine: matrix element %d is not finite", i);
    md[i] = m[i];
  }
  if (!detail::invert_affine(md, inv))
    return Status::error(StatusCode::InvalidArgument, "warp_affine: the matrix [%g %g %g; %g %g %g] is not invertible",
                         md[0], md[1], md[2], md[3], md[4], md[5]);
  // The source position of every output pixel is bounded by that of the corners.
  const double lim = 1048576.0;
  for (int c = 0; c < 4; ++c) {
    const double x = (c & 1) ? dst.width : 0, y = (c & 2) ? dst.height : 0;
    const double sx = inv[0] * x + inv[1] * y + inv[2], sy = inv[3] * x + inv[4] * y + inv[5];
    if (!(std::fabs(sx) < lim && std::fabs(sy) < lim) || std::fabs(inv[0] * x) >= lim || std::fabs(inv[3] * x) >= lim)
      return Status::error(StatusCode::OutOfRange,
                           "warp_affine: the matrix maps output pixel (%g, %g) to source (%g, %g), beyond +-2^20", x, y,
                           sx, sy);
  }
  const detail::ImageKernels& k = detail::image_kernels(isa);
  const bool nearest = interp == Interp::Nearest;
  const int round_delta = nearest ? detail::kWarpAbScale / 2 : detail::kWarpAbScale / detail::kWarpInterTab / 2;
  const int cn = bytes_per_pixel(src.format);
  const detail::ref::WarpSource ws{src.data, src.width, src.height, src.stride, cn, border, border_value};
  alignas(64) std::int32_t adelta[detail::kWarpTile], bdelta[detail::kWarpTile];
  for (int x0 = 0; x0 < dst.width; x0 += detail::kWarpTile) {
    const int n = dst.width - x0 < detail::kWarpTile ? dst.width - x0 : detail::kWarpTile;
    for (int i = 0; i < n; ++i) {
      adelta[i] = detail::round_even(inv[0] * (x0 + i) * detail::kWarpAbScale);
      bdelta[i] = detail::round_even(inv[3] * (x0 + i) * detail::kWarpAbScale);
    }
    for (int y = 0; y < dst.height; ++y) {
      const int X0 = detail::round_even((inv[1] * y + inv[2]) * detail::kWarpAbScale) + round_delta;
      const int Y0 = detail::round_even((inv[4] * y + inv[5]) * detail::kWarpAbScale) + round_delta;
      std::uint8_t* d = dst.data + std::int64_t(y) * dst.stride + std::int64_t(x0) * cn;
      if (nearest)
        k.warp_nn_row(ws, d, n, X0, Y0, adelta, bdelta);
      else
        k.warp_linear_row(ws, d, n, X0, Y0, adelta, bdelta);
    }
  }
  return Status();
}

}  // namespace image
}  // namespace luodi
