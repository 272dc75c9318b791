// image::resize against cv::resize (OpenCV 4.6, u8), over many sizes (odd, 1 pixel, exact
// integer factors, mixed up/down), padded strides and Gray/RGB/RGBA; and every SIMD ISA
// against the scalar reference.
#include <doctest/doctest.h>
#include <luodi/image.hpp>

#include <random>
#include <vector>

#include "image_test_util.hpp"
#if LUODI_IMAGE_TESTS_OPENCV
#include <opencv2/imgproc.hpp>
#endif

using namespace luodi;
using namespace image_test;
using image::Interp;

namespace {

// The contract (image/resize.hpp): Nearest identical; Linear within 1 LSB with at least 99.99%
// of bytes identical; Area within 1 LSB.
#if LUODI_IMAGE_TESTS_OPENCV
constexpr int kNearestMaxAbs = 0;
constexpr int kLinearMaxAbs = 1;
constexpr double kLinearMinIdentical = 0.9999;
constexpr int kAreaMaxAbs = 1;
#endif
// SIMD against ref: identical, except the general area path whose float sums may be
// contracted into FMAs by the compiler (at most 1 LSB).
constexpr int kSimdAreaMaxAbs = 1;

struct SizePair {
  int sw, sh, dw, dh;
};

std::vector<SizePair> size_pairs() {
  std::vector<SizePair> v = {
      {1, 1, 1, 1},     {1, 1, 5, 3},     {7, 5, 1, 1},      {1, 9, 4, 2},      {9, 1, 2, 4},    {2, 2, 1, 1},
      {13, 11, 7, 5},   {7, 5, 13, 11},   {100, 50, 50, 25}, {99, 51, 33, 17},  {64, 48, 16, 12}, {60, 40, 30, 40},
      {61, 37, 29, 50}, {35, 17, 211, 99}, {640, 480, 224, 224}, {257, 129, 64, 33}, {300, 200, 17, 300},
      {33, 65, 32, 64}, {3, 3, 2, 2},     {5, 4, 10, 8},     {31, 31, 62, 62},  {200, 3, 7, 1},  {48, 48, 7, 7},
      {5001, 3, 2, 2},  // area cells wider than a tile (the per-pixel path)
      // integer area factors other than 2x2 (and one whose 16-bit sums would overflow: 17x17)
      {99, 66, 33, 22}, {160, 90, 40, 30}, {130, 14, 13, 7}, {2000, 9, 250, 3}, {340, 34, 20, 2},
  };
  std::mt19937 rng(2024);
  for (int i = 0; i < 40; ++i) {
    const int sw = 1 + static_cast<int>(rng() % 150), sh = 1 + static_cast<int>(rng() % 90);
    const int dw = 1 + static_cast<int>(rng() % 150), dh = 1 + static_cast<int>(rng() % 90);
    v.push_back({sw, sh, dw, dh});
  }
  return v;
}

#if LUODI_IMAGE_TESTS_OPENCV
int cv_interp(Interp i) {
  return i == Interp::Nearest ? cv::INTER_NEAREST : (i == Interp::Linear ? cv::INTER_LINEAR : cv::INTER_AREA);
}
#endif

// Resizes with luodi (on `isa`) and returns the image.
Image run(const Image& src, int dw, int dh, Interp interp, Isa isa, int pad) {
  Image dst(src.format, dw, dh, pad, 99);
  const Image before = dst;
  const Status s = image::resize(src.view(), dst.mview(), interp, isa);
  REQUIRE_MESSAGE(s.ok(), s.message());
  CHECK(padding_untouched(dst, before));
  return dst;
}

#if LUODI_IMAGE_TESTS_OPENCV
void check_against_opencv(Interp interp, const std::vector<SizePair>& pairs) {
  Diff total;
  int case_no = 0;
  for (const SizePair& p : pairs) {
    for (PixelFormat f : kResizeFormats) {
      const int pad = (case_no++ % 3 == 0) ? 0 : 1 + case_no % 13;
      Image src(f, p.sw, p.sh, pad, 1000u + static_cast<std::uint32_t>(case_no));
      const Image got = run(src, p.dw, p.dh, interp, Isa::scalar, pad / 2);
      cv::Mat want;
      cv::resize(src.mat(), want, cv::Size(p.dw, p.dh), 0, 0, cv_interp(interp));
      const Diff d = compare(got, want);
      INFO(nm(interp), " ", nm(f), " ", p.sw, "x", p.sh, " -> ", p.dw, "x", p.dh,
           ": ", d.str());
      const int max_abs = interp == Interp::Nearest ? kNearestMaxAbs : (interp == Interp::Linear ? kLinearMaxAbs : kAreaMaxAbs);
      CHECK(d.max_abs <= max_abs);
      total.add(d);
    }
  }
  MESSAGE(nm(interp), " vs OpenCV: ", total.str(), ", identical ", total.identical_fraction() * 100.0, "%");
  if (interp == Interp::Linear) CHECK(total.identical_fraction() >= kLinearMinIdentical);
}
#endif

}  // namespace

#if LUODI_IMAGE_TESTS_OPENCV
TEST_CASE("resize: nearest equals cv::INTER_NEAREST") { check_against_opencv(Interp::Nearest, size_pairs()); }
TEST_CASE("resize: linear matches cv::INTER_LINEAR") { check_against_opencv(Interp::Linear, size_pairs()); }
TEST_CASE("resize: area matches cv::INTER_AREA (down by integer and other factors, and up)") {
  check_against_opencv(Interp::Area, size_pairs());
}
#endif  // LUODI_IMAGE_TESTS_OPENCV

// Every ISA against OpenCV at 1080p (when OpenCV is there), and every SIMD ISA against the
// scalar reference, on the sizes the benches measure.
TEST_CASE("resize: full HD frames to 224, 640, 960x540 and 480x270") {
  const std::vector<SizePair> big = {
      {1920, 1080, 224, 224}, {1920, 1080, 640, 640}, {1920, 1080, 960, 540}, {1920, 1080, 480, 270}};
  for (Interp i : {Interp::Nearest, Interp::Linear, Interp::Area}) {
    for (const SizePair& p : big) {
      Image src(PixelFormat::RGB, p.sw, p.sh, 0, 7);
      const Image ref = run(src, p.dw, p.dh, i, Isa::scalar, 0);
      for (Isa isa : luodi_test::simd_isas()) {
        const Diff d = compare(run(src, p.dw, p.dh, i, isa, 0), ref);
        INFO(nm(i), " ", nm(isa), " vs scalar ", p.dw, "x", p.dh, ": ", d.str());
        CHECK(d.max_abs <= (i == Interp::Area ? kSimdAreaMaxAbs : 0));
      }
    }
  }
#if LUODI_IMAGE_TESTS_OPENCV
  for (Interp i : {Interp::Nearest, Interp::Linear, Interp::Area}) {
    Diff total;
    for (const SizePair& p : big) {
      Image src(PixelFormat::RGB, p.sw, p.sh, 0, 7);
      cv::Mat want;
      cv::resize(src.mat(), want, cv::Size(p.dw, p.dh), 0, 0, cv_interp(i));
      for (Isa isa : luodi_test::available_isas()) {
        const Image got = run(src, p.dw, p.dh, i, isa, 0);
        const Diff d = compare(got, want);
        INFO(nm(i), " ", nm(isa), " ", p.dw, "x", p.dh, ": ", d.str());
        CHECK(d.max_abs <= (i == Interp::Nearest ? 0 : 1));
        if (i == Interp::Linear) CHECK(d.identical_fraction() >= kLinearMinIdentical);
        total.add(d);
      }
    }
    MESSAGE("1080p ", nm(i), ": ", total.str());
  }
#endif
}

TEST_CASE("resize: every SIMD ISA equals the scalar reference") {
  const auto pairs = size_pairs();
  for (Isa isa : luodi_test::simd_isas()) {
    for (Interp interp : {Interp::Nearest, Interp::Linear, Interp::Area}) {
      Diff total;
      int case_no = 0;
      for (const SizePair& p : pairs) {
        for (PixelFormat f : kResizeFormats) {
          const int pad = (case_no++ % 2) ? 5 : 0;
          Image src(f, p.sw, p.sh, pad, 77u + static_cast<std::uint32_t>(case_no));
          const Image want = run(src, p.dw, p.dh, interp, Isa::scalar, 3);
          const Image got = run(src, p.dw, p.dh, interp, isa, 3);
          const Diff d = compare(got, want);
          INFO(nm(isa), " ", nm(interp), " ", nm(f), " ", p.sw, "x", p.sh, " -> ",
               p.dw, "x", p.dh, ": ", d.str());
          CHECK(d.max_abs <= (interp == Interp::Area ? kSimdAreaMaxAbs : 0));
          total.add(d);
        }
      }
      MESSAGE(nm(isa), " ", nm(interp), " vs scalar: ", total.str());
    }
  }
}
