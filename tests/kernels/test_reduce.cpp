// Reductions and ArgMax / ArgMin: ref against PyTorch, numpy and the ONNX test data; every ISA
// against ref for every axis pattern at odd sizes; the empty and noop cases; errors.
#include <doctest/doctest.h>
#include <luodi/core/thread_pool.hpp>
#include <luodi/kernels/reduce/reduce.hpp>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "../support/ops_fixtures.hpp"
#include "../support/test_util.hpp"

using namespace luodi;
using namespace luodi::kernels;

namespace {
// Float sums depend on their order: torch sums pairwise in SIMD lanes, ref sequentially. For
// the fixtures' N(0,1) inputs over at most 120 elements the difference is far below 1e-5 of
// the sum of magnitudes; prod, log_sum and log_sum_exp are relative.
constexpr double kReduceAbs = 1e-5, kReduceRel = 1e-5;
// SIMD vs ref: vector accumulators reassociate the sums (at most a few hundred terms of |x| <= 2
// here); max and min are exact.
constexpr double kReduceSimdAbs = 2e-5, kReduceSimdRel = 2e-6;

DType dtype_named(const std::string& s) {
  if (s == "f32") return DType::f32;
  if (s == "int64") return DType::i64;
  if (s == "int32") return DType::i32;
  FAIL("dtype " << s);
  return DType::f32;
}
}  // namespace

TEST_CASE("reduce ref: against PyTorch, numpy and the ONNX test data") {
  luodi_test::FixtureFile f;
  std::string err;
  REQUIRE_MESSAGE(f.load("reduce.ldfx", &err), err);
  int reduces = 0, args = 0;
  for (const auto& c : f.cases()) {
    INFO("case " << c.name << " (" << c.at("src").str() << ")");
    const auto& x = c.at("x");
    const auto& y = c.at("y");
    const auto axes = c.has("axes") ? c.at("axes").ints() : std::vector<std::int64_t>();
    const bool keep = c.at("keepdims").scalar_int() != 0;
    if (c.name[0] == 'a') {
      const std::int64_t axis = c.at("axis").scalar_int();
      auto shape = arg_reduce_output_shape(x.shape, axis, keep);
      REQUIRE(shape.ok());
      CHECK(*shape == y.shape);
      auto p = arg_reduce_params_make(x.shape, axis, c.at("is_max").scalar_int() != 0, c.at("last").scalar_int() != 0);
      REQUIRE(p.ok());
      std::vector<std::int64_t> got(static_cast<std::size_t>(y.numel()));
      REQUIRE(arg_reduce(*p, x.dtype, x.bytes.data(), got.data()).ok());
      CHECK(got == y.ints());
      ++args;
      continue;
    }
    ReduceOp op = ReduceOp::Sum;
    REQUIRE(reduce_op_from_name(c.at("op").str().c_str(), &op));
    const DType dt = dtype_named(c.at("dtype").str());
    const bool noop = c.has("noop") && c.at("noop").scalar_int() != 0;
    auto shape = reduce_output_shape(x.shape, axes.data(), static_cast<int>(axes.size()), keep, noop);
    REQUIRE_MESSAGE(shape.ok(), std::string(shape.status().message()));
    CHECK(*shape == y.shape);
    auto p = reduce_params_make(op, dt, x.shape, axes.data(), static_cast<int>(axes.size()), noop);
    REQUIRE_MESSAGE(p.ok(), std::string(p.status().message()));
    std::vector<unsigned char> got(y.bytes.size());
    REQUIRE(ref::reduce_any(*p, dt, x.bytes.data(), got.data()).ok());
    if (dt == DType::f32) {
      std::string where;
      CHECK_MESSAGE(luodi_test::allclose(reinterpret_cast<const float*>(got.data()), y.data<float>(), y.numel(), kReduceAbs,
                                         kReduceRel, &where),
                    where);
    } else {
      CHECK(got == y.bytes);
    }
    ++reduces;
  }
  CHECK(reduces >= 80);
  CHECK(args >= 10);
}

TEST_CASE("reduce: every ISA equals ref for every op and axis pattern at odd sizes, with threads") {
#if LUODI_HAS_THREADS
  ThreadPool tp(2);
  Executor* ex = &tp;
#else
  Executor* ex = nullptr;
#endif
  struct Pattern {
    std::vector<std::int64_t> shape, axes;
  };
  std::vector<Pattern> patterns;
  for (std::int64_t hw : {1, 3, 15, 16, 17, 49, 65, 200}) {
    patterns.push_back({{2, 3, hw}, {2}});        // H*W of NCHW: contiguous runs
    patterns.push_back({{2, 5, hw}, {1}});        // the channel axis: lanes across H*W
    patterns.push_back({{3, hw}, {0}});           // the batch
    patterns.push_back({{hw, 3, 2}, {0, 2}});     // separated axes: the generic walk
  }
  patterns.push_back({{2, 3, 4, 5}, {}});         // everything
  patterns.push_back({{2, 0, 4}, {1}});           // empty reductions
  for (int k = 0; k < kReduceOpCount; ++k) {
    const auto op = static_cast<ReduceOp>(k);
    for (const Pattern& pt : patterns) {
      const Shape s(pt.shape.data(), static_cast<int>(pt.shape.size()));
      auto p = reduce_params_make(op, DType::f32, s, pt.axes.data(), static_cast<int>(pt.axes.size()));
      REQUIRE(p.ok());
      const bool positive = op == ReduceOp::LogSum || op == ReduceOp::Prod;
      auto x = luodi_test::random_floats(static_cast<std::size_t>(s.numel()), positive ? 0.8f : -2.0f, positive ? 1.25f : 2.0f,
                                         static_cast<std::uint32_t>(k * 7 + s.numel()));
      std::vector<float> want(static_cast<std::size_t>(p->out_numel)), got(want.size());
      ref::reduce<float>(*p, x.data(), want.data());
      for (Isa isa : luodi_test::simd_isas()) {
        REQUIRE(reduce(*p, DType::f32, x.data(), got.data(), ex, isa).ok());
        std::string where;
        INFO(std::string(isa_name(isa)) << " " << std::string(reduce_op_name(op)) << " shape " << std::string(s.str().c_str()));
        const bool exact = op == ReduceOp::Max || op == ReduceOp::Min;
        CHECK_MESSAGE(luodi_test::allclose(got.data(), want.data(), p->out_numel, exact ? 0 : kReduceSimdAbs, exact ? 0 : kReduceSimdRel, &where),
                      where);
      }
    }
  }
  // NaN propagates through max / min / sums on every ISA
  std::vector<float> x(2 * 37, 1.0f);
  x[20] = NAN;
  const std::int64_t ax[1] = {1};
  for (ReduceOp op : {ReduceOp::Max, ReduceOp::Min, ReduceOp::Sum, ReduceOp::LogSumExp}) {
    auto p = reduce_params_make(op, DType::f32, Shape{2, 37}, ax, 1);
    REQUIRE(p.ok());
    for (Isa isa : luodi_test::available_isas()) {
      float y[2];
      REQUIRE(reduce(*p, DType::f32, x.data(), y, nullptr, isa).ok());
      CHECK(std::isnan(y[0]));
      CHECK(!std::isnan(y[1]));
    }
  }
}

TEST_CASE("reduce: empty reductions give the op's identity") {
  const std::int64_t axes[1] = {1};
  const float x[1] = {0};
  for (int k = 0; k < kReduceOpCount; ++k) {
    const auto op = static_cast<ReduceOp>(k);
    auto p = reduce_params_make(op, DType::f32, Shape{2, 0}, axes, 1);
    REQUIRE(p.ok());
    float y[2] = {7, 7};
    REQUIRE(reduce(*p, DType::f32, x, y).ok());
    INFO(std::string(reduce_op_name(op)));
    switch (op) {
      case ReduceOp::Max: CHECK(y[0] == -INFINITY); break;
      case ReduceOp::Min: CHECK(y[0] == INFINITY); break;
      case ReduceOp::Prod: CHECK(y[0] == 1.0f); break;
      case ReduceOp::Mean: CHECK(std::isnan(y[0])); break;
      case ReduceOp::LogSum:
      case ReduceOp::LogSumExp: CHECK(y[0] == -INFINITY); break;
      default: CHECK(y[0] == 0.0f);
    }
  }
}

TEST_CASE("reduce: bad axes and dtypes get a Status that names them") {
  const std::int64_t dup[2] = {1, -1};
  auto r = reduce_params_make(ReduceOp::Sum, DType::f32, Shape{2, 3}, dup, 2);
  REQUIRE(!r.ok());
  CHECK(std::string(r.status().message()).find("twice") != std::string::npos);
  const std::int64_t far[1] = {3};
  CHECK(reduce_params_make(ReduceOp::Sum, DType::f32, Shape{2, 3}, far, 1).status().code() == StatusCode::OutOfRange);
  CHECK(reduce_params_make(ReduceOp::L2, DType::i64, Shape{2, 3}, far, 0).status().code() == StatusCode::Unsupported);
  CHECK(arg_reduce_params_make(Shape{2, 0}, 1, true, false).status().code() == StatusCode::ShapeMismatch);
}
