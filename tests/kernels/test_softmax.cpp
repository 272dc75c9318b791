// Softmax / LogSoftmax: ref against PyTorch and the ONNX test data; every ISA against ref on
// every axis position at odd sizes; in place; errors.
#include <doctest/doctest.h>
#include <luodi/core/thread_pool.hpp>
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
// SIMD vs ref: vexp is within 1 ULP of exp, the sum is reassociated and the division becomes a
// multiplication by 1/sum: a few ULP on each output.
constexpr double kSoftmaxSimdRel = 1e-6, kSoftmaxSimdAbs = 1e-12;
constexpr double kSimdLogRel = 1e-6, kSimdLogAbs = 2e-6;
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

TEST_CASE("softmax: every ISA equals ref on every axis position at odd sizes, in place, with threads") {
  // The axis length n and the inner stride around the lane counts; the lines are split across
  // threads at odd boundaries (inner tails).
  const std::int64_t ns[] = {1, 2, 3, 7, 8, 9, 15, 16, 17, 33, 100, 1000};
  const std::int64_t inners[] = {1, 3, 4, 5, 8, 15, 16, 17, 49, 50};
#if LUODI_HAS_THREADS
  ThreadPool tp(2);
  Executor* execs[] = {nullptr, &tp};
#else
  Executor* execs[] = {nullptr};
#endif
  for (bool log : {false, true}) {
    for (std::int64_t n : ns) {
      for (std::int64_t inner : inners) {
        if (n * inner > 20000) continue;
        const Shape s{3, n, inner};
        auto p = softmax_params_make(s, 1, log);
        REQUIRE(p.ok());
        const auto x = luodi_test::random_floats(static_cast<std::size_t>(s.numel()), -20.0f, 20.0f,
                                                 static_cast<std::uint32_t>(n * 1000 + inner));
        std::vector<float> want(x.size()), got(x.size()), inplace;
        ref::softmax(*p, x.data(), want.data());
        for (Isa isa : luodi_test::simd_isas()) {
          for (Executor* ex : execs) {
            softmax(*p, x.data(), got.data(), ex, isa);
            inplace = x;
            softmax(*p, inplace.data(), inplace.data(), ex, isa);
            std::string where;
            INFO(std::string(isa_name(isa)) << (log ? " log_softmax" : " softmax") << " n " << n << " inner " << inner);
            if (log) REQUIRE_MESSAGE(luodi_test::allclose(got.data(), want.data(), s.numel(), kSimdLogAbs, kSimdLogRel, &where), where);
            else REQUIRE_MESSAGE(luodi_test::allclose(got.data(), want.data(), s.numel(), kSoftmaxSimdAbs, kSoftmaxSimdRel, &where), where);
            REQUIRE(inplace == got);
          }
        }
      }
    }
  }
}

TEST_CASE("softmax: NaN and -inf lines on every ISA") {
  const float nan = NAN, ninf = -INFINITY;
  for (std::int64_t inner : {1, 5}) {
    std::vector<float> x(static_cast<std::size_t>(3 * 4 * inner), 0.5f);
    for (std::int64_t i = 0; i < inner; ++i) {
      x[static_cast<std::size_t>(0 * 4 * inner + 2 * inner + i)] = nan;  // line 0 has a NaN
      for (int k = 0; k < 4; ++k) x[static_cast<std::size_t>(1 * 4 * inner + k * inner + i)] = ninf;  // line 1 all -inf
    }
    for (bool log : {false, true}) {
      auto p = softmax_params_make(Shape{3, 4, inner}, 1, log);
      REQUIRE(p.ok());
      std::vector<float> want(x.size()), got(x.size());
      ref::softmax(*p, x.data(), want.data());
      for (Isa isa : luodi_test::available_isas()) {
        softmax(*p, x.data(), got.data(), nullptr, isa);
        for (std::size_t i = 0; i < x.size(); ++i) {
          INFO(std::string(isa_name(isa)) << " element " << i);
          CHECK(std::isnan(got[i]) == std::isnan(want[i]));
          if (i >= static_cast<std::size_t>(8 * inner)) CHECK(std::isfinite(got[i]));
        }
        for (std::size_t i = 0; i < static_cast<std::size_t>(8 * inner); ++i) CHECK(std::isnan(got[i]));  // torch gives NaN too
      }
    }
  }
}

TEST_CASE("softmax: bad axes get a Status that names them") {
  auto r = softmax_params_make(Shape{2, 3}, 2, false);
  REQUIRE(!r.ok());
  CHECK(r.status().code() == StatusCode::OutOfRange);
  CHECK(std::string(r.status().message()).find("2x3") != std::string::npos);
  CHECK(softmax_params_make(Shape{}, 0, true).status().code() == StatusCode::ShapeMismatch);
  CHECK(softmax_params_make(Shape{2, -1}, 0, true).status().code() == StatusCode::InvalidArgument);
}
