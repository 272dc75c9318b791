// The ops layer on graph::Graph: shape inference, evaluation with ref kernels, folding, errors.
// Expected shapes follow the ONNX operator specification (opset 17) rule by rule; each case
// says which rule it checks.
#include <doctest/doctest.h>
#include <luodi/kernels/activation/ref.hpp>
#include <luodi/ops/graph.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "../support/test_util.hpp"
#include "test_graphs.hpp"

using namespace luodi;
using namespace luodi::graph;
using luodi_test::make_constant;
using luodi_test::make_node;
using luodi_test::make_value;

namespace {

std::vector<std::uint8_t> i64_bytes(std::initializer_list<std::int64_t> v) {
  std::vector<std::uint8_t> b(v.size() * 8);
  std::memcpy(b.data(), std::data(v), b.size());
  return b;
}

}  // namespace

TEST_CASE("ops::infer_shapes: view ops follow ONNX rules and bind symbolic inputs") {
  Graph g;
  Value x = make_value("x", DType::f32, Shape{-1, 3, -1, -1});
  const std::int32_t vx = g.add_value(x);
  const std::int32_t r = g.add_value(make_value("r", DType::f32, Shape{}));
  // Reshape [0, -1]: 0 copies dim 0, -1 takes the rest.
  const std::int32_t s1 = g.add_value(make_constant<std::int64_t>("s1", Shape{2}, {0, -1}));
  const std::int32_t a = g.add_value(make_value("a", DType::f32, Shape{}));
  // Flatten axis=-1: [prod(dims[:-1]), dims[-1]].
  const std::int32_t b = g.add_value(make_value("b", DType::f32, Shape{}));
  // Unsqueeze axes [0, -1] on the rank-2 b: output rank 4, 1s at 0 and 3.
  const std::int32_t ax = g.add_value(make_constant<std::int64_t>("ax", Shape{2}, {0, -1}));
  const std::int32_t c = g.add_value(make_value("c", DType::f32, Shape{}));
  // Squeeze without axes: every 1 goes.
  const std::int32_t d = g.add_value(make_value("d", DType::f32, Shape{}));
  // Shape with start=1, end=-1: dims[1:-1].
  const std::int32_t sh = g.add_value(make_value("sh", DType::i64, Shape{}));
  g.inputs = {vx};
  g.outputs = {d, sh};
  g.add_node(make_node(OpCode::Relu, "relu", {vx}, {r}));
  g.add_node(make_node(OpCode::Reshape, "reshape", {r, s1}, {a}));
  g.add_node(make_node(OpCode::Flatten, "flatten", {r}, {b}, AttrWriter().set_int("axis", -1).take()));
  g.add_node(make_node(OpCode::Unsqueeze, "unsqueeze", {b, ax}, {c}));
  g.add_node(make_node(OpCode::Squeeze, "squeeze", {c}, {d}));
  g.add_node(make_node(OpCode::Shape, "shape", {vx}, {sh}, AttrWriter().set_int("start", 1).set_int("end", -1).take()));

  // The declared input has unknown dims: inference needs sizes.
  Graph g0 = g;
  CHECK(ops::infer_shapes(g0).code() == StatusCode::ShapeMismatch);

  ops::InferOptions io;
  io.input_shapes = {Shape{2, 3, 4, 5}};
  Status s = ops::infer_shapes(g, io);
  REQUIRE_MESSAGE(s.ok(), std::string(s.message()));
  CHECK(g.values[static_cast<std::size_t>(r)].shape == (Shape{2, 3, 4, 5}));
  CHECK(g.values[static_cast<std::size_t>(a)].shape == (Shape{2, 60}));
  CHECK(g.values[static_cast<std::size_t>(b)].shape == (Shape{24, 5}));
  CHECK(g.values[static_cast<std::size_t>(c)].shape == (Shape{1, 24, 5, 1}));
  CHECK(g.values[static_cast<std::size_t>(d)].shape == (Shape{24, 5}));
  CHECK(g.values[static_cast<std::size_t>(sh)].shape == (Shape{2}));
  CHECK(g.values[static_cast<std::size_t>(sh)].dtype == DType::i64);

  // A size that contradicts the declared dims is refused.
  io.input_shapes = {Shape{2, 4, 4, 5}};
  CHECK(ops::infer_shapes(g, io).code() == StatusCode::ShapeMismatch);
}

TEST_CASE("ops::infer_shapes: a Shape -> Reshape chain on a dynamic input resolves for each size") {
  // y = Reshape(x, ConstantOfShape-free: Shape(x)) keeps x's shape; z = Reshape(x, Shape(w))
  // reshapes x to the shape of another input.
  Graph g;
  const std::int32_t vx = g.add_value(make_value("x", DType::f32, Shape{-1, -1}));
  const std::int32_t vw = g.add_value(make_value("w", DType::f32, Shape{-1, -1, -1}));
  const std::int32_t sw = g.add_value(make_value("shape_w", DType::i64, Shape{}));
  const std::int32_t z = g.add_value(make_value("z", DType::f32, Shape{}));
  g.inputs = {vx, vw};
  g.outputs = {z};
  g.add_node(make_node(OpCode::Shape, "shape", {vw}, {sw}));
  g.add_node(make_node(OpCode::Reshape, "reshape", {vx, sw}, {z}));
  for (const auto& dims : {std::vector<std::int64_t>{6, 4, 1, 2, 12}, std::vector<std::int64_t>{3, 5, 5, 3, 1}}) {
    ops::InferOptions io;
    io.input_shapes = {Shape{dims[0], dims[1]}, Shape{dims[2], dims[3], dims[4]}};
    Status s = ops::infer_shapes(g, io);
    REQUIRE_MESSAGE(s.ok(), std::string(s.message()));
    CHECK(g.values[static_cast<std::size_t>(z)].shape == (Shape{dims[2], dims[3], dims[4]}));
  }
  // Element counts that differ: the error names the node and both shapes.
  ops::InferOptions bad;
  bad.input_shapes = {Shape{2, 3}, Shape{1, 2, 4}};
  Status s = ops::infer_shapes(g, bad);
  CHECK(s.code() == StatusCode::ShapeMismatch);
  CHECK(std::string(s.message()).find("node \"reshape\" (Reshape)") != std::string::npos);
}

TEST_CASE("ops::evaluate: runs the ref kernels on constants") {
  Graph g;
  std::vector<float> xs = luodi_test::random_floats(37, -4.0f, 4.0f, 3);
  const std::int32_t vx = g.add_value(make_constant<float>("x", Shape{37}, xs));
  const std::int32_t vy = g.add_value(make_value("y", DType::f32, Shape{}));
  g.outputs = {vy};
  const Node n = make_node(OpCode::HardSigmoid, "hs", {vx}, {vy}, AttrWriter().set_float("alpha", 0.3f).take());
  g.add_node(n);
  auto r = ops::evaluate(g, n);
  REQUIRE_MESSAGE(r.ok(), std::string(r.status().message()));
  REQUIRE(r->size() == 1);
  const Value& y = (*r)[0];
  CHECK(y.name == "y");
  CHECK(y.is_constant);
  CHECK(y.shape == (Shape{37}));
  kernels::ActivationParams p{0.3f, 0.5f};
  for (std::size_t i = 0; i < xs.size(); ++i) CHECK(y.as<float>()[i] == kernels::ref::act_hard_sigmoid(xs[i], p));

  // ConstantOfShape with an integer value gives i64.
  Graph h;
  const std::int32_t shp = h.add_value(make_constant<std::int64_t>("shape", Shape{2}, {2, 3}));
  const std::int32_t out = h.add_value(make_value("fill", DType::f32, Shape{}));
  h.outputs = {out};
  const Node c = make_node(OpCode::ConstantOfShape, "cos", {shp}, {out}, AttrWriter().set_ints("value", {7}).take());
  h.add_node(c);
  auto rc = ops::evaluate(h, c);
  REQUIRE_MESSAGE(rc.ok(), std::string(rc.status().message()));
  CHECK((*rc)[0].dtype == DType::i64);
  CHECK((*rc)[0].shape == (Shape{2, 3}));
  for (int i = 0; i < 6; ++i) CHECK((*rc)[0].as<std::int64_t>()[i] == 7);
}

TEST_CASE("ops::fold_constants: nodes on constants become constants; Shape folds only on request") {
  Graph g;
  const std::int32_t vx = g.add_value(make_value("x", DType::f32, Shape{2, 3}));
  const std::int32_t c = g.add_value(make_constant<float>("c", Shape{3}, {-1.0f, 0.5f, 2.0f}));
  const std::int32_t rc = g.add_value(make_value("relu_c", DType::f32, Shape{3}));
  const std::int32_t sx = g.add_value(make_value("shape_x", DType::i64, Shape{2}));
  const std::int32_t y = g.add_value(make_value("y", DType::f32, Shape{2, 3}));
  g.inputs = {vx};
  g.outputs = {rc, sx, y};
  g.add_node(make_node(OpCode::Relu, "relu_const", {c}, {rc}));
  g.add_node(make_node(OpCode::Shape, "shape", {vx}, {sx}));
  g.add_node(make_node(OpCode::Relu, "relu_x", {vx}, {y}));
  Graph g2 = g;
  REQUIRE(ops::fold_constants(g).ok());
  CHECK(g.nodes.size() == 2);
  CHECK(g.values[static_cast<std::size_t>(rc)].is_constant);
  CHECK(g.values[static_cast<std::size_t>(rc)].as<float>()[0] == 0.0f);
  CHECK(g.values[static_cast<std::size_t>(rc)].as<float>()[2] == 2.0f);
  CHECK(g.validate().ok());
  ops::FoldOptions fo;
  fo.fold_shapes = true;
  REQUIRE(ops::fold_constants(g2, fo).ok());
  CHECK(g2.nodes.size() == 1);
  CHECK(g2.values[static_cast<std::size_t>(sx)].data == i64_bytes({2, 3}));
}

TEST_CASE("ops: errors name the node, the op and the attribute or input") {
  Graph g;
  const std::int32_t vx = g.add_value(make_value("x", DType::f32, Shape{2, 6}));
  const std::int32_t s = g.add_value(make_constant<std::int64_t>("s", Shape{3}, {-1, -1, 2}));
  const std::int32_t y = g.add_value(make_value("y", DType::f32, Shape{}));
  g.inputs = {vx};
  g.outputs = {y};
  g.add_node(make_node(OpCode::Reshape, "bad_reshape", {vx, s}, {y}));
  Status st = ops::infer_shapes(g);
  CHECK(st.code() == StatusCode::InvalidArgument);
  CHECK(std::string(st.message()) == "node \"bad_reshape\" (Reshape): shape has more than one -1");

  // Attribute of the wrong type.
  g.nodes[0] = make_node(OpCode::LeakyRelu, "leaky", {vx}, {y}, AttrWriter().set_string("alpha", "x").take());
  st = ops::infer_shapes(g);
  CHECK(st.code() == StatusCode::BadAttribute);
  CHECK(std::string(st.message()) == "node \"leaky\" (LeakyRelu): attribute \"alpha\" is string, expected float");

  // A value-dependent shape whose value is only known at run time.
  Graph h;
  const std::int32_t hx = h.add_value(make_value("x", DType::f32, Shape{2, 6}));
  const std::int32_t hs = h.add_value(make_value("s", DType::i64, Shape{2}));
  const std::int32_t hy = h.add_value(make_value("y", DType::f32, Shape{}));
  h.inputs = {hx, hs};
  h.outputs = {hy};
  h.add_node(make_node(OpCode::Reshape, "dyn_reshape", {hx, hs}, {hy}));
  st = ops::infer_shapes(h);
  CHECK(st.code() == StatusCode::Unsupported);
  CHECK(std::string(st.message()).find("input 1 (shape)") != std::string::npos);

  // A Clip whose bounds are not f32 scalars.
  Graph k;
  const std::int32_t kx = k.add_value(make_value("x", DType::f32, Shape{4}));
  const std::int32_t lo = k.add_value(make_constant<float>("lo", Shape{2}, {0.0f, 1.0f}));
  const std::int32_t ky = k.add_value(make_value("y", DType::f32, Shape{}));
  k.inputs = {kx};
  k.outputs = {ky};
  k.add_node(make_node(OpCode::Clip, "clip", {kx, lo}, {ky}));
  CHECK(ops::infer_shapes(k).code() == StatusCode::ShapeMismatch);
}
