// ONNX -> IR: normalisation of older opsets, constants, problem reporting, structural errors.
#include <doctest/doctest.h>
#include <luodi/onnx/import.hpp>

#include <string>
#include <vector>

#include "onnx/onnx_builder.hpp"

using namespace luodi;
using namespace luodi::onnx;
using namespace onnx_test;
using graph::OpCode;

namespace {

struct Imported {
  Status status;
  graph::Graph g;
  ImportReport rep;
};

Imported import(const GraphSpec& gs, std::int64_t opset, const ImportOptions& opt = ImportOptions()) {
  Imported r;
  std::vector<std::uint8_t> b = model(onnx_test::graph(gs), opset).vec();
  r.status = import_bytes(b.data(), b.size(), opt, &r.g, &r.rep);
  return r;
}

const graph::Node* find_op(const graph::Graph& g, OpCode op, int nth = 0) {
  for (const graph::Node& n : g.nodes)
    if (n.op == op && nth-- == 0) return &n;
  return nullptr;
}

std::vector<std::int64_t> const_i64(const graph::Graph& g, std::int32_t v) {
  REQUIRE(v >= 0);
  const graph::Value& x = g.values[static_cast<std::size_t>(v)];
  REQUIRE(x.is_constant);
  REQUIRE(x.dtype == DType::i64);
  std::vector<std::int64_t> out(x.data.size() / 8);
  if (!out.empty()) std::memcpy(out.data(), x.data.data(), x.data.size());
  return out;
}
float const_f32(const graph::Graph& g, std::int32_t v) {
  REQUIRE(v >= 0);
  const graph::Value& x = g.values[static_cast<std::size_t>(v)];
  REQUIRE(x.is_constant);
  REQUIRE(x.dtype == DType::f32);
  REQUIRE(x.data.size() == 4);
  float f;
  std::memcpy(&f, x.data.data(), 4);
  return f;
}

GraphSpec unary(const std::string& op, const std::vector<Msg>& attrs, std::vector<std::int64_t> dims = {1, 3, 4, 4}) {
  GraphSpec g;
  g.inputs.push_back(value_info("x", 1, dims));
  g.outputs.push_back(value_info("y", 1, {}, false));
  g.nodes.push_back(node(op, {"x"}, {"y"}, attrs, "n0"));
  return g;
}

}  // namespace

TEST_CASE("import: a small CNN keeps names, shapes, constants and attributes") {
  GraphSpec g;
  g.inputs.push_back(value_info("x", 1, {-1, 3, 8, 8}));
  g.outputs.push_back(value_info("y", 1, {}, false));
  std::vector<float> w(4 * 3 * 3 * 3, 0.5f);
  g.initializers.push_back(tensor_f32("w", {4, 3, 3, 3}, w));
  g.initializers.push_back(tensor_f32("b", {4}, {1, 2, 3, 4}, false));
  g.nodes.push_back(node("Conv", {"x", "w", "b"}, {"c"},
                         {attr_ints("kernel_shape", {3, 3}), attr_ints("pads", {1, 1, 1, 1}), attr_int("group", 1)}, "conv"));
  g.nodes.push_back(node("Relu", {"c"}, {"y"}, {}, "relu"));
  Imported r = import(g, 13);
  REQUIRE_MESSAGE(r.status.ok(), r.status.message());
  REQUIRE(r.g.validate().ok());
  REQUIRE(r.g.inputs.size() == 1);
  const graph::Value& x = r.g.values[static_cast<std::size_t>(r.g.inputs[0])];
  CHECK(x.name == "x");
  CHECK(x.shape.rank() == 4);
  CHECK(x.shape[0] == -1);
  CHECK(x.shape[2] == 8);
  REQUIRE(x.dim_names.size() == 4);
  CHECK(x.dim_names[0] == "N");
  REQUIRE(r.g.nodes.size() == 2);
  const graph::Node& conv = r.g.nodes[0];
  CHECK(conv.op == OpCode::Conv);
  CHECK(conv.name == "conv");
  CHECK(conv.source_op == "Conv");
  CHECK(conv.source_opset == 13);
  std::int64_t pads[4];
  std::uint32_t n = 0;
  REQUIRE(conv.attr_list().read_ints("pads", pads, 4, &n).ok());
  CHECK(n == 4);
  const graph::Value& b = r.g.values[static_cast<std::size_t>(conv.inputs[2])];
  CHECK(b.is_constant);
  CHECK(b.shape == Shape{4});
  CHECK(b.as<float>()[3] == 4.f);
  CHECK(r.g.values[static_cast<std::size_t>(r.g.outputs[0])].name == "y");
}

TEST_CASE("import: input shapes given by the user replace unknown dims and must agree with known ones") {
  GraphSpec g = unary("Relu", {}, {-1, 3, -2, -2});
  ImportOptions opt;
  opt.input_shapes.push_back({"x", {2, 3, 16, 20}});
  Imported r = import(g, 13, opt);
  REQUIRE(r.status.ok());
  CHECK(r.g.values[static_cast<std::size_t>(r.g.inputs[0])].shape == Shape{2, 3, 16, 20});
  opt.input_shapes[0].dims = {2, 4, 16, 20};
  r = import(g, 13, opt);
  CHECK(r.status.code() == StatusCode::ShapeMismatch);
  opt.input_shapes[0].dims = {2, 3, 16};
  r = import(g, 13, opt);
  CHECK(r.status.code() == StatusCode::ShapeMismatch);
  opt.input_shapes[0] = {"nope", {1}};
  r = import(g, 13, opt);
  CHECK(r.status.code() == StatusCode::NotFound);
}

TEST_CASE("import: attributes that became inputs are normalised to the opset-17 form") {
  SUBCASE("Clip-6 min/max") {
    Imported r = import(unary("Clip", {attr_float("min", 0.f), attr_float("max", 6.f)}), 6);
    REQUIRE(r.status.ok());
    const graph::Node* n = find_op(r.g, OpCode::Clip);
    REQUIRE(n);
    REQUIRE(n->inputs.size() == 3);
    CHECK(const_f32(r.g, n->inputs[1]) == 0.f);
    CHECK(const_f32(r.g, n->inputs[2]) == 6.f);
    CHECK_FALSE(n->attr_list().has("min"));
  }
  SUBCASE("Clip-6 with only max leaves min absent") {
    Imported r = import(unary("Clip", {attr_float("max", 6.f)}), 6);
    REQUIRE(r.status.ok());
    const graph::Node* n = find_op(r.g, OpCode::Clip);
    REQUIRE(n->inputs.size() == 3);
    CHECK(n->inputs[1] == -1);
    CHECK(const_f32(r.g, n->inputs[2]) == 6.f);
  }
  SUBCASE("Squeeze-11 and Unsqueeze-11 axes") {
    Imported r = import(unary("Unsqueeze", {attr_ints("axes", {0, 5})}), 11);
    REQUIRE(r.status.ok());
    const graph::Node* n = find_op(r.g, OpCode::Unsqueeze);
    REQUIRE(n->inputs.size() == 2);
    CHECK(const_i64(r.g, n->inputs[1]) == std::vector<std::int64_t>{0, 5});
    r = import(unary("Squeeze", {}), 11);
    REQUIRE(r.status.ok());
    CHECK(find_op(r.g, OpCode::Squeeze)->inputs.size() == 1);  // no axes: squeeze every 1
  }
  SUBCASE("ReduceMean axes at every opset, ReduceSum only before 13") {
    Imported r = import(unary("ReduceMean", {attr_ints("axes", {2, 3}), attr_int("keepdims", 1)}), 17);
    REQUIRE(r.status.ok());
    const graph::Node* n = find_op(r.g, OpCode::ReduceMean);
    REQUIRE(n->inputs.size() == 2);
    CHECK(const_i64(r.g, n->inputs[1]) == std::vector<std::int64_t>{2, 3});
    std::int64_t kd = 0;
    CHECK(n->attr_list().read_int("keepdims", &kd).ok());
    CHECK(kd == 1);
    CHECK_FALSE(n->attr_list().has("axes"));
    r = import(unary("ReduceSum", {attr_ints("axes", {1})}), 11);
    REQUIRE(r.status.ok());
    CHECK(const_i64(r.g, find_op(r.g, OpCode::ReduceSum)->inputs[1]) == std::vector<std::int64_t>{1});
  }
  SUBCASE("Slice-1 starts/ends/axes") {
    Imported r = import(unary("Slice", {attr_ints("starts", {1}), attr_ints("ends", {3}), attr_ints("axes", {2})}), 9);
    REQUIRE(r.status.ok());
    const graph::Node* n = find_op(r.g, OpCode::Slice);
    REQUIRE(n->inputs.size() == 4);
    CHECK(const_i64(r.g, n->inputs[1]) == std::vector<std::int64_t>{1});
    CHECK(const_i64(r.g, n->inputs[2]) == std::vector<std::int64_t>{3});
    CHECK(const_i64(r.g, n->inputs[3]) == std::vector<std::int64_t>{2});
    CHECK(n->attrs.empty());
  }
  SUBCASE("Pad-2 pads/value, mode kept") {
    Imported r = import(unary("Pad", {attr_ints("pads", {0, 0, 1, 1, 0, 0, 1, 1}), attr_float("value", 2.f),
                                      attr_string("mode", "constant")}),
                        9);
    REQUIRE(r.status.ok());
    const graph::Node* n = find_op(r.g, OpCode::Pad);
    REQUIRE(n->inputs.size() == 3);
    CHECK(const_i64(r.g, n->inputs[1]).size() == 8);
    CHECK(const_f32(r.g, n->inputs[2]) == 2.f);
    CHECK(n->attr_list().string_equals("mode", "constant"));
    r = import(unary("Pad", {attr_ints("pads", {0, 0, 1, 1, 0, 0, 1, 1}), attr_string("mode", "wrap")}), 9);
    CHECK(r.status.code() == StatusCode::BadAttribute);
  }
  SUBCASE("Split-11 split") {
    GraphSpec g = unary("Split", {attr_int("axis", 1), attr_ints("split", {1, 2})});
    g.nodes[0] = node("Split", {"x"}, {"y", "z"}, {attr_int("axis", 1), attr_ints("split", {1, 2})});
    g.outputs.push_back(value_info("z", 1, {}, false));
    Imported r = import(g, 11);
    REQUIRE(r.status.ok());
    const graph::Node* n = find_op(r.g, OpCode::Split);
    REQUIRE(n->inputs.size() == 2);
    CHECK(const_i64(r.g, n->inputs[1]) == std::vector<std::int64_t>{1, 2});
    CHECK(n->outputs.size() == 2);
  }
}

TEST_CASE("import: Upsample and Resize-10 become Resize with asymmetric coordinates") {
  SUBCASE("Upsample-7 scales attribute, bilinear") {
    Imported r = import(unary("Upsample", {attr_floats("scales", {1, 1, 2, 2}), attr_string("mode", "bilinear")}), 7);
    REQUIRE_MESSAGE(r.status.ok(), r.status.message());
    const graph::Node* n = find_op(r.g, OpCode::Resize);
    REQUIRE(n);
    REQUIRE(n->inputs.size() == 3);
    CHECK(n->inputs[1] == -1);
    CHECK(n->attr_list().string_equals("mode", "linear"));
    CHECK(n->attr_list().string_equals("coordinate_transformation_mode", "asymmetric"));
    CHECK(n->source_op == "Upsample");
  }
  SUBCASE("Upsample-9 scales input, nearest") {
    GraphSpec g;
    g.inputs.push_back(value_info("x", 1, {1, 1, 2, 2}));
    g.outputs.push_back(value_info("y", 1, {}, false));
    g.initializers.push_back(tensor_f32("s", {4}, {1, 1, 2, 3}));
    g.nodes.push_back(node("Upsample", {"x", "s"}, {"y"}, {attr_string("mode", "nearest")}));
    Imported r = import(g, 9);
    REQUIRE(r.status.ok());
    const graph::Node* n = find_op(r.g, OpCode::Resize);
    CHECK(n->attr_list().string_equals("nearest_mode", "floor"));
    CHECK(r.g.values[static_cast<std::size_t>(n->inputs[2])].name == "s");
  }
  SUBCASE("Resize-11 empty roi/scales constants become absent inputs") {
    GraphSpec g;
    g.inputs.push_back(value_info("x", 1, {1, 1, 2, 2}));
    g.outputs.push_back(value_info("y", 1, {}, false));
    g.initializers.push_back(tensor_f32("roi", {0}, {}));
    g.initializers.push_back(tensor_f32("scales", {0}, {}));
    g.initializers.push_back(tensor_i64("sizes", {4}, {1, 1, 4, 4}));
    g.nodes.push_back(node("Resize", {"x", "roi", "scales", "sizes"}, {"y"}, {attr_string("mode", "cubic")}));
    Imported r = import(g, 11);
    REQUIRE(r.status.ok());
    const graph::Node* n = find_op(r.g, OpCode::Resize);
    REQUIRE(n->inputs.size() == 4);
    CHECK(n->inputs[1] == -1);
    CHECK(n->inputs[2] == -1);
    CHECK(n->inputs[3] >= 0);
    CHECK(n->attr_list().string_equals("mode", "cubic"));
  }
}

TEST_CASE("import: Softmax before opset 13 keeps its 2-D meaning") {
  SUBCASE("axis on the last dim: a plain Softmax") {
    Imported r = import(unary("Softmax", {attr_int("axis", 1)}, {2, 10}), 11);
    REQUIRE(r.status.ok());
    REQUIRE(r.g.nodes.size() == 1);
    std::int64_t axis = 0;
    CHECK(r.g.nodes[0].attr_list().read_int("axis", &axis).ok());
    CHECK(axis == -1);
  }
  SUBCASE("axis 1 of a 4-D tensor: Flatten -> Softmax -> Reshape") {
    Imported r = import(unary("LogSoftmax", {}, {2, 3, 4, 5}), 11);
    REQUIRE(r.status.ok());
    REQUIRE(find_op(r.g, OpCode::Flatten));
    REQUIRE(find_op(r.g, OpCode::LogSoftmax));
    REQUIRE(find_op(r.g, OpCode::Reshape));
    CHECK(r.g.validate().ok());
  }
}

TEST_CASE("import: legacy broadcast with an axis aligns B with an Unsqueeze") {
  GraphSpec g;
  g.inputs.push_back(value_info("x", 1, {2, 3, 4, 5}));
  g.outputs.push_back(value_info("y", 1, {}, false));
  g.initializers.push_back(tensor_f32("b", {3}, {1, 2, 3}));
  g.nodes.push_back(node("Add", {"x", "b"}, {"y"}, {attr_int("broadcast", 1), attr_int("axis", 1)}));
  Imported r = import(g, 6);
  REQUIRE_MESSAGE(r.status.ok(), r.status.message());
  const graph::Node* u = find_op(r.g, OpCode::Unsqueeze);
  REQUIRE(u);
  CHECK(const_i64(r.g, u->inputs[1]) == std::vector<std::int64_t>{1, 2});  // [3] -> [3,1,1]
  const graph::Node* add = find_op(r.g, OpCode::Add);
  REQUIRE(add);
  CHECK(add->inputs[1] == u->outputs[0]);
  CHECK_FALSE(add->attr_list().has("broadcast"));
  CHECK(r.g.validate().ok());
}

TEST_CASE("import: Constant, ConstantOfShape, Cast and Dropout") {
  SUBCASE("Constant becomes a constant value and no node") {
    GraphSpec g;
    g.inputs.push_back(value_info("x", 1, {2}));
    g.outputs.push_back(value_info("y", 1, {}, false));
    g.nodes.push_back(node("Constant", {}, {"k"}, {attr_tensor("value", tensor_f32("", {2}, {3, 4}))}));
    g.nodes.push_back(node("Mul", {"x", "k"}, {"y"}));
    Imported r = import(g, 13);
    REQUIRE(r.status.ok());
    REQUIRE(r.g.nodes.size() == 1);
    const graph::Value& k = r.g.values[static_cast<std::size_t>(r.g.nodes[0].inputs[1])];
    CHECK(k.is_constant);
    CHECK(k.as<float>()[1] == 4.f);
    GraphSpec g2 = g;
    g2.nodes[0] = node("Constant", {}, {"k"}, {attr_ints("value_ints", {7, 8})});
    r = import(g2, 13);
    REQUIRE(r.status.ok());
    CHECK(const_i64(r.g, r.g.nodes[0].inputs[1]) == std::vector<std::int64_t>{7, 8});
    g2.nodes[0] = node("Constant", {}, {"k"}, {attr_string("value_string", "hi")});
    CHECK(import(g2, 13).status.code() == StatusCode::Unsupported);
  }
  SUBCASE("ConstantOfShape value tensor becomes dtype + value attributes") {
    GraphSpec g;
    g.inputs.push_back(value_info("s", 7, {2}));
    g.outputs.push_back(value_info("y", 7, {}, false));
    g.nodes.push_back(node("ConstantOfShape", {"s"}, {"y"}, {attr_tensor("value", tensor_i64("", {1}, {5}))}));
    Imported r = import(g, 13);
    REQUIRE(r.status.ok());
    graph::AttrList a = r.g.nodes[0].attr_list();
    std::int64_t dt = 0, v = 0;
    CHECK(a.read_int("dtype", &dt).ok());
    CHECK(dt == static_cast<std::int64_t>(DType::i64));
    CHECK(a.read_int("value", &v).ok());
    CHECK(v == 5);
  }
  SUBCASE("Cast to double is reported") {
    Imported r = import(unary("Cast", {attr_int("to", 11)}), 13);
    CHECK(r.status.code() == StatusCode::Unsupported);
    REQUIRE(r.rep.problems.size() == 1);
    CHECK(r.rep.problems[0].message() ==
          "node \"n0\" (Cast, opset 13): cast to double is not supported (luodi holds float, float16, int8, uint8, "
          "int32, int64, bool)");
  }
  SUBCASE("Dropout with a used mask gets an all-true mask; ratio and training_mode are dropped") {
    GraphSpec g;
    g.inputs.push_back(value_info("x", 1, {2, 2}));
    g.outputs.push_back(value_info("y", 1, {}, false));
    g.outputs.push_back(value_info("m", 9, {}, false));
    g.initializers.push_back(tensor_f32("ratio", {}, {0.5f}));
    g.nodes.push_back(node("Dropout", {"x", "ratio"}, {"y", "m"}));
    Imported r = import(g, 13);
    REQUIRE_MESSAGE(r.status.ok(), r.status.message());
    const graph::Node* d = find_op(r.g, OpCode::Dropout);
    REQUIRE(d);
    CHECK(d->inputs.size() == 1);
    CHECK(d->outputs.size() == 1);
    const graph::Node* mask = find_op(r.g, OpCode::ConstantOfShape);
    REQUIRE(mask);
    CHECK(r.g.values[static_cast<std::size_t>(mask->outputs[0])].name == "m");
  }
}

TEST_CASE("import: every unsupported thing is collected with node, op, domain, opset and reason") {
  GraphSpec g;
  g.inputs.push_back(value_info("x", 1, {1, 4}));
  g.outputs.push_back(value_info("y", 1, {}, false));
  g.nodes.push_back(node("Hardmax", {"x"}, {"a"}, {}, "/m/Hardmax_1"));
  g.nodes.push_back(node("TopK", {"a", "k"}, {"b", "i"}, {}, "/m/TopK_2"));
  Msg custom = node("FusedConv", {"b"}, {"c"}, {}, "/m/Fused");
  custom.str(7, "com.microsoft");
  g.nodes.push_back(custom);
  g.nodes.push_back(node("Relu", {"c"}, {"y"}, {}, "/m/Relu"));
  std::vector<std::uint8_t> b = model(onnx_test::graph(g), 13).vec();
  graph::Graph out;
  ImportReport rep;
  Status s = import_bytes(b.data(), b.size(), ImportOptions(), &out, &rep);
  CHECK_FALSE(s.ok());
  REQUIRE(rep.problems.size() == 3);
  CHECK(rep.problems[0].message() == "node \"/m/Hardmax_1\" (Hardmax, opset 13): luodi has no such op");
  CHECK(rep.problems[1].message() ==
        "node \"/m/TopK_2\" (TopK, opset 13): reads \"k\", which no node, initializer or graph input produces");
  CHECK(rep.problems[1].code == StatusCode::NotFound);
  CHECK(rep.problems[2].message() ==
        "node \"/m/Fused\" (com.microsoft:FusedConv, opset 0): domain \"com.microsoft\" is not imported by the model");
  CHECK(std::string(s.message()).find("3 problems") == 0);
  CHECK(s.code() == StatusCode::NotFound);
}

TEST_CASE("import: structural errors in hostile graphs") {
  SUBCASE("a node reading its own output") {
    GraphSpec g;
    g.inputs.push_back(value_info("x", 1, {2}));
    g.outputs.push_back(value_info("y", 1, {}, false));
    g.nodes.push_back(node("Add", {"x", "y"}, {"y"}));
    CHECK(import(g, 13).status.code() == StatusCode::GraphCycle);
  }
  SUBCASE("a two-node cycle") {
    GraphSpec g;
    g.inputs.push_back(value_info("x", 1, {2}));
    g.outputs.push_back(value_info("y", 1, {}, false));
    g.nodes.push_back(node("Add", {"x", "b"}, {"a"}));
    g.nodes.push_back(node("Relu", {"a"}, {"b"}));
    g.nodes.push_back(node("Relu", {"a"}, {"y"}));
    CHECK(import(g, 13).status.code() == StatusCode::GraphCycle);
  }
  SUBCASE("nodes out of order are sorted") {
    GraphSpec g;
    g.inputs.push_back(value_info("x", 1, {2}));
    g.outputs.push_back(value_info("y", 1, {}, false));
    g.nodes.push_back(node("Relu", {"a"}, {"y"}, {}, "second"));
    g.nodes.push_back(node("Relu", {"x"}, {"a"}, {}, "first"));
    Imported r = import(g, 13);
    REQUIRE(r.status.ok());
    CHECK(r.g.nodes[0].name == "first");
  }
  SUBCASE("a value produced twice") {
    GraphSpec g;
    g.inputs.push_back(value_info("x", 1, {2}));
    g.outputs.push_back(value_info("y", 1, {}, false));
    g.nodes.push_back(node("Relu", {"x"}, {"y"}));
    g.nodes.push_back(node("Relu", {"x"}, {"y"}));
    CHECK(import(g, 13).status.code() == StatusCode::InvalidArgument);
  }
  SUBCASE("a graph input or output declared twice") {
    GraphSpec g = unary("Relu", {});
    g.inputs.push_back(value_info("x", 1, {1, 3, 4, 4}));
    CHECK(import(g, 13).status.code() == StatusCode::InvalidArgument);
    GraphSpec h = unary("Relu", {});
    h.outputs.push_back(value_info("y", 1, {}, false));
    CHECK(import(h, 13).status.code() == StatusCode::InvalidArgument);
  }
  SUBCASE("an initializer also listed as a graph input is a constant (IR < 4)") {
    GraphSpec g;
    g.inputs.push_back(value_info("x", 1, {2}));
    g.inputs.push_back(value_info("w", 1, {2}));
    g.outputs.push_back(value_info("y", 1, {}, false));
    g.initializers.push_back(tensor_f32("w", {2}, {1, 2}));
    g.nodes.push_back(node("Add", {"x", "w"}, {"y"}));
    Imported r = import(g, 13);
    REQUIRE(r.status.ok());
    CHECK(r.g.inputs.size() == 1);
  }
  SUBCASE("an output never produced") {
    GraphSpec g = unary("Relu", {});
    g.outputs.push_back(value_info("ghost", 1, {}, false));
    CHECK(import(g, 13).status.code() == StatusCode::NotFound);
  }
  SUBCASE("a negative declared dim") {
    GraphSpec g = unary("Relu", {}, {1, -5});
    g.inputs[0] = value_info("x", 1, {1, 3});
    // value_info() cannot write negative dim_values; build one by hand.
    Msg dim1, dim2, shape, tensor, type;
    dim1.sint(1, 1);
    dim2.sint(1, -5);
    shape.msg(1, dim1).msg(1, dim2);
    tensor.varint(1, 1).msg(2, shape);
    type.msg(1, tensor);
    g.inputs[0] = Msg().str(1, "x").msg(2, type);
    Imported r = import(g, 13);
    CHECK(r.status.code() == StatusCode::OutOfRange);
  }
  SUBCASE("an input with no shape") {
    GraphSpec g = unary("Relu", {});
    g.inputs[0] = value_info("x", 1, {}, false);
    CHECK(import(g, 13).status.code() == StatusCode::InvalidArgument);
  }
  SUBCASE("opsets outside 1..17") {
    CHECK(import(unary("Relu", {}), 18).status.code() == StatusCode::Unsupported);
    CHECK(import(unary("Relu", {}), 0).status.code() == StatusCode::Unsupported);
  }
  SUBCASE("an initializer with a count mismatch") {
    GraphSpec g = unary("Relu", {});
    Msg t;
    t.sint(1, 4).varint(2, 1).str(8, "bad").packed_floats(4, {1, 2});
    g.initializers.push_back(t);
    CHECK(import(g, 13).status.code() == StatusCode::DTypeMismatch);
  }
}

TEST_CASE("import: the whole ONNX node test suite imports or reports (when libonnx-testdata is installed)") {
  std::vector<std::uint8_t> probe;
  if (!read_file("/usr/share/libonnx-testdata/data/node/test_relu/model.onnx", &probe).ok()) {
    MESSAGE("libonnx-testdata is not installed; skipped");
    return;
  }
  // A few models that exercise normalisation paths, from the suite itself.
  const char* ok_models[] = {"node/test_clip_default_min", "node/test_resize_upsample_scales_linear",
                             "node/test_upsample_nearest", "node/test_softmax_axis_0",
                             "pytorch-converted/test_Softmax", "pytorch-operator/test_operator_pad"};
  for (const char* m : ok_models) {
    graph::Graph g;
    ImportReport rep;
    Status s = import_file(std::string("/usr/share/libonnx-testdata/data/") + m + "/model.onnx", ImportOptions(), &g, &rep);
    CHECK_MESSAGE(s.ok(), m, ": ", s.message());
  }
}

TEST_CASE("import: PRelu-6's per-channel slope is aligned to the channel axis") {
  GraphSpec g;
  g.inputs.push_back(value_info("x", 1, {2, 3, 4, 5}));
  g.outputs.push_back(value_info("y", 1, {}, false));
  g.initializers.push_back(tensor_f32("slope", {3}, {0.1f, 0.2f, 0.3f}));
  g.nodes.push_back(node("PRelu", {"x", "slope"}, {"y"}));
  Imported r = import(g, 6);
  REQUIRE_MESSAGE(r.status.ok(), r.status.message());
  const graph::Node* u = find_op(r.g, OpCode::Unsqueeze);
  REQUIRE(u);
  CHECK(const_i64(r.g, u->inputs[1]) == std::vector<std::int64_t>{1, 2});
  CHECK(find_op(r.g, OpCode::PRelu)->inputs[1] == u->outputs[0]);
  // At opset 7 the slope broadcasts NumPy-style and is left alone.
  r = import(g, 7);
  REQUIRE(r.status.ok());
  CHECK(find_op(r.g, OpCode::Unsqueeze) == nullptr);
}
