// Resize / Upsample: ref against PyTorch (nearest, nearest-exact, bilinear, bicubic), the ONNX
// test data, and numpy written from the ONNX spec for the remaining mode combinations; every
// ISA against ref; errors.
#include <doctest/doctest.h>
#include <luodi/core/thread_pool.hpp>
#include <luodi/kernels/resize/resize.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "../support/ops_fixtures.hpp"
#include "../support/test_util.hpp"

using namespace luodi;
using namespace luodi::kernels;

namespace {
// Nearest copies input values: exact. Linear and cubic weigh 2 or 4 taps per axis with weights
// computed in float (the references use float64), so results agree to a few roundings of the
// inputs' magnitude (N(0,1) here).
constexpr double kLinearAbs = 2e-6, kLinearRel = 2e-6;
constexpr double kCubicAbs = 1e-5, kCubicRel = 1e-5;
// SIMD vs ref: the same taps, products accumulated with FMAs (inputs in [-2, 2]); cubic weights
// are polynomials the compiler may contract into FMAs differently per ISA, over 16 taps.
constexpr double kSimdLinearAbs = 2e-6;
constexpr double kSimdCubicAbs = 1e-5;

Result<ResizeParams> resize_params_from_case(const luodi_test::FixtureCase& c, const Shape& in) {
  ResizeAttrs a;
  REQUIRE(resize_mode_from_name(c.at("mode").str().c_str(), &a.mode));
  REQUIRE(coord_mode_from_name(c.at("coord").str().c_str(), &a.coord));
  REQUIRE(nearest_mode_from_name(c.at("nearest").str().c_str(), &a.nearest));
  a.cubic_coeff_a = c.at("cubic_a").scalar_f32();
  a.exclude_outside = c.at("exclude_outside").scalar_int() != 0;
  a.extrapolation_value = c.at("extrapolation").scalar_f32();
  std::vector<float> scales, roi;
  std::vector<std::int64_t> sizes;
  if (c.has("scales")) scales = c.at("scales").f32();
  if (c.has("sizes")) sizes = c.at("sizes").ints();
  if (c.has("roi")) roi = c.at("roi").f32();
  return resize_params_make(in, a, scales.data(), static_cast<int>(scales.size()), sizes.data(), static_cast<int>(sizes.size()),
                            roi.data(), static_cast<int>(roi.size()));
}
}  // namespace

TEST_CASE("resize ref: against PyTorch, the ONNX test data and the ONNX spec") {
  luodi_test::FixtureFile f;
  std::string err;
  REQUIRE_MESSAGE(f.load("resize.ldfx", &err), err);
  int checked = 0;
  for (const auto& c : f.cases()) {
    INFO("case " << c.name << " (" << c.at("src").str() << ") " << c.at("mode").str() << " " << c.at("coord").str() << " "
                 << c.at("nearest").str());
    const auto& x = c.at("x");
    const auto& y = c.at("y");
    auto p = resize_params_from_case(c, x.shape);
    REQUIRE_MESSAGE(p.ok(), std::string(p.status().message()));
    CHECK(p->output_shape() == y.shape);
    const auto xv = x.f32(), yv = y.f32();
    std::vector<float> got(yv.size());
    ref::resize(*p, xv.data(), got.data());
    std::string where;
    const double atol = p->a.mode == ResizeMode::Nearest ? 0 : p->a.mode == ResizeMode::Linear ? kLinearAbs : kCubicAbs;
    const double rtol = p->a.mode == ResizeMode::Nearest ? 0 : p->a.mode == ResizeMode::Linear ? kLinearRel : kCubicRel;
    CHECK_MESSAGE(luodi_test::allclose(got.data(), yv.data(), y.numel(), atol, rtol, &where), where);
    ++checked;
  }
  CHECK(checked >= 80);
}

TEST_CASE("resize: every ISA equals ref for every mode at odd sizes, with threads") {
#if LUODI_HAS_THREADS
  ThreadPool tp(2);
  Executor* ex = &tp;
#else
  Executor* ex = nullptr;
#endif
  struct Size {
    std::int64_t ih, iw, oh, ow;
  };
  // around the lane counts and the 256-column block; up, down, x2 exactly, and one pixel
  const Size sizes[] = {{5, 7, 10, 14}, {3, 17, 6, 34}, {4, 130, 8, 260}, {7, 9, 3, 4}, {6, 300, 13, 601},
                        {2, 2, 1, 1},  {9, 16, 9, 33}, {1, 1, 5, 7},    {8, 8, 16, 16}};
  int runs = 0;
  for (ResizeMode mode : {ResizeMode::Nearest, ResizeMode::Linear, ResizeMode::Cubic}) {
    for (int cm = 0; cm < 6; ++cm) {
      for (int nm = 0; nm < 4; ++nm) {
        if (mode != ResizeMode::Nearest && nm > 0) continue;
        for (bool excl : {false, true}) {
          if (excl && mode == ResizeMode::Nearest) continue;
          for (const Size& sz : sizes) {
            ResizeAttrs a;
            a.mode = mode;
            a.coord = static_cast<CoordMode>(cm);
            a.nearest = static_cast<NearestMode>(nm);
            a.exclude_outside = excl;
            a.extrapolation_value = -7.0f;
            const std::int64_t sizes4[4] = {2, 3, sz.oh, sz.ow};
            const float roi[8] = {0, 0, 0.1f, -0.2f, 1, 1, 0.8f, 1.1f};
            auto p = resize_params_make(Shape{2, 3, sz.ih, sz.iw}, a, nullptr, 0, sizes4, 4, roi, 8);
            REQUIRE_MESSAGE(p.ok(), std::string(p.status().message()));
            const auto x = luodi_test::random_floats(static_cast<std::size_t>(6 * sz.ih * sz.iw), -2.0f, 2.0f,
                                                     static_cast<std::uint32_t>(sz.iw * 7 + cm));
            const std::size_t n = static_cast<std::size_t>(p->output_shape().numel());
            std::vector<float> want(n), got(n);
            ref::resize(*p, x.data(), want.data());
            for (Isa isa : luodi_test::simd_isas()) {
              resize(*p, x.data(), got.data(), ex, isa);
              std::string where;
              INFO(std::string(isa_name(isa)) << " mode " << int(mode) << " coord " << cm << " nearest " << nm << " exclude " << excl
                                              << " " << sz.ih << "x" << sz.iw << " -> " << sz.oh << "x" << sz.ow);
              const double tol = mode == ResizeMode::Nearest ? 0.0 : mode == ResizeMode::Linear ? kSimdLinearAbs : kSimdCubicAbs;
              REQUIRE_MESSAGE(luodi_test::allclose(got.data(), want.data(), static_cast<std::int64_t>(n), tol, tol, &where), where);
            }
            ++runs;
          }
        }
      }
    }
  }
  CHECK(runs > 150);
}

TEST_CASE("resize: bad inputs get a Status that names them") {
  ResizeAttrs a;
  const float s4[4] = {1, 1, 2, 2}, sc[4] = {1, 2, 2, 2}, neg[4] = {1, 1, -2, 2};
  const std::int64_t sizes[4] = {1, 3, 8, 8};
  CHECK(resize_params_make(Shape{1, 3, 4}, a, s4, 3, nullptr, 0, nullptr, 0).status().code() == StatusCode::Unsupported);
  CHECK(resize_params_make(Shape{1, 3, 4, 4}, a, s4, 4, sizes, 4, nullptr, 0).status().code() == StatusCode::InvalidArgument);
  auto r = resize_params_make(Shape{1, 3, 4, 4}, a, sc, 4, nullptr, 0, nullptr, 0);
  REQUIRE(!r.ok());
  CHECK(r.status().code() == StatusCode::Unsupported);
  CHECK(std::string(r.status().message()).find("N and C") != std::string::npos);
  CHECK(resize_params_make(Shape{1, 3, 4, 4}, a, neg, 4, nullptr, 0, nullptr, 0).status().code() == StatusCode::BadAttribute);
  const std::int64_t bad_c[4] = {1, 4, 8, 8};
  CHECK(resize_params_make(Shape{1, 3, 4, 4}, a, nullptr, 0, bad_c, 4, nullptr, 0).status().code() == StatusCode::Unsupported);
  a.coord = CoordMode::TfCropAndResize;
  const float roi_nc[8] = {0, 0.5f, 0, 0, 1, 1, 1, 1};
  CHECK(resize_params_make(Shape{1, 3, 4, 4}, a, nullptr, 0, sizes, 4, roi_nc, 8).status().code() == StatusCode::Unsupported);
  CHECK(upsample_params_make(Shape{1, 3, 4, 4}, ResizeMode::Cubic, s4, 4).status().code() == StatusCode::BadAttribute);
}
