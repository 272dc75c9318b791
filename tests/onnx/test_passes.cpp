// The converter's rewrites on small IR graphs: what they fuse, what they refuse, and that the
// folded BatchNorm weights equal the BatchNorm formula evaluated independently (in double).
#include <doctest/doctest.h>
#include <luodi/graph/passes.hpp>

#include <cmath>
#include <string>
#include <vector>

using namespace luodi;
using namespace luodi::graph;

namespace {

struct Builder {
  Graph g;
  std::int32_t input(const std::string& name, Shape s) {
    Value v;
    v.name = name;
    v.shape = s;
    const std::int32_t i = g.add_value(v);
    g.inputs.push_back(i);
    return i;
  }
  std::int32_t constant(const std::string& name, Shape s, std::vector<float> data) {
    Value v;
    v.name = name;
    v.shape = s;
    v.is_constant = true;
    v.data.resize(data.size() * 4);
    std::memcpy(v.data.data(), data.data(), v.data.size());
    return g.add_value(v);
  }
  std::int32_t value(const std::string& name, Shape s = Shape()) {
    Value v;
    v.name = name;
    v.shape = s;
    return g.add_value(v);
  }
  std::int32_t node(OpCode op, std::vector<std::int32_t> in, const std::string& out, std::vector<std::uint8_t> attrs = {},
                    Shape s = Shape()) {
    const std::int32_t o = value(out, s);
    Node n;
    n.op = op;
    n.name = out;
    n.inputs = std::move(in);
    n.outputs = {o};
    n.attrs = std::move(attrs);
    g.add_node(n);
    return o;
  }
};

std::vector<float> as_floats(const Value& v) {
  std::vector<float> f(v.data.size() / 4);
  std::memcpy(f.data(), v.data.data(), v.data.size());
  return f;
}

std::int64_t activation_of(const Node& n) {
  std::int64_t k = -1;
  (void)n.attr_list().read_int("activation", &k);
  return k;
}

}  // namespace

TEST_CASE("passes: Conv + BatchNorm + Relu folds and fuses into one Conv") {
  Builder b;
  const std::int32_t x = b.input("x", Shape{1, 2, 4, 4});
  std::vector<float> w(3 * 2 * 1 * 1);
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = 0.1f * static_cast<float>(i) - 0.2f;
  const std::int32_t W = b.constant("W", Shape{3, 2, 1, 1}, w);
  const std::int32_t B = b.constant("B", Shape{3}, {0.5f, -1.f, 2.f});
  const std::vector<float> gamma = {1.5f, 0.5f, -2.f}, beta = {0.1f, 0.2f, 0.3f}, mean = {1.f, -1.f, 0.5f},
                           var = {0.25f, 4.f, 1.f};
  const std::int32_t c = b.node(OpCode::Conv, {x, W, B}, "c");
  AttrWriter eps;
  eps.set_float("epsilon", 1e-3f);
  const std::int32_t bn = b.node(OpCode::BatchNormalization,
                                 {c, b.constant("g", Shape{3}, gamma), b.constant("b", Shape{3}, beta),
                                  b.constant("m", Shape{3}, mean), b.constant("v", Shape{3}, var)},
                                 "bn", eps.take());
  const std::int32_t y = b.node(OpCode::Relu, {bn}, "y");
  b.g.outputs.push_back(y);
  REQUIRE(b.g.validate().ok());
  CHECK(fold_batchnorm(b.g) == 1);
  CHECK(fuse_activation(b.g) == 1);
  CHECK(dead_code(b.g) == 0);
  REQUIRE(b.g.validate().ok());
  REQUIRE(b.g.nodes.size() == 1);
  const Node& conv = b.g.nodes[0];
  CHECK(conv.op == OpCode::Conv);
  CHECK(activation_of(conv) == static_cast<std::int64_t>(kernels::ActivationKind::Relu));
  CHECK(b.g.values[static_cast<std::size_t>(conv.outputs[0])].name == "y");
  const std::vector<float> w2 = as_floats(b.g.values[static_cast<std::size_t>(conv.inputs[1])]);
  const std::vector<float> b2 = as_floats(b.g.values[static_cast<std::size_t>(conv.inputs[2])]);
  const float bias[3] = {0.5f, -1.f, 2.f};
  for (int m = 0; m < 3; ++m) {
    const double s = gamma[m] / std::sqrt(double(var[m]) + double(1e-3f));
    for (int k = 0; k < 2; ++k) CHECK(w2[m * 2 + k] == doctest::Approx(w[m * 2 + k] * s).epsilon(1e-6));
    CHECK(b2[m] == doctest::Approx((bias[m] - mean[m]) * s + beta[m]).epsilon(1e-6));
  }
  // The original constants are unused now and gone.
  CHECK(b.g.find_value("W") < 0);
  CHECK(b.g.find_value("g") < 0);
}

TEST_CASE("passes: nothing fuses across a value with a second reader or a graph output") {
  Builder b;
  const std::int32_t x = b.input("x", Shape{1, 2, 4, 4});
  const std::int32_t W = b.constant("W", Shape{2, 2, 1, 1}, {1, 0, 0, 1});
  const std::int32_t c = b.node(OpCode::Conv, {x, W}, "c");
  const std::int32_t r = b.node(OpCode::Relu, {c}, "r");
  const std::int32_t n = b.node(OpCode::Neg, {c}, "n");  // second reader of c
  b.g.outputs = {r, n};
  CHECK(fuse_activation(b.g) == 0);
  Builder b2;
  const std::int32_t x2 = b2.input("x", Shape{1, 2, 4, 4});
  const std::int32_t c2 = b2.node(OpCode::Conv, {x2, b2.constant("W", Shape{2, 2, 1, 1}, {1, 0, 0, 1})}, "c");
  const std::int32_t r2 = b2.node(OpCode::Relu, {c2}, "r");
  b2.g.outputs = {c2, r2};  // c is a graph output
  CHECK(fuse_activation(b2.g) == 0);
}

TEST_CASE("passes: Clip 0..6 becomes a clip epilogue; a non-constant bound does not") {
  Builder b;
  const std::int32_t x = b.input("x", Shape{1, 2, 4, 4});
  const std::int32_t c = b.node(OpCode::Conv, {x, b.constant("W", Shape{2, 2, 1, 1}, {1, 0, 0, 1})}, "c");
  const std::int32_t y = b.node(OpCode::Clip, {c, b.constant("lo", Shape(), {0.f}), b.constant("hi", Shape(), {6.f})}, "y");
  b.g.outputs = {y};
  REQUIRE(fuse_activation(b.g) == 1);
  const Node& conv = b.g.nodes[0];
  CHECK(activation_of(conv) == static_cast<std::int64_t>(kernels::ActivationKind::Clip));
  float lo = -1, hi = -1;
  CHECK(conv.attr_list().read_float("activation_alpha", &lo).ok());
  CHECK(conv.attr_list().read_float("activation_beta", &hi).ok());
  CHECK(lo == 0.f);
  CHECK(hi == 6.f);

  Builder d;
  const std::int32_t x2 = d.input("x", Shape{1, 2, 4, 4});
  const std::int32_t hi2 = d.input("hi", Shape());
  const std::int32_t c2 = d.node(OpCode::Conv, {x2, d.constant("W", Shape{2, 2, 1, 1}, {1, 0, 0, 1})}, "c");
  d.g.outputs = {d.node(OpCode::Clip, {c2, -1, hi2}, "y")};
  CHECK(fuse_activation(d.g) == 0);
}

TEST_CASE("passes: Mul(x, Sigmoid(x)) after a Conv becomes a silu epilogue; standalone it becomes Silu") {
  Builder b;
  const std::int32_t x = b.input("x", Shape{1, 2, 4, 4});
  const std::int32_t c = b.node(OpCode::Conv, {x, b.constant("W", Shape{2, 2, 1, 1}, {1, 0, 0, 1})}, "c");
  const std::int32_t s = b.node(OpCode::Sigmoid, {c}, "s");
  b.g.outputs = {b.node(OpCode::Mul, {s, c}, "y")};
  REQUIRE(fuse_activation(b.g) == 1);
  REQUIRE(b.g.nodes.size() == 1);
  CHECK(activation_of(b.g.nodes[0]) == static_cast<std::int64_t>(kernels::ActivationKind::Silu));

  Builder p;
  const std::int32_t x2 = p.input("x", Shape{4});
  const std::int32_t s2 = p.node(OpCode::Sigmoid, {x2}, "s");
  p.g.outputs = {p.node(OpCode::Mul, {x2, s2}, "y")};
  REQUIRE(fuse_patterns(p.g) == 1);
  REQUIRE(p.g.nodes.size() == 1);
  CHECK(p.g.nodes[0].op == OpCode::Silu);
  CHECK(p.g.nodes[0].inputs == std::vector<std::int32_t>{x2});
}

TEST_CASE("passes: per-channel Add becomes a Conv bias, other shapes do not") {
  Builder b;
  const std::int32_t x = b.input("x", Shape{1, 2, 4, 4});
  const std::int32_t c = b.node(OpCode::Conv, {x, b.constant("W", Shape{2, 2, 1, 1}, {1, 0, 0, 1})}, "c");
  b.g.outputs = {b.node(OpCode::Add, {b.constant("k", Shape{1, 2, 1, 1}, {3.f, 4.f}), c}, "y")};
  REQUIRE(fuse_bias(b.g, false) == 1);
  REQUIRE(b.g.nodes.size() == 1);
  CHECK(as_floats(b.g.values[static_cast<std::size_t>(b.g.nodes[0].inputs[2])]) == std::vector<float>{3.f, 4.f});

  Builder w;
  const std::int32_t x2 = w.input("x", Shape{1, 2, 4, 4});
  const std::int32_t c2 = w.node(OpCode::Conv, {x2, w.constant("W", Shape{2, 2, 1, 1}, {1, 0, 0, 1})}, "c");
  w.g.outputs = {w.node(OpCode::Add, {c2, w.constant("k", Shape{1, 1, 1, 4}, {1, 2, 3, 4})}, "y")};  // along W
  CHECK(fuse_bias(w.g, false) == 0);
}

TEST_CASE("passes: a residual Add of equal shapes fuses into the later Conv") {
  Builder b;
  const Shape s{1, 2, 4, 4};
  const std::int32_t x = b.input("x", s);
  const std::int32_t W = b.constant("W", Shape{2, 2, 1, 1}, {1, 0, 0, 1});
  const std::int32_t c1 = b.node(OpCode::Conv, {x, W}, "c1", {}, s);
  const std::int32_t c2 = b.node(OpCode::Conv, {c1, W}, "c2", {}, s);
  const std::int32_t a = b.node(OpCode::Add, {x, c2}, "a", {}, s);
  b.g.outputs = {b.node(OpCode::Relu, {a}, "y", {}, s)};
  REQUIRE(fuse_residual(b.g) == 1);
  REQUIRE(fuse_activation(b.g) == 1);
  REQUIRE(b.g.validate().ok());
  REQUIRE(b.g.nodes.size() == 2);
  const Node& last = b.g.nodes[1];
  CHECK(last.name == "c2");
  REQUIRE(last.inputs.size() == 4);
  CHECK(last.inputs[3] == x);
  CHECK(activation_of(last) == static_cast<std::int64_t>(kernels::ActivationKind::Relu));
  // Broadcasting adds are left alone.
  Builder n;
  const std::int32_t x2 = n.input("x", s);
  const std::int32_t r = n.input("r", Shape{1, 2, 1, 1});
  const std::int32_t c = n.node(OpCode::Conv, {x2, n.constant("W", Shape{2, 2, 1, 1}, {1, 0, 0, 1})}, "c", {}, s);
  n.g.outputs = {n.node(OpCode::Add, {c, r}, "y", {}, s)};
  CHECK(fuse_residual(n.g) == 0);
}

TEST_CASE("passes: Identity and Dropout disappear, and graph output names survive") {
  Builder b;
  const std::int32_t x = b.input("x", Shape{4});
  const std::int32_t r = b.node(OpCode::Relu, {x}, "r");
  const std::int32_t d = b.node(OpCode::Dropout, {r}, "d");
  const std::int32_t y = b.node(OpCode::Identity, {d}, "y");
  b.g.outputs = {y};
  CHECK(remove_passthrough(b.g) == 2);
  dead_code(b.g);
  REQUIRE(b.g.validate().ok());
  REQUIRE(b.g.nodes.size() == 1);
  CHECK(b.g.nodes[0].op == OpCode::Relu);
  CHECK(b.g.values[static_cast<std::size_t>(b.g.outputs[0])].name == "y");
  // An Identity from a graph input to a graph output stays: it is the copy.
  Builder c;
  const std::int32_t x2 = c.input("x", Shape{4});
  c.g.outputs = {c.node(OpCode::Identity, {x2}, "y")};
  CHECK(remove_passthrough(c.g) == 0);
}

TEST_CASE("passes: Conv -> Mul(scalar) -> Add(scalar) folds into the weights and bias") {
  Builder b;
  const std::int32_t x = b.input("x", Shape{1, 2, 4, 4});
  const std::vector<float> w = {1.f, 2.f, 3.f, 4.f};
  const std::int32_t c = b.node(OpCode::Conv, {x, b.constant("W", Shape{2, 2, 1, 1}, w), b.constant("B", Shape{2}, {0.5f, -1.f})}, "c");
  const std::int32_t m = b.node(OpCode::Mul, {b.constant("s", Shape{1}, {0.25f}), c}, "m");
  b.g.outputs = {b.node(OpCode::Add, {m, b.constant("t", Shape{1}, {2.f})}, "y")};
  REQUIRE(fuse_scale(b.g) == 1);
  REQUIRE(fuse_bias(b.g, false) == 1);
  REQUIRE(b.g.validate().ok());
  REQUIRE(b.g.nodes.size() == 1);
  const Node& conv = b.g.nodes[0];
  const std::vector<float> w2 = as_floats(b.g.values[static_cast<std::size_t>(conv.inputs[1])]);
  const std::vector<float> b2 = as_floats(b.g.values[static_cast<std::size_t>(conv.inputs[2])]);
  for (int k = 0; k < 4; ++k) CHECK(w2[k] == w[k] * 0.25f);
  CHECK(b2[0] == 0.5f * 0.25f + 2.f);
  CHECK(b2[1] == -1.f * 0.25f + 2.f);
  // Dividing a constant by the conv output is no scale.
  Builder d;
  const std::int32_t x2 = d.input("x", Shape{1, 2, 4, 4});
  const std::int32_t c2 = d.node(OpCode::Conv, {x2, d.constant("W", Shape{2, 2, 1, 1}, w)}, "c");
  d.g.outputs = {d.node(OpCode::Div, {d.constant("s", Shape{1}, {2.f}), c2}, "y")};
  CHECK(fuse_scale(d.g) == 0);
}

TEST_CASE("passes: x * Clip(x + 3, 0, 6) / 6 becomes HardSwish; other constants do not") {
  for (float three : {3.f, 2.f}) {
    Builder b;
    const std::int32_t x = b.input("x", Shape{4});
    const std::int32_t a = b.node(OpCode::Add, {x, b.constant("k3", Shape(), {three})}, "a");
    const std::int32_t cl = b.node(OpCode::Clip, {a, b.constant("k0", Shape(), {0.f}), b.constant("k6", Shape(), {6.f})}, "cl");
    const std::int32_t m = b.node(OpCode::Mul, {x, cl}, "m");
    b.g.outputs = {b.node(OpCode::Div, {m, b.constant("d6", Shape(), {6.f})}, "y")};
    const int n = fuse_patterns(b.g);
    CHECK(n == (three == 3.f ? 1 : 0));
    if (n) {
      REQUIRE(b.g.nodes.size() == 1);
      CHECK(b.g.nodes[0].op == OpCode::HardSwish);
      CHECK(b.g.values[static_cast<std::size_t>(b.g.nodes[0].outputs[0])].name == "y");
    }
  }
}

TEST_CASE("passes: the decomposed LayerNorm becomes LayerNormalization") {
  Builder b;
  auto i64 = [&](const std::string& n, std::vector<std::int64_t> v) {
    Value c;
    c.name = n;
    c.dtype = DType::i64;
    c.shape = Shape{static_cast<std::int64_t>(v.size())};
    c.is_constant = true;
    c.data.resize(v.size() * 8);
    std::memcpy(c.data.data(), v.data(), c.data.size());
    return b.g.add_value(c);
  };
  const std::int32_t x = b.input("x", Shape{2, 5, 8});
  const std::int32_t axes = i64("axes", {-1});
  const std::int32_t m = b.node(OpCode::ReduceMean, {x, axes}, "m");
  const std::int32_t d = b.node(OpCode::Sub, {x, m}, "d");
  const std::int32_t p = b.node(OpCode::Pow, {d, b.constant("two", Shape(), {2.f})}, "p");
  const std::int32_t v = b.node(OpCode::ReduceMean, {p, axes}, "v");
  const std::int32_t a = b.node(OpCode::Add, {v, b.constant("eps", Shape(), {1e-6f})}, "a");
  const std::int32_t s = b.node(OpCode::Sqrt, {a}, "s");
  const std::int32_t n = b.node(OpCode::Div, {d, s}, "n");
  const std::int32_t y = b.node(OpCode::Mul, {n, b.constant("gamma", Shape{1, 1, 8}, std::vector<float>(8, 1.5f))}, "y");
  b.g.outputs = {b.node(OpCode::Add, {y, b.constant("beta", Shape{8}, std::vector<float>(8, 0.25f))}, "z")};
  REQUIRE(b.g.validate().ok());
  REQUIRE(fuse_layernorm(b.g) == 1);
  dead_code(b.g);
  REQUIRE(b.g.validate().ok());
  REQUIRE(b.g.nodes.size() == 1);
  const Node& ln = b.g.nodes[0];
  CHECK(ln.op == OpCode::LayerNormalization);
  REQUIRE(ln.inputs.size() == 3);
  CHECK(b.g.values[static_cast<std::size_t>(ln.inputs[1])].shape == Shape{8});
  CHECK(b.g.values[static_cast<std::size_t>(ln.outputs[0])].name == "z");
  float eps = 0;
  std::int64_t axis = 0;
  CHECK(ln.attr_list().read_float("epsilon", &eps).ok());
  CHECK(ln.attr_list().read_int("axis", &axis).ok());
  CHECK(eps == 1e-6f);
  CHECK(axis == -1);
}

TEST_CASE("passes: a LayerNorm-like chain with a different exponent or axes stays") {
  for (int variant = 0; variant < 2; ++variant) {
    Builder b;
    Value ax;
    ax.name = "axes";
    ax.dtype = DType::i64;
    ax.shape = Shape{1};
    ax.is_constant = true;
    const std::int64_t axv = variant == 0 ? -1 : 1;  // a positive axis is not accepted
    ax.data.resize(8);
    std::memcpy(ax.data.data(), &axv, 8);
    const std::int32_t axes = b.g.add_value(ax);
    const std::int32_t x = b.input("x", Shape{2, 8});
    const std::int32_t m = b.node(OpCode::ReduceMean, {x, axes}, "m");
    const std::int32_t d = b.node(OpCode::Sub, {x, m}, "d");
    const std::int32_t p = b.node(OpCode::Pow, {d, b.constant("e", Shape(), {variant == 0 ? 3.f : 2.f})}, "p");
    const std::int32_t v = b.node(OpCode::ReduceMean, {p, axes}, "v");
    const std::int32_t a = b.node(OpCode::Add, {v, b.constant("eps", Shape(), {1e-5f})}, "a");
    const std::int32_t s = b.node(OpCode::Sqrt, {a}, "s");
    const std::int32_t n = b.node(OpCode::Div, {d, s}, "n");
    b.g.outputs = {b.node(OpCode::Mul, {n, b.constant("gamma", Shape{8}, std::vector<float>(8, 2.f))}, "y")};
    CHECK(fuse_layernorm(b.g) == 0);
  }
}
