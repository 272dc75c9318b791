// The protobuf wire reader and the ONNX message parser: every bound, and tensor data decoding.
#include <doctest/doctest.h>
#include <luodi/onnx/proto.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>
#include <vector>

#include "onnx/onnx_builder.hpp"

using namespace luodi;
using namespace luodi::onnx;
using onnx_test::Msg;

namespace {
Status read_one_varint(const std::vector<std::uint8_t>& b, std::uint64_t* v) {
  WireReader r(b.data(), b.size());
  return r.read_varint(v);
}

std::string temp_dir() {
  char tmpl[] = "/tmp/luodi_onnx_test_XXXXXX";
  const char* d = mkdtemp(tmpl);
  REQUIRE(d != nullptr);
  return d;
}
void write_file(const std::string& path, const std::string& bytes) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
}
}  // namespace

TEST_CASE("proto: varints decode up to 64 bits and refuse overlong or overflowing encodings") {
  std::uint64_t v = 0;
  CHECK(read_one_varint({0x00}, &v).ok());
  CHECK(v == 0);
  CHECK(read_one_varint({0x96, 0x01}, &v).ok());
  CHECK(v == 150);
  // UINT64_MAX: nine 0xFF then 0x01.
  std::vector<std::uint8_t> max(9, 0xFF);
  max.push_back(0x01);
  CHECK(read_one_varint(max, &v).ok());
  CHECK(v == ~std::uint64_t(0));
  // A 10th byte with more than one bit overflows.
  std::vector<std::uint8_t> over(9, 0xFF);
  over.push_back(0x02);
  CHECK(read_one_varint(over, &v).code() == StatusCode::ParseError);
  // Eleven bytes.
  std::vector<std::uint8_t> eleven(10, 0x80);
  eleven.push_back(0x00);
  CHECK(read_one_varint(eleven, &v).code() == StatusCode::ParseError);
  // Cut off mid-varint.
  CHECK(read_one_varint({0x80, 0x80}, &v).code() == StatusCode::Truncated);
  CHECK(read_one_varint({}, &v).code() == StatusCode::Truncated);
}

TEST_CASE("proto: field keys, wire types and lengths are checked") {
  Field f;
  SUBCASE("field number 0") {
    std::vector<std::uint8_t> b = {0x00, 0x01};
    WireReader r(b.data(), b.size());
    CHECK(r.next(&f).code() == StatusCode::ParseError);
  }
  SUBCASE("groups and wire types 6 and 7") {
    for (std::uint8_t wt : {3, 4, 6, 7}) {
      std::vector<std::uint8_t> b = {static_cast<std::uint8_t>((1 << 3) | wt), 0, 0, 0, 0, 0, 0, 0, 0};
      WireReader r(b.data(), b.size());
      CHECK(r.next(&f).code() == StatusCode::ParseError);
    }
  }
  SUBCASE("a length past the end") {
    Msg m;
    m.key(1, 2).raw_varint(100);
    m.bytes += "abc";
    std::vector<std::uint8_t> b = m.vec();
    WireReader r(b.data(), b.size());
    Status s = r.next(&f);
    CHECK(s.code() == StatusCode::Truncated);
    CHECK(std::string(s.message()).find("declares 100 bytes; 3 remain") != std::string::npos);
  }
  SUBCASE("a huge declared length does not wrap") {
    Msg m;
    m.key(1, 2).raw_varint(~std::uint64_t(0) - 2);
    m.bytes += "abc";
    std::vector<std::uint8_t> b = m.vec();
    WireReader r(b.data(), b.size());
    CHECK(r.next(&f).code() == StatusCode::Truncated);
  }
  SUBCASE("fixed-width values cut off") {
    std::vector<std::uint8_t> b = {(1 << 3) | 5, 1, 2};
    WireReader r(b.data(), b.size());
    CHECK(r.next(&f).code() == StatusCode::Truncated);
    std::vector<std::uint8_t> b8 = {(1 << 3) | 1, 1, 2, 3, 4, 5, 6, 7};
    WireReader r8(b8.data(), b8.size());
    CHECK(r8.next(&f).code() == StatusCode::Truncated);
  }
  SUBCASE("offsets of nested payloads are file offsets") {
    Msg inner;
    inner.varint(1, 5);
    Msg outer;
    outer.varint(3, 1).msg(2, inner);
    std::vector<std::uint8_t> b = outer.vec();
    WireReader r(b.data(), b.size());
    REQUIRE(r.next(&f).ok());
    REQUIRE(r.next(&f).ok());
    CHECK(f.offset == 2);
    CHECK(f.data_offset == 4);
  }
}

TEST_CASE("proto: a model with every supported field reads back") {
  onnx_test::GraphSpec g;
  Msg t1 = onnx_test::tensor_f32("w", {2, 3}, {1, 2, 3, 4, 5, 6}, false);  // packed float_data
  g.initializers.push_back(t1);
  // unpacked int64_data, negative values, plus an unknown field 99 to skip
  Msg t2;
  t2.sint(1, 3).varint(2, 7).str(8, "idx").sint(7, -1).sint(7, 0).sint(7, 1234567890123LL).varint(99, 42);
  g.initializers.push_back(t2);
  g.inputs.push_back(onnx_test::value_info("x", 1, {-1, 3, 224, -2}));
  g.outputs.push_back(onnx_test::value_info("y", 1, {}, false));
  g.nodes.push_back(onnx_test::node("Conv", {"x", "w"}, {"y"},
                                    {onnx_test::attr_ints("pads", {1, -1, 1, 1}), onnx_test::attr_float("alpha", 0.5f),
                                     onnx_test::attr_string("auto_pad", "NOTSET")},
                                    "conv1"));
  Msg m = onnx_test::model(onnx_test::graph(g), 13);
  m.msg(14, Msg().str(1, "author").str(2, "me"));
  std::vector<std::uint8_t> b = m.vec();
  ModelProto mp;
  REQUIRE(parse_model(b.data(), b.size(), &mp).ok());
  CHECK(mp.ir_version == 8);
  CHECK(mp.producer_name == "luodi-test");
  REQUIRE(mp.opset_import.size() == 1);
  CHECK(mp.opset_import[0].version == 13);
  REQUIRE(mp.metadata_props.size() == 1);
  CHECK(mp.metadata_props[0].value == "me");
  const GraphProto& gp = mp.graph;
  REQUIRE(gp.initializer.size() == 2);
  CHECK(gp.initializer[0].float_data == std::vector<float>{1, 2, 3, 4, 5, 6});
  CHECK(gp.initializer[1].int64_data == std::vector<std::int64_t>{-1, 0, 1234567890123LL});
  REQUIRE(gp.input.size() == 1);
  const TypeProto& tp = gp.input[0].type;
  CHECK(tp.is_tensor);
  CHECK(tp.elem_type == 1);
  REQUIRE(tp.dims.size() == 4);
  CHECK(tp.dims[0].param == "N");
  CHECK_FALSE(tp.dims[0].has_value);
  CHECK(tp.dims[2].value == 224);
  CHECK_FALSE(tp.dims[3].has_value);
  CHECK(tp.dims[3].param.empty());
  CHECK_FALSE(gp.output[0].type.has_shape);
  REQUIRE(gp.node.size() == 1);
  const NodeProto& n = gp.node[0];
  CHECK(n.name == "conv1");
  CHECK(n.op_type == "Conv");
  CHECK(n.input == std::vector<std::string>{"x", "w"});
  REQUIRE(n.attribute.size() == 3);
  CHECK(n.attribute[0].ints == std::vector<std::int64_t>{1, -1, 1, 1});
  CHECK(n.attribute[1].f == 0.5f);
  CHECK(n.attribute[2].s == "NOTSET");
}

TEST_CASE("proto: a known field with the wrong wire type is an error that names it") {
  Msg node;
  node.varint(4, 7);  // op_type as a varint
  Msg g;
  g.msg(1, node);
  Msg m;
  m.msg(7, g);
  std::vector<std::uint8_t> b = m.vec();
  ModelProto mp;
  Status s = parse_model(b.data(), b.size(), &mp);
  CHECK(s.code() == StatusCode::ParseError);
  CHECK(std::string(s.message()).find("NodeProto.op_type") != std::string::npos);
}

TEST_CASE("proto: nesting deeper than the limit is refused, not a stack overflow") {
  // A graph whose node has a graph attribute whose node has a graph attribute ...
  Msg g;
  g.str(2, "leaf");
  for (int i = 0; i < kMaxDepth + 8; ++i) {
    Msg attr;
    attr.str(1, "body").varint(20, 5).msg(6, g);
    Msg n;
    n.str(4, "If").msg(5, attr);
    Msg outer;
    outer.msg(1, n);
    g = outer;
  }
  Msg m;
  m.msg(7, g);
  std::vector<std::uint8_t> b = m.vec();
  ModelProto mp;
  Status s = parse_model(b.data(), b.size(), &mp);
  CHECK(s.code() == StatusCode::ParseError);
  CHECK(std::string(s.message()).find("nested deeper") != std::string::npos);
}

TEST_CASE("proto: every prefix of a valid model parses or fails cleanly") {
  onnx_test::GraphSpec g;
  g.initializers.push_back(onnx_test::tensor_f32("w", {4}, {1, 2, 3, 4}));
  g.inputs.push_back(onnx_test::value_info("x", 1, {1, 4}));
  g.outputs.push_back(onnx_test::value_info("y", 1, {1, 4}));
  g.nodes.push_back(onnx_test::node("Add", {"x", "w"}, {"y"}, {onnx_test::attr_int("k", 3)}));
  std::vector<std::uint8_t> b = onnx_test::model(onnx_test::graph(g)).vec();
  int failures = 0;
  for (std::size_t cut = 0; cut < b.size(); ++cut) {
    ModelProto mp;
    Status s = parse_model(b.data(), cut, &mp);
    if (!s.ok()) {
      ++failures;
      CHECK((s.code() == StatusCode::Truncated || s.code() == StatusCode::ParseError));
    }
  }
  CHECK(failures > 0);
  ModelProto mp;
  CHECK(parse_model(b.data(), b.size(), &mp).ok());
}

TEST_CASE("tensor data: raw and typed fields decode to luodi dtypes") {
  DType dt;
  Shape shape;
  std::vector<std::uint8_t> bytes;
  TensorProto t;
  SUBCASE("float raw_data") {
    t.dims = {2};
    t.data_type = 1;
    t.has_raw_data = true;
    float v[2] = {1.5f, -2.f};
    t.raw_data.assign(reinterpret_cast<std::uint8_t*>(v), reinterpret_cast<std::uint8_t*>(v) + 8);
    REQUIRE(tensor_data(t, TensorDataOptions(), &dt, &shape, &bytes).ok());
    CHECK(dt == DType::f32);
    CHECK(shape == Shape{2});
    float back[2];
    std::memcpy(back, bytes.data(), 8);
    CHECK(back[1] == -2.f);
  }
  SUBCASE("f16 in int32_data") {
    t.dims = {2};
    t.data_type = 10;
    t.int32_data = {float_to_half(0.5f), float_to_half(-3.f)};
    REQUIRE(tensor_data(t, TensorDataOptions(), &dt, &shape, &bytes).ok());
    CHECK(dt == DType::f16);
    std::uint16_t h[2];
    std::memcpy(h, bytes.data(), 4);
    CHECK(half_to_float(h[1]) == -3.f);
  }
  SUBCASE("bool, int8 and uint8 in int32_data") {
    t.dims = {3};
    t.data_type = 9;
    t.int32_data = {0, 1, 5};
    REQUIRE(tensor_data(t, TensorDataOptions(), &dt, &shape, &bytes).ok());
    CHECK(dt == DType::boolean);
    CHECK(bytes == std::vector<std::uint8_t>{0, 1, 1});
    t.data_type = 3;
    t.int32_data = {-1, 127, -128};
    REQUIRE(tensor_data(t, TensorDataOptions(), &dt, &shape, &bytes).ok());
    CHECK(dt == DType::i8);
    CHECK(static_cast<std::int8_t>(bytes[0]) == -1);
    CHECK(static_cast<std::int8_t>(bytes[2]) == -128);
    t.data_type = 2;
    t.int32_data = {0, 200, 255};
    REQUIRE(tensor_data(t, TensorDataOptions(), &dt, &shape, &bytes).ok());
    CHECK(dt == DType::u8);
    CHECK(bytes[1] == 200);
  }
  SUBCASE("int64 scalar") {
    t.data_type = 7;
    t.int64_data = {-42};
    REQUIRE(tensor_data(t, TensorDataOptions(), &dt, &shape, &bytes).ok());
    CHECK(shape.rank() == 0);
    std::int64_t x;
    std::memcpy(&x, bytes.data(), 8);
    CHECK(x == -42);
  }
  SUBCASE("count mismatches, negative dims, overflow, unsupported types") {
    t.dims = {3};
    t.data_type = 1;
    t.float_data = {1, 2};
    CHECK(tensor_data(t, TensorDataOptions(), &dt, &shape, &bytes).code() == StatusCode::DTypeMismatch);
    t.has_raw_data = true;
    t.raw_data.assign(11, 0);
    CHECK(tensor_data(t, TensorDataOptions(), &dt, &shape, &bytes).code() == StatusCode::DTypeMismatch);
    t.dims = {-3};
    CHECK(tensor_data(t, TensorDataOptions(), &dt, &shape, &bytes).code() == StatusCode::OutOfRange);
    t.dims = {1LL << 40, 1LL << 40};
    CHECK(tensor_data(t, TensorDataOptions(), &dt, &shape, &bytes).code() == StatusCode::Overflow);
    t.dims = {1};
    t.data_type = 11;
    CHECK(tensor_data(t, TensorDataOptions(), &dt, &shape, &bytes).code() == StatusCode::Unsupported);
    t.data_type = 8;
    CHECK(tensor_data(t, TensorDataOptions(), &dt, &shape, &bytes).code() == StatusCode::Unsupported);
    t.data_type = 1;
    t.dims.assign(9, 1);
    CHECK(tensor_data(t, TensorDataOptions(), &dt, &shape, &bytes).code() == StatusCode::Unsupported);
  }
}

TEST_CASE("tensor data: external data is read from the model's directory and confined to it") {
  const std::string dir = temp_dir();
  const std::string sub = dir + "/model";
  REQUIRE(mkdir(sub.c_str(), 0700) == 0);
  std::string payload(64, '\0');
  const float vals[3] = {7.f, 8.f, 9.f};
  std::memcpy(&payload[16], vals, 12);
  write_file(sub + "/weights.bin", payload);
  write_file(dir + "/secret.bin", payload);
  REQUIRE(symlink((dir + "/secret.bin").c_str(), (sub + "/link.bin").c_str()) == 0);

  TensorProto t;
  t.name = "w";
  t.dims = {3};
  t.data_type = 1;
  t.data_location = 1;
  t.external_data = {{"location", "weights.bin"}, {"offset", "16"}, {"length", "12"}};
  TensorDataOptions opt;
  opt.base_dir = sub;
  DType dt;
  Shape shape;
  std::vector<std::uint8_t> bytes;
  REQUIRE(tensor_data(t, opt, &dt, &shape, &bytes).ok());
  float back[3];
  std::memcpy(back, bytes.data(), 12);
  CHECK(back[0] == 7.f);
  CHECK(back[2] == 9.f);

  auto code_for = [&](std::vector<StringPair> ext) {
    t.external_data = std::move(ext);
    return tensor_data(t, opt, &dt, &shape, &bytes).code();
  };
  CHECK(code_for({{"location", "../secret.bin"}}) == StatusCode::InvalidArgument);
  CHECK(code_for({{"location", (dir + "/secret.bin")}}) == StatusCode::InvalidArgument);
  CHECK(code_for({{"location", "link.bin"}}) == StatusCode::InvalidArgument);  // symlink out of the directory
  CHECK(code_for({{"location", "a/../../secret.bin"}}) == StatusCode::InvalidArgument);
  CHECK(code_for({{"location", "missing.bin"}}) == StatusCode::NotFound);
  CHECK(code_for({{"location", "weights.bin"}, {"offset", "60"}}) == StatusCode::BadOffset);
  CHECK(code_for({{"location", "weights.bin"}, {"offset", "18446744073709551615"}}) == StatusCode::BadOffset);
  CHECK(code_for({{"location", "weights.bin"}, {"offset", "-4"}}) == StatusCode::BadOffset);
  CHECK(code_for({{"location", "weights.bin"}, {"length", "8"}}) == StatusCode::DTypeMismatch);
  CHECK(code_for({{"location", "."}}) == StatusCode::InvalidArgument);  // a directory, not a file
  opt.base_dir.clear();
  CHECK(code_for({{"location", "weights.bin"}}) == StatusCode::Unsupported);

  std::remove((sub + "/link.bin").c_str());
  std::remove((sub + "/weights.bin").c_str());
  std::remove((dir + "/secret.bin").c_str());
  rmdir(sub.c_str());
  rmdir(dir.c_str());
}

TEST_CASE("proto: the ONNX test data's models and tensors parse (when libonnx-testdata is installed)") {
  const char* root = "/usr/share/libonnx-testdata/data/node/test_conv_with_strides_padding";
  std::vector<std::uint8_t> b;
  if (!read_file(std::string(root) + "/model.onnx", &b).ok()) {
    MESSAGE("libonnx-testdata is not installed; skipped");
    return;
  }
  ModelProto m;
  REQUIRE(parse_model(b.data(), b.size(), &m).ok());
  REQUIRE(m.graph.node.size() == 1);
  CHECK(m.graph.node[0].op_type == "Conv");
  REQUIRE(read_file(std::string(root) + "/test_data_set_0/input_0.pb", &b).ok());
  TensorProto t;
  REQUIRE(parse_tensor(b.data(), b.size(), &t).ok());
  DType dt;
  Shape s;
  std::vector<std::uint8_t> bytes;
  REQUIRE(tensor_data(t, TensorDataOptions(), &dt, &s, &bytes).ok());
  CHECK(s == Shape{1, 1, 7, 5});
  // The input is np.arange(35) as float32.
  float x[35];
  std::memcpy(x, bytes.data(), sizeof x);
  for (int i = 0; i < 35; ++i) CHECK(x[i] == static_cast<float>(i));
}
