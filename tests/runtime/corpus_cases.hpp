// The bad-input corpus: one valid model and a set of files each broken in one specific way,
// with the Status code loading it must give. tools/make_corpus.cpp writes them to
// tests/runtime/corpus/ with MANIFEST.txt; test_corpus.cpp checks that the committed files
// are exactly what this code makes and that each one fails with its code.
//
// Corruptions behind the checksum are made with the CRCs recomputed afterwards
// (format::finalize_crcs), so that the check under test is reached instead of the CRC check.
#pragma once

#include <luodi/format/reader.hpp>
#include <luodi/format/preprocess_record.hpp>
#include <luodi/format/writer.hpp>

#include <cstring>
#include <string>
#include <vector>

#include "test_graphs.hpp"

namespace luodi_test {

struct CorpusCase {
  std::string file;          // name under corpus/
  std::string expect;        // status code name (luodi::status_code_name), "ok" for valid files
  bool verify_data = false;  // load with LoadOptions::verify_data_crc
  std::string why;
  std::vector<std::uint8_t> bytes;
};

// The base model: LeakyRelu -> Relu -> Add(const) -> Reshape(const shape), with metadata,
// labels, a preprocessing blob and a golden pair, so that every section is present.
inline luodi::graph::Graph corpus_base_graph(const char* leaky_alpha_type = "float") {
  using namespace luodi;
  using namespace luodi::graph;
  Graph g;
  const std::int32_t x = g.add_value(make_value("x", DType::f32, Shape{1, 2, 2, 2}));
  const std::int32_t a = g.add_value(make_value("a", DType::f32, Shape{1, 2, 2, 2}));
  const std::int32_t b = g.add_value(make_value("b", DType::f32, Shape{1, 2, 2, 2}));
  const std::int32_t c = g.add_value(make_constant<float>("bias", Shape{1, 2, 1, 1}, {0.5f, -1.0f}));
  const std::int32_t y = g.add_value(make_value("y", DType::f32, Shape{1, 2, 2, 2}));
  const std::int32_t s = g.add_value(make_constant<std::int64_t>("new_shape", Shape{2}, {1, -1}));
  const std::int32_t z = g.add_value(make_value("z", DType::f32, Shape{1, 8}));
  g.inputs = {x};
  g.outputs = {z};
  AttrWriter leaky;
  if (std::string(leaky_alpha_type) == "float") leaky.set_float("alpha", 0.1f);
  else if (std::string(leaky_alpha_type) == "string") leaky.set_string("alpha", "0.1");
  else leaky.set_float("alpha", 0.1f).set_int("slope_mode", 1);  // an attribute LeakyRelu does not have
  g.add_node(make_node(OpCode::LeakyRelu, "leaky", {x}, {a}, leaky.take()));
  g.add_node(make_node(OpCode::Relu, "relu", {a}, {b}));
  g.add_node(make_node(OpCode::Add, "add", {b, c}, {y}));
  g.add_node(make_node(OpCode::Reshape, "reshape", {y, s}, {z}));
  g.meta.producer = "luodi tests";
  g.meta.converter_version = "corpus 1";
  g.meta.source_hash = "none";
  g.meta.labels = {"zero", "one"};
  PreprocessSpec pre;
  pre.width = 2;
  pre.height = 2;
  pre.order = ChannelOrder::BGR;
  pre.resize = ResizeMode::Letterbox;
  g.meta.preprocess = format::preprocess_bytes(pre);
  const float in[8] = {-2, -1, 0, 1, 2, 3, -4, 5};
  float out[8];
  for (int i = 0; i < 8; ++i) {
    float v = in[i] < 0 ? 0.1f * in[i] : in[i];
    v = v < 0 ? 0.0f : v;
    out[i] = v + (i < 4 ? 0.5f : -1.0f);
  }
  g.meta.has_golden = true;
  g.meta.golden_inputs.assign(1, std::vector<std::uint8_t>(32));
  g.meta.golden_outputs.assign(1, std::vector<std::uint8_t>(32));
  std::memcpy(g.meta.golden_inputs[0].data(), in, 32);
  std::memcpy(g.meta.golden_outputs[0].data(), out, 32);
  return g;
}

// A valid model whose ops all have kernels (LeakyRelu 0.5, Reshape, Relu, Clip, Flatten,
// Identity): used by the embedded check and as a fuzzer seed. Its arithmetic is exact in
// binary32 (scaling by 0.5, max, min), so the golden pair is the same on every platform.
inline luodi::graph::Graph corpus_activation_graph() {
  using namespace luodi;
  using namespace luodi::graph;
  Graph g;
  Value xv = make_value("x", DType::f32, Shape{1, 3, 4, 4});
  xv.dim_names = {"batch", "", "", ""};
  const std::int32_t x = g.add_value(xv);
  const std::int32_t a = g.add_value(make_value("a", DType::f32, Shape{1, 3, 4, 4}));
  const std::int32_t s = g.add_value(make_constant<std::int64_t>("to_2d", Shape{2}, {0, -1}));
  const std::int32_t b = g.add_value(make_value("b", DType::f32, Shape{1, 48}));
  const std::int32_t lo = g.add_value(make_constant<float>("lo", Shape{}, {-0.75f}));
  const std::int32_t hi = g.add_value(make_constant<float>("hi", Shape{}, {2.5f}));
  const std::int32_t c = g.add_value(make_value("c", DType::f32, Shape{1, 48}));
  const std::int32_t d = g.add_value(make_value("d", DType::f32, Shape{1, 48}));
  const std::int32_t y = g.add_value(make_value("y", DType::f32, Shape{1, 48}));
  const std::int32_t r = g.add_value(make_value("r", DType::f32, Shape{1, 3, 4, 4}));
  g.inputs = {x};
  g.outputs = {y, r};
  g.add_node(make_node(OpCode::LeakyRelu, "leaky", {x}, {a}, AttrWriter().set_float("alpha", 0.5f).take()));
  g.add_node(make_node(OpCode::Reshape, "to_2d", {a, s}, {b}));
  g.add_node(make_node(OpCode::Clip, "clip", {b, lo, hi}, {c}));
  g.add_node(make_node(OpCode::Flatten, "flatten", {c}, {d}));
  g.add_node(make_node(OpCode::Identity, "identity", {d}, {y}));
  g.add_node(make_node(OpCode::Relu, "relu", {x}, {r}));
  g.meta.producer = "luodi tests";
  g.meta.converter_version = "corpus 1";
  g.meta.labels = {"only"};
  float in[48], out_y[48], out_r[48];
  for (int i = 0; i < 48; ++i) {
    in[i] = static_cast<float>((i * 7) % 13) * 0.5f - 3.0f;
    const float l = in[i] < 0 ? 0.5f * in[i] : in[i];
    out_y[i] = l < -0.75f ? -0.75f : (l > 2.5f ? 2.5f : l);
    out_r[i] = in[i] < 0 ? 0.0f : in[i];
  }
  g.meta.has_golden = true;
  g.meta.golden_inputs.assign(1, std::vector<std::uint8_t>(sizeof in));
  g.meta.golden_outputs.assign(2, std::vector<std::uint8_t>(sizeof in));
  std::memcpy(g.meta.golden_inputs[0].data(), in, sizeof in);
  std::memcpy(g.meta.golden_outputs[0].data(), out_y, sizeof in);
  std::memcpy(g.meta.golden_outputs[1].data(), out_r, sizeof in);
  return g;
}

// A small valid CNN touching many op families (conv, pool, transpose, reshape, gemm, softmax,
// concat, resize, reduce, slice, pad): a fuzzer seed from which mutations reach every wrapper.
// Weights are simple closed-form values, so the file is the same on every platform.
inline luodi::graph::Graph corpus_cnn_graph() {
  using namespace luodi;
  using namespace luodi::graph;
  Graph g;
  auto V = [&](const char* n) { return g.add_value(make_value(n, DType::f32, Shape{})); };
  auto weights = [](std::size_t n, float scale) {
    std::vector<float> w(n);
    for (std::size_t i = 0; i < n; ++i) w[i] = scale * static_cast<float>(static_cast<int>(i % 7) - 3);
    return w;
  };
  const std::int32_t x = g.add_value(make_value("x", DType::f32, Shape{1, 3, 8, 8}));
  const std::int32_t w = g.add_value(make_constant<float>("conv.w", Shape{4, 3, 3, 3}, weights(108, 0.05f)));
  const std::int32_t b = g.add_value(make_constant<float>("conv.b", Shape{4}, {0.1f, -0.1f, 0.2f, 0.0f}));
  const std::int32_t fw = g.add_value(make_constant<float>("fc.w", Shape{5, 64}, weights(320, 0.02f)));
  const std::int32_t to2d = g.add_value(make_constant<std::int64_t>("to2d", Shape{2}, {1, -1}));
  const std::int32_t scales = g.add_value(make_constant<float>("scales", Shape{4}, {1.0f, 1.0f, 2.0f, 2.0f}));
  const std::int32_t none = g.add_value(make_constant<float>("none", Shape{0}, {}));
  const std::int32_t st = g.add_value(make_constant<std::int64_t>("starts", Shape{1}, {1}));
  const std::int32_t en = g.add_value(make_constant<std::int64_t>("ends", Shape{1}, {3}));
  const std::int32_t ax = g.add_value(make_constant<std::int64_t>("axes", Shape{1}, {1}));
  const std::int32_t pads = g.add_value(make_constant<std::int64_t>("pads", Shape{8}, {0, 0, 1, 1, 0, 0, 1, 1}));
  const std::int32_t c = V("conv"), r = V("relu"), p = V("pool"), t = V("transpose"), f = V("flat"), l = V("logits"),
                     sm = V("prob"), cat = V("concat"), up = V("up"), sl = V("slice"), pd = V("pad"), red = V("mean");
  g.inputs = {x};
  g.outputs = {sm, red};
  g.add_node(make_node(OpCode::Conv, "conv", {x, w, b}, {c},
                       AttrWriter().set_ints("kernel_shape", {3, 3}).set_ints("pads", {1, 1, 1, 1}).take()));
  g.add_node(make_node(OpCode::Relu, "relu", {c}, {r}));
  g.add_node(make_node(OpCode::MaxPool, "pool", {r}, {p},
                       AttrWriter().set_ints("kernel_shape", {2, 2}).set_ints("strides", {2, 2}).take()));
  g.add_node(make_node(OpCode::Transpose, "transpose", {p}, {t}, AttrWriter().set_ints("perm", {0, 2, 3, 1}).take()));
  g.add_node(make_node(OpCode::Reshape, "flatten", {t, to2d}, {f}));
  g.add_node(make_node(OpCode::Gemm, "fc", {f, fw}, {l}, AttrWriter().set_int("transB", 1).take()));
  g.add_node(make_node(OpCode::Softmax, "softmax", {l}, {sm}, AttrWriter().set_int("axis", 1).take()));
  g.add_node(make_node(OpCode::Concat, "concat", {p, p}, {cat}, AttrWriter().set_int("axis", 1).take()));
  g.add_node(make_node(OpCode::Resize, "resize", {cat, none, scales}, {up}, AttrWriter().set_string("mode", "linear").take()));
  g.add_node(make_node(OpCode::Slice, "slice", {up, st, en, ax}, {sl}));
  g.add_node(make_node(OpCode::Pad, "pad", {sl, pads}, {pd}, AttrWriter().set_string("mode", "reflect").take()));
  g.add_node(make_node(OpCode::ReduceMean, "mean", {pd}, {red}, AttrWriter().set_ints("axes", {2, 3}).take()));
  return g;
}

inline std::vector<CorpusCase> make_corpus_cases() {
  using namespace luodi;
  using namespace luodi::format;
  std::vector<CorpusCase> cases;
  auto write = [](const graph::Graph& g) {
    auto r = format::write(g);
    LUODI_ASSERT(r.ok());
    return std::move(*r);
  };
  const std::vector<std::uint8_t> good = write(corpus_base_graph());
  auto rr = Reader::open(good.data(), good.size());
  LUODI_ASSERT(rr.ok());
  const Reader r = *rr;
  auto sec_off = [&](SectionId s) { return static_cast<std::size_t>(r.section_offset(s)); };
  auto add = [&](const std::string& file, const char* expect, std::vector<std::uint8_t> bytes, const std::string& why,
                 bool verify_data = false) {
    cases.push_back(CorpusCase{file, expect, verify_data, why, std::move(bytes)});
  };
  // Patch a copy, then recompute both CRCs so the targeted check is the one that fires.
  auto patched = [&](auto&& edit) {
    std::vector<std::uint8_t> b = good;
    edit(b.data());
    finalize_crcs(b.data(), b.size());
    return b;
  };
  auto tensor_rec = [&](std::uint8_t* b, int t) { return b + sec_off(SectionId::Tensors) + kTensorRecordSize * t; };
  auto node_rec = [&](std::uint8_t* b, int n) { return b + sec_off(SectionId::Nodes) + kNodeRecordSize * n; };
  auto io_at = [&](std::uint8_t* b, const NodeEntry& n, int k) { return b + sec_off(SectionId::NodeIo) + 4 * (n.io_begin + k); };

  add("valid.luodi", "ok", good, "the base model: every section present");
  add("valid_verify_data.luodi", "ok", good, "the base model, loaded with the data CRC checked", true);
  add("valid_activations.luodi", "ok", write(corpus_activation_graph()),
      "a model whose ops all have kernels (the embedded check runs it)");
  add("valid_cnn.luodi", "ok", write(corpus_cnn_graph()), "a small CNN over many op families (a fuzzer seed)");

  // Truncations: the empty file, inside the header, and at every section boundary.
  add("truncated_empty.luodi", "truncated", {}, "zero bytes");
  add("truncated_header.luodi", "truncated", std::vector<std::uint8_t>(good.begin(), good.begin() + 100),
      "cut inside the 256-byte header");
  for (int s = 0; s < kSectionCount; ++s) {
    const SectionId id = static_cast<SectionId>(s);
    if (r.section_size(id) == 0 && id != SectionId::Data) continue;
    const std::size_t at = sec_off(id);
    std::string name = section_name(id);
    for (char& ch : name) ch = static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
    add("truncated_at_" + name + ".luodi", "truncated", std::vector<std::uint8_t>(good.begin(), good.begin() + at),
        "cut where section " + std::string(section_name(id)) + " starts");
  }
  add("truncated_last_byte.luodi", "truncated", std::vector<std::uint8_t>(good.begin(), good.end() - 1),
      "one byte short of file_size");

  {
    std::vector<std::uint8_t> b = good;
    b[1] = 'X';
    add("bad_magic.luodi", "bad magic", b, "magic byte 1 changed");
  }
  add("future_major_version.luodi", "unsupported version", patched([&](std::uint8_t* b) { le::put16(b + hdr::version_major, 2); }),
      "format version 2.0");
  add("unknown_required_flag.luodi", "unsupported version", patched([&](std::uint8_t* b) { le::put32(b + hdr::flags, 1u << 3); }),
      "required flag bit 3, unknown to v1.0 readers");
  add("newer_minor_version.luodi", "ok", patched([&](std::uint8_t* b) {
        le::put16(b + hdr::version_minor, 7);
        le::put32(b + hdr::flags, 1u << 20);  // a hint flag: ignored
      }),
      "format 1.7 with a hint flag: readable by a 1.0 reader");
  {
    std::vector<std::uint8_t> b = good;
    tensor_rec(b.data(), 0)[tr::dims] ^= 0x01;  // no CRC fix
    add("bad_structure_crc.luodi", "checksum mismatch", b, "a dim in the tensor table changed after the CRC was computed");
  }
  {
    std::vector<std::uint8_t> b = good;
    b[sec_off(SectionId::Data) + 3] ^= 0x40;
    add("bad_data_crc.luodi", "checksum mismatch", b, "a weight byte changed; found when the data CRC is checked", true);
    add("bad_data_crc_unchecked.luodi", "ok", b, "the same file loads when the data CRC is not checked (the default)");
  }

  add("section_out_of_range.luodi", "bad offset", patched([&](std::uint8_t* b) {
        le::put64(b + hdr::sections + 16 * static_cast<int>(SectionId::Tensors), good.size() + 4096);
      }),
      "TENSORS section offset past the end of the file");
  add("section_overlaps_data.luodi", "bad offset", patched([&](std::uint8_t* b) {
        le::put64(b + hdr::sections + 16 * static_cast<int>(SectionId::Attrs) + 8, r.section_size(SectionId::Attrs) + 4096);
      }),
      "ATTRS section size runs into DATA");
  add("tensor_data_out_of_range.luodi", "bad offset", patched([&](std::uint8_t* b) {
        le::put64(tensor_rec(b, 3) + tr::data_offset, r.data_bytes() + 64);
      }),
      "constant \"bias\" points past the DATA section");
  add("tensor_data_misaligned.luodi", "bad offset", patched([&](std::uint8_t* b) { le::put64(tensor_rec(b, 3) + tr::data_offset, 4); }),
      "constant \"bias\" not 64-byte aligned");
  add("string_offset_out_of_range.luodi", "bad offset", patched([&](std::uint8_t* b) {
        le::put32(tensor_rec(b, 1) + tr::name, 0x00FFFFFFu);
      }),
      "tensor name offset outside STRINGS");
  add("attr_offset_out_of_range.luodi", "bad offset", patched([&](std::uint8_t* b) {
        le::put32(node_rec(b, 0) + nr::attr_offset, 1u << 20);
      }),
      "node \"leaky\" attributes outside ATTRS");
  add("attr_blob_truncated.luodi", "truncated", patched([&](std::uint8_t* b) {
        le::put32(node_rec(b, 0) + nr::attr_size, le::u32(node_rec(b, 0) + nr::attr_size) - 8);
      }),
      "node \"leaky\" attribute record cut short");
  add("shape_overflow.luodi", "overflow", patched([&](std::uint8_t* b) {
        std::uint8_t* t = tensor_rec(b, 3);
        for (int d = 0; d < 4; ++d) le::puti64(t + tr::dims + 8 * d, std::int64_t(1) << 40);
      }),
      "constant \"bias\" with dims 2^40 x 2^40 x 2^40 x 2^40");
  add("shape_overflow_empty.luodi", "overflow", patched([&](std::uint8_t* b) {
        // An empty tensor (a zero dim) whose other dims multiply past 2^63: found by the fuzzer,
        // which fed such a shape to a reduction's parameter code.
        std::uint8_t* t = tensor_rec(b, 0);
        le::puti64(t + tr::dims + 0, 0);
        le::puti64(t + tr::dims + 8, std::int64_t(1) << 40);
        le::puti64(t + tr::dims + 16, std::int64_t(1) << 40);
      }),
      "graph input \"x\" with dims 0 x 2^40 x 2^40 x 2");
  add("dtype_size_mismatch.luodi", "dtype mismatch", patched([&](std::uint8_t* b) {
        tensor_rec(b, 3)[tr::dtype] = static_cast<std::uint8_t>(DType::f16);
      }),
      "constant \"bias\" says f16 but holds 8 bytes for 2 elements");
  add("unknown_dtype.luodi", "unsupported", patched([&](std::uint8_t* b) { tensor_rec(b, 3)[tr::dtype] = 42; }),
      "dtype code 42");
  add("rank_too_large.luodi", "out of range", patched([&](std::uint8_t* b) { tensor_rec(b, 1)[tr::rank] = 9; }), "rank 9");
  add("cycle.luodi", "graph cycle", patched([&](std::uint8_t* b) {
        // leaky (node 0) now reads b, which relu (node 1) makes from leaky's output.
        le::puti32(io_at(b, r.node(0), 0), 2);
      }),
      "node 0 reads the output of node 1, which reads node 0's output");
  add("unknown_op.luodi", "unknown op", patched([&](std::uint8_t* b) { le::put16(node_rec(b, 1) + nr::op, 999); }),
      "op code 999");
  add("dangling_node_input.luodi", "dangling index", patched([&](std::uint8_t* b) { le::puti32(io_at(b, r.node(2), 1), 9999); }),
      "node \"add\" reads tensor 9999");
  add("node_io_stray_entry.luodi", "dangling index", patched([&](std::uint8_t* b) {
        // One more NODE_IO entry than the nodes use; it overlaps the first bytes of ATTRS, whose
        // value is no tensor index. Found by the fuzzer: the session used to read every entry.
        le::put64(b + hdr::sections + 16 * static_cast<int>(SectionId::NodeIo) + 8, r.section_size(SectionId::NodeIo) + 4);
      }),
      "a NODE_IO entry that no node uses, holding no tensor index");
  add("dangling_graph_output.luodi", "dangling index", patched([&](std::uint8_t* b) {
        le::puti32(b + sec_off(SectionId::Outputs), 4444);
      }),
      "graph output is tensor 4444");
  add("producer_mismatch.luodi", "invalid argument", patched([&](std::uint8_t* b) { le::puti32(tensor_rec(b, 1) + tr::producer, 2); }),
      "tensor \"a\" names node 2 as its producer, but node 0 writes it");
  add("node_arity.luodi", "invalid argument", patched([&](std::uint8_t* b) { le::put16(node_rec(b, 1) + nr::num_inputs, 2); }),
      "Relu with two inputs");
  add("attr_wrong_type.luodi", "bad attribute", write(corpus_base_graph("string")),
      "LeakyRelu \"alpha\" stored as a string");
  add("attr_unknown_name.luodi", "bad attribute", write(corpus_base_graph("unknown")),
      "LeakyRelu with an attribute \"slope_mode\" it does not have");
  add("preprocess_future_version.luodi", "unsupported version", patched([&](std::uint8_t* b) {
        le::put32(b + sec_off(SectionId::Preprocess), 2);
      }),
      "preprocessing record version 2");
  add("preprocess_bad_enum.luodi", "invalid argument", patched([&](std::uint8_t* b) { b[sec_off(SectionId::Preprocess) + 14] = 7; }),
      "preprocessing record with channel order 7");
  add("attr_bad_type_code.luodi", "bad attribute", patched([&](std::uint8_t* b) {
        b[sec_off(SectionId::Attrs) + 2] = 9;  // the type byte of the first attribute record
      }),
      "attribute record with type code 9");
  return cases;
}

}  // namespace luodi_test
