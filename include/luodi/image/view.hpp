// Image views: a pointer, a size, a row stride in bytes and a pixel format. No ownership.
//
// Packed formats (Gray, RGB, BGR, RGBA, BGRA) store `height` rows of `width * channels` bytes,
// each row starting `stride` bytes after the previous one.
//
// YUV 4:2:0 formats use OpenCV's single-buffer layout, so a camera buffer or a cv::Mat of
// height*3/2 rows can be wrapped without copying:
//   NV12  Y plane (`height` rows of `stride` bytes), then one interleaved plane of `height/2`
//         rows of `stride` bytes holding U,V,U,V,... (NV21: V,U,V,U,...).
//   I420  Y plane, then the U plane, then the V plane; each chroma plane has `height/2` rows of
//         `stride/2` bytes. With stride == width this is exactly OpenCV's COLOR_YUV2*_I420
//         layout. (For a padded stride OpenCV packs two chroma rows per Y-stride row; luodi
//         instead gives each chroma row stride/2 bytes, which is what camera HALs that pad
//         I420 do. Convert between the two by repacking chroma rows.)
// A pixel (x, y) takes its chroma from (x/2, y/2): no chroma interpolation, as in OpenCV.
// YUV 4:2:0 images must have even width and height; OpenCV's cvtColor refuses odd sizes for
// these codes too, and luodi reports InvalidArgument rather than inventing a rule.
//
// Limits: width and height are 1..kMaxImageDim (32767, the coordinate range OpenCV's remap and
// warpAffine use), and the stride is at least the bytes of one row.
#pragma once

#include <cstdint>

#include "../core/status.hpp"

namespace luodi {

// The numeric values are stable: a .luodi file's preprocessing contract stores them.
enum class PixelFormat : std::uint8_t {
  Gray = 0,
  RGB = 1,
  BGR = 2,
  RGBA = 3,
  BGRA = 4,
  NV12 = 5,
  NV21 = 6,
  I420 = 7,
};
inline constexpr int kPixelFormatCount = 8;

struct ImageView {
  const std::uint8_t* data;
  int width;
  int height;
  int stride;  // bytes from one row (of the Y plane, for YUV) to the next
  PixelFormat format;
};

struct MutableImageView {
  std::uint8_t* data;
  int width;
  int height;
  int stride;
  PixelFormat format;

  operator ImageView() const noexcept { return ImageView{data, width, height, stride, format}; }  // NOLINT
};

inline constexpr int kMaxImageDim = 32767;

inline const char* pixel_format_name(PixelFormat f) noexcept {
  switch (f) {
    case PixelFormat::Gray: return "Gray";
    case PixelFormat::RGB: return "RGB";
    case PixelFormat::BGR: return "BGR";
    case PixelFormat::RGBA: return "RGBA";
    case PixelFormat::BGRA: return "BGRA";
    case PixelFormat::NV12: return "NV12";
    case PixelFormat::NV21: return "NV21";
    case PixelFormat::I420: return "I420";
  }
  return "invalid";
}

inline bool pixel_format_valid(PixelFormat f) noexcept {
  return static_cast<unsigned>(f) < static_cast<unsigned>(kPixelFormatCount);
}

inline bool is_yuv420(PixelFormat f) noexcept {
  return f == PixelFormat::NV12 || f == PixelFormat::NV21 || f == PixelFormat::I420;
}

// Bytes per pixel of a packed format; 1 for the Y plane of a YUV format.
inline int bytes_per_pixel(PixelFormat f) noexcept {
  switch (f) {
    case PixelFormat::Gray: return 1;
    case PixelFormat::RGB:
    case PixelFormat::BGR: return 3;
    case PixelFormat::RGBA:
    case PixelFormat::BGRA: return 4;
    default: return 1;
  }
}

// Total bytes a view spans from `data`: rows * stride, less the padding after the last row.
inline std::int64_t image_span_bytes(const ImageView& v) noexcept {
  const std::int64_t s = v.stride;
  if (v.format == PixelFormat::NV12 || v.format == PixelFormat::NV21)
    return s * (v.height + v.height / 2 - 1) + v.width;
  if (v.format == PixelFormat::I420) return s * v.height + 2 * std::int64_t(v.stride / 2) * (v.height / 2);
  return s * (v.height - 1) + std::int64_t(v.width) * bytes_per_pixel(v.format);
}

namespace image {
namespace detail {

// Every check a view passes before any kernel touches it. `what` names the argument.
inline Status check_view(const void* data, int width, int height, int stride, PixelFormat format,
                         const char* what) noexcept {
  if (!pixel_format_valid(format))
    return Status::error(StatusCode::InvalidArgument, "%s: invalid pixel format value %d", what,
                         static_cast<int>(format));
  if (data == nullptr) return Status::error(StatusCode::InvalidArgument, "%s: data is null", what);
  if (width < 1 || height < 1 || width > kMaxImageDim || height > kMaxImageDim)
    return Status::error(StatusCode::OutOfRange, "%s: size %dx%d is outside 1..%d", what, width, height,
                         kMaxImageDim);
  const std::int64_t row = std::int64_t(width) * bytes_per_pixel(format);
  if (stride < row)
    return Status::error(StatusCode::InvalidArgument, "%s: stride %d is smaller than a %s row of %d pixels (%lld bytes)",
                         what, stride, pixel_format_name(format), width, static_cast<long long>(row));
  if (is_yuv420(format) && ((width | height) & 1))
    return Status::error(StatusCode::InvalidArgument,
                         "%s: %s needs an even width and height (got %dx%d), as OpenCV's cvtColor does", what,
                         pixel_format_name(format), width, height);
  return Status();
}

}  // namespace detail

inline Status validate(const ImageView& v, const char* what = "image") noexcept {
  return detail::check_view(v.data, v.width, v.height, v.stride, v.format, what);
}
inline Status validate(const MutableImageView& v, const char* what = "image") noexcept {
  return detail::check_view(v.data, v.width, v.height, v.stride, v.format, what);
}

// A rectangle of a packed image, as a view of the same memory (no copy). YUV images cannot be
// cropped into a single-buffer view (the chroma plane's place follows from the height); give
// preprocess() an ROI instead.
inline Result<ImageView> crop(const ImageView& v, int x, int y, int w, int h) noexcept {
  LUODI_RETURN_IF_ERROR(validate(v, "crop source"));
  if (is_yuv420(v.format))
    return Status::error(StatusCode::Unsupported, "crop: a %s image cannot be cropped in place; use a PreprocessSpec ROI",
                         pixel_format_name(v.format));
  if (x < 0 || y < 0 || w < 1 || h < 1 || x > v.width - w || y > v.height - h)
    return Status::error(StatusCode::OutOfRange, "crop: rectangle (%d,%d) %dx%d is not inside the %dx%d image", x, y, w,
                         h, v.width, v.height);
  return ImageView{v.data + std::int64_t(y) * v.stride + std::int64_t(x) * bytes_per_pixel(v.format), w, h, v.stride,
                   v.format};
}
inline Result<MutableImageView> crop(const MutableImageView& v, int x, int y, int w, int h) noexcept {
  Result<ImageView> r = crop(static_cast<ImageView>(v), x, y, w, h);
  if (!r.ok()) return r.status();
  return MutableImageView{const_cast<std::uint8_t*>(r->data), r->width, r->height, r->stride, r->format};
}

}  // namespace image
}  // namespace luodi
