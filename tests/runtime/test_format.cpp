// The .luodi format: CRC-32, and writer -> reader round trips of graphs built in code.
#include <doctest/doctest.h>
#include <luodi/format/preprocess_record.hpp>
#include <luodi/format/reader.hpp>
#include <luodi/format/writer.hpp>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#if defined(LUODI_TEST_HAVE_ZLIB)
#include <zlib.h>
#endif

#include "test_graphs.hpp"

using namespace luodi;
using namespace luodi::graph;
using luodi_test::make_constant;
using luodi_test::make_node;
using luodi_test::make_value;

namespace {

// The textbook bit-at-a-time CRC-32 (reflected 0xEDB88320), an independent check of the
// slicing-by-8 tables.
std::uint32_t crc32_bitwise(const std::uint8_t* p, std::size_t n) {
  std::uint32_t c = 0xFFFFFFFFu;
  for (std::size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c & 1u) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
  }
  return c ^ 0xFFFFFFFFu;
}

// A graph touching every record type: constants of several dtypes (one duplicated), a graph
// input with symbolic dims, attributes of every type, an absent optional input, metadata,
// labels, a preprocessing blob and a golden pair.
Graph make_rich_graph() {
  Graph g;
  Value x = make_value("x", DType::f32, Shape{-1, 3, -1, -1});
  x.dim_names = {"batch", "", "height", "width"};
  const std::int32_t vx = g.add_value(x);
  std::vector<float> w(2 * 3 * 3 * 3);
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = 0.01f * static_cast<float>(i) - 0.2f;
  const std::int32_t vw = g.add_value(make_constant<float>("conv.weight", Shape{2, 3, 3, 3}, w));
  const std::int32_t vb = g.add_value(make_constant<float>("conv.bias", Shape{2}, {0.5f, -0.25f}));
  const std::int32_t vb2 = g.add_value(make_constant<float>("conv.bias.copy", Shape{2}, {0.5f, -0.25f}));
  const std::int32_t vshape = g.add_value(make_constant<std::int64_t>("shape", Shape{2}, {0, -1}));
  const std::int32_t vempty = g.add_value(make_constant<float>("empty", Shape{0, 4}, {}));
  const std::int32_t vc = g.add_value(make_value("conv_out", DType::f32, Shape{-1, 2, -1, -1}));
  const std::int32_t vr = g.add_value(make_value("relu_out", DType::f32, Shape{-1, 2, -1, -1}));
  const std::int32_t vy = g.add_value(make_value("y", DType::f32, Shape{-1, -1}));
  const std::int32_t vsum = g.add_value(make_value("sum", DType::f32, Shape{2}));
  g.inputs = {vx};
  AttrWriter conv;
  conv.set_ints("kernel_shape", {3, 3}).set_ints("pads", {1, 1, 1, 1}).set_int("group", 1);
  conv.set_string("auto_pad", "NOTSET").set_float("activation_alpha", 0.125f).set_floats("scales", {1.0f, 2.5f});
  g.add_node(make_node(OpCode::Conv, "conv", {vx, vw, vb, -1}, {vc}, conv.take()));
  g.add_node(make_node(OpCode::Relu, "relu", {vc}, {vr}));
  g.add_node(make_node(OpCode::Reshape, "reshape", {vr, vshape}, {vy}));
  g.add_node(make_node(OpCode::Add, "add_consts", {vb, vb2}, {vsum}));
  (void)vempty;
  g.outputs = {vy, vsum};
  g.meta.producer = "pytorch 1.13.1";
  g.meta.converter_version = "luodi-convert test";
  g.meta.source_hash = "0123456789abcdef";
  g.meta.labels = {"cat", "dog", "", "bird"};
  g.meta.preprocess = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  g.meta.arena_bytes = 123456;
  g.meta.has_golden = false;
  return g;
}

std::vector<std::uint8_t> write_ok(const Graph& g) {
  auto r = format::write(g);
  REQUIRE_MESSAGE(r.ok(), std::string(r.status().message()));
  return std::move(*r);
}

}  // namespace

TEST_CASE("crc32: the standard check value, the bitwise definition, and zlib") {
  const char* check = "123456789";
  CHECK(format::crc32(check, 9) == 0xCBF43926u);
  CHECK(format::crc32(nullptr, 0) == 0u);
  std::mt19937 rng(7);
  std::vector<std::uint8_t> buf(4099);
  for (auto& b : buf) b = static_cast<std::uint8_t>(rng());
  // Every length up to 70 at every start offset 0..8 (covers the 8-byte loop and its tail),
  // then a long buffer, and the same result when computed in pieces.
  for (std::size_t off = 0; off < 9; ++off)
    for (std::size_t n = 0; n <= 70; ++n) {
      REQUIRE(format::crc32(buf.data() + off, n) == crc32_bitwise(buf.data() + off, n));
#if defined(LUODI_TEST_HAVE_ZLIB)
      REQUIRE(format::crc32(buf.data() + off, n) ==
              static_cast<std::uint32_t>(::crc32(0L, buf.data() + off, static_cast<uInt>(n))));
#endif
    }
  CHECK(format::crc32(buf.data(), buf.size()) == crc32_bitwise(buf.data(), buf.size()));
  std::uint32_t c = format::crc32_begin();
  c = format::crc32_update(c, buf.data(), 1000);
  c = format::crc32_update(c, buf.data() + 1000, 3);
  c = format::crc32_update(c, buf.data() + 1003, buf.size() - 1003);
  CHECK(format::crc32_end(c) == crc32_bitwise(buf.data(), buf.size()));
}

TEST_CASE("format: a graph written and read back keeps every field") {
  const Graph g = make_rich_graph();
  const std::vector<std::uint8_t> bytes = write_ok(g);
  auto rr = format::Reader::open(bytes.data(), bytes.size(), {true, true});
  REQUIRE_MESSAGE(rr.ok(), std::string(rr.status().message()));
  const format::Reader& r = *rr;
  CHECK(r.version_major() == format::kVersionMajor);
  CHECK(r.version_minor() == format::kVersionMinor);
  CHECK(r.file_size() == bytes.size());
  REQUIRE(r.num_tensors() == static_cast<std::int32_t>(g.values.size()));
  const auto producers = g.producers();
  for (std::int32_t i = 0; i < r.num_tensors(); ++i) {
    const Value& v = g.values[static_cast<std::size_t>(i)];
    const format::TensorEntry t = r.tensor(i);
    CAPTURE(v.name);
    CHECK(std::string(t.name) == v.name);
    CHECK(t.dtype == v.dtype);
    CHECK(t.shape == v.shape);
    CHECK(t.producer == (v.is_constant ? -1 : producers[static_cast<std::size_t>(i)]));
    if (v.is_constant) {
      CHECK(t.kind == format::TensorKind::Constant);
      REQUIRE(t.data_size == v.data.size());
      CHECK((v.data.empty() || std::memcmp(t.data, v.data.data(), v.data.size()) == 0));  // empty: data may be null
      // Every constant is 64-byte aligned within the file.
      CHECK((t.data - r.bytes()) % 64 == 0);
    } else if (i == g.inputs[0]) {
      CHECK(t.kind == format::TensorKind::Input);
    } else {
      CHECK(t.kind == format::TensorKind::Value);
    }
    for (std::size_t d = 0; d < v.dim_names.size(); ++d) CHECK(std::string(r.string(t.dim_name[d])) == v.dim_names[d]);
  }
  // The duplicated bias is stored once.
  CHECK(r.tensor(2).data == r.tensor(3).data);
  REQUIRE(r.num_nodes() == static_cast<std::int32_t>(g.nodes.size()));
  for (std::int32_t n = 0; n < r.num_nodes(); ++n) {
    const Node& node = g.nodes[static_cast<std::size_t>(n)];
    const format::NodeEntry e = r.node(n);
    CHECK(std::string(e.name) == node.name);
    CHECK(e.op == node.op);
    REQUIRE(e.num_inputs == static_cast<int>(node.inputs.size()));
    REQUIRE(e.num_outputs == static_cast<int>(node.outputs.size()));
    for (int k = 0; k < e.num_inputs; ++k) CHECK(r.node_input(e, k) == node.inputs[static_cast<std::size_t>(k)]);
    for (int k = 0; k < e.num_outputs; ++k) CHECK(r.node_output(e, k) == node.outputs[static_cast<std::size_t>(k)]);
    REQUIRE(e.attrs.size() == node.attrs.size());
    if (!node.attrs.empty()) CHECK(std::memcmp(e.attrs.data(), node.attrs.data(), node.attrs.size()) == 0);
  }
  const format::NodeEntry conv = r.node(0);
  std::int64_t pads[8];
  std::uint32_t np = 0;
  CHECK(conv.attrs.read_ints("pads", pads, 8, &np).ok());
  CHECK(np == 4);
  float alpha = 0;
  CHECK(conv.attrs.read_float("activation_alpha", &alpha).ok());
  CHECK(alpha == 0.125f);
  CHECK(conv.attrs.string_equals("auto_pad", "NOTSET"));
  REQUIRE(r.num_inputs() == 1);
  CHECK(r.input(0) == g.inputs[0]);
  REQUIRE(r.num_outputs() == 2);
  CHECK(r.output(0) == g.outputs[0]);
  CHECK(r.output(1) == g.outputs[1]);
  const format::MetadataEntry m = r.metadata();
  CHECK(std::string(m.producer) == g.meta.producer);
  CHECK(std::string(m.converter_version) == g.meta.converter_version);
  CHECK(std::string(m.source_hash) == g.meta.source_hash);
  CHECK(m.arena_bytes == g.meta.arena_bytes);
  REQUIRE(r.num_labels() == 4);
  for (int k = 0; k < 4; ++k) CHECK(std::string(r.label(k)) == g.meta.labels[static_cast<std::size_t>(k)]);
  REQUIRE(r.preprocess_size() == g.meta.preprocess.size());
  CHECK(std::memcmp(r.preprocess_bytes(), g.meta.preprocess.data(), g.meta.preprocess.size()) == 0);
  CHECK_FALSE(r.has_golden());
  CHECK(r.verify_data_crc().ok());
}

TEST_CASE("format: the golden pair is stored as constants and read back") {
  Graph g;
  const std::int32_t vx = g.add_value(make_value("x", DType::f32, Shape{-1, 4}));
  const std::int32_t vy = g.add_value(make_value("y", DType::f32, Shape{-1, 4}));
  g.inputs = {vx};
  g.outputs = {vy};
  g.add_node(make_node(OpCode::Relu, "relu", {vx}, {vy}));
  std::vector<float> in = {-1, 2, -3, 4, 5, -6, 7, -8}, out = {0, 2, 0, 4, 5, 0, 7, 0};
  auto bytes_of = [](const std::vector<float>& v) {
    std::vector<std::uint8_t> b(v.size() * 4);
    std::memcpy(b.data(), v.data(), b.size());
    return b;
  };
  g.meta.has_golden = true;
  g.meta.golden_inputs = {bytes_of(in)};
  g.meta.golden_outputs = {bytes_of(out)};
  // A symbolic input needs a static golden shape: a graph with a symbolic dim has none to use.
  CHECK(format::write(g).status().code() == StatusCode::InvalidArgument);
  g.values[0].shape = Shape{2, 4};
  g.values[1].shape = Shape{2, 4};
  const std::vector<std::uint8_t> bytes = write_ok(g);
  auto r = format::Reader::open(bytes.data(), bytes.size());
  REQUIRE_MESSAGE(r.ok(), std::string(r.status().message()));
  REQUIRE(r->has_golden());
  const format::TensorEntry gi = r->tensor(r->golden_input(0)), go = r->tensor(r->golden_output(0));
  CHECK(gi.kind == format::TensorKind::Constant);
  CHECK(gi.shape == (Shape{2, 4}));
  CHECK(std::memcmp(gi.data, in.data(), 32) == 0);
  CHECK(std::memcmp(go.data, out.data(), 32) == 0);
  // A golden value of the wrong size is refused by the writer.
  g.meta.golden_outputs = {bytes_of({1, 2, 3})};
  CHECK(format::write(g).status().code() == StatusCode::DTypeMismatch);
}

TEST_CASE("format: the writer refuses graphs that would make bad files") {
  Graph g;
  const std::int32_t vx = g.add_value(make_value("x", DType::f32, Shape{4}));
  Value c = make_constant<float>("c", Shape{4}, {1, 2, 3});  // 3 values for 4 elements
  const std::int32_t vc = g.add_value(c);
  const std::int32_t vy = g.add_value(make_value("y", DType::f32, Shape{4}));
  g.inputs = {vx};
  g.outputs = {vy};
  g.add_node(make_node(OpCode::Add, "add", {vx, vc}, {vy}));
  CHECK(format::write(g).status().code() == StatusCode::DTypeMismatch);
  g.values[1].data.resize(16);
  CHECK(format::write(g).ok());
  g.nodes[0].inputs = {vx, 17};  // dangling
  CHECK(format::write(g).status().code() == StatusCode::DanglingIndex);
}

TEST_CASE("format: any single corrupted byte in the tables is caught, never read past") {
  const std::vector<std::uint8_t> good = write_ok(make_rich_graph());
  auto r0 = format::Reader::open(good.data(), good.size());
  REQUIRE(r0.ok());
  const std::uint64_t data_off = r0->section_offset(format::SectionId::Data);
  // Flip one bit in every byte from the CRC'd region: the structure CRC catches each one.
  for (std::size_t i = format::hdr::crc_begin; i < data_off; ++i) {
    std::vector<std::uint8_t> bad = good;
    bad[i] ^= 0x10;
    auto r = format::Reader::open(bad.data(), bad.size());
    CAPTURE(i);
    REQUIRE_FALSE(r.ok());
  }
  // A weight byte changed: only the data CRC sees it, and only when asked.
  std::vector<std::uint8_t> bad = good;
  bad[static_cast<std::size_t>(data_off) + 5] ^= 1;
  CHECK(format::Reader::open(bad.data(), bad.size()).ok());
  CHECK(format::Reader::open(bad.data(), bad.size(), {true, true}).status().code() == StatusCode::ChecksumMismatch);
}

TEST_CASE("format: every truncation is an error naming the missing bytes") {
  const std::vector<std::uint8_t> good = write_ok(make_rich_graph());
  for (std::size_t n = 0; n < good.size(); ++n) {
    auto r = format::Reader::open(good.data(), n);
    CAPTURE(n);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::Truncated);
  }
  // A longer buffer (a flash partition holding the file) is fine.
  std::vector<std::uint8_t> longer = good;
  longer.resize(good.size() + 100, 0xAB);
  CHECK(format::Reader::open(longer.data(), longer.size()).ok());
}

TEST_CASE("format: the preprocessing record round-trips every field") {
  PreprocessSpec s;
  s.width = 640;
  s.height = 480;
  s.resize = ResizeMode::CenterCrop;
  s.align = LetterboxAlign::TopLeft;
  s.order = ChannelOrder::Gray;
  s.interp = image::Interp::Nearest;
  s.normalize = NormalizeMode::ScaleOffset;
  s.layout = Layout::NHWC;
  s.pad_value = 7;
  s.roi = PreprocessRoi{1, 2, 300, 200};
  s.pixel_scale = 0.5f;
  s.mean[1] = 0.25f;
  s.stddev[2] = 0.125f;
  s.scale[0] = 2.0f;
  s.offset[2] = -1.5f;
  const std::vector<std::uint8_t> b = format::preprocess_bytes(s);
  REQUIRE(b.size() == format::kPreprocessRecordV1Size);
  PreprocessSpec d;
  REQUIRE(format::decode_preprocess(b.data(), b.size(), &d).ok());
  // Byte for byte the same struct (it has no padding: PreprocessSpec static_asserts 88 bytes).
  CHECK(std::memcmp(&d, &s, sizeof s) == 0);
  CHECK(format::decode_preprocess(b.data(), 87, &d).code() == StatusCode::Truncated);
  std::vector<std::uint8_t> bad = b;
  bad[12] = 9;  // resize mode 9
  CHECK(format::decode_preprocess(bad.data(), bad.size(), &d).code() == StatusCode::InvalidArgument);
}
