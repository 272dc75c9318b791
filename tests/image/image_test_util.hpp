// Helpers for the image tests: random images with padded strides, wrapped both as luodi views
// and (when OpenCV is there, LUODI_IMAGE_TESTS_OPENCV) as cv::Mat headers over the same bytes,
// and pixel comparison with a mismatch census.
#pragma once

#include <doctest/doctest.h>
#include <luodi/image.hpp>

#ifndef LUODI_IMAGE_TESTS_OPENCV
#define LUODI_IMAGE_TESTS_OPENCV 1
#endif
#if LUODI_IMAGE_TESTS_OPENCV
#include <opencv2/core.hpp>
#endif

#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "support/test_util.hpp"

namespace image_test {

using luodi::ImageView;
using luodi::MutableImageView;
using luodi::PixelFormat;

// Names as std::string: doctest's INFO/MESSAGE print a const char* as a pointer.
inline std::string nm(PixelFormat f) { return luodi::pixel_format_name(f); }
inline std::string nm(luodi::image::Interp i) { return luodi::image::interp_name(i); }
inline std::string nm(luodi::image::Border b) { return luodi::image::border_name(b); }
inline std::string nm(luodi::Isa i) { return luodi::isa_name(i); }

#if LUODI_IMAGE_TESTS_OPENCV
inline int cv_type(PixelFormat f) { return CV_8UC(luodi::bytes_per_pixel(f)); }
#endif

// Rows of the single buffer: height for packed formats, height * 3/2 for YUV 4:2:0.
inline int buffer_rows(PixelFormat f, int h) { return luodi::is_yuv420(f) ? h + h / 2 : h; }

// An image in its own buffer. The padding bytes are random too, so a kernel that reads or
// writes past a row shows up as a mismatch.
struct Image {
  PixelFormat format = PixelFormat::Gray;
  int width = 0, height = 0, stride = 0;
  std::vector<std::uint8_t> buf;

  Image() = default;
  Image(PixelFormat f, int w, int h, int pad, std::uint32_t seed) : format(f), width(w), height(h) {
    stride = w * luodi::bytes_per_pixel(f) + pad;
    buf.resize(static_cast<std::size_t>(stride) * buffer_rows(f, h));
    std::mt19937 rng(seed);
    for (auto& b : buf) b = static_cast<std::uint8_t>(rng() >> 24);
  }
  ImageView view() const { return ImageView{buf.data(), width, height, stride, format}; }
  MutableImageView mview() { return MutableImageView{buf.data(), width, height, stride, format}; }
#if LUODI_IMAGE_TESTS_OPENCV
  // A cv::Mat over the same bytes (YUV: the h*3/2-row single-channel buffer).
  cv::Mat mat() {
    if (luodi::is_yuv420(format)) return cv::Mat(buffer_rows(format, height), width, CV_8UC1, buf.data(), stride);
    return cv::Mat(height, width, cv_type(format), buf.data(), stride);
  }
#endif
  std::uint8_t* row(int y) { return buf.data() + static_cast<std::size_t>(y) * stride; }
};

#if LUODI_IMAGE_TESTS_OPENCV
// The I420 buffer in OpenCV's layout (stride == width) for a luodi I420 image with any stride.
inline cv::Mat i420_for_opencv(const Image& im) {
  const int w = im.width, h = im.height, cs = im.stride / 2;
  cv::Mat m(h + h / 2, w, CV_8UC1);
  for (int y = 0; y < h; ++y) std::memcpy(m.ptr(y), im.buf.data() + static_cast<std::size_t>(y) * im.stride, w);
  std::uint8_t* out = m.ptr(h);
  const std::uint8_t* planes = im.buf.data() + static_cast<std::size_t>(h) * im.stride;
  for (int p = 0; p < 2; ++p)
    for (int y = 0; y < h / 2; ++y, out += w / 2)
      std::memcpy(out, planes + static_cast<std::size_t>(p) * (h / 2) * cs + static_cast<std::size_t>(y) * cs, w / 2);
  return m;
}
#endif

struct Diff {
  std::int64_t count = 0;      // bytes compared
  std::int64_t mismatch = 0;   // bytes that differ
  int max_abs = 0;
  int first_x = -1, first_y = -1, first_c = -1, got = 0, want = 0;
  double identical_fraction() const { return count ? 1.0 - double(mismatch) / double(count) : 1.0; }
  void add(const Diff& o) {
    count += o.count;
    mismatch += o.mismatch;
    if (o.max_abs > max_abs) max_abs = o.max_abs;
    if (first_x < 0 && o.first_x >= 0) {
      first_x = o.first_x, first_y = o.first_y, first_c = o.first_c, got = o.got, want = o.want;
    }
  }
  std::string str() const {
    char b[256];
    std::snprintf(b, sizeof b, "%lld/%lld bytes differ (max %d); first at x=%d y=%d c=%d: got %d want %d",
                  static_cast<long long>(mismatch), static_cast<long long>(count), max_abs, first_x, first_y, first_c,
                  got, want);
    return b;
  }
};

// Compares `rows` rows of `row_bytes` bytes; cn is used only to report positions.
inline Diff compare(const std::uint8_t* a, int astride, const std::uint8_t* b, int bstride, int row_bytes, int rows,
                    int cn) {
  Diff d;
  for (int y = 0; y < rows; ++y)
    for (int i = 0; i < row_bytes; ++i) {
      const int va = a[static_cast<std::size_t>(y) * astride + i], vb = b[static_cast<std::size_t>(y) * bstride + i];
      ++d.count;
      if (va != vb) {
        ++d.mismatch;
        const int e = va > vb ? va - vb : vb - va;
        if (e > d.max_abs) d.max_abs = e;
        if (d.first_x < 0) d.first_x = i / cn, d.first_y = y, d.first_c = i % cn, d.got = va, d.want = vb;
      }
    }
  return d;
}
#if LUODI_IMAGE_TESTS_OPENCV
inline Diff compare(const Image& a, const cv::Mat& b) {
  const int cn = luodi::bytes_per_pixel(a.format);
  REQUIRE(b.cols == a.width);
  REQUIRE(b.rows == a.height);
  REQUIRE(b.elemSize() == static_cast<std::size_t>(cn));
  return compare(a.buf.data(), a.stride, b.data, static_cast<int>(b.step), a.width * cn, a.height, cn);
}
#endif
inline Diff compare(const Image& a, const Image& b) {
  const int cn = luodi::bytes_per_pixel(a.format);
  REQUIRE(a.width == b.width);
  REQUIRE(a.height == b.height);
  REQUIRE(a.format == b.format);
  return compare(a.buf.data(), a.stride, b.buf.data(), b.stride, a.width * cn, a.height, cn);
}

// The padding after each row of `a` is what `b` (an untouched copy) holds: nothing wrote past a row.
inline bool padding_untouched(const Image& a, const Image& before) {
  const int row = a.width * luodi::bytes_per_pixel(a.format);
  for (int y = 0; y < a.height; ++y)
    for (int i = row; i < a.stride; ++i)
      if (a.buf[static_cast<std::size_t>(y) * a.stride + i] != before.buf[static_cast<std::size_t>(y) * a.stride + i])
        return false;
  return true;
}

inline const PixelFormat kPacked[] = {PixelFormat::Gray, PixelFormat::RGB, PixelFormat::BGR, PixelFormat::RGBA,
                                      PixelFormat::BGRA};
inline const PixelFormat kResizeFormats[] = {PixelFormat::Gray, PixelFormat::RGB, PixelFormat::RGBA};

}  // namespace image_test
