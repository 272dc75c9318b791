// Normalisations: ref against PyTorch, numpy (ONNX's even-size LRN window) and the ONNX test
// data; every ISA against ref at odd sizes; errors.
#include <doctest/doctest.h>
#include <luodi/kernels/norm/norm.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "../support/ops_fixtures.hpp"
#include "../support/test_util.hpp"

using namespace luodi;
using namespace luodi::kernels;

namespace {
// The outputs are O(1..10); torch computes (x - mean) * rsqrt(var + eps) * w + b in a different
// order (and its mean/variance with other sums), so agreement is to a few float roundings of
// the largest term.
constexpr double kBatchNormAbs = 1e-5, kBatchNormRel = 1e-5;
constexpr double kInstanceNormAbs = 2e-5, kInstanceNormRel = 2e-5;
constexpr double kLayerNormAbs = 2e-5, kLayerNormRel = 2e-5;
constexpr double kLrnAbs = 1e-6, kLrnRel = 1e-5;  // pow(., beta) in float vs double
}  // namespace

TEST_CASE("norm ref: against PyTorch, numpy and the ONNX test data") {
  luodi_test::FixtureFile f;
  std::string err;
  REQUIRE_MESSAGE(f.load("norm.ldfx", &err), err);
  int counts[4] = {};
  for (const auto& c : f.cases()) {
    INFO("case " << c.name << " (" << c.at("src").str() << ")");
    const auto& x = c.at("x");
    const auto xv = x.f32(), yv = c.at("y").f32();
    std::vector<float> got(yv.size(), -1.0f);
    std::string where;
    const std::string kind = c.name.substr(0, c.name.find_first_of("0123456789"));
    if (kind == "bn") {
      const auto &sc = c.at("scale"), &b = c.at("bias"), &m = c.at("mean"), &v = c.at("var");
      auto p = batch_norm_params_make(x.shape, sc.shape, b.shape, m.shape, v.shape, c.at("epsilon").scalar_f32());
      REQUIRE_MESSAGE(p.ok(), std::string(p.status().message()));
      const auto scv = sc.f32(), bv = b.f32(), mv = m.f32(), vv = v.f32();
      ref::batch_norm(*p, xv.data(), scv.data(), bv.data(), mv.data(), vv.data(), got.data(), 0, p->n * p->c);
      CHECK_MESSAGE(luodi_test::allclose(got.data(), yv.data(), x.numel(), kBatchNormAbs, kBatchNormRel, &where), where);
      ++counts[0];
    } else if (kind == "in") {
      const auto &sc = c.at("scale"), &b = c.at("bias");
      auto p = instance_norm_params_make(x.shape, sc.shape, b.shape, c.at("epsilon").scalar_f32());
      REQUIRE_MESSAGE(p.ok(), std::string(p.status().message()));
      const auto scv = sc.f32(), bv = b.f32();
      ref::instance_norm(*p, xv.data(), scv.data(), bv.data(), got.data(), 0, p->n * p->c);
      CHECK_MESSAGE(luodi_test::allclose(got.data(), yv.data(), x.numel(), kInstanceNormAbs, kInstanceNormRel, &where), where);
      ++counts[1];
    } else if (kind == "ln") {
      const auto& sc = c.at("scale");
      const luodi_test::FixtureTensor* b = c.get("bias");
      auto p = layer_norm_params_make(x.shape, c.at("axis").scalar_int(), sc.shape, b ? &b->shape : nullptr,
                                      c.at("epsilon").scalar_f32());
      REQUIRE_MESSAGE(p.ok(), std::string(p.status().message()));
      const auto scv = sc.f32();
      const std::vector<float> bv = b ? b->f32() : std::vector<float>();
      ref::layer_norm(*p, xv.data(), scv.data(), b ? bv.data() : nullptr, got.data(), 0, p->outer);
      CHECK_MESSAGE(luodi_test::allclose(got.data(), yv.data(), x.numel(), kLayerNormAbs, kLayerNormRel, &where), where);
      ++counts[2];
    } else {
      REQUIRE(kind == "lrn");
      auto p = lrn_params_make(x.shape, c.at("size").scalar_int(), c.at("alpha").scalar_f32(), c.at("beta").scalar_f32(),
                               c.at("bias").scalar_f32());
      REQUIRE_MESSAGE(p.ok(), std::string(p.status().message()));
      ref::lrn(*p, xv.data(), got.data(), 0, p->n * p->c);
      CHECK_MESSAGE(luodi_test::allclose(got.data(), yv.data(), x.numel(), kLrnAbs, kLrnRel, &where), where);
      ++counts[3];
    }
  }
  for (int k = 0; k < 4; ++k) CHECK(counts[k] >= 3);
}

TEST_CASE("norm: bad shapes and attributes get a Status that names them") {
  auto bn = batch_norm_params_make(Shape{2, 3, 4}, Shape{3}, Shape{3}, Shape{4}, Shape{3}, 1e-5f);
  REQUIRE(!bn.ok());
  CHECK(bn.status().code() == StatusCode::ShapeMismatch);
  CHECK(std::string(bn.status().message()).find("mean") != std::string::npos);
  CHECK(batch_norm_params_make(Shape{3}, Shape{3}, Shape{3}, Shape{3}, Shape{3}, 1e-5f).status().code() == StatusCode::ShapeMismatch);
  CHECK(batch_norm_params_make(Shape{2, 3}, Shape{3}, Shape{3}, Shape{3}, Shape{3}, -1.0f).status().code() == StatusCode::BadAttribute);
  CHECK(instance_norm_params_make(Shape{2, 3}, Shape{3}, Shape{3}, 1e-5f).status().code() == StatusCode::ShapeMismatch);
  const Shape bias{5};
  auto ln = layer_norm_params_make(Shape{2, 3, 4}, -1, Shape{3}, &bias, 1e-5f);
  REQUIRE(!ln.ok());
  CHECK(std::string(ln.status().message()).find("scale") != std::string::npos);
  CHECK(layer_norm_params_make(Shape{2, 3, 4}, 3, Shape{4}, nullptr, 1e-5f).status().code() == StatusCode::OutOfRange);
  CHECK(layer_norm_params_make(Shape{2, 3, 4}, 1, Shape{3, 4}, nullptr, 1e-5f).ok());
  CHECK(lrn_params_make(Shape{1, 3, 4, 4}, 0, 1e-4f, 0.75f, 1.0f).status().code() == StatusCode::BadAttribute);
  CHECK(lrn_params_make(Shape{1, 3}, 3, 1e-4f, 0.75f, 1.0f).status().code() == StatusCode::ShapeMismatch);
}
