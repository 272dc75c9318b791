#include <doctest/doctest.h>
#include <luodi/core/shape.hpp>
#include <luodi/core/tensor.hpp>

#include <cstdint>
#include <string>
#include <vector>

using namespace luodi;

TEST_CASE("Shape basics, negative axes and printing") {
  Shape s{1, 3, 224, 224};
  CHECK(s.rank() == 4);
  CHECK(s.numel() == 3 * 224 * 224);
  CHECK(s.dim(-1) == 224);
  CHECK(s.dim(1) == 3);
  CHECK(std::string(s.str().c_str()) == "1x3x224x224");
  CHECK(std::string(Shape{}.str().c_str()) == "scalar");
  CHECK(Shape{}.numel() == 1);
  Shape u{-1, 3};
  CHECK_FALSE(u.is_static());
  CHECK(std::string(u.str().c_str()) == "?x3");
  CHECK(Shape{2, 3} == Shape{2, 3});
  CHECK(Shape{2, 3} != Shape{3, 2});
  CHECK(Shape{2, 3} != Shape{2, 3, 1});
}

TEST_CASE("Shape::make validates untrusted dims and rank") {
  const std::int64_t good[] = {2, 3, -1};
  CHECK(Shape::make(good, 3).ok());
  const std::int64_t bad[] = {2, -5};
  auto r = Shape::make(bad, 2);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::OutOfRange);
  CHECK(std::string(r.status().message()).find("-5") != std::string::npos);
  std::int64_t nine[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
  CHECK(Shape::make(nine, 9).status().code() == StatusCode::OutOfRange);
}

TEST_CASE("element counts are overflow-checked") {
  Shape huge{std::int64_t(1) << 30, std::int64_t(1) << 30, 16};
  std::int64_t n = 0;
  CHECK_FALSE(huge.checked_numel(&n));
  auto r = huge.numel_checked();
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::Overflow);
  Shape unknown{-1, 4};
  CHECK(unknown.numel_checked().status().code() == StatusCode::InvalidArgument);
  Shape zero{0, std::int64_t(1) << 62};
  CHECK(zero.checked_numel(&n));
  CHECK(n == 0);
  Shape ok{1000, 1000, 1000};
  CHECK(ok.checked_numel(&n));
  CHECK(n == 1000000000);
}

TEST_CASE("Tensor owns 64-byte aligned storage; views see it with row-major strides") {
  auto t = Tensor<float>::zeros({2, 3, 4}, Layout::Plain);
  REQUIRE(t.ok());
  CHECK(is_aligned(t->data(), 64));
  CHECK(t->numel() == 24);
  for (int i = 0; i < 24; ++i) (*t)[i] = static_cast<float>(i);
  TensorView<float> v = t->view();
  CHECK(v.is_contiguous());
  CHECK(v.strides[0] == 12);
  CHECK(v.strides[2] == 1);
  CHECK(v.at(1, 2, 3) == 23.0f);
  TensorView<const float> cv = v;
  CHECK(cv.at(0, 1, 0) == 4.0f);
  auto r = v.reshaped({6, 4});
  REQUIRE(r.ok());
  CHECK(r->at(5, 3) == 23.0f);
  CHECK(v.reshaped({5, 5}).status().code() == StatusCode::ShapeMismatch);
}

TEST_CASE("strided views: a channel slice of an NHWC image is not contiguous") {
  std::vector<float> img(2 * 3 * 4);  // H=2, W=3, C=4
  for (std::size_t i = 0; i < img.size(); ++i) img[i] = static_cast<float>(i);
  Strides st;
  st[0] = 12;
  st[1] = 4;  // one channel of an HWC buffer: stride 4 along W
  TensorView<float> ch(img.data() + 2, Shape{2, 3}, st);
  CHECK_FALSE(ch.is_contiguous());
  CHECK(ch.at(1, 2) == img[1 * 12 + 2 * 4 + 2]);
  CHECK(ch.reshaped({6}).status().code() == StatusCode::InvalidArgument);
}

TEST_CASE("Tensor::create reports an impossible shape instead of allocating") {
  auto t = Tensor<float>::create({std::int64_t(1) << 40, std::int64_t(1) << 20});
  REQUIRE_FALSE(t.ok());
  CHECK(t.status().code() == StatusCode::Overflow);
}
