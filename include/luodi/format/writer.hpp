// Writing a graph::Graph as a .luodi file (format/spec.hpp is the specification).
//
//   Result<std::vector<std::uint8_t>> bytes = format::write(graph);
//   Status s = format::write_file(graph, "model.luodi");
//
// The converter uses this; the runtime never does (it reads files with format/reader.hpp and
// needs no heap). The writer validates the graph first (graph::Graph::validate), lays out every
// section at its alignment, stores each constant 64-byte aligned, and fills in both CRCs.
// Identical constants (same dtype, shape and bytes) are stored once.
#pragma once

#include "../config.hpp"

#if LUODI_HAS_FILESYSTEM

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

#include "../core/status.hpp"
#include "../graph/ir.hpp"
#include "spec.hpp"

namespace luodi {
namespace format {

struct WriteOptions {
  bool dedup_constants = true;  // store byte-identical constants once
};

namespace detail {

class StringTable {
 public:
  StringTable() { bytes_.push_back(0); }  // offset 0: the empty string
  std::uint32_t add(const std::string& s) {
    if (s.empty()) return 0;
    auto it = index_.find(s);
    if (it != index_.end()) return it->second;
    const std::uint32_t off = static_cast<std::uint32_t>(bytes_.size());
    bytes_.insert(bytes_.end(), s.begin(), s.end());
    bytes_.push_back(0);
    index_.emplace(s, off);
    return off;
  }
  const std::vector<std::uint8_t>& bytes() const noexcept { return bytes_; }

 private:
  std::vector<std::uint8_t> bytes_;
  std::unordered_map<std::string, std::uint32_t> index_;
};

inline std::uint64_t align_to(std::uint64_t v, std::uint64_t a) { return (v + a - 1) / a * a; }

}  // namespace detail

// Recompute both CRCs of a file in memory (after editing it: the writer, and tests that build
// corrupted files to check that a specific error is found behind the checksum).
inline void finalize_crcs(std::uint8_t* b, std::size_t size) noexcept {
  const std::uint64_t data_off = le::u64(b + hdr::sections + 16 * static_cast<int>(SectionId::Data));
  const std::uint64_t data_size = le::u64(b + hdr::sections + 16 * static_cast<int>(SectionId::Data) + 8);
  if (data_off < hdr::crc_begin || data_off > size || data_size > size - data_off) return;
  le::put32(b + hdr::data_crc, crc32(b + data_off, static_cast<std::size_t>(data_size)));
  le::put32(b + hdr::structure_crc, crc32(b + hdr::crc_begin, static_cast<std::size_t>(data_off - hdr::crc_begin)));
}

inline Result<std::vector<std::uint8_t>> write(const graph::Graph& g, const WriteOptions& opt = {}) {
  LUODI_RETURN_IF_ERROR(g.validate());
  const graph::Metadata& meta = g.meta;
  if (meta.has_golden) {
    if (meta.golden_inputs.size() != g.inputs.size() || meta.golden_outputs.size() != g.outputs.size())
      return Status::error(StatusCode::InvalidArgument, "golden pair: %zu inputs and %zu outputs for a graph with %zu and %zu",
                           meta.golden_inputs.size(), meta.golden_outputs.size(), g.inputs.size(), g.outputs.size());
  }

  // Tensors: the graph's values, then golden constants.
  struct TensorOut {
    std::string name;
    DType dtype;
    Shape shape;
    std::vector<std::string> dim_names;
    TensorKind kind;
    std::int32_t producer;
    const std::uint8_t* data;
    std::uint64_t data_size;
  };
  std::vector<TensorOut> tensors;
  tensors.reserve(g.values.size() + g.inputs.size() + g.outputs.size());
  const std::vector<std::int32_t> producers = g.producers();
  std::vector<char> is_input(g.values.size(), 0);
  for (std::int32_t i : g.inputs) is_input[static_cast<std::size_t>(i)] = 1;
  for (std::size_t i = 0; i < g.values.size(); ++i) {
    const graph::Value& v = g.values[i];
    TensorOut t{v.name, v.dtype, v.shape, v.dim_names, TensorKind::Value, producers[i], nullptr, 0};
    if (v.is_constant) {
      std::int64_t n = 0;
      if (!v.shape.checked_numel(&n))
        return Status::error(StatusCode::InvalidArgument, "constant \"%s\" has an unknown or overflowing shape %s",
                             v.name.c_str(), v.shape.str().c_str());
      const std::uint64_t want = static_cast<std::uint64_t>(n) * dtype_size(v.dtype);
      if (v.data.size() != want)
        return Status::error(StatusCode::DTypeMismatch, "constant \"%s\": %s of %s is %llu bytes, but it holds %zu",
                             v.name.c_str(), v.shape.str().c_str(), dtype_name(v.dtype),
                             static_cast<unsigned long long>(want), v.data.size());
      t.kind = TensorKind::Constant;
      t.producer = -1;
      t.data = v.data.data();
      t.data_size = v.data.size();
    } else if (is_input[i]) {
      t.kind = TensorKind::Input;
    }
    if (t.dim_names.size() > static_cast<std::size_t>(t.shape.rank()))
      return Status::error(StatusCode::InvalidArgument, "value \"%s\" names %zu dims but has rank %d", v.name.c_str(),
                           t.dim_names.size(), t.shape.rank());
    tensors.push_back(std::move(t));
  }
  std::vector<std::int32_t> golden;
  if (meta.has_golden) {
    auto add_golden = [&](std::int32_t io, const std::vector<std::uint8_t>& bytes, const char* what,
                          std::size_t k) -> Status {
      const graph::Value& v = g.values[static_cast<std::size_t>(io)];
      std::int64_t n = 0;
      if (!v.shape.checked_numel(&n))
        return Status::error(StatusCode::InvalidArgument,
                             "golden %s %zu: \"%s\" has shape %s; a golden value needs a static shape", what, k,
                             v.name.c_str(), v.shape.str().c_str());
      if (bytes.size() != static_cast<std::uint64_t>(n) * dtype_size(v.dtype))
        return Status::error(StatusCode::DTypeMismatch, "golden %s %zu for \"%s\": %zu bytes; %s of %s is %llu", what, k,
                             v.name.c_str(), bytes.size(), v.shape.str().c_str(), dtype_name(v.dtype),
                             static_cast<unsigned long long>(n) * dtype_size(v.dtype));
      golden.push_back(static_cast<std::int32_t>(tensors.size()));
      tensors.push_back(TensorOut{"golden." + std::string(what) + "." + v.name, v.dtype, v.shape, {},
                                  TensorKind::Constant, -1, bytes.data(), bytes.size()});
      return Status();
    };
    for (std::size_t k = 0; k < g.inputs.size(); ++k)
      LUODI_RETURN_IF_ERROR(add_golden(g.inputs[k], meta.golden_inputs[k], "input", k));
    for (std::size_t k = 0; k < g.outputs.size(); ++k)
      LUODI_RETURN_IF_ERROR(add_golden(g.outputs[k], meta.golden_outputs[k], "output", k));
  }
  if (tensors.size() > kMaxTensors || g.nodes.size() > kMaxNodes || g.inputs.size() > kMaxGraphIo ||
      g.outputs.size() > kMaxGraphIo)
    return Status(StatusCode::OutOfRange, "the graph exceeds the format's limits on tensors, nodes or graph inputs/outputs");

  // Strings.
  detail::StringTable strings;
  std::vector<std::uint32_t> tensor_name(tensors.size());
  std::vector<std::array<std::uint32_t, kMaxRank>> dim_names(tensors.size());
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    tensor_name[i] = strings.add(tensors[i].name);
    dim_names[i].fill(0);
    for (std::size_t d = 0; d < tensors[i].dim_names.size(); ++d) dim_names[i][d] = strings.add(tensors[i].dim_names[d]);
  }
  std::vector<std::uint32_t> node_name(g.nodes.size());
  for (std::size_t n = 0; n < g.nodes.size(); ++n) node_name[n] = strings.add(g.nodes[n].name);
  const bool has_meta = !meta.producer.empty() || !meta.converter_version.empty() || !meta.source_hash.empty() ||
                        meta.arena_bytes != 0;
  const std::uint32_t s_producer = strings.add(meta.producer), s_conv = strings.add(meta.converter_version),
                      s_hash = strings.add(meta.source_hash);
  std::vector<std::uint32_t> labels;
  for (const std::string& l : meta.labels) labels.push_back(strings.add(l));

  // Data layout, with identical constants stored once.
  std::vector<std::uint64_t> data_offset(tensors.size(), 0);
  std::uint64_t data_size = 0;
  {
    std::unordered_map<std::uint32_t, std::vector<std::size_t>> by_crc;  // crc -> tensors placed
    for (std::size_t i = 0; i < tensors.size(); ++i) {
      if (tensors[i].kind != TensorKind::Constant) continue;
      const TensorOut& t = tensors[i];
      if (opt.dedup_constants && t.data_size > 0) {
        const std::uint32_t c = crc32(t.data, t.data_size);
        bool found = false;
        for (std::size_t j : by_crc[c]) {
          if (tensors[j].data_size == t.data_size && std::memcmp(tensors[j].data, t.data, t.data_size) == 0) {
            data_offset[i] = data_offset[j];
            found = true;
            break;
          }
        }
        if (found) continue;
        by_crc[c].push_back(i);
      }
      data_size = detail::align_to(data_size, kDataAlignment);
      data_offset[i] = data_size;
      data_size += t.data_size;
    }
  }

  // Node io and attributes.
  std::vector<std::int32_t> io;
  std::vector<std::uint8_t> attrs;
  std::vector<std::uint32_t> io_begin(g.nodes.size()), attr_offset(g.nodes.size());
  for (std::size_t n = 0; n < g.nodes.size(); ++n) {
    const graph::Node& node = g.nodes[n];
    io_begin[n] = static_cast<std::uint32_t>(io.size());
    io.insert(io.end(), node.inputs.begin(), node.inputs.end());
    io.insert(io.end(), node.outputs.begin(), node.outputs.end());
    attrs.resize(detail::align_to(attrs.size(), 8), 0);
    attr_offset[n] = node.attrs.empty() ? 0 : static_cast<std::uint32_t>(attrs.size());
    attrs.insert(attrs.end(), node.attrs.begin(), node.attrs.end());
  }
  attrs.resize(detail::align_to(attrs.size(), 8), 0);

  // Section layout.
  struct Sec {
    std::uint64_t offset = 0, size = 0;
  };
  Sec sec[kSectionCount];
  std::uint64_t at = kHeaderSize;
  auto place = [&](SectionId id, std::uint64_t size) {
    if (size == 0 && id != SectionId::Data) return;
    at = detail::align_to(at, section_alignment(id));
    sec[static_cast<int>(id)] = Sec{at, size};
    at += size;
  };
  place(SectionId::Strings, strings.bytes().size());
  place(SectionId::Tensors, tensors.size() * kTensorRecordSize);
  place(SectionId::Nodes, g.nodes.size() * kNodeRecordSize);
  place(SectionId::NodeIo, io.size() * 4);
  place(SectionId::Attrs, attrs.size());
  place(SectionId::Inputs, g.inputs.size() * 4);
  place(SectionId::Outputs, g.outputs.size() * 4);
  place(SectionId::Metadata, has_meta ? kMetadataRecordSize : 0);
  place(SectionId::Labels, labels.size() * 4);
  place(SectionId::Preprocess, meta.preprocess.size());
  place(SectionId::Golden, golden.size() * 4);
  place(SectionId::Data, data_size);
  const std::uint64_t file_size = at;

  std::vector<std::uint8_t> out(static_cast<std::size_t>(file_size), 0);
  std::uint8_t* b = out.data();
  std::memcpy(b, kMagic, 8);
  le::put16(b + hdr::version_major, kVersionMajor);
  le::put16(b + hdr::version_minor, kVersionMinor);
  le::put32(b + hdr::header_size, static_cast<std::uint32_t>(kHeaderSize));
  le::put32(b + hdr::flags, 0);
  le::put64(b + hdr::file_size, file_size);
  for (int i = 0; i < kSectionCount; ++i) {
    le::put64(b + hdr::sections + 16 * i, sec[i].offset);
    le::put64(b + hdr::sections + 16 * i + 8, sec[i].size);
  }
  auto S = [&](SectionId id) { return b + sec[static_cast<int>(id)].offset; };

  std::memcpy(S(SectionId::Strings), strings.bytes().data(), strings.bytes().size());
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const TensorOut& t = tensors[i];
    std::uint8_t* p = S(SectionId::Tensors) + i * kTensorRecordSize;
    le::put32(p + tr::name, tensor_name[i]);
    p[tr::dtype] = static_cast<std::uint8_t>(t.dtype);
    p[tr::rank] = static_cast<std::uint8_t>(t.shape.rank());
    p[tr::kind] = static_cast<std::uint8_t>(t.kind);
    p[tr::packing] = 0;
    le::puti32(p + tr::producer, t.producer);
    if (t.kind == TensorKind::Constant) {
      le::put64(p + tr::data_offset, data_offset[i]);
      le::put64(p + tr::data_size, t.data_size);
      if (t.data_size) std::memcpy(S(SectionId::Data) + data_offset[i], t.data, t.data_size);
    }
    for (int d = 0; d < t.shape.rank(); ++d) le::puti64(p + tr::dims + 8 * d, t.shape[d]);
    for (int d = 0; d < kMaxRank; ++d) le::put32(p + tr::dim_names + 4 * d, dim_names[i][d]);
    le::puti32(p + tr::quant_scales, -1);
    le::puti32(p + tr::quant_zeros, -1);
  }
  for (std::size_t n = 0; n < g.nodes.size(); ++n) {
    const graph::Node& node = g.nodes[n];
    std::uint8_t* p = S(SectionId::Nodes) + n * kNodeRecordSize;
    le::put32(p + nr::name, node_name[n]);
    le::put16(p + nr::op, static_cast<std::uint16_t>(node.op));
    le::put32(p + nr::io_begin, io_begin[n]);
    le::put16(p + nr::num_inputs, static_cast<std::uint16_t>(node.inputs.size()));
    le::put16(p + nr::num_outputs, static_cast<std::uint16_t>(node.outputs.size()));
    le::put32(p + nr::attr_offset, attr_offset[n]);
    le::put32(p + nr::attr_size, static_cast<std::uint32_t>(node.attrs.size()));
  }
  for (std::size_t k = 0; k < io.size(); ++k) le::puti32(S(SectionId::NodeIo) + 4 * k, io[k]);
  if (!attrs.empty()) std::memcpy(S(SectionId::Attrs), attrs.data(), attrs.size());
  for (std::size_t k = 0; k < g.inputs.size(); ++k) le::puti32(S(SectionId::Inputs) + 4 * k, g.inputs[k]);
  for (std::size_t k = 0; k < g.outputs.size(); ++k) le::puti32(S(SectionId::Outputs) + 4 * k, g.outputs[k]);
  if (has_meta) {
    std::uint8_t* p = S(SectionId::Metadata);
    le::put32(p + mr::producer, s_producer);
    le::put32(p + mr::converter_version, s_conv);
    le::put32(p + mr::source_hash, s_hash);
    le::put64(p + mr::arena_bytes, meta.arena_bytes);
  }
  for (std::size_t k = 0; k < labels.size(); ++k) le::put32(S(SectionId::Labels) + 4 * k, labels[k]);
  if (!meta.preprocess.empty()) std::memcpy(S(SectionId::Preprocess), meta.preprocess.data(), meta.preprocess.size());
  for (std::size_t k = 0; k < golden.size(); ++k) le::puti32(S(SectionId::Golden) + 4 * k, golden[k]);

  finalize_crcs(out.data(), out.size());
  return out;
}

inline Status write_file(const graph::Graph& g, const char* path, const WriteOptions& opt = {}) {
  LUODI_ASSIGN_OR_RETURN(std::vector<std::uint8_t> bytes, write(g, opt));
  std::FILE* f = std::fopen(path, "wb");
  if (!f) return Status::error(StatusCode::IoError, "cannot open \"%s\" for writing", path);
  const std::size_t n = std::fwrite(bytes.data(), 1, bytes.size(), f);
  const bool ok = n == bytes.size() && std::fflush(f) == 0;
  std::fclose(f);
  if (!ok) return Status::error(StatusCode::IoError, "could not write %zu bytes to \"%s\"", bytes.size(), path);
  return Status();
}

}  // namespace format
}  // namespace luodi

#endif  // LUODI_HAS_FILESYSTEM
