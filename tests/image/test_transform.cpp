// crop, flip, rotate and the EXIF orientations against cv::flip, cv::rotate and cv::transpose.
#include <doctest/doctest.h>
#include <luodi/image.hpp>

#include "image_test_util.hpp"

using namespace luodi;
using namespace image_test;

#if LUODI_IMAGE_TESTS_OPENCV

namespace {

// The upright image for EXIF orientation o, built from OpenCV operations.
cv::Mat exif_opencv(const cv::Mat& m, int o) {
  cv::Mat r;
  switch (o) {
    case 1: r = m.clone(); break;
    case 2: cv::flip(m, r, 1); break;
    case 3: cv::rotate(m, r, cv::ROTATE_180); break;
    case 4: cv::flip(m, r, 0); break;
    case 5: cv::transpose(m, r); break;
    case 6: cv::rotate(m, r, cv::ROTATE_90_CLOCKWISE); break;
    case 7: {
      cv::Mat t;
      cv::transpose(m, t);
      cv::rotate(t, r, cv::ROTATE_180);
      break;
    }
    default: cv::rotate(m, r, cv::ROTATE_90_COUNTERCLOCKWISE); break;
  }
  return r;
}

}  // namespace

TEST_CASE("transform: the 8 EXIF orientations, flips and rotations equal OpenCV's") {
  const int sizes[][2] = {{1, 1}, {1, 5}, {6, 1}, {7, 3}, {16, 9}, {33, 20}};
  int case_no = 0;
  for (PixelFormat f : kPacked) {
    for (const auto& sz : sizes) {
      ++case_no;
      Image src(f, sz[0], sz[1], (case_no % 2) * 5, 10u + static_cast<std::uint32_t>(case_no));
      for (int o = 1; o <= 8; ++o) {
        int ow, oh;
        image::exif_oriented_size(src.width, src.height, o, &ow, &oh);
        Image dst(f, ow, oh, 2, 1);
        const Image before = dst;
        REQUIRE(image::apply_exif_orientation(src.view(), dst.mview(), o).ok());
        const Diff d = compare(dst, exif_opencv(src.mat(), o));
        INFO("EXIF ", o, " ", nm(f), " ", sz[0], "x", sz[1], ": ", d.str());
        CHECK(d.mismatch == 0);
        CHECK(padding_untouched(dst, before));
      }
      struct F {
        image::Flip f;
        int code;
      };
      for (F fl : {F{image::Flip::Horizontal, 1}, F{image::Flip::Vertical, 0}, F{image::Flip::Both, -1}}) {
        Image dst(f, src.width, src.height, 1, 1);
        REQUIRE(image::flip(src.view(), dst.mview(), fl.f).ok());
        cv::Mat want;
        cv::flip(src.mat(), want, fl.code);
        CHECK(compare(dst, want).mismatch == 0);
      }
      struct R {
        image::Rotation r;
        int code;
      };
      for (R r : {R{image::Rotation::Cw90, cv::ROTATE_90_CLOCKWISE}, R{image::Rotation::Cw180, cv::ROTATE_180},
                  R{image::Rotation::Cw270, cv::ROTATE_90_COUNTERCLOCKWISE}}) {
        const bool swap = r.r != image::Rotation::Cw180;
        Image dst(f, swap ? src.height : src.width, swap ? src.width : src.height, 0, 1);
        REQUIRE(image::rotate(src.view(), dst.mview(), r.r).ok());
        cv::Mat want;
        cv::rotate(src.mat(), want, r.code);
        CHECK(compare(dst, want).mismatch == 0);
      }
    }
  }
}

#endif  // LUODI_IMAGE_TESTS_OPENCV

TEST_CASE("transform: crop is a view of the same bytes") {
  Image src(PixelFormat::RGB, 20, 10, 4, 3);
  auto c = image::crop(src.view(), 3, 2, 5, 4);
  REQUIRE(c.ok());
  CHECK(c->data == src.buf.data() + 2 * src.stride + 3 * 3);
  CHECK(c->width == 5);
  CHECK(c->height == 4);
  CHECK(c->stride == src.stride);
  auto m = image::crop(src.mview(), 19, 9, 1, 1);
  REQUIRE(m.ok());
  CHECK(m->data == src.buf.data() + 9 * src.stride + 19 * 3);
}
