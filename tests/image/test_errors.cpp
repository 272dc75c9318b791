// Every error path of the image ops: each bad argument gets its named Status, with a message
// that says what is wrong, and the destination is left untouched.
#include <doctest/doctest.h>
#include <luodi/image.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "image_test_util.hpp"

using namespace luodi;
using namespace image_test;
using image::Border;
using image::Interp;

namespace {

void expect(const Status& s, StatusCode code, const char* needle) {
  INFO("status: ", std::string(s.code_name()), ": ", std::string(s.message()));
  CHECK(s.code() == code);
  CHECK(std::strstr(s.message(), needle) != nullptr);
}

}  // namespace

TEST_CASE("errors: views") {
  std::vector<std::uint8_t> buf(64 * 64 * 4, 0);
  const ImageView ok{buf.data(), 8, 8, 24, PixelFormat::RGB};
  MutableImageView dst{buf.data() + 2048, 8, 8, 24, PixelFormat::RGB};

  ImageView v = ok;
  v.data = nullptr;
  expect(image::convert(v, dst), StatusCode::InvalidArgument, "data is null");
  MutableImageView d = dst;
  d.data = nullptr;
  expect(image::resize(ok, d, Interp::Linear), StatusCode::InvalidArgument, "data is null");

  v = ok;
  v.stride = 23;
  expect(image::resize(v, dst, Interp::Linear), StatusCode::InvalidArgument, "stride 23 is smaller");
  v = ok;
  v.width = 0;
  expect(image::resize(v, dst, Interp::Linear), StatusCode::OutOfRange, "outside 1..32767");
  v = ok;
  v.height = 40000;
  expect(image::convert(v, dst), StatusCode::OutOfRange, "outside 1..32767");
  v = ok;
  v.format = static_cast<PixelFormat>(99);
  expect(image::convert(v, dst), StatusCode::InvalidArgument, "invalid pixel format");

  const ImageView odd{buf.data(), 7, 4, 8, PixelFormat::NV12};
  expect(image::convert(odd, dst), StatusCode::InvalidArgument, "even width and height");
  const ImageView odd_h{buf.data(), 8, 5, 8, PixelFormat::I420};
  expect(image::convert(odd_h, dst), StatusCode::InvalidArgument, "even width and height");

  expect(image::crop(ok, 5, 0, 4, 2).status(), StatusCode::OutOfRange, "not inside");
  expect(image::crop(ok, -1, 0, 1, 1).status(), StatusCode::OutOfRange, "not inside");
  expect(image::crop(ok, 0, 0, 0, 1).status(), StatusCode::OutOfRange, "not inside");
  const ImageView nv{buf.data(), 8, 8, 8, PixelFormat::NV12};
  expect(image::crop(nv, 0, 0, 2, 2).status(), StatusCode::Unsupported, "cannot be cropped");
}

TEST_CASE("errors: convert") {
  std::vector<std::uint8_t> buf(64 * 64 * 4, 7);
  const ImageView rgb{buf.data(), 8, 8, 24, PixelFormat::RGB};
  MutableImageView gray{buf.data() + 4096, 8, 4, 8, PixelFormat::Gray};
  expect(image::convert(rgb, gray), StatusCode::ShapeMismatch, "8x8 but dst is 8x4");
  MutableImageView nv12{buf.data() + 4096, 8, 8, 8, PixelFormat::NV12};
  expect(image::convert(rgb, nv12), StatusCode::Unsupported, "conversion to YUV");
  MutableImageView overlapping{buf.data() + 100, 8, 8, 24, PixelFormat::BGR};
  expect(image::convert(rgb, overlapping), StatusCode::InvalidArgument, "overlap");
}

TEST_CASE("errors: resize") {
  std::vector<std::uint8_t> buf(64 * 64 * 4, 7);
  const ImageView rgb{buf.data(), 8, 8, 24, PixelFormat::RGB};
  MutableImageView out{buf.data() + 4096, 4, 4, 16, PixelFormat::RGBA};
  const std::vector<std::uint8_t> before(buf);
  expect(image::resize(rgb, out, Interp::Linear), StatusCode::InvalidArgument, "src is RGB but dst is RGBA");
  out.format = PixelFormat::RGB;
  expect(image::resize(rgb, out, static_cast<Interp>(9)), StatusCode::InvalidArgument, "invalid interpolation");
  const ImageView nv{buf.data(), 8, 8, 8, PixelFormat::NV12};
  MutableImageView nv_out{buf.data() + 4096, 4, 4, 4, PixelFormat::NV12};
  expect(image::resize(nv, nv_out, Interp::Linear), StatusCode::Unsupported, "use preprocess()");
  MutableImageView overlapping{buf.data() + 50, 4, 4, 12, PixelFormat::RGB};
  expect(image::resize(rgb, overlapping, Interp::Area), StatusCode::InvalidArgument, "overlap");
  CHECK(buf == before);
}

TEST_CASE("errors: warp_affine") {
  std::vector<std::uint8_t> buf(64 * 64 * 4, 7);
  const ImageView src{buf.data(), 8, 8, 8, PixelFormat::Gray};
  MutableImageView dst{buf.data() + 4096, 8, 8, 8, PixelFormat::Gray};
  const float id[6] = {1, 0, 0, 0, 1, 0};
  const std::vector<std::uint8_t> before(buf);
  expect(image::warp_affine(src, dst, nullptr, Interp::Linear, Border::Constant, 0), StatusCode::InvalidArgument,
         "matrix is null");
  const float singular[6] = {1, 2, 0, 2, 4, 0};
  expect(image::warp_affine(src, dst, singular, Interp::Linear, Border::Constant, 0), StatusCode::InvalidArgument,
         "not invertible");
  const float nan_m[6] = {1, 0, std::numeric_limits<float>::quiet_NaN(), 0, 1, 0};
  expect(image::warp_affine(src, dst, nan_m, Interp::Linear, Border::Constant, 0), StatusCode::InvalidArgument,
         "element 2 is not finite");
  const float far[6] = {1e-7f, 0, 0, 0, 1e-7f, 0};
  expect(image::warp_affine(src, dst, far, Interp::Linear, Border::Constant, 0), StatusCode::OutOfRange, "beyond");
  expect(image::warp_affine(src, dst, id, static_cast<Interp>(5), Border::Constant, 0), StatusCode::InvalidArgument,
         "invalid interpolation");
  expect(image::warp_affine(src, dst, id, Interp::Linear, static_cast<Border>(5), 0), StatusCode::InvalidArgument,
         "invalid border");
  MutableImageView rgb{buf.data() + 4096, 8, 8, 24, PixelFormat::RGB};
  expect(image::warp_affine(src, rgb, id, Interp::Linear, Border::Constant, 0), StatusCode::InvalidArgument,
         "src is Gray but dst is RGB");
  const ImageView nv{buf.data(), 8, 8, 8, PixelFormat::NV21};
  MutableImageView nv_out{buf.data() + 4096, 8, 8, 8, PixelFormat::NV21};
  expect(image::warp_affine(nv, nv_out, id, Interp::Linear, Border::Constant, 0), StatusCode::Unsupported, "NV21");
  CHECK(buf == before);
}

TEST_CASE("errors: transforms") {
  std::vector<std::uint8_t> buf(64 * 64 * 4, 7);
  const ImageView src{buf.data(), 8, 4, 24, PixelFormat::RGB};
  MutableImageView same{buf.data() + 4096, 8, 4, 24, PixelFormat::RGB};
  MutableImageView swapped{buf.data() + 4096, 4, 8, 12, PixelFormat::RGB};
  expect(image::rotate(src, same, image::Rotation::Cw90), StatusCode::ShapeMismatch, "needs a 4x8 destination");
  expect(image::flip(src, swapped, image::Flip::Both), StatusCode::ShapeMismatch, "needs a 8x4 destination");
  expect(image::apply_exif_orientation(src, same, 0), StatusCode::OutOfRange, "outside 1..8");
  expect(image::apply_exif_orientation(src, same, 9), StatusCode::OutOfRange, "outside 1..8");
  expect(image::flip(src, same, static_cast<image::Flip>(7)), StatusCode::InvalidArgument, "invalid flip");
  expect(image::rotate(src, swapped, static_cast<image::Rotation>(7)), StatusCode::InvalidArgument, "invalid rotation");
  MutableImageView gray{buf.data() + 4096, 8, 4, 8, PixelFormat::Gray};
  expect(image::flip(src, gray, image::Flip::Vertical), StatusCode::InvalidArgument, "src is RGB but dst is Gray");
  const ImageView nv{buf.data(), 8, 4, 8, PixelFormat::NV12};
  MutableImageView nv_out{buf.data() + 4096, 8, 4, 8, PixelFormat::NV12};
  expect(image::flip(nv, nv_out, image::Flip::Vertical), StatusCode::Unsupported, "NV12");
}
