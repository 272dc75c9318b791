// Session: run() against the ref kernels node by node, the planned arena, views and in-place,
// borrowed arenas, dynamic re-prepare, profiling, debug intermediates, golden verification.
#include <doctest/doctest.h>
#include <luodi/format/writer.hpp>
#include <luodi/kernels/activation/ref.hpp>
#include <luodi/kernels/conv2d/conv2d.hpp>
#include <luodi/runtime/session.hpp>

#include <cmath>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "../support/test_util.hpp"
#include "load_graph.hpp"
#include "model_zoo.hpp"
#include "reference_eval.hpp"
#include "corpus_cases.hpp"
#include "test_graphs.hpp"

using namespace luodi;
using namespace luodi::graph;
using luodi_test::make_constant;
using luodi_test::make_node;
using luodi_test::make_value;

namespace {

using luodi_test::LoadedModel;

Value f32_value(const std::string& name, Shape s, std::uint32_t seed, float lo = -3.0f, float hi = 3.0f) {
  std::vector<float> v = luodi_test::random_floats(static_cast<std::size_t>(s.numel()), lo, hi, seed);
  return make_constant<float>(name, s, v);
}

// Every activation op, views between them, a graph output in the middle, a dead-end branch.
//   x -> relu -> a -> reshape[0,-1] -> b -> sigmoid -> c -> flatten -> d -> tanh -> e (output)
//   a -> leaky(0.2) -> f -> hardsigmoid -> g -> unsqueeze[0] -> h -> squeeze -> i -> silu -> j (output)
//   x -> gelu -> k -> exp -> l -> erf -> m -> clip[-0.5,0.5] -> n -> hardswish -> o (output)
//   c -> identity -> p (output, a view of c)
Graph activation_graph(Shape in_shape) {
  Graph g;
  auto V = [&](const char* name) { return g.add_value(make_value(name, DType::f32, Shape{})); };
  Value xv = make_value("x", DType::f32, in_shape);
  const std::int32_t x = g.add_value(xv);
  const std::int32_t a = V("a"), b = V("b"), c = V("c"), d = V("d"), e = V("e"), f = V("f"), gg = V("g"), h = V("h"),
                     i = V("i"), j = V("j"), k = V("k"), l = V("l"), m = V("m"), n = V("n"), o = V("o"), p = V("p");
  const std::int32_t s0 = g.add_value(make_constant<std::int64_t>("shape0", Shape{2}, {0, -1}));
  const std::int32_t ax0 = g.add_value(make_constant<std::int64_t>("axes0", Shape{1}, {0}));
  const std::int32_t lo = g.add_value(make_constant<float>("lo", Shape{}, {-0.5f}));
  const std::int32_t hi = g.add_value(make_constant<float>("hi", Shape{}, {0.5f}));
  g.inputs = {x};
  g.outputs = {e, j, o, p};
  g.add_node(make_node(OpCode::Relu, "relu", {x}, {a}));
  g.add_node(make_node(OpCode::Reshape, "reshape", {a, s0}, {b}));
  g.add_node(make_node(OpCode::Sigmoid, "sigmoid", {b}, {c}));
  g.add_node(make_node(OpCode::Flatten, "flatten", {c}, {d}));
  g.add_node(make_node(OpCode::Tanh, "tanh", {d}, {e}));
  g.add_node(make_node(OpCode::LeakyRelu, "leaky", {a}, {f}, AttrWriter().set_float("alpha", 0.2f).take()));
  g.add_node(make_node(OpCode::HardSigmoid, "hsig", {f}, {gg}));
  g.add_node(make_node(OpCode::Unsqueeze, "unsq", {gg, ax0}, {h}));
  g.add_node(make_node(OpCode::Squeeze, "sq", {h}, {i}));
  g.add_node(make_node(OpCode::Silu, "silu", {i}, {j}));
  g.add_node(make_node(OpCode::Gelu, "gelu", {x}, {k}));
  g.add_node(make_node(OpCode::Exp, "exp", {k}, {l}));
  g.add_node(make_node(OpCode::Erf, "erf", {l}, {m}));
  g.add_node(make_node(OpCode::Clip, "clip", {m, lo, hi}, {n}));
  g.add_node(make_node(OpCode::HardSwish, "hswish", {n}, {o}));
  g.add_node(make_node(OpCode::Identity, "ident", {c}, {p}));
  return g;
}

void check_outputs_equal(Session& s, const Graph& g, const std::map<std::string, Value>& ref, double max_ulp) {
  for (int o = 0; o < s.num_outputs(); ++o) {
    const TensorRef out = s.output_ref(o);
    CAPTURE(out.name);
    const Value& want = ref.at(out.name);
    REQUIRE(out.shape == want.shape);
    REQUIRE(out.dtype == want.dtype);
    const float* got = static_cast<const float*>(out.data);
    double worst = 0;
    for (std::int64_t q = 0; q < want.shape.numel(); ++q) {
      const double u = luodi_test::ulp_error(got[q], static_cast<double>(want.as<float>()[q]));
      if (u > worst) worst = u;
    }
    CHECK(worst <= max_ulp);
  }
  (void)g;
}

}  // namespace

TEST_CASE("session: run() equals the ref kernels node by node, on every ISA") {
  const Graph g = activation_graph(Shape{2, 3, 5, 7});
  LoadedModel lm = luodi_test::load_graph(g);
  const Value xin = f32_value("x", Shape{2, 3, 5, 7}, 11);
  auto ref = luodi_test::reference_eval(g, {xin});
  REQUIRE_MESSAGE(ref.ok(), std::string(ref.status().message()));

  for (Isa isa : luodi_test::available_isas()) {
    CAPTURE(isa_name(isa));
    SessionOptions opt;
    opt.isa = isa;
    Session s(lm.model, opt);
    REQUIRE_MESSAGE(s.ok(), std::string(s.status().message()));
    TensorView<float> in = s.input(0);
    REQUIRE(in.shape == (Shape{2, 3, 5, 7}));
    std::memcpy(in.data, xin.data.data(), xin.data.size());
    s.run();
    // The ref ISA is the ref kernels: bit for bit. The SIMD ISAs are held to the activation
    // family's stated bounds (a few ULP per op; a chain of up to five ops compounds them).
    check_outputs_equal(s, g, *ref, isa == Isa::scalar ? 0.0 : 64.0);
    // Running again gives the same result (inputs are not overwritten).
    std::vector<float> first(static_cast<std::size_t>(s.output(0).numel()));
    std::memcpy(first.data(), s.output(0).data, first.size() * 4);
    s.run();
    CHECK(std::memcmp(first.data(), s.output(0).data, first.size() * 4) == 0);
    CHECK(std::memcmp(s.input(0).data, xin.data.data(), xin.data.size()) == 0);
  }
}

TEST_CASE("session: views share bytes, in-place reuses dead inputs, the plan is near the lower bound") {
  const Graph g = activation_graph(Shape{1, 4, 16, 16});
  LoadedModel lm = luodi_test::load_graph(g);
  Session s(lm.model);
  REQUIRE(s.ok());
  auto ptr = [&](const char* name) { return (*s.tensor(name)).data; };
  // Views: reshape(a) = b, flatten(c) = d, identity(c) = p, unsqueeze/squeeze of g.
  CHECK(ptr("a") == ptr("b"));
  CHECK(ptr("c") == ptr("d"));
  CHECK(ptr("c") == ptr("p"));
  CHECK(ptr("g") == ptr("h"));
  CHECK(ptr("g") == ptr("i"));
  // In place: gelu's output k dies at exp, so l may take its bytes; the graph input x never.
  CHECK(ptr("k") == ptr("l"));
  CHECK(ptr("x") != ptr("a"));
  CHECK(ptr("x") != ptr("k"));
  const MemoryStats& m = s.memory();
  CHECK(m.activations >= m.lower_bound);
  CHECK(static_cast<double>(m.activations) <= 1.15 * static_cast<double>(m.lower_bound));
  MESSAGE("activation graph 1x4x16x16: arena " << m.activations << " B, lower bound " << m.lower_bound << " B, ratio "
                                               << static_cast<double>(m.activations) / static_cast<double>(m.lower_bound));
  CHECK(m.arena_used <= m.arena_capacity);
  CHECK(m.arena_owned);
  CHECK(m.weights_in_place == lm.model.weight_bytes_in_place());
}

TEST_CASE("session: keep_intermediates keeps every tensor readable after run") {
  const Graph g = activation_graph(Shape{1, 2, 3, 3});
  LoadedModel lm = luodi_test::load_graph(g);
  SessionOptions opt;
  opt.keep_intermediates = true;
  opt.isa = Isa::scalar;
  Session s(lm.model, opt);
  REQUIRE(s.ok());
  const Value xin = f32_value("x", Shape{1, 2, 3, 3}, 5);
  std::memcpy(s.input(0).data, xin.data.data(), xin.data.size());
  s.run();
  auto ref = luodi_test::reference_eval(g, {xin});
  REQUIRE(ref.ok());
  for (const char* name : {"a", "c", "f", "k", "l", "m", "n"}) {
    CAPTURE(name);
    auto t = s.tensor(name);
    REQUIRE(t.ok());
    const Value& want = ref->at(name);
    REQUIRE(t->shape == want.shape);
    CHECK(std::memcmp(t->data, want.data.data(), want.data.size()) == 0);
  }
  CHECK(s.tensor("no such tensor").status().code() == StatusCode::NotFound);
  // Nothing shares bytes except views.
  CHECK((*s.tensor("k")).data != (*s.tensor("l")).data);
}

TEST_CASE("session: a borrowed arena is used as given; too small is refused with the size needed") {
  const Graph g = activation_graph(Shape{1, 3, 8, 8});
  LoadedModel lm = luodi_test::load_graph(g);
  auto need = Session::required_arena_bytes(lm.model);
  REQUIRE(need.ok());
  std::vector<std::uint8_t> arena(*need + 64 + 7);
  std::uint8_t* base = arena.data() + 7;  // deliberately misaligned: the session aligns it
  {
    Session s(lm.model, Span<std::uint8_t>(base, *need + 64));
    REQUIRE_MESSAGE(s.ok(), std::string(s.status().message()));
    CHECK_FALSE(s.memory().arena_owned);
    const Value xin = f32_value("x", Shape{1, 3, 8, 8}, 9);
    std::memcpy(s.input(0).data, xin.data.data(), xin.data.size());
    s.run();
    // Every input, output and intermediate lies inside the caller's arena.
    for (const char* name : {"x", "a", "c", "e", "j", "k", "o"}) {
      const std::uint8_t* p = static_cast<const std::uint8_t*>((*s.tensor(name)).data);
      CAPTURE(name);
      CHECK(p >= base);
      CHECK(p < base + *need + 64);
    }
    auto ref = luodi_test::reference_eval(g, {xin});
    REQUIRE(ref.ok());
    check_outputs_equal(s, g, *ref, s.memory().arena_owned ? 0 : 64.0);
  }
  // One byte short of what is needed (after the session aligns the start), and far too small.
  std::vector<std::uint8_t> exact_buf(*need + 64);
  std::uint8_t* aligned = exact_buf.data() + ((64 - reinterpret_cast<std::uintptr_t>(exact_buf.data()) % 64) % 64);
  Session ok(lm.model, Span<std::uint8_t>(aligned, *need));
  CHECK_MESSAGE(ok.ok(), std::string(ok.status().message()));
  for (std::size_t size : {*need - 1, std::size_t(100)}) {
    Session s(lm.model, Span<std::uint8_t>(aligned, size));
    CHECK(s.status().code() == StatusCode::BufferTooSmall);
    const std::string msg = s.status().message();
    CAPTURE(msg);
    CHECK(msg.find(std::to_string(*need) + " bytes are needed") != std::string::npos);
  }
}

TEST_CASE("session: re-prepare for a new input size through a Shape -> Reshape chain") {
  // y = tanh(reshape(relu(x), shape(w))): the reshape target comes from another input's shape.
  Graph g;
  const std::int32_t x = g.add_value(make_value("x", DType::f32, Shape{-1, -1}));
  const std::int32_t w = g.add_value(make_value("w", DType::f32, Shape{-1, 2, -1}));
  const std::int32_t a = g.add_value(make_value("a", DType::f32, Shape{}));
  const std::int32_t sw = g.add_value(make_value("sw", DType::i64, Shape{}));
  const std::int32_t b = g.add_value(make_value("b", DType::f32, Shape{}));
  const std::int32_t y = g.add_value(make_value("y", DType::f32, Shape{}));
  g.inputs = {x, w};
  g.outputs = {y, sw};
  g.add_node(make_node(OpCode::Relu, "relu", {x}, {a}));
  g.add_node(make_node(OpCode::Shape, "shape", {w}, {sw}));
  g.add_node(make_node(OpCode::Reshape, "reshape", {a, sw}, {b}));
  g.add_node(make_node(OpCode::Tanh, "tanh", {b}, {y}));
  LoadedModel lm = luodi_test::load_graph(g);

  // Declared shapes have unknown dims: the session says what it needs.
  SessionOptions ref_opt;
  ref_opt.isa = Isa::scalar;  // compared bit for bit with the ref kernels below
  Session s(lm.model, ref_opt);
  CHECK(s.status().code() == StatusCode::InvalidArgument);
  CHECK(std::string(s.status().message()).find("set_input_shape") != std::string::npos);

  const std::vector<std::vector<std::int64_t>> sizes = {{4, 6, 3, 2, 4}, {10, 3, 5, 2, 3}, {1, 2, 1, 2, 1}};
  std::uint64_t arena_first = 0;
  for (const auto& z : sizes) {
    CAPTURE(z[0]);
    REQUIRE(s.set_input_shape(0, Shape{z[0], z[1]}).ok());
    REQUIRE(s.set_input_shape(1, Shape{z[2], z[3], z[4]}).ok());
    CHECK_FALSE(s.ok());  // until prepare()
    REQUIRE_MESSAGE(s.prepare().ok(), std::string(s.status().message()));
    if (!arena_first) arena_first = s.memory().activations;
    const Value xin = f32_value("x", Shape{z[0], z[1]}, static_cast<std::uint32_t>(z[0]));
    std::memcpy(s.input(0).data, xin.data.data(), xin.data.size());
    s.run();
    CHECK(s.output(0).shape == (Shape{z[2], z[3], z[4]}));
    const TensorView<const std::int64_t> shp = s.output_as<std::int64_t>(1);
    REQUIRE(shp.numel() == 3);
    CHECK(shp[0] == z[2]);
    CHECK(shp[2] == z[4]);
    for (std::int64_t q = 0; q < xin.shape.numel(); ++q) {
      const float v = xin.as<float>()[q];
      CHECK(s.output(0)[q] == kernels::ref::act_tanh(v < 0 ? 0.0f : v, {}));
    }
  }
  // A shape that contradicts a declared dim is refused.
  CHECK(s.set_input_shape(1, Shape{2, 3, 2}).code() == StatusCode::ShapeMismatch);
  // Element counts that do not match: prepare names the node.
  REQUIRE(s.set_input_shape(0, Shape{2, 3}).ok());
  REQUIRE(s.set_input_shape(1, Shape{5, 2, 1}).ok());
  const Status bad = s.prepare();
  CHECK(bad.code() == StatusCode::ShapeMismatch);
  CHECK(std::string(bad.message()).find("\"reshape\"") != std::string::npos);
}

TEST_CASE("session: nodes whose outputs are empty run nothing, whatever the other dims") {
  // Found by fuzz_model: a valid file whose input has a zero dim beside two huge ones. The
  // softmax kernel looped over the 2^32 empty rows for minutes; such a node now runs nothing.
  Graph g;
  const std::int32_t x = g.add_value(make_value("x", DType::f32, Shape{1 << 16, 1 << 16, 0}));
  const std::int32_t a = g.add_value(make_value("a", DType::f32, Shape{}));
  const std::int32_t y = g.add_value(make_value("y", DType::f32, Shape{}));
  g.inputs = {x};
  g.outputs = {y};
  g.add_node(make_node(OpCode::Softmax, "softmax", {x}, {a}, AttrWriter().set_int("axis", -1).take()));
  g.add_node(make_node(OpCode::Relu, "relu", {a}, {y}));
  LoadedModel lm = luodi_test::load_graph(g);
  for (const Isa isa : luodi_test::available_isas()) {
    CAPTURE(isa_name(isa));
    SessionOptions opt;
    opt.isa = isa;
    Session s(lm.model, opt);
    REQUIRE_MESSAGE(s.ok(), std::string(s.status().message()));
    s.run();  // before the fix: minutes per ISA, which the ctest timeout turns into a failure
    CHECK(s.output(0).shape == (Shape{1 << 16, 1 << 16, 0}));
    CHECK(s.output(0).numel() == 0);
  }
}

TEST_CASE("session: the profiling callback sees every node that runs, with its time") {
  const Graph g = activation_graph(Shape{1, 2, 4, 4});
  LoadedModel lm = luodi_test::load_graph(g);
  struct Seen {
    std::vector<std::string> names;
    double total_us = 0;
  } seen;
  SessionOptions opt;
  opt.profile = [](const ProfileEvent& e, void* user) {
    auto* s = static_cast<Seen*>(user);
    s->names.push_back(std::string(e.node_name) + ":" + e.op_name + ":" + e.output_shape.str().c_str());
    s->total_us += e.microseconds;
    CHECK(e.microseconds >= 0.0);
  };
  opt.profile_user = &seen;
  Session s(lm.model, opt);
  REQUIRE(s.ok());
  s.run();
  // 11 activation nodes run; the 5 views do not.
  REQUIRE(seen.names.size() == 11);
  CHECK(seen.names[0] == "relu:Relu:1x2x4x4");
  CHECK(seen.names[1] == "sigmoid:Sigmoid:1x32");
}

TEST_CASE("session: threads give the same result as one thread") {
  const Graph g = activation_graph(Shape{3, 8, 40, 40});
  LoadedModel lm = luodi_test::load_graph(g);
  const Value xin = f32_value("x", Shape{3, 8, 40, 40}, 21);
  std::vector<std::vector<float>> results;
  for (int threads : {1, 2}) {
    SessionOptions opt;
    opt.threads = threads;
    Session s(lm.model, opt);
    REQUIRE(s.ok());
    std::memcpy(s.input(0).data, xin.data.data(), xin.data.size());
    s.run();
    results.emplace_back(s.output(2).data, s.output(2).data + s.output(2).numel());
  }
  CHECK(results[0] == results[1]);
}

TEST_CASE("model.verify() replays the golden pair") {
  Graph g = activation_graph(Shape{1, 2, 3, 3});
  REQUIRE(ops::infer_shapes(g).ok());  // the outputs' shapes, which the golden values must have
  const Value xin = f32_value("x", Shape{1, 2, 3, 3}, 33);
  auto ref = luodi_test::reference_eval(g, {xin});
  REQUIRE(ref.ok());
  g.meta.has_golden = true;
  g.meta.golden_inputs = {xin.data};
  for (std::int32_t o : g.outputs) g.meta.golden_outputs.push_back(ref->at(g.values[static_cast<std::size_t>(o)].name).data);
  {
    LoadedModel lm = luodi_test::load_graph(g);
    const Status v = lm.model.verify();
    CHECK_MESSAGE(v.ok(), std::string(v.message()));
  }
  // A wrong golden output is caught and named.
  float bad;
  std::memcpy(&bad, g.meta.golden_outputs[1].data() + 8, 4);
  bad += 0.5f;
  std::memcpy(g.meta.golden_outputs[1].data() + 8, &bad, 4);
  LoadedModel lm = luodi_test::load_graph(g);
  const Status v = lm.model.verify();
  CHECK(v.code() == StatusCode::VerificationFailed);
  CHECK(std::string(v.message()).find("output \"j\" element 2") != std::string::npos);
}

TEST_CASE("session: an op without a kernel fails at prepare, naming it") {
  Graph g;
  const std::int32_t x = g.add_value(make_value("x", DType::f32, Shape{1, 3, 4, 4}));
  const std::int32_t y = g.add_value(make_value("y", DType::f32, Shape{}));
  g.inputs = {x};
  g.outputs = {y};
  g.add_node(make_node(OpCode::LRN, "lrn_1", {x}, {y}, AttrWriter().set_int("size", 3).take()));
  LoadedModel lm = luodi_test::load_graph(g);
  Session s(lm.model);
  if (ops::op_supported(OpCode::LRN)) {
    CHECK(s.ok());
  } else {
    CHECK(s.status().code() == StatusCode::Unsupported);
    CHECK(std::string(s.status().message()) == "node \"lrn_1\" (LRN): op LRN has no kernel in this build of luodi");
  }
}

TEST_CASE("session: small values are computed at prepare, large ones by run()") {
  Graph g;
  const std::int32_t x = g.add_value(make_value("x", DType::f32, Shape{4}));
  const std::int32_t small_shape = g.add_value(make_constant<std::int64_t>("small_shape", Shape{1}, {16}));
  const std::int32_t big_shape = g.add_value(make_constant<std::int64_t>("big_shape", Shape{2}, {512, 1024}));
  const std::int32_t small = g.add_value(make_value("small", DType::f32, Shape{}));
  const std::int32_t big = g.add_value(make_value("big", DType::f32, Shape{}));
  const std::int32_t y = g.add_value(make_value("y", DType::f32, Shape{}));
  // A 2 MiB weight through Relu: a transform of the model's own weights, evaluated at prepare.
  std::vector<float> wv(512 * 1024);
  for (std::size_t q = 0; q < wv.size(); ++q) wv[q] = static_cast<float>(q % 5) - 2.0f;
  const std::int32_t w = g.add_value(make_constant<float>("w", Shape{512, 1024}, wv));
  const std::int32_t wr = g.add_value(make_value("w_relu", DType::f32, Shape{}));
  g.inputs = {x};
  g.outputs = {small, big, y, wr};
  g.add_node(make_node(OpCode::ConstantOfShape, "small_fill", {small_shape}, {small},
                       AttrWriter().set_floats("value", {1.5f}).take()));
  g.add_node(make_node(OpCode::ConstantOfShape, "big_fill", {big_shape}, {big},
                       AttrWriter().set_floats("value", {-2.0f}).take()));
  g.add_node(make_node(OpCode::Relu, "relu", {x}, {y}));
  g.add_node(make_node(OpCode::Relu, "relu_weights", {w}, {wr}));
  LoadedModel lm = luodi_test::load_graph(g);
  struct Count {
    std::vector<std::string> ran;
  } count;
  SessionOptions opt;
  opt.profile = [](const ProfileEvent& e, void* u) { static_cast<Count*>(u)->ran.push_back(e.node_name); };
  opt.profile_user = &count;
  Session s(lm.model, opt);
  REQUIRE_MESSAGE(s.ok(), std::string(s.status().message()));
  // The 2 MiB fill is over kMaxFoldBytes: planned like an activation and filled by run(). The
  // 2 MiB weight transform is evaluated at prepare and kept with the session's tables.
  CHECK(s.memory().persistent >= 512 * 1024 * 4);
  CHECK(s.memory().persistent < 512 * 1024 * 4 + kMaxFoldBytes);
  CHECK(s.output(3)[3] == 1.0f);
  CHECK(s.memory().activations >= 512 * 1024 * 4);
  CHECK(s.output(0)[15] == 1.5f);  // computed at prepare: valid before any run
  s.run();
  CHECK(count.ran == std::vector<std::string>{"big_fill", "relu"});
  CHECK(s.output(1).shape == (Shape{512, 1024}));
  CHECK(s.output(1)[512 * 1024 - 1] == -2.0f);
}

TEST_CASE("session: preserve_inputs off lets the input's bytes be reused after its last reader") {
  const Graph g = activation_graph(Shape{1, 3, 16, 16});
  LoadedModel lm = luodi_test::load_graph(g);
  const Value xin = f32_value("x", Shape{1, 3, 16, 16}, 77);
  auto ref = luodi_test::reference_eval(g, {xin});
  REQUIRE(ref.ok());
  SessionOptions keep, reuse;
  keep.isa = reuse.isa = Isa::scalar;
  reuse.preserve_inputs = false;
  Session a(lm.model, keep), b(lm.model, reuse);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  // gelu is x's last reader: with the input reusable, gelu writes over it.
  CHECK((*b.tensor("k")).data == (*b.tensor("x")).data);
  CHECK((*a.tensor("k")).data != (*a.tensor("x")).data);
  CHECK(b.memory().activations <= a.memory().activations);
  for (int rep = 0; rep < 2; ++rep) {  // the input is refilled before each run
    std::memcpy(b.input(0).data, xin.data.data(), xin.data.size());
    b.run();
    check_outputs_equal(b, g, *ref, 0.0);
  }
}

TEST_CASE("session: the corpus's valid CNN runs like the ref kernels node by node") {
  const Graph g = luodi_test::corpus_cnn_graph();
  LoadedModel lm = luodi_test::load_graph(g);
  const Value xin = f32_value("x", Shape{1, 3, 8, 8}, 5);
  auto ref = luodi_test::reference_eval(g, {xin});
  REQUIRE_MESSAGE(ref.ok(), std::string(ref.status().message()));
  for (Isa isa : luodi_test::available_isas()) {
    SessionOptions opt;
    opt.isa = isa;
    Session s(lm.model, opt);
    REQUIRE_MESSAGE(s.ok(), std::string(s.status().message()));
    std::memcpy(s.input(0).data, xin.data.data(), xin.data.size());
    s.run();
    // The ref ISA is bit-exact; SIMD GEMM/conv sum in another order (a few ULP on O(1) values).
    check_outputs_equal(s, g, *ref, isa == Isa::scalar ? 0.0 : 256.0);
  }
}

namespace {

// One 3x3 convolution (+ relu) at a shape where the automatic choice is Winograd on SIMD ISAs.
constexpr std::int64_t kWinoC = 32, kWinoHW = 28;
Graph wino_graph() {
  Graph g;
  luodi_test::GraphBuilder b(&g);
  const std::int32_t x = g.add_value(make_value("x", DType::f32, Shape{1, kWinoC, kWinoHW, kWinoHW}));
  g.inputs = {x};
  g.outputs = {b.unary(OpCode::Relu, b.conv(x, kWinoC, kWinoC, 3, 1, 1, "conv"), "relu")};
  return g;
}
kernels::Conv2dParams wino_params() {
  kernels::Conv2dParams p;
  p.N = 1;
  p.C_in = p.C_out = kWinoC;
  p.H = p.W = kWinoHW;
  p.kernel_h = p.kernel_w = 3;
  p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = 1;
  p.has_bias = true;
  return p;
}
bool is_winograd(kernels::Conv2dAlgo a) {
  return a == kernels::Conv2dAlgo::Winograd43 || a == kernels::Conv2dAlgo::Winograd23 ||
         a == kernels::Conv2dAlgo::Winograd23T;
}

}  // namespace

TEST_CASE("session: winograd = false plans 3x3 convolutions without Winograd, packed at the GEMM size") {
  const Graph g = wino_graph();
  LoadedModel lm = luodi_test::load_graph(g);
  const Value xin = f32_value("x", Shape{1, kWinoC, kWinoHW, kWinoHW}, 31, -1.0f, 1.0f);
  auto ref = luodi_test::reference_eval(g, {xin});
  REQUIRE(ref.ok());
  const kernels::Conv2dParams p = wino_params();
  for (Isa isa : luodi_test::available_isas()) {
    const std::string isa_label = isa_name(isa);
    CAPTURE(isa_label);
    const kernels::Conv2dPlan with = kernels::conv2d_plan(p, isa), without = kernels::conv2d_plan(p, isa, false);
    // The premise: Winograd is the automatic choice wherever there are SIMD kernels.
    if (isa != Isa::scalar) REQUIRE(is_winograd(with.algo));
    CHECK_FALSE(is_winograd(without.algo));
    std::uint64_t packed[2] = {0, 0};
    for (bool winograd : {true, false}) {
      CAPTURE(winograd);
      SessionOptions opt;
      opt.isa = isa;
      opt.winograd = winograd;
      Session s(lm.model, opt);
      REQUIRE_MESSAGE(s.ok(), std::string(s.status().message()));
      packed[winograd] = s.memory().packed;
      CHECK(packed[winograd] >= static_cast<std::uint64_t>((winograd ? with : without).packed_bytes));
      std::memcpy(s.input(0).data, xin.data.data(), xin.data.size());
      s.run();
      const double err = luodi_test::relative_error(s.output(0).data, ref->at("relu"));
      // The ref ISA runs the ref kernels: bit for bit. SIMD sums in another order: relative 1e-4.
      if (isa == Isa::scalar) CHECK(err == 0.0);
      else CHECK(err <= 1e-4);
    }
    // The session's packed region (block records included) differs by exactly the two layouts'
    // difference.
    CHECK(packed[1] - packed[0] == static_cast<std::uint64_t>(with.packed_bytes - without.packed_bytes));
    // F(4,3) / F(2,3) tiles of 6x6 / 4x4 per 3x3 kernel: 4x / 1.8x the GEMM layout's size.
    if (isa != Isa::scalar) CHECK(with.packed_bytes > without.packed_bytes * 17 / 10);
  }
}

TEST_CASE("session: required_arena_bytes counts per-thread scratch for the options' threads") {
  // The 3x3 convolution as GEMM has im2col scratch per thread.
  const Graph g = wino_graph();
  LoadedModel lm = luodi_test::load_graph(g);
  SessionOptions one;
  one.winograd = false;
  auto need1 = Session::required_arena_bytes(lm.model, one);
  REQUIRE(need1.ok());
  for (int threads : {2, 3}) {
    CAPTURE(threads);
    SessionOptions opt = one;
    opt.threads = threads;
    auto need = Session::required_arena_bytes(lm.model, opt);
    REQUIRE(need.ok());
    Session owned(lm.model, opt);
    REQUIRE(owned.ok());
    CHECK(*need == owned.memory().arena_used);
    const kernels::Conv2dPlan plan = kernels::conv2d_plan(wino_params(), active_isa(), false);
    if (plan.scratch_per_thread > 0) CHECK(*need > *need1);
    // A borrowed arena of exactly that size (+ alignment slack) is enough for the threads.
    std::vector<std::uint8_t> arena(*need + 64);
    Session borrowed(lm.model, Span<std::uint8_t>(arena.data(), arena.size()), opt);
    REQUIRE_MESSAGE(borrowed.ok(), std::string(borrowed.status().message()));
    const Value xin = f32_value("x", Shape{1, kWinoC, kWinoHW, kWinoHW}, 32, -1.0f, 1.0f);
    std::memcpy(borrowed.input(0).data, xin.data.data(), xin.data.size());
    borrowed.run();
    auto ref = luodi_test::reference_eval(g, {xin});
    REQUIRE(ref.ok());
    CHECK(luodi_test::relative_error(borrowed.output(0).data, ref->at("relu")) <= 1e-4);
  }
}
