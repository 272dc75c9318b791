#include <doctest/doctest.h>
#include <luodi/graph/ir.hpp>

#include <string>
#include <vector>

using namespace luodi;
using namespace luodi::graph;

TEST_CASE("attributes: written blobs read back with the right types and values") {
  AttrWriter w;
  w.set_int("group", 32).set_float("alpha", 0.25f).set_ints("pads", {0, 1, 2, 3}).set_floats("scales", {1.f, 2.5f, 3.f});
  w.set_string("mode", "nearest").set_int("group", 4);  // replacing keeps one record
  AttrList a(w.blob().data(), w.blob().size());
  REQUIRE(a.validate().ok());
  std::int64_t g = 0;
  CHECK(a.read_int("group", &g).ok());
  CHECK(g == 4);
  float alpha = 0;
  CHECK(a.read_float("alpha", &alpha).ok());
  CHECK(alpha == 0.25f);
  std::int64_t pads[8];
  std::uint32_t n = 0;
  CHECK(a.read_ints("pads", pads, 8, &n).ok());
  CHECK(n == 4);
  CHECK(pads[3] == 3);
  float sc[4];
  CHECK(a.read_floats("scales", sc, 4, &n).ok());
  CHECK(n == 3);
  CHECK(sc[1] == 2.5f);
  CHECK(a.string_equals("mode", "nearest"));
  CHECK_FALSE(a.string_equals("mode", "linear"));
  std::int64_t def = 7;
  CHECK(a.read_int("absent", &def).ok());
  CHECK(def == 7);
  CHECK(a.read_int("absent", &def, true).code() == StatusCode::BadAttribute);
  Status wrong = a.read_int("alpha", &def);
  CHECK(wrong.code() == StatusCode::BadAttribute);
  CHECK(std::string(wrong.message()) == "attribute \"alpha\" is float, expected int");
  CHECK(a.read_ints("pads", pads, 2, &n).code() == StatusCode::BadAttribute);  // more than the caller allows
  w.remove("pads");
  AttrList b(w.blob().data(), w.blob().size());
  CHECK_FALSE(b.has("pads"));
  CHECK(b.has("scales"));
}

TEST_CASE("attributes: every truncation and corruption of a blob is caught by validate()") {
  AttrWriter w;
  w.set_ints("kernel_shape", {3, 3}).set_string("auto_pad", "NOTSET").set_float("epsilon", 1e-5f);
  const std::vector<std::uint8_t> good = w.blob();
  for (std::size_t cut = 1; cut < good.size(); ++cut) {
    AttrList t(good.data(), cut);
    const Status s = t.validate();
    // Cutting exactly at a record boundary leaves a valid, shorter list.
    if (s.ok()) continue;
    CHECK((s.code() == StatusCode::Truncated || s.code() == StatusCode::BadAttribute));
  }
  REQUIRE(good.size() >= 16);
  std::vector<std::uint8_t> bad = good;
  if (bad.size() < 16) return;  // lets GCC 12 see the writes below are in range
  bad[2] = 9;  // unknown type
  CHECK(AttrList(bad.data(), bad.size()).validate().code() == StatusCode::BadAttribute);
  bad = good;
  bad[0] = 0;  // empty name
  bad[1] = 0;
  CHECK(AttrList(bad.data(), bad.size()).validate().code() == StatusCode::BadAttribute);
  bad = good;
  bad[4] = 0xFF;  // huge count
  bad[5] = 0xFF;
  CHECK_FALSE(AttrList(bad.data(), bad.size()).validate().ok());
  // duplicate names
  std::vector<std::uint8_t> dup = AttrWriter().set_int("axis", 1).blob();
  const std::vector<std::uint8_t> one = dup;
  dup.insert(dup.end(), one.begin(), one.end());
  Status d = AttrList(dup.data(), dup.size()).validate();
  CHECK(d.code() == StatusCode::BadAttribute);
  CHECK(std::string(d.message()).find("axis") != std::string::npos);
}

namespace {
Graph tiny_graph() {
  Graph g;
  Value x;
  x.name = "x";
  x.shape = Shape{1, 3, 8, 8};
  const auto xi = g.add_value(x);
  Value w;
  w.name = "w";
  w.shape = Shape{4, 3, 3, 3};
  w.is_constant = true;
  w.data.resize(4 * 3 * 3 * 3 * 4);
  const auto wi = g.add_value(w);
  Value y;
  y.name = "y";
  const auto yi = g.add_value(y);
  Value z;
  z.name = "z";
  const auto zi = g.add_value(z);
  Node conv;
  conv.op = OpCode::Conv;
  conv.name = "conv";
  conv.inputs = {xi, wi};
  conv.outputs = {yi};
  conv.attrs = AttrWriter().set_ints("kernel_shape", {3, 3}).take();
  Node relu;
  relu.op = OpCode::Relu;
  relu.name = "relu";
  relu.inputs = {yi};
  relu.outputs = {zi};
  g.add_node(relu);  // deliberately out of order
  g.add_node(conv);
  g.inputs = {xi};
  g.outputs = {zi};
  return g;
}
}  // namespace

TEST_CASE("graph: validate() finds order problems, topological_sort() fixes them") {
  Graph g = tiny_graph();
  Status s = g.validate();
  CHECK(s.code() == StatusCode::GraphCycle);
  CHECK(std::string(s.message()).find("relu") != std::string::npos);
  REQUIRE(g.topological_sort().ok());
  CHECK(g.nodes[0].name == "conv");
  CHECK(g.validate().ok());
  CHECK(g.find_value("w") == 1);
  CHECK(g.use_counts()[2] == 1);
}

TEST_CASE("graph: cycles, dangling indices, arity and double producers are named errors") {
  Graph g = tiny_graph();
  REQUIRE(g.topological_sort().ok());
  Graph cyc = g;
  cyc.nodes[0].inputs[0] = 3;  // conv reads relu's output: a cycle
  CHECK(cyc.topological_sort().code() == StatusCode::GraphCycle);
  Graph dang = g;
  dang.nodes[1].inputs[0] = 42;
  CHECK(dang.validate().code() == StatusCode::DanglingIndex);
  Graph arity = g;
  arity.nodes[1].inputs.push_back(0);  // Relu takes one input
  Status a = arity.validate();
  CHECK(a.code() == StatusCode::InvalidArgument);
  CHECK(std::string(a.message()).find("Relu") != std::string::npos);
  Graph twice = g;
  twice.nodes[1].outputs[0] = 2;  // y produced by conv and by relu
  CHECK(twice.validate().code() == StatusCode::InvalidArgument);
  Graph never = g;
  never.outputs = {3};
  never.nodes.pop_back();
  CHECK(never.validate().code() == StatusCode::NotFound);
}

TEST_CASE("op list: codes are unique and map to ONNX names") {
  for (int i = 0; i < kOpCount; ++i)
    for (int j = i + 1; j < kOpCount; ++j) REQUIRE(kOpInfos[i].code != kOpInfos[j].code);
  OpCode c;
  REQUIRE(op_from_onnx("Conv", &c));
  CHECK(c == OpCode::Conv);
  CHECK(op_info(9999u) == nullptr);
  CHECK_FALSE(op_from_onnx("NonMaxSuppression", &c));
}
