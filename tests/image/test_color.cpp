// image::convert against cv::cvtColor for every supported format pair, at odd (packed) and
// even (YUV) sizes with padded strides; every SIMD ISA against the scalar reference.
#include <doctest/doctest.h>
#include <luodi/image.hpp>

#include <vector>

#include "image_test_util.hpp"
#if LUODI_IMAGE_TESTS_OPENCV
#include <opencv2/imgproc.hpp>
#endif

using namespace luodi;
using namespace image_test;

namespace {

#if LUODI_IMAGE_TESTS_OPENCV
// The cv::cvtColor code that does src -> dst, or -1 when OpenCV has none (a copy).
int cv_code(PixelFormat s, PixelFormat d) {
  using P = PixelFormat;
  struct E {
    P s, d;
    int code;
  };
  static const E table[] = {
      {P::RGB, P::BGR, cv::COLOR_RGB2BGR},       {P::BGR, P::RGB, cv::COLOR_BGR2RGB},
      {P::RGB, P::RGBA, cv::COLOR_RGB2RGBA},     {P::RGB, P::BGRA, cv::COLOR_RGB2BGRA},
      {P::BGR, P::BGRA, cv::COLOR_BGR2BGRA},     {P::BGR, P::RGBA, cv::COLOR_BGR2RGBA},
      {P::RGBA, P::RGB, cv::COLOR_RGBA2RGB},     {P::RGBA, P::BGR, cv::COLOR_RGBA2BGR},
      {P::BGRA, P::BGR, cv::COLOR_BGRA2BGR},     {P::BGRA, P::RGB, cv::COLOR_BGRA2RGB},
      {P::RGBA, P::BGRA, cv::COLOR_RGBA2BGRA},   {P::BGRA, P::RGBA, cv::COLOR_BGRA2RGBA},
      {P::RGB, P::Gray, cv::COLOR_RGB2GRAY},     {P::BGR, P::Gray, cv::COLOR_BGR2GRAY},
      {P::RGBA, P::Gray, cv::COLOR_RGBA2GRAY},   {P::BGRA, P::Gray, cv::COLOR_BGRA2GRAY},
      {P::Gray, P::RGB, cv::COLOR_GRAY2RGB},     {P::Gray, P::BGR, cv::COLOR_GRAY2BGR},
      {P::Gray, P::RGBA, cv::COLOR_GRAY2RGBA},   {P::Gray, P::BGRA, cv::COLOR_GRAY2BGRA},
      {P::NV12, P::RGB, cv::COLOR_YUV2RGB_NV12}, {P::NV12, P::BGR, cv::COLOR_YUV2BGR_NV12},
      {P::NV12, P::RGBA, cv::COLOR_YUV2RGBA_NV12}, {P::NV12, P::BGRA, cv::COLOR_YUV2BGRA_NV12},
      {P::NV12, P::Gray, cv::COLOR_YUV2GRAY_NV12}, {P::NV21, P::RGB, cv::COLOR_YUV2RGB_NV21},
      {P::NV21, P::BGR, cv::COLOR_YUV2BGR_NV21}, {P::NV21, P::RGBA, cv::COLOR_YUV2RGBA_NV21},
      {P::NV21, P::BGRA, cv::COLOR_YUV2BGRA_NV21}, {P::NV21, P::Gray, cv::COLOR_YUV2GRAY_NV21},
      {P::I420, P::RGB, cv::COLOR_YUV2RGB_I420}, {P::I420, P::BGR, cv::COLOR_YUV2BGR_I420},
      {P::I420, P::RGBA, cv::COLOR_YUV2RGBA_I420}, {P::I420, P::BGRA, cv::COLOR_YUV2BGRA_I420},
      {P::I420, P::Gray, cv::COLOR_YUV2GRAY_I420},
  };
  for (const E& e : table)
    if (e.s == s && e.d == d) return e.code;
  return -1;
}
#endif

const PixelFormat kAll[] = {PixelFormat::Gray, PixelFormat::RGB,  PixelFormat::BGR,  PixelFormat::RGBA,
                            PixelFormat::BGRA, PixelFormat::NV12, PixelFormat::NV21, PixelFormat::I420};

struct Size {
  int w, h;
};
const Size kPackedSizes[] = {{1, 1}, {1, 7}, {7, 1}, {3, 5}, {17, 9}, {33, 2}, {64, 31}, {127, 13}, {250, 3}};
const Size kYuvSizes[] = {{2, 2}, {4, 2}, {2, 6}, {6, 4}, {18, 10}, {34, 2}, {62, 30}, {130, 14}, {252, 4}};

}  // namespace

#if LUODI_IMAGE_TESTS_OPENCV
TEST_CASE("convert: every supported pair equals cv::cvtColor") {
  int case_no = 0;
  for (PixelFormat s : kAll) {
    for (PixelFormat d : kPacked) {
      const bool yuv = is_yuv420(s);
      const int code = cv_code(s, d);
      if (s != d) REQUIRE_MESSAGE(code >= 0, nm(s), " -> ", nm(d));
      Diff total;
      for (const Size& sz : yuv ? kYuvSizes : kPackedSizes) {
        const int pad = (case_no++ % 3) * 3;  // 0, 3 or 6 bytes of padding
        Image src(s, sz.w, sz.h, pad, 500u + static_cast<std::uint32_t>(case_no));
        Image dst(d, sz.w, sz.h, pad + 1, 3);
        const Image before = dst;
        const Status st = image::convert(src.view(), dst.mview(), Isa::scalar);
        REQUIRE_MESSAGE(st.ok(), st.message());
        CHECK(padding_untouched(dst, before));
        cv::Mat want;
        if (code < 0) {
          want = src.mat();
        } else {
          cv::Mat in = s == PixelFormat::I420 ? i420_for_opencv(src) : src.mat();
          cv::cvtColor(in, want, code);
        }
        const Diff df = compare(dst, want);
        INFO(nm(s), " -> ", nm(d), " ", sz.w, "x", sz.h, " pad ", pad, ": ", df.str());
        CHECK(df.mismatch == 0);
        total.add(df);
      }
      MESSAGE(nm(s), " -> ", nm(d), ": ", total.str());
    }
  }
}

TEST_CASE("convert: the whole YUV range, every (Y, U, V), equals cv::cvtColor") {
  // A 512x256 NV12 image whose 2x2 blocks walk through all 256^3 (Y, U, V) triples 2^17 at a
  // time would be large; instead every U,V pair is paired with 4 Y values per block and the Y
  // values cycle through 0..255, so each (Y, U, V) combination occurs within 64 images.
  const int w = 512, h = 512;  // 256*256 chroma samples
  Image src(PixelFormat::NV12, w, h, 0, 1);
  Image dst(PixelFormat::RGB, w, h, 0, 2);
  std::int64_t mismatches = 0;
  for (int round = 0; round < 64; ++round) {
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) src.row(y)[x] = static_cast<std::uint8_t>((x & 1) + 2 * (y & 1) + 4 * round);
    std::uint8_t* uv = src.row(h);
    for (int i = 0; i < 256 * 256; ++i) {
      uv[2 * i] = static_cast<std::uint8_t>(i & 255);
      uv[2 * i + 1] = static_cast<std::uint8_t>(i >> 8);
    }
    REQUIRE(image::convert(src.view(), dst.mview(), Isa::scalar).ok());
    cv::Mat want;
    cv::cvtColor(src.mat(), want, cv::COLOR_YUV2RGB_NV12);
    mismatches += compare(dst, want).mismatch;
  }
  CHECK(mismatches == 0);
}
#endif  // LUODI_IMAGE_TESTS_OPENCV

TEST_CASE("convert: every SIMD ISA equals the scalar reference") {
  for (Isa isa : luodi_test::simd_isas()) {
    int case_no = 0;
    for (PixelFormat s : kAll) {
      for (PixelFormat d : kPacked) {
        for (const Size& sz : is_yuv420(s) ? kYuvSizes : kPackedSizes) {
          const int pad = (case_no++ % 2) * 5;
          Image src(s, sz.w * 3, sz.h * 2, pad, 900u + static_cast<std::uint32_t>(case_no));
          Image a(d, src.width, src.height, 2, 4), b(d, src.width, src.height, 2, 4);
          REQUIRE(image::convert(src.view(), a.mview(), Isa::scalar).ok());
          REQUIRE(image::convert(src.view(), b.mview(), isa).ok());
          const Diff df = compare(b, a);
          INFO(nm(isa), " ", nm(s), " -> ", nm(d), " ", src.width, "x", src.height,
               ": ", df.str());
          CHECK(df.mismatch == 0);
          CHECK(padding_untouched(b, a));
        }
      }
    }
  }
}
