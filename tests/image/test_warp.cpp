// image::warp_affine against cv::warpAffine (Linear and Nearest, all three borders), with
// rotations, scales, shears, flips and translations that send parts of the output outside the
// source; every SIMD ISA against the scalar reference.
#include <doctest/doctest.h>
#include <luodi/image.hpp>

#include <cmath>
#include <random>
#include <vector>

#include "image_test_util.hpp"
#if LUODI_IMAGE_TESTS_OPENCV
#include <opencv2/imgproc.hpp>
#endif

using namespace luodi;
using namespace image_test;
using image::Border;
using image::Interp;

namespace {

#if LUODI_IMAGE_TESTS_OPENCV
constexpr int kWarpMaxAbs = 1;  // the contract: within 1 LSB of cv::warpAffine
#endif

struct Case {
  int sw, sh, dw, dh;
  float m[6];
};

std::vector<Case> cases() {
  std::vector<Case> v;
  std::mt19937 rng(31);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  const int sizes[][4] = {{1, 1, 3, 2},   {2, 3, 5, 5},     {17, 13, 19, 11}, {64, 48, 64, 48},
                          {101, 67, 40, 90}, {33, 200, 120, 30}, {255, 127, 224, 224}};
  for (const auto& s : sizes) {
    for (int k = 0; k < 6; ++k) {
      Case c{s[0], s[1], s[2], s[3], {}};
      const float ang = 3.14159265f * u(rng), sc = 0.3f + 1.5f * (u(rng) + 1.0f) * 0.5f;
      const float shear = k == 3 ? 0.4f * u(rng) : 0.0f;
      const float flip = k == 4 ? -1.0f : 1.0f;
      c.m[0] = sc * std::cos(ang) * flip;
      c.m[1] = -sc * std::sin(ang) + shear;
      c.m[3] = sc * std::sin(ang) * flip;
      c.m[4] = sc * std::cos(ang);
      c.m[2] = 0.5f * s[2] + 0.3f * s[2] * u(rng);
      c.m[5] = 0.5f * s[3] + 0.3f * s[3] * u(rng);
      if (k == 0) {  // a pure scale-and-shift, the letterbox/crop case
        c.m[0] = static_cast<float>(s[2]) / s[0];
        c.m[1] = c.m[3] = 0.0f;
        c.m[4] = static_cast<float>(s[3]) / s[1];
        c.m[2] = 0.25f;
        c.m[5] = -0.5f;
      }
      v.push_back(c);
    }
  }
  return v;
}

#if LUODI_IMAGE_TESTS_OPENCV
int cv_border(Border b) {
  return b == Border::Constant ? cv::BORDER_CONSTANT : (b == Border::Replicate ? cv::BORDER_REPLICATE : cv::BORDER_REFLECT_101);
}
#endif

Image run(const Image& src, const Case& c, Interp interp, Border border, Isa isa) {
  Image dst(src.format, c.dw, c.dh, 3, 5);
  const Image before = dst;
  const Status s = image::warp_affine(src.view(), dst.mview(), c.m, interp, border, 77, isa);
  REQUIRE_MESSAGE(s.ok(), s.message());
  CHECK(padding_untouched(dst, before));
  return dst;
}

}  // namespace

#if LUODI_IMAGE_TESTS_OPENCV
TEST_CASE("warp_affine: matches cv::warpAffine for every interpolation and border") {
  for (Interp interp : {Interp::Nearest, Interp::Linear}) {
    for (Border border : {Border::Constant, Border::Replicate, Border::Reflect101}) {
      Diff total;
      int case_no = 0;
      for (const Case& c : cases()) {
        for (PixelFormat f : kResizeFormats) {
          ++case_no;
          Image src(f, c.sw, c.sh, (case_no % 2) * 7, 40u + static_cast<std::uint32_t>(case_no));
          const Image got = run(src, c, interp, border, Isa::scalar);
          cv::Mat M = (cv::Mat_<double>(2, 3) << c.m[0], c.m[1], c.m[2], c.m[3], c.m[4], c.m[5]);
          cv::Mat want;
          cv::warpAffine(src.mat(), want, M, cv::Size(c.dw, c.dh),
                         interp == Interp::Nearest ? cv::INTER_NEAREST : cv::INTER_LINEAR, cv_border(border),
                         cv::Scalar::all(77));
          const Diff d = compare(got, want);
          INFO(nm(interp), " ", nm(border), " ", nm(f), " ", c.sw, "x",
               c.sh, " -> ", c.dw, "x", c.dh, ": ", d.str());
          CHECK(d.max_abs <= kWarpMaxAbs);
          total.add(d);
        }
      }
      MESSAGE(nm(interp), " ", nm(border), " vs OpenCV: ", total.str());
    }
  }
}
#endif  // LUODI_IMAGE_TESTS_OPENCV

TEST_CASE("warp_affine: every SIMD ISA equals the scalar reference") {
  for (Isa isa : luodi_test::simd_isas())
    for (Interp interp : {Interp::Nearest, Interp::Linear})
      for (Border border : {Border::Constant, Border::Replicate, Border::Reflect101}) {
        int case_no = 0;
        for (const Case& c : cases())
          for (PixelFormat f : kResizeFormats) {
            ++case_no;
            Image src(f, c.sw, c.sh, (case_no % 2) * 3, 60u + static_cast<std::uint32_t>(case_no));
            const Diff d = compare(run(src, c, interp, border, isa), run(src, c, interp, border, Isa::scalar));
            INFO(nm(isa), " ", nm(interp), " ", nm(border), " ",
                 nm(f), ": ", d.str());
            CHECK(d.mismatch == 0);
          }
      }
}
