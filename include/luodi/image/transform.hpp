// Lossless geometric transforms: crop (a view, see view.hpp), flip, rotation by quarter turns,
// and the eight EXIF orientations. Packed formats only; these move bytes and never round.
//
// All of them are one rule, dst(x, y) = src(sx, sy) with (sx, sy) an axis-aligned map of
// (x, y); `orient` below is that map for each EXIF orientation value, which is also how the
// named operations are defined:
//   EXIF 1 identity            EXIF 5 transpose (mirror + rotate 270 cw)
//   EXIF 2 mirror left-right   EXIF 6 rotate 90 clockwise
//   EXIF 3 rotate 180          EXIF 7 transverse (mirror + rotate 90 cw)
//   EXIF 4 mirror top-bottom   EXIF 8 rotate 270 clockwise (90 counter-clockwise)
// apply_exif_orientation(src, dst, o) turns an image stored with orientation tag o upright.
#pragma once

#include <cstdint>
#include <cstring>

#include "../core/status.hpp"
#include "resize.hpp"
#include "view.hpp"

namespace luodi {
namespace image {

enum class Flip : std::uint8_t { Horizontal = 0, Vertical = 1, Both = 2 };
enum class Rotation : std::uint8_t { Cw90 = 0, Cw180 = 1, Cw270 = 2 };

// The size an image of w x h has after EXIF orientation o (1..8); 5..8 swap the sides.
inline void exif_oriented_size(int w, int h, int orientation, int* ow, int* oh) noexcept {
  const bool swap = orientation >= 5 && orientation <= 8;
  *ow = swap ? h : w;
  *oh = swap ? w : h;
}

namespace detail {

template <int CN>
inline void orient_rows(const ImageView& src, const MutableImageView& dst, int o) noexcept {
  const std::int64_t W = src.width, H = src.height, S = src.stride;
  for (int y = 0; y < dst.height; ++y) {
    // (sx, sy) at x = 0 and the step per x, per orientation.
    std::int64_t sx0 = 0, sy0 = 0, dsx = 0, dsy = 0;
    switch (o) {
      case 1: sx0 = 0; sy0 = y; dsx = 1; break;
      case 2: sx0 = W - 1; sy0 = y; dsx = -1; break;
      case 3: sx0 = W - 1; sy0 = H - 1 - y; dsx = -1; break;
      case 4: sx0 = 0; sy0 = H - 1 - y; dsx = 1; break;
      case 5: sx0 = y; sy0 = 0; dsy = 1; break;
      case 6: sx0 = y; sy0 = H - 1; dsy = -1; break;
      case 7: sx0 = W - 1 - y; sy0 = H - 1; dsy = -1; break;
      default: sx0 = W - 1 - y; sy0 = 0; dsy = 1; break;  // 8
    }
    const std::uint8_t* s = src.data + sy0 * S + sx0 * CN;
    const std::int64_t step = dsx * CN + dsy * S;
    std::uint8_t* d = dst.data + std::int64_t(y) * dst.stride;
    if (o == 1 || o == 4) {
      std::memcpy(d, s, static_cast<std::size_t>(dst.width) * CN);
      continue;
    }
    for (int x = 0; x < dst.width; ++x, s += step, d += CN)
      for (int c = 0; c < CN; ++c) d[c] = s[c];
  }
}

inline Status orient(const ImageView& src, const MutableImageView& dst, int o, const char* op) noexcept {
  LUODI_RETURN_IF_ERROR(validate(src, op));
  LUODI_RETURN_IF_ERROR(validate(dst, op));
  if (src.format != dst.format)
    return Status::error(StatusCode::InvalidArgument, "%s: src is %s but dst is %s", op, pixel_format_name(src.format),
                         pixel_format_name(dst.format));
  if (is_yuv420(src.format))
    return Status::error(StatusCode::Unsupported, "%s: %s images are not supported; convert them first", op,
                         pixel_format_name(src.format));
  int ow, oh;
  exif_oriented_size(src.width, src.height, o, &ow, &oh);
  if (dst.width != ow || dst.height != oh)
    return Status::error(StatusCode::ShapeMismatch, "%s: a %dx%d source needs a %dx%d destination, got %dx%d", op,
                         src.width, src.height, ow, oh, dst.width, dst.height);
  if (views_overlap(src, dst)) return Status::error(StatusCode::InvalidArgument, "%s: src and dst overlap", op);
  switch (bytes_per_pixel(src.format)) {
    case 1: orient_rows<1>(src, dst, o); break;
    case 3: orient_rows<3>(src, dst, o); break;
    default: orient_rows<4>(src, dst, o); break;
  }
  return Status();
}

}  // namespace detail

inline Status apply_exif_orientation(const ImageView& src, const MutableImageView& dst, int orientation) noexcept {
  if (orientation < 1 || orientation > 8)
    return Status::error(StatusCode::OutOfRange, "apply_exif_orientation: orientation %d is outside 1..8", orientation);
  return detail::orient(src, dst, orientation, "apply_exif_orientation");
}

inline Status flip(const ImageView& src, const MutableImageView& dst, Flip f) noexcept {
  switch (f) {
    case Flip::Horizontal: return detail::orient(src, dst, 2, "flip");
    case Flip::Vertical: return detail::orient(src, dst, 4, "flip");
    case Flip::Both: return detail::orient(src, dst, 3, "flip");
  }
  return Status::error(StatusCode::InvalidArgument, "flip: invalid flip value %d", static_cast<int>(f));
}

inline Status rotate(const ImageView& src, const MutableImageView& dst, Rotation r) noexcept {
  switch (r) {
    case Rotation::Cw90: return detail::orient(src, dst, 6, "rotate");
    case Rotation::Cw180: return detail::orient(src, dst, 3, "rotate");
    case Rotation::Cw270: return detail::orient(src, dst, 8, "rotate");
  }
  return Status::error(StatusCode::InvalidArgument, "rotate: invalid rotation value %d", static_cast<int>(r));
}

}  // namespace image
}  // namespace luodi
