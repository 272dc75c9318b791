// image::convert: pixel format conversion, identical to cv::cvtColor with the matching code.
//
//   RGB <-> BGR, RGBA <-> BGRA, RGBA/BGRA -> RGB/BGR, RGB/BGR -> RGBA/BGRA (alpha 255)
//   RGB/BGR/RGBA/BGRA -> Gray   0.299 R + 0.587 G + 0.114 B in Q15: (R*9798 + G*19235 + B*3735
//                                + 2^14) >> 15, as COLOR_*2GRAY (checked on all 2^24 inputs).
//   Gray -> RGB/BGR/RGBA/BGRA   replicate (alpha 255), as COLOR_GRAY2*.
//   NV12/NV21/I420 -> RGB/BGR/RGBA/BGRA  BT.601 video range, as COLOR_YUV2*_NV12/_NV21/_I420:
//       y' = max(Y - 16, 0) * 1220542
//       R = (y' + 2^19 + 1673527 (V-128)) >> 20
//       G = (y' + 2^19 - 852492 (V-128) - 409993 (U-128)) >> 20
//       B = (y' + 2^19 + 2116026 (U-128)) >> 20,   each saturated to 0..255
//     (the coefficients are 1.164, 1.596, 0.813, 0.391 and 2.018 in Q20). Chroma is taken
//     from pixel (x/2, y/2), without interpolation.
//   NV12/NV21/I420 -> Gray      the Y plane, as COLOR_YUV2GRAY_420.
//   Same format                 a copy.
// Conversions to YUV are not supported. Source and destination must not overlap.
#pragma once

#include <cstdint>
#include <cstring>

#include "../core/status.hpp"
#include "../simd/dispatch.hpp"
#include "detail/family.hpp"
#include "resize.hpp"
#include "view.hpp"

namespace luodi {
namespace image {

inline Status convert(const ImageView& src, const MutableImageView& dst, Isa isa = active_isa()) noexcept {
  LUODI_RETURN_IF_ERROR(validate(src, "convert: src"));
  LUODI_RETURN_IF_ERROR(validate(dst, "convert: dst"));
  if (src.width != dst.width || src.height != dst.height)
    return Status::error(StatusCode::ShapeMismatch, "convert: src is %dx%d but dst is %dx%d (convert does not resize)",
                         src.width, src.height, dst.width, dst.height);
  if (is_yuv420(dst.format))
    return Status::error(StatusCode::Unsupported, "convert: %s -> %s: conversion to YUV is not supported",
                         pixel_format_name(src.format), pixel_format_name(dst.format));
  if (detail::views_overlap(src, dst)) return Status(StatusCode::InvalidArgument, "convert: src and dst overlap");
  const detail::ImageKernels& k = detail::image_kernels(isa);
  const int dcn = bytes_per_pixel(dst.format);
  const bool dst_blue_first = dst.format == PixelFormat::BGR || dst.format == PixelFormat::BGRA;
  if (is_yuv420(src.format)) {
    if (dst.format == PixelFormat::Gray) {
      for (int y = 0; y < src.height; ++y)
        std::memcpy(dst.data + std::int64_t(y) * dst.stride, src.data + std::int64_t(y) * src.stride, src.width);
      return Status();
    }
    const std::uint8_t* plane = src.data + std::int64_t(src.height) * src.stride;
    const int cstride = src.stride / 2;
    for (int y = 0; y < src.height; y += 2) {
      detail::YuvRows yr;
      yr.y0 = src.data + std::int64_t(y) * src.stride;
      yr.y1 = yr.y0 + src.stride;
      if (src.format == PixelFormat::I420) {
        yr.u = plane + std::int64_t(y / 2) * cstride;
        yr.v = plane + std::int64_t(src.height / 2) * cstride + std::int64_t(y / 2) * cstride;
        yr.uv_step = 1;
      } else {
        const std::uint8_t* uv = plane + std::int64_t(y / 2) * src.stride;
        yr.u = src.format == PixelFormat::NV12 ? uv : uv + 1;
        yr.v = src.format == PixelFormat::NV12 ? uv + 1 : uv;
        yr.uv_step = 2;
      }
      std::uint8_t* d0 = dst.data + std::int64_t(y) * dst.stride;
      k.yuv420_to_rgb_rows(yr, d0, d0 + dst.stride, src.width, dcn, dst_blue_first ? 0 : 2);
    }
    return Status();
  }
  const int scn = bytes_per_pixel(src.format);
  if (src.format == dst.format) {
    detail::copy_rows(src, dst, src.width * scn);
    return Status();
  }
  const bool src_blue_first = src.format == PixelFormat::BGR || src.format == PixelFormat::BGRA;
  detail::PackedConvert p;
  p.scn = static_cast<std::int8_t>(scn);
  p.dcn = static_cast<std::int8_t>(dcn);
  p.swap_rb = static_cast<std::int8_t>(scn > 1 && dcn > 1 && src_blue_first != dst_blue_first);
  p.src_blue = static_cast<std::int8_t>(src_blue_first ? 0 : 2);
  for (int y = 0; y < src.height; ++y)
    k.packed_convert(src.data + std::int64_t(y) * src.stride, dst.data + std::int64_t(y) * dst.stride, src.width, p);
  return Status();
}

}  // namespace image
}  // namespace luodi
