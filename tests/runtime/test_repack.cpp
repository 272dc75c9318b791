// Packed weights kept across re-prepares (Session::prepare after set_input_shape): a node's
// block is reused only when its PackKey, pack function and size match and its known inputs come
// from the constants alone. Checked with the public PrepareStats counters, and every output
// against a Session created fresh at the same shape (bit for bit: same ISA, same plan) and
// against the ref kernels evaluated node by node.
#include <doctest/doctest.h>
#include <luodi/format/writer.hpp>
#include <luodi/kernels/conv2d/conv2d.hpp>
#include <luodi/runtime/session.hpp>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "../support/test_util.hpp"
#include "load_graph.hpp"
#include "model_zoo.hpp"
#include "reference_eval.hpp"
#include "test_graphs.hpp"

using namespace luodi;
using namespace luodi::graph;
using luodi_test::make_constant;
using luodi_test::make_node;
using luodi_test::make_value;

namespace {

constexpr std::int64_t kH = 8;

// [1, 16, 8, width] -> 3x3 conv (Winograd F(4,3) / F(2,3) / GEMM by width) -> 1x1 conv ->
// depthwise 3x3 -> NHWC -> MatMul by a Transpose of a constant (a weight transform evaluated at
// prepare time) -> MatMul by a constant times the input's width (a known value that depends on
// the input shape: its packed B must be packed again at every width).
Graph repack_graph() {
  Graph g;
  luodi_test::GraphBuilder b(&g);
  Value in = make_value("input", DType::f32, Shape{1, 16, kH, -1});
  in.dim_names = {"", "", "", "width"};
  const std::int32_t x = g.add_value(in);
  g.inputs = {x};
  std::int32_t t = b.unary(OpCode::Relu, b.conv(x, 16, 16, 3, 1, 1, "wino"), "wino.relu");
  t = b.conv(t, 16, 32, 1, 1, 1, "pw");
  t = b.conv(t, 32, 32, 3, 1, 32, "dw");
  const std::int32_t nhwc = b.value("nhwc");
  g.add_node(make_node(OpCode::Transpose, "to_nhwc", {t}, {nhwc}, AttrWriter().set_ints("perm", {0, 2, 3, 1}).take()));
  const std::int32_t bt = b.weight("fc1.wt", Shape{10, 32}, 0.2f);
  const std::int32_t bw = b.value("fc1.w");
  g.add_node(make_node(OpCode::Transpose, "fc1.w.t", {bt}, {bw}, AttrWriter().set_ints("perm", {1, 0}).take()));
  const std::int32_t m1 = b.value("fc1");
  g.add_node(make_node(OpCode::MatMul, "fc1", {nhwc, bw}, {m1}));
  // fc2.w = fc2.base * float(width)
  const std::int32_t shp = b.value("shape", DType::i64);
  g.add_node(make_node(OpCode::Shape, "shape", {x}, {shp}));
  const std::int32_t wi = b.value("width_i", DType::i64);
  g.add_node(make_node(OpCode::Gather, "width_i", {shp, g.add_value(make_constant<std::int64_t>("three", Shape{}, {3}))},
                       {wi}));
  const std::int32_t wf = b.value("width_f");
  g.add_node(make_node(OpCode::Cast, "width_f", {wi}, {wf}, AttrWriter().set_int("to", 1).take()));
  const std::int32_t w2 = b.value("fc2.w");
  g.add_node(make_node(OpCode::Mul, "fc2.w", {b.weight("fc2.base", Shape{10, 10}, 0.05f), wf}, {w2}));
  const std::int32_t out = b.value("output");
  g.add_node(make_node(OpCode::MatMul, "fc2", {m1, w2}, {out}));
  g.outputs = {out};
  return g;
}
constexpr std::uint32_t kPackingNodes = 5;  // wino, pw, dw, fc1, fc2

using Loaded = luodi_test::LoadedModel;

Shape shape_at(std::int64_t width) { return Shape{1, 16, kH, width}; }

std::vector<float> input_at(std::int64_t width) {
  return luodi_test::random_floats(static_cast<std::size_t>(shape_at(width).numel()), -1.0f, 1.0f,
                                   static_cast<std::uint32_t>(100 + width));
}

// The algorithm conv2d_plan picks for one of the graph's convolutions at `width` (the premise
// of the expectations: which blocks must be packed again).
kernels::Conv2dAlgo conv_algo(std::int64_t cin, std::int64_t cout, std::int64_t k, std::int64_t groups, std::int64_t width,
                              Isa isa) {
  kernels::Conv2dParams p;
  p.N = 1;
  p.C_in = cin;
  p.C_out = cout;
  p.H = kH;
  p.W = width;
  p.kernel_h = p.kernel_w = k;
  p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = k / 2;
  p.groups = groups;
  p.has_bias = true;
  return kernels::conv2d_plan(p, isa).algo;
}
std::uint32_t convs_switching(std::int64_t from, std::int64_t to, Isa isa) {
  const std::int64_t c[3][4] = {{16, 16, 3, 1}, {16, 32, 1, 1}, {32, 32, 3, 32}};
  std::uint32_t n = 0;
  for (const auto& v : c) n += conv_algo(v[0], v[1], v[2], v[3], from, isa) != conv_algo(v[0], v[1], v[2], v[3], to, isa);
  return n;
}

// Run `s` at `width` and compare with a fresh session (bitwise) and the ref kernels.
void check_outputs(Session& s, const Loaded& lm, const Graph& g, std::int64_t width, const SessionOptions& opt) {
  const std::vector<float> x = input_at(width);
  std::memcpy(s.input(0).data, x.data(), x.size() * sizeof(float));
  s.run();
  const TensorView<const float> got = s.output(0);
  REQUIRE(got.shape == (Shape{1, kH, width, 10}));

  SessionOptions fo = opt;
  const Shape in_shape = shape_at(width);
  fo.input_shapes = Span<const Shape>(&in_shape, 1);
  Session fresh(lm.model, fo);
  REQUIRE_MESSAGE(fresh.ok(), std::string(fresh.status().message()));
  CHECK(fresh.prepare_stats().packs_reused == 0);
  std::memcpy(fresh.input(0).data, x.data(), x.size() * sizeof(float));
  fresh.run();
  const TensorView<const float> want = fresh.output(0);
  REQUIRE(want.shape == got.shape);
  CHECK(std::memcmp(got.data, want.data, static_cast<std::size_t>(want.shape.numel()) * sizeof(float)) == 0);

  auto ref = luodi_test::reference_eval(g, {make_constant<float>("input", in_shape, x)});
  REQUIRE_MESSAGE(ref.ok(), std::string(ref.status().message()));
  const Value& r = ref->at("output");
  double num = 0, den = 0;
  for (std::int64_t i = 0; i < r.shape.numel(); ++i) {
    num = std::fmax(num, std::fabs(double(got.data[i]) - double(r.as<float>()[i])));
    den = std::fmax(den, std::fabs(double(r.as<float>()[i])));
  }
  // The ref ISA runs the ref kernels: bit for bit. SIMD sums in another order, with FMA.
  if (opt.isa == Isa::scalar) CHECK(num == 0.0);
  else CHECK(num <= 1e-4 * den);
}

// Widths chosen so that the 3x3 convolution runs Winograd F(4,3) (16, 24, 40: little tile
// padding at 8 rows), F(2,3) (5) and no Winograd (1); 24 -> 40 changes no algorithm (every
// block kept), the others change at least the 3x3's (the depthwise one also changes kernel
// between 16 and 24 wide on AVX-512: depthwise_small takes rows up to 16).
const std::int64_t kWidths[] = {16, 24, 40, 5, 16, 1, 24};

// `prev`: the width s was prepared at, or -1.
void walk_widths(const Graph& g, const Loaded& lm, Session& s, const SessionOptions& opt, bool exact_counts,
                 std::int64_t prev) {
  const Isa isa = opt.isa;
  for (std::int64_t w : kWidths) {
    const std::string label = "width " + std::to_string(w) + " after " + std::to_string(prev);
    CAPTURE(label);
    REQUIRE(s.set_input_shape(0, shape_at(w)).ok());
    REQUIRE_MESSAGE(s.prepare().ok(), std::string(s.status().message()));
    const PrepareStats& ps = s.prepare_stats();
    CHECK(ps.packs_done + ps.packs_reused == kPackingNodes);
    if (prev < 0) {
      CHECK(ps.packs_reused == 0);
    } else if (exact_counts) {
      // fc2's weights follow the width: always packed again; a convolution whose algorithm
      // changed is packed again; everything else is kept.
      const std::uint32_t expect_done = 1 + convs_switching(prev, w, isa);
      CHECK(ps.packs_done == expect_done);
      CHECK(ps.packs_reused == kPackingNodes - expect_done);
    } else {
      CHECK(ps.packs_done >= 1);  // fc2 at least
    }
    check_outputs(s, lm, g, w, opt);
    prev = w;
  }
}

}  // namespace

TEST_CASE("repack: the premise: the 3x3 convolution changes algorithm across the widths") {
  for (Isa isa : luodi_test::simd_isas()) {
    CAPTURE(isa_name(isa));
    CHECK(conv_algo(16, 16, 3, 1, 16, isa) == kernels::Conv2dAlgo::Winograd43);
    CHECK(conv_algo(16, 16, 3, 1, 24, isa) == kernels::Conv2dAlgo::Winograd43);
    // F(2x2) at 8x5, in either layout (its 12 tiles are in vectors where winograd_f23t is chosen)
    const kernels::Conv2dAlgo a5 = conv_algo(16, 16, 3, 1, 5, isa);
    CHECK((a5 == kernels::Conv2dAlgo::Winograd23 || a5 == kernels::Conv2dAlgo::Winograd23T));
    const kernels::Conv2dAlgo a1 = conv_algo(16, 16, 3, 1, 1, isa);
    CHECK((a1 == kernels::Conv2dAlgo::Gemm || a1 == kernels::Conv2dAlgo::GemmT));
    CHECK(convs_switching(24, 40, isa) == 0);
  }
}

TEST_CASE("repack: re-prepared across widths, owned arena, every ISA") {
  const Graph g = repack_graph();
  const Loaded lm = luodi_test::load_graph(g);
  for (Isa isa : luodi_test::available_isas()) {
    CAPTURE(isa_name(isa));
    SessionOptions opt;
    opt.isa = isa;
    const Shape s0 = shape_at(16);
    opt.input_shapes = Span<const Shape>(&s0, 1);
    Session s(lm.model, opt);
    REQUIRE_MESSAGE(s.ok(), std::string(s.status().message()));
    opt.input_shapes = {};
    walk_widths(g, lm, s, opt, true, 16);
  }
}

TEST_CASE("repack: the same width again packs nothing but the shape-dependent weights, and nothing moves") {
  const Graph g = repack_graph();
  const Loaded lm = luodi_test::load_graph(g);
  SessionOptions opt;
  const Shape s0 = shape_at(24);
  opt.input_shapes = Span<const Shape>(&s0, 1);
  Session s(lm.model, opt);
  REQUIRE(s.ok());
  CHECK(s.prepare_stats().packs_done == kPackingNodes);
  REQUIRE(s.prepare().ok());
  CHECK(s.prepare_stats().packs_done == 1);
  CHECK(s.prepare_stats().packs_reused == kPackingNodes - 1);
  CHECK(s.prepare_stats().packed_bytes_moved == 0);
  CHECK_FALSE(s.prepare_stats().arena_reallocated);
  opt.input_shapes = {};
  check_outputs(s, lm, g, 24, opt);
}

TEST_CASE("repack: two threads") {
  const Graph g = repack_graph();
  const Loaded lm = luodi_test::load_graph(g);
  SessionOptions opt;
  opt.threads = 2;
  Session s(lm.model, opt);  // the declared shape has an unknown width: not prepared yet
  CHECK_FALSE(s.ok());
  walk_widths(g, lm, s, opt, true, -1);
}

TEST_CASE("repack: borrowed arena, roomy and tight") {
  const Graph g = repack_graph();
  const Loaded lm = luodi_test::load_graph(g);
  std::size_t most = 0;
  for (std::int64_t w : kWidths) {
    SessionOptions o;
    const Shape sh = shape_at(w);
    o.input_shapes = Span<const Shape>(&sh, 1);
    auto need = Session::required_arena_bytes(lm.model, o);
    REQUIRE(need.ok());
    if (*need > most) most = *need;
  }
  SUBCASE("roomy: planning fits beside the previous blocks, so they are kept") {
    std::vector<std::uint8_t> arena(2 * most + 64);
    SessionOptions opt;
    Session s(lm.model, Span<std::uint8_t>(arena.data(), arena.size()), opt);
    walk_widths(g, lm, s, opt, true, -1);
    CHECK_FALSE(s.prepare_stats().arena_reallocated);
    CHECK_FALSE(s.memory().arena_owned);
  }
  SUBCASE("tight: exactly the largest need; blocks are kept when there is room, else packed again") {
    std::vector<std::uint8_t> arena(most + 64);
    SessionOptions opt;
    Session s(lm.model, Span<std::uint8_t>(arena.data(), arena.size()), opt);
    walk_widths(g, lm, s, opt, false, -1);
  }
}

TEST_CASE("repack: a failed prepare forgets the packed blocks") {
  const Graph g = repack_graph();
  const Loaded lm = luodi_test::load_graph(g);
  SessionOptions opt;
  const Shape s0 = shape_at(16);
  opt.input_shapes = Span<const Shape>(&s0, 1);
  // A borrowed arena one byte short of what the session needs is refused.
  const Result<std::size_t> need = Session::required_arena_bytes(lm.model, opt);
  REQUIRE(need.ok());
  std::vector<std::uint8_t> arena(*need - 1);
  Session small(lm.model, Span<std::uint8_t>(arena.data(), arena.size()), opt);
  CHECK(small.status().code() == StatusCode::BufferTooSmall);
  Session s(lm.model, opt);
  REQUIRE(s.ok());
  // An impossible width: prepare fails after the tables were rebuilt.
  REQUIRE(s.set_input_shape(0, Shape{1, 16, kH, std::int64_t(1) << 34}).ok());
  CHECK_FALSE(s.prepare().ok());
  REQUIRE(s.set_input_shape(0, shape_at(16)).ok());
  REQUIRE(s.prepare().ok());
  CHECK(s.prepare_stats().packs_reused == 0);
  CHECK(s.prepare_stats().packs_done == kPackingNodes);
  opt.input_shapes = {};
  check_outputs(s, lm, g, 16, opt);
}
