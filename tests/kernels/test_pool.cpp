// Pooling: ref against PyTorch and the ONNX test data; every ISA against ref at every
// pad/stride/dilation/ceil_mode mix around the vector width; output-size rules; errors.
#include <doctest/doctest.h>
#include <luodi/core/thread_pool.hpp>
#include <luodi/kernels/pool/pool.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "../support/ops_fixtures.hpp"
#include "../support/test_util.hpp"

using namespace luodi;
using namespace luodi::kernels;

namespace {

// Average pooling sums a window and divides: the result is within a few float roundings of the
// exact mean. Bounded per element by kAvgAbs * (mean of |x| over the window, >= 1 here since
// the inputs are N(0,1) and windows are small) plus kAvgUlp of the value.
constexpr double kAvgAbs = 2e-6;
constexpr double kAvgUlp = 4.0;
// SIMD vs ref: max is exact; average sums in a different order (vertical, then horizontal).
constexpr double kAvgSimdAbs = 2e-6;

bool close(float got, float want, double abs_tol, double ulp_tol) {
  if (std::isnan(want)) return std::isnan(got);
  if (got == want) return true;
  return std::fabs(double(got) - double(want)) <= abs_tol || luodi_test::ulp_error(got, want) <= ulp_tol;
}

Result<PoolParams> pool_params_from_case(const luodi_test::FixtureCase& c, const Shape& in) {
  const std::string kind = c.at("kind").str();
  if (kind == "gavg") return global_pool_params_make(in, PoolKind::Average);
  if (kind == "gmax") return global_pool_params_make(in, PoolKind::Max);
  PoolAttrs a;
  a.kind = kind == "max" ? PoolKind::Max : PoolKind::Average;
  const auto k = c.at("kernel").ints(), s = c.at("strides").ints(), d = c.at("dilations").ints(), p = c.at("pads").ints();
  for (int i = 0; i < 2; ++i) {
    a.kernel[i] = k[static_cast<std::size_t>(i)];
    a.strides[i] = s[static_cast<std::size_t>(i)];
    a.dilations[i] = d[static_cast<std::size_t>(i)];
  }
  for (int i = 0; i < 4; ++i) a.pads[i] = p[static_cast<std::size_t>(i)];
  const std::string ap = c.at("auto_pad").str();
  a.auto_pad = ap == "SAME_UPPER" ? AutoPad::SameUpper : ap == "SAME_LOWER" ? AutoPad::SameLower : ap == "VALID" ? AutoPad::Valid : AutoPad::NotSet;
  a.ceil_mode = c.at("ceil_mode").scalar_int() != 0;
  a.count_include_pad = c.at("count_include_pad").scalar_int() != 0;
  return pool_params_make(in, a);
}

}  // namespace

TEST_CASE("pool ref: against PyTorch and the ONNX test data") {
  luodi_test::FixtureFile f;
  std::string err;
  REQUIRE_MESSAGE(f.load("pool.ldfx", &err), err);
  int checked = 0;
  for (const auto& c : f.cases()) {
    INFO("case " << c.name << " (" << c.at("src").str() << ") " << c.at("kind").str());
    const auto& x = c.at("x");
    const auto& y = c.at("y");
    auto p = pool_params_from_case(c, x.shape);
    REQUIRE_MESSAGE(p.ok(), std::string(p.status().message()));
    CHECK(p->output_shape() == y.shape);
    const auto xv = x.f32(), yv = y.f32();
    std::vector<float> got(yv.size());
    ref::pool(*p, xv.data(), got.data());
    const bool is_max = p->kind == PoolKind::Max;
    for (std::size_t i = 0; i < yv.size(); ++i) {
      INFO("element " << i << ": got " << got[i] << ", want " << yv[i]);
      if (is_max) REQUIRE(got[i] == yv[i]);
      else REQUIRE(close(got[i], yv[i], kAvgAbs, kAvgUlp));
    }
    ++checked;
  }
  CHECK(checked >= 50);
}

TEST_CASE("pool: every ISA equals ref at every kernel/stride/pad/dilation/ceil_mode mix and odd widths") {
  struct Combo {
    std::int64_t kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
    bool ceil;
  };
  const Combo combos[] = {
      {3, 3, 2, 2, 1, 1, 1, 1, 1, 1, false},  // ResNet stem max pool
      {3, 3, 2, 2, 1, 1, 1, 1, 1, 1, true},
      {2, 2, 2, 2, 1, 1, 0, 0, 0, 0, false},  // VGG / U-Net
      {2, 2, 2, 2, 1, 1, 0, 0, 0, 0, true},
      {3, 3, 1, 1, 1, 1, 1, 1, 1, 1, false},  // stride-1 "same" pooling (SPP, Inception)
      {5, 5, 1, 1, 1, 1, 2, 2, 2, 2, false},  // YOLO SPPF
      {1, 1, 2, 2, 1, 1, 0, 0, 0, 0, false},
      {3, 2, 1, 3, 2, 3, 1, 0, 0, 2, true},   // dilation (max only), asymmetric pads
      {2, 3, 3, 2, 1, 1, 1, 2, 0, 1, true},
      {4, 4, 3, 3, 1, 1, 0, 1, 2, 3, true},
      {1, 7, 1, 3, 1, 1, 0, 3, 0, 3, false},
      {3, 3, 1, 17, 1, 1, 0, 0, 0, 0, true},  // stride 17: the per-output fallback (row buffer too long)
  };
  const std::int64_t widths[] = {1, 3, 7, 15, 16, 17, 31, 33, 64, 65, 130, 257};
  const std::int64_t heights[] = {1, 6, 9};
  int runs = 0;
  for (PoolKind kind : {PoolKind::Max, PoolKind::Average}) {
    for (const Combo& c : combos) {
      for (bool cip : {false, true}) {
        if (kind == PoolKind::Max && cip) continue;
        for (std::int64_t iw : widths) {
          for (std::int64_t ih : heights) {
            PoolAttrs a;
            a.kind = kind;
            a.kernel[0] = c.kh;
            a.kernel[1] = c.kw;
            a.strides[0] = c.sh;
            a.strides[1] = c.sw;
            a.dilations[0] = kind == PoolKind::Max ? c.dh : 1;
            a.dilations[1] = kind == PoolKind::Max ? c.dw : 1;
            a.pads[0] = c.pt;
            a.pads[1] = c.pl;
            a.pads[2] = c.pb;
            a.pads[3] = c.pr;
            a.ceil_mode = c.ceil;
            a.count_include_pad = cip;
            const Shape in{2, 3, ih, iw};
            auto p = pool_params_make(in, a);
            if (!p.ok()) continue;  // kernel larger than the padded input, or pads reaching a window
            const auto x = luodi_test::random_floats(static_cast<std::size_t>(in.numel()), -3.0f, 3.0f,
                                                     static_cast<std::uint32_t>(iw * 131 + ih));
            const std::size_t n = static_cast<std::size_t>(p->output_shape().numel());
            std::vector<float> want(n), got(n);
            pool_kernels(Isa::scalar).pool(*p, x.data(), want.data(), 0, p->n * p->c);
            for (Isa isa : luodi_test::simd_isas()) {
              std::fill(got.begin(), got.end(), 12345.0f);
              pool(*p, x.data(), got.data(), nullptr, isa);
              std::string where;
              INFO(std::string(isa_name(isa)) << " " << pool_kind_name(kind) << " k" << c.kh << "x" << c.kw << " s" << c.sh << "x"
                                              << c.sw << " d" << c.dh << "x" << c.dw << " ceil " << c.ceil << " cip " << cip
                                              << " in " << ih << "x" << iw);
              if (kind == PoolKind::Max) REQUIRE(got == want);
              else REQUIRE_MESSAGE(luodi_test::allclose(got.data(), want.data(), static_cast<std::int64_t>(n), kAvgSimdAbs, 1e-6, &where), where);
            }
            ++runs;
          }
        }
      }
    }
  }
  CHECK(runs > 500);
}

TEST_CASE("pool: global pools and NaN on every ISA, with threads") {
  for (std::int64_t hw : {1, 3, 7, 15, 16, 17, 49, 64, 65, 196, 3136}) {
    const Shape in{2, 5, hw, 1};
    auto x = luodi_test::random_floats(static_cast<std::size_t>(in.numel()), -3.0f, 3.0f, static_cast<std::uint32_t>(hw));
    x[static_cast<std::size_t>(hw / 2)] = NAN;  // plane 0 has a NaN
    for (PoolKind kind : {PoolKind::Max, PoolKind::Average}) {
      auto p = global_pool_params_make(in, kind);
      REQUIRE(p.ok());
      std::vector<float> want(10), got(10);
      pool_kernels(Isa::scalar).pool(*p, x.data(), want.data(), 0, 10);
      CHECK(std::isnan(want[0]));
#if LUODI_HAS_THREADS
      ThreadPool tp(2);
      Executor* ex = &tp;
#else
      Executor* ex = nullptr;
#endif
      for (Isa isa : luodi_test::simd_isas()) {
        pool(*p, x.data(), got.data(), ex, isa);
        std::string where;
        INFO(std::string(isa_name(isa)) << " hw " << hw);
        CHECK(std::isnan(got[0]));
        if (kind == PoolKind::Max) CHECK(std::equal(got.begin() + 1, got.end(), want.begin() + 1));
        else CHECK_MESSAGE(luodi_test::allclose(got.data() + 1, want.data() + 1, 9, kAvgSimdAbs, 2e-6, &where), where);
      }
    }
  }
  // a NaN inside an ordinary window propagates too
  PoolAttrs a;
  a.kernel[0] = a.kernel[1] = 3;
  a.strides[0] = a.strides[1] = 2;
  auto p = pool_params_make(Shape{1, 1, 9, 40}, a);
  REQUIRE(p.ok());
  auto x = luodi_test::random_floats(360, -1, 1, 3);
  x[2 * 40 + 20] = NAN;
  std::vector<float> want(static_cast<std::size_t>(p->oh * p->ow)), got(want.size());
  ref::pool(*p, x.data(), want.data());
  for (Isa isa : luodi_test::simd_isas()) {
    pool(*p, x.data(), got.data(), nullptr, isa);
    for (std::size_t i = 0; i < want.size(); ++i) CHECK(std::isnan(got[i]) == std::isnan(want[i]));
  }
}

TEST_CASE("pool: output size rules") {
  // ceil_mode drops a last window that would start in the end padding: in 5, k 2, s 2, pad 1
  // gives ceil(5 / 2) + 1 = 4 windows, the 4th starting at 6 = in + pad. PyTorch gives 3 (the
  // fixtures hold torch's output for this shape); 6x6 with k 3, s 2, pad 1 keeps 4.
  PoolAttrs a;
  a.kernel[0] = a.kernel[1] = 2;
  a.strides[0] = a.strides[1] = 2;
  a.pads[0] = a.pads[1] = a.pads[2] = a.pads[3] = 1;
  a.ceil_mode = true;
  CHECK(pool_output_shape(Shape{1, 1, 5, 5}, a).value() == Shape{1, 1, 3, 3});
  a.kernel[0] = a.kernel[1] = 3;
  CHECK(pool_output_shape(Shape{1, 1, 6, 6}, a).value() == Shape{1, 1, 4, 4});
  // SAME: ceil(in / s) outputs; the odd pad goes to the end (UPPER) or the beginning (LOWER)
  a.pads[0] = a.pads[1] = a.pads[2] = a.pads[3] = 0;
  a.auto_pad = AutoPad::SameUpper;
  auto p = pool_params_make(Shape{1, 1, 6, 7}, a).value();
  CHECK(p.oh == 3);
  CHECK(p.ow == 4);
  CHECK(p.pad_top == 0);  // total (3-1)*2 + 3 - 6 = 1
  CHECK(p.pad_bottom == 1);
  CHECK(p.pad_left == 1);  // total (4-1)*2 + 3 - 7 = 2
  CHECK(p.pad_right == 1);
  a.auto_pad = AutoPad::SameLower;
  p = pool_params_make(Shape{1, 1, 6, 7}, a).value();
  CHECK(p.pad_top == 1);
  CHECK(p.pad_bottom == 0);
  a.auto_pad = AutoPad::Valid;
  CHECK(pool_output_shape(Shape{2, 3, 7, 8}, a).value() == Shape{2, 3, 3, 3});
}

TEST_CASE("pool: bad attributes and shapes get a Status that names them") {
  PoolAttrs a;
  a.kernel[0] = a.kernel[1] = 3;
  auto r = pool_params_make(Shape{1, 2, 3, 4, 5}, a);
  CHECK(r.status().code() == StatusCode::Unsupported);
  CHECK(std::string(r.status().message()).find("1x2x3x4x5") != std::string::npos);
  a.strides[1] = 0;
  r = pool_params_make(Shape{1, 2, 8, 8}, a);
  CHECK(r.status().code() == StatusCode::BadAttribute);
  CHECK(std::string(r.status().message()).find("W") != std::string::npos);
  a.strides[1] = 1;
  r = pool_params_make(Shape{1, 2, 2, 8}, a);  // kernel 3 > H 2
  CHECK(r.status().code() == StatusCode::ShapeMismatch);
  CHECK(std::string(r.status().message()).find("H") != std::string::npos);
  a.pads[0] = 3;
  r = pool_params_make(Shape{1, 2, 8, 8}, a);
  CHECK(r.status().code() == StatusCode::Unsupported);  // a window entirely in the padding
  a.pads[0] = 0;
  a.kind = PoolKind::Average;
  a.dilations[0] = 2;
  CHECK(pool_params_make(Shape{1, 2, 8, 8}, a).status().code() == StatusCode::Unsupported);
  CHECK(global_pool_params_make(Shape{1, 2, 0, 3}, PoolKind::Max).status().code() == StatusCode::ShapeMismatch);
  CHECK(global_pool_params_make(Shape{1, -1, 4, 3}, PoolKind::Max).status().code() == StatusCode::InvalidArgument);
}
