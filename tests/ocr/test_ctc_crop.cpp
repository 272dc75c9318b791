// CTC decoding and the dictionary, the det input size rule, and the line crop (geometry,
// channel order, normalisation, padding), on inputs with hand-derivable answers.
#include <doctest/doctest.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "../../examples/ocr/ctc.hpp"
#include "../../examples/ocr/ocr.hpp"

namespace {

// T steps of C classes where step t puts `p` on class path[t] and spreads the rest evenly.
std::vector<float> one_hot_steps(const std::vector<int>& path, int C, float p) {
  std::vector<float> v(path.size() * C, (1.0f - p) / (C - 1));
  for (std::size_t t = 0; t < path.size(); ++t) v[t * C + path[t]] = p;
  return v;
}

}  // namespace

TEST_CASE("Dictionary: one symbol per line, space appended, CRLF tolerated") {
  auto d = ocr::Dictionary::from_text("a\r\nb\nc");
  REQUIRE(d.ok());
  CHECK(d->num_classes() == 5);  // blank a b c space
  CHECK(d->symbol(1) == "a");
  CHECK(d->symbol(2) == "b");
  CHECK(d->symbol(3) == "c");
  CHECK(d->symbol(4) == " ");
  auto u = ocr::Dictionary::from_text("中\n文\n");  // a final newline adds no symbol
  REQUIRE(u.ok());
  CHECK(u->num_classes() == 4);
  CHECK(u->symbol(2) == "文");
}

TEST_CASE("Dictionary: bad input is a named error") {
  auto e = ocr::Dictionary::from_text("a\n\nb");
  CHECK(e.status() == luodi::StatusCode::ParseError);
  CHECK(std::string(e.status().message()).find("line 2") != std::string::npos);
  CHECK(ocr::Dictionary::from_text("").status() == luodi::StatusCode::ParseError);
  auto m = ocr::Dictionary::load("/nonexistent/ppocr_keys.txt");
  CHECK(m.status() == luodi::StatusCode::NotFound);
}

TEST_CASE("ctc_greedy_decode: merge repeats, then drop blanks") {
  auto d = ocr::Dictionary::from_text("a\nb\nc");
  REQUIRE(d.ok());
  const int C = d->num_classes();
  SUBCASE("repeats merge, a blank separates equal symbols, space is the last class") {
    // a a - a b b space c  ->  "aab c"
    const auto v = one_hot_steps({1, 1, 0, 1, 2, 2, 4, 3}, C, 0.8f);
    const ocr::Decoded r = ocr::ctc_greedy_decode(v.data(), 8, C, C, *d);
    CHECK(r.text == "aab c");
    CHECK(r.chars == 5);
    CHECK(r.score == doctest::Approx(0.8f));
  }
  SUBCASE("the score is the mean over the kept steps only") {
    std::vector<float> v = one_hot_steps({0, 1, 1, 0, 3}, C, 0.9f);
    v[1 * C + 1] = 0.6f;  // first 'a' step (kept)
    v[2 * C + 1] = 0.7f;  // repeated 'a' (merged, not counted)
    v[4 * C + 3] = 0.5f;  // 'c'
    const ocr::Decoded r = ocr::ctc_greedy_decode(v.data(), 5, C, C, *d);
    CHECK(r.text == "ac");
    CHECK(r.score == doctest::Approx((0.6 + 0.5) / 2));
  }
  SUBCASE("all blanks: empty text, score 0") {
    const auto v = one_hot_steps({0, 0, 0}, C, 0.99f);
    const ocr::Decoded r = ocr::ctc_greedy_decode(v.data(), 3, C, C, *d);
    CHECK(r.text.empty());
    CHECK(r.score == 0.0f);
  }
  SUBCASE("rows further apart than C (a padded output)") {
    const int stride = C + 3;
    std::vector<float> v(3 * stride, 0.0f);
    v[0 * stride + 2] = 1.0f;
    v[1 * stride + 0] = 1.0f;
    v[2 * stride + 2] = 1.0f;
    v[0 * stride + C] = 5.0f;  // padding beyond C is never read
    CHECK(ocr::ctc_greedy_decode(v.data(), 3, C, stride, *d).text == "bb");
  }
}

TEST_CASE("det_input_size: longer side at most max_side, each side a multiple of 32") {
  int w = 0, h = 0;
  ocr::det_input_size(640, 360, 960, &w, &h);  // 360 / 32 = 11.25 -> 352
  CHECK((w == 640 && h == 352));
  ocr::det_input_size(2000, 1000, 960, &w, &h);  // scale 0.48: 960 x 480
  CHECK((w == 960 && h == 480));
  ocr::det_input_size(1000, 3000, 960, &w, &h);  // scale 0.32: 320 x 960
  CHECK((w == 320 && h == 960));
  ocr::det_input_size(10, 5, 960, &w, &h);  // never below 32
  CHECK((w == 32 && h == 32));
  ocr::det_input_size(50, 50, 960, &w, &h);  // 50/32 = 1.5625 -> 64
  CHECK((w == 64 && h == 64));
}

TEST_CASE("crop_matrix maps the quad's corners to the crop's corners") {
  // Index coordinates: continuous - 0.5. An axis-aligned quad at (10, 20), 30 x 10, cut at
  // its own size is a shift; at twice its size, dst_i = 2 (src_i + 0.5 - 10) - 0.5.
  float m[6];
  const ocr::Quad q{{{10, 20}, {40, 20}, {40, 30}, {10, 30}}};
  REQUIRE(ocr::crop_matrix(q, 30, 10, m));
  CHECK(m[0] == doctest::Approx(1.0));
  CHECK(m[1] == doctest::Approx(0.0));
  CHECK(m[2] == doctest::Approx(-10.0));
  CHECK(m[4] == doctest::Approx(1.0));
  CHECK(m[5] == doctest::Approx(-20.0));
  REQUIRE(ocr::crop_matrix(q, 60, 20, m));
  CHECK(m[0] == doctest::Approx(2.0));
  CHECK(m[2] == doctest::Approx(-19.5));
  CHECK(m[5] == doctest::Approx(-39.5));
  const ocr::Quad flat{{{0, 0}, {10, 0}, {10, 0}, {0, 0}}};
  CHECK_FALSE(ocr::crop_matrix(flat, 10, 10, m));
}

TEST_CASE("crop_to_tensor: a 180-degree quad gives the rotated image, BGR planes, v/127.5-1, zero pad") {
  const int w = 13, h = 7;
  std::mt19937 rng(5);
  std::vector<std::uint8_t> px(w * h * 3);
  for (auto& v : px) v = static_cast<std::uint8_t>(rng());
  const luodi::ImageView img{px.data(), w, h, w * 3, luodi::PixelFormat::RGB};
  const ocr::Quad whole{{{0, 0}, {double(w), 0}, {double(w), double(h)}, {0, double(h)}}};
  const int W = 20;  // tensor wider than the crop: columns 13..19 are padding
  std::vector<float> t(3 * h * W, 42.0f);
  const auto view = luodi::TensorView<float>::contiguous(t.data(), luodi::Shape{1, 3, h, W});
  std::vector<std::uint8_t> scratch;
  for (int turned = 0; turned < 2; ++turned) {
    const ocr::Quad q = turned ? whole.rotated180() : whole;
    REQUIRE(ocr::crop_to_tensor(img, q, w, h, ocr::ppocr_line_spec(), view, scratch).ok());
    int bad = 0;
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < W; ++x) {
          const float got = t[(c * h + y) * W + x];
          float want = 0.0f;
          if (x < w) {
            const int sx = turned ? w - 1 - x : x, sy = turned ? h - 1 - y : y;
            const int rgb = 2 - c;  // plane 0 is blue
            want = px[(sy * w + sx) * 3 + rgb] / 127.5f - 1.0f;
          }
          if (std::fabs(got - want) > 1e-6f) ++bad;
        }
    CHECK(bad == 0);
  }
}

TEST_CASE("crop_to_tensor: a tensor that cannot hold the crop is an error, not a write") {
  std::vector<std::uint8_t> px(8 * 8 * 3, 0);
  const luodi::ImageView img{px.data(), 8, 8, 24, luodi::PixelFormat::RGB};
  std::vector<float> t(3 * 48 * 16, 7.0f);
  const auto view = luodi::TensorView<float>::contiguous(t.data(), luodi::Shape{1, 3, 48, 16});
  std::vector<std::uint8_t> scratch;
  const ocr::Quad q{{{0, 0}, {8, 0}, {8, 8}, {0, 8}}};
  CHECK(ocr::crop_to_tensor(img, q, 32, 48, ocr::ppocr_line_spec(), view, scratch) == luodi::StatusCode::ShapeMismatch);
  for (float v : t) REQUIRE(v == 7.0f);
}
