// Reading a .luodi file in place (format/spec.hpp is the specification).
//
//   Result<format::Reader> r = format::Reader::open(bytes, size);
//
// open() checks everything the spec's "structural rules" list, in one pass over the tables, with
// no heap and in O(tensors + nodes + node inputs/outputs) time. After it succeeds, every accessor
// below is safe on the same bytes: indices and offsets were all checked, so the accessors only
// DCHECK. Errors are a Status with a specific code (BadMagic, UnsupportedVersion,
// ChecksumMismatch, Truncated, BadOffset, Overflow, DTypeMismatch, GraphCycle, UnknownOp,
// DanglingIndex, BadAttribute, ...) and a message naming the tensor, node or byte offset.
//
// The Reader holds only pointers into the caller's bytes; the bytes must outlive it.
// Attribute *types* per op are checked one layer up (ops/schema.hpp), because they are op
// knowledge; the reader checks that each blob is well formed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "../core/dtype.hpp"
#include "../core/shape.hpp"
#include "../core/status.hpp"
#include "../graph/attributes.hpp"
#include "../graph/op.hpp"
#include "spec.hpp"

namespace luodi {
namespace format {

struct ReadOptions {
  // Check the structure CRC (header and tables). Always on in products; the fuzzer turns it off
  // to reach the checks behind it.
  bool verify_structure_crc = true;
  // Check the CRC of the DATA section (the weights): reads every byte of the file.
  bool verify_data_crc = false;
};

// One tensor record, decoded.
struct TensorEntry {
  const char* name = "";
  DType dtype = DType::f32;
  TensorKind kind = TensorKind::Value;
  std::uint8_t packing = 0;
  std::int32_t producer = -1;
  Shape shape;
  std::uint32_t dim_name[kMaxRank] = {};  // string offsets, 0 = none
  const std::uint8_t* data = nullptr;     // constants: the bytes inside the file
  std::uint64_t data_size = 0;
};

// One node record, decoded.
struct NodeEntry {
  const char* name = "";
  graph::OpCode op = graph::OpCode::Identity;
  std::uint32_t io_begin = 0;
  int num_inputs = 0;
  int num_outputs = 0;
  graph::AttrList attrs;
};

struct MetadataEntry {
  const char* producer = "";
  const char* converter_version = "";
  const char* source_hash = "";
  std::uint64_t arena_bytes = 0;
};

class Reader {
 public:
  Reader() noexcept = default;

  static Result<Reader> open(const void* data, std::size_t size, const ReadOptions& opt = {}) noexcept {
    Reader r;
    Status s = r.init(static_cast<const std::uint8_t*>(data), size, opt);
    if (!s.ok()) return s;
    return r;
  }

  const std::uint8_t* bytes() const noexcept { return base_; }
  std::uint64_t file_size() const noexcept { return file_size_; }
  std::uint16_t version_major() const noexcept { return le::u16(base_ + hdr::version_major); }
  std::uint16_t version_minor() const noexcept { return le::u16(base_ + hdr::version_minor); }
  std::uint32_t flags() const noexcept { return le::u32(base_ + hdr::flags); }
  std::uint64_t section_offset(SectionId s) const noexcept { return sec_[static_cast<int>(s)].offset; }
  std::uint64_t section_size(SectionId s) const noexcept { return sec_[static_cast<int>(s)].size; }

  // A string from the STRINGS section (validated: always NUL-terminated inside the section).
  const char* string(std::uint32_t offset) const noexcept {
    LUODI_DCHECK(offset < sec(SectionId::Strings).size);
    return reinterpret_cast<const char*>(base_ + sec(SectionId::Strings).offset + offset);
  }

  std::int32_t num_tensors() const noexcept { return num_tensors_; }
  TensorEntry tensor(std::int32_t i) const noexcept {
    LUODI_DCHECK(i >= 0 && i < num_tensors_);
    return decode_tensor(tensor_record(i));
  }
  std::int32_t num_nodes() const noexcept { return num_nodes_; }
  NodeEntry node(std::int32_t i) const noexcept {
    LUODI_DCHECK(i >= 0 && i < num_nodes_);
    return decode_node(node_record(i));
  }
  // Tensor index of node n's input k (-1 when absent) and output k.
  std::int32_t node_input(const NodeEntry& n, int k) const noexcept { return io(n.io_begin + static_cast<std::uint32_t>(k)); }
  std::int32_t node_output(const NodeEntry& n, int k) const noexcept {
    return io(n.io_begin + static_cast<std::uint32_t>(n.num_inputs + k));
  }
  std::uint32_t num_io() const noexcept { return num_io_; }
  std::int32_t io(std::uint32_t k) const noexcept {
    LUODI_DCHECK(k < num_io_);
    return le::i32(base_ + sec(SectionId::NodeIo).offset + 4u * k);
  }

  int num_inputs() const noexcept { return num_graph_inputs_; }
  int num_outputs() const noexcept { return num_graph_outputs_; }
  std::int32_t input(int k) const noexcept { return list_at(SectionId::Inputs, k); }
  std::int32_t output(int k) const noexcept { return list_at(SectionId::Outputs, k); }

  bool has_metadata() const noexcept { return sec(SectionId::Metadata).size != 0; }
  MetadataEntry metadata() const noexcept {
    MetadataEntry m;
    if (!has_metadata()) return m;
    const std::uint8_t* p = base_ + sec(SectionId::Metadata).offset;
    m.producer = string(le::u32(p + mr::producer));
    m.converter_version = string(le::u32(p + mr::converter_version));
    m.source_hash = string(le::u32(p + mr::source_hash));
    m.arena_bytes = le::u64(p + mr::arena_bytes);
    return m;
  }
  int num_labels() const noexcept { return static_cast<int>(sec(SectionId::Labels).size / 4); }
  const char* label(int k) const noexcept {
    LUODI_DCHECK(k >= 0 && k < num_labels());
    return string(le::u32(base_ + sec(SectionId::Labels).offset + 4u * static_cast<std::uint32_t>(k)));
  }
  const std::uint8_t* preprocess_bytes() const noexcept {
    return sec(SectionId::Preprocess).size ? base_ + sec(SectionId::Preprocess).offset : nullptr;
  }
  std::uint64_t preprocess_size() const noexcept { return sec(SectionId::Preprocess).size; }
  bool has_golden() const noexcept { return sec(SectionId::Golden).size != 0; }
  // The constant tensor holding the golden value of graph input k / graph output k.
  std::int32_t golden_input(int k) const noexcept { return list_at(SectionId::Golden, k); }
  std::int32_t golden_output(int k) const noexcept { return list_at(SectionId::Golden, num_graph_inputs_ + k); }

  // Bytes of the DATA section (all constants): what a mapped model keeps resident.
  std::uint64_t data_bytes() const noexcept { return sec(SectionId::Data).size; }

  // The data CRC, computed now over the DATA section (reads every weight byte).
  Status verify_data_crc() const noexcept {
    const Section& d = sec(SectionId::Data);
    const unsigned want = le::u32(base_ + hdr::data_crc);
    const unsigned got = crc32(base_ + d.offset, static_cast<std::size_t>(d.size));
    if (got != want)
      return Status::error(StatusCode::ChecksumMismatch,
                           "DATA section (bytes %llu..%llu): CRC-32 is 0x%08x, the header says 0x%08x; the weights "
                           "are corrupted",
                           ull(d.offset), ull(d.offset + d.size), got, want);
    return Status();
  }

 private:
  struct Section {
    std::uint64_t offset = 0, size = 0;
  };
  static unsigned long long ull(std::uint64_t v) noexcept { return static_cast<unsigned long long>(v); }
  const Section& sec(SectionId s) const noexcept { return sec_[static_cast<int>(s)]; }
  const std::uint8_t* tensor_record(std::int32_t i) const noexcept {
    return base_ + sec(SectionId::Tensors).offset + kTensorRecordSize * static_cast<std::uint64_t>(i);
  }
  const std::uint8_t* node_record(std::int32_t i) const noexcept {
    return base_ + sec(SectionId::Nodes).offset + kNodeRecordSize * static_cast<std::uint64_t>(i);
  }
  std::int32_t list_at(SectionId s, int k) const noexcept {
    LUODI_DCHECK(k >= 0 && static_cast<std::uint64_t>(k) * 4 < sec(s).size);
    return le::i32(base_ + sec(s).offset + 4u * static_cast<std::uint32_t>(k));
  }
  bool string_ok(std::uint32_t off) const noexcept { return off < sec(SectionId::Strings).size; }

  TensorEntry decode_tensor(const std::uint8_t* p) const noexcept {
    TensorEntry t;
    t.name = string(le::u32(p + tr::name));
    t.dtype = static_cast<DType>(p[tr::dtype]);
    t.kind = static_cast<TensorKind>(p[tr::kind]);
    t.packing = p[tr::packing];
    t.producer = le::i32(p + tr::producer);
    std::int64_t dims[kMaxRank];
    const int rank = p[tr::rank];
    for (int d = 0; d < rank; ++d) dims[d] = le::i64(p + tr::dims + 8 * d);
    t.shape = Shape(dims, rank);
    for (int d = 0; d < kMaxRank; ++d) t.dim_name[d] = le::u32(p + tr::dim_names + 4 * d);
    t.data_size = le::u64(p + tr::data_size);
    if (t.kind == TensorKind::Constant) t.data = base_ + sec(SectionId::Data).offset + le::u64(p + tr::data_offset);
    return t;
  }
  NodeEntry decode_node(const std::uint8_t* p) const noexcept {
    NodeEntry n;
    n.name = string(le::u32(p + nr::name));
    n.op = static_cast<graph::OpCode>(le::u16(p + nr::op));
    n.io_begin = le::u32(p + nr::io_begin);
    n.num_inputs = le::u16(p + nr::num_inputs);
    n.num_outputs = le::u16(p + nr::num_outputs);
    const std::uint32_t size = le::u32(p + nr::attr_size);
    n.attrs = graph::AttrList(size ? base_ + sec(SectionId::Attrs).offset + le::u32(p + nr::attr_offset) : nullptr, size);
    return n;
  }
  // "tensor 12 \"conv1.weight\"" for messages; the name only once the strings are validated.
  const char* tensor_name_safe(std::int32_t i) const noexcept {
    if (!strings_ok_ || i < 0 || i >= num_tensors_) return "?";
    const std::uint32_t off = le::u32(tensor_record(i) + tr::name);
    return string_ok(off) ? string(off) : "?";
  }

  Status init(const std::uint8_t* b, std::size_t size, const ReadOptions& opt) noexcept {
    base_ = b;
    if (b == nullptr) return Status(StatusCode::InvalidArgument, "no model bytes given (null pointer)");
    if (!host_is_little_endian())
      return Status(StatusCode::Unsupported, ".luodi files are little-endian and this host is big-endian");
    // Magic first, on whatever bytes there are, so that "not a .luodi file" is told apart from
    // "a .luodi file cut short".
    const std::size_t magic_have = size < 8 ? size : 8;
    if (std::memcmp(b, kMagic, magic_have) != 0)
      return Status(StatusCode::BadMagic, "not a .luodi file: the first bytes are not the .luodi magic 89 4C 55 4F 44 49 0D 0A");
    if (size < kHeaderSize)
      return Status::error(StatusCode::Truncated, "the file is %zu bytes, shorter than the %zu-byte header", size,
                           kHeaderSize);
    const unsigned major = le::u16(b + hdr::version_major), minor = le::u16(b + hdr::version_minor);
    if (major != kVersionMajor)
      return Status::error(StatusCode::UnsupportedVersion,
                           "format version %u.%u; this build of luodi reads version %u.x files only", major, minor,
                           static_cast<unsigned>(kVersionMajor));
    const unsigned header_size = le::u32(b + hdr::header_size);
    file_size_ = le::u64(b + hdr::file_size);
    if (file_size_ > size)
      return Status::error(StatusCode::Truncated, "the header declares %llu bytes but only %zu are present",
                           ull(file_size_), size);
    if (header_size < kHeaderSize || header_size > file_size_)
      return Status::error(StatusCode::BadOffset, "header_size %u is outside %zu..file size %llu", header_size,
                           kHeaderSize, ull(file_size_));
    const unsigned flags = le::u32(b + hdr::flags);
    const unsigned unknown_required = flags & kRequiredFlagsMask & ~kKnownRequiredFlags;
    if (unknown_required)
      return Status::error(StatusCode::UnsupportedVersion,
                           "the file sets required flag bits 0x%04x that this build (format %u.%u) does not know",
                           unknown_required, static_cast<unsigned>(kVersionMajor), static_cast<unsigned>(kVersionMinor));

    // Section table.
    for (int i = 0; i < kSectionCount; ++i) {
      const std::uint8_t* e = b + hdr::sections + 16 * i;
      sec_[i].offset = le::u64(e);
      sec_[i].size = le::u64(e + 8);
    }
    const Section& data = sec(SectionId::Data);
    for (int i = 0; i < kSectionCount; ++i) {
      const SectionId id = static_cast<SectionId>(i);
      const Section& s = sec_[i];
      const char* nm = section_name(id);
      if (s.size == 0 && id != SectionId::Data) continue;
      if (s.offset < header_size || s.offset > file_size_ || s.size > file_size_ - s.offset)
        return Status::error(StatusCode::BadOffset,
                             "section %s at byte %llu with %llu bytes lies outside the file's %llu bytes (after the "
                             "%u-byte header)",
                             nm, ull(s.offset), ull(s.size), ull(file_size_), header_size);
      if (s.offset % section_alignment(id) != 0)
        return Status::error(StatusCode::BadOffset, "section %s at byte %llu is not %zu-byte aligned", nm,
                             ull(s.offset), section_alignment(id));
      if (s.size % section_record_size(id) != 0)
        return Status::error(StatusCode::BadOffset, "section %s has %llu bytes, not a multiple of its %zu-byte records",
                             nm, ull(s.size), section_record_size(id));
      if (id != SectionId::Data && s.offset + s.size > data.offset)
        return Status::error(StatusCode::BadOffset,
                             "section %s (bytes %llu..%llu) runs past the start of DATA at byte %llu", nm,
                             ull(s.offset), ull(s.offset + s.size), ull(data.offset));
    }

    // Checksums: everything interpreted below is covered by the structure CRC.
    if (opt.verify_structure_crc) {
      const unsigned want = le::u32(b + hdr::structure_crc);
      const unsigned got = crc32(b + hdr::crc_begin, static_cast<std::size_t>(data.offset - hdr::crc_begin));
      if (got != want)
        return Status::error(StatusCode::ChecksumMismatch,
                             "header and tables (bytes 24..%llu): CRC-32 is 0x%08x, the header says 0x%08x; the file "
                             "is corrupted",
                             ull(data.offset), got, want);
    }
    if (opt.verify_data_crc) LUODI_RETURN_IF_ERROR(verify_data_crc());

    // Strings: NUL at both ends, so every in-range offset is a terminated string.
    const Section& str = sec(SectionId::Strings);
    if (str.size == 0 || b[str.offset] != 0 || b[str.offset + str.size - 1] != 0)
      return Status::error(StatusCode::BadOffset,
                           "section STRINGS at byte %llu must start and end with a NUL byte (size %llu)",
                           ull(str.offset), ull(str.size));
    strings_ok_ = true;

    const std::uint64_t nt = sec(SectionId::Tensors).size / kTensorRecordSize;
    const std::uint64_t nn = sec(SectionId::Nodes).size / kNodeRecordSize;
    const std::uint64_t nio = sec(SectionId::NodeIo).size / 4;
    if (nt > kMaxTensors || nn > kMaxNodes || nio > kMaxTensors * 8)
      return Status::error(StatusCode::OutOfRange, "%llu tensors, %llu nodes, %llu node inputs/outputs: over the limits %llu/%llu/%llu",
                           ull(nt), ull(nn), ull(nio), ull(kMaxTensors), ull(kMaxNodes), ull(kMaxTensors * 8));
    num_tensors_ = static_cast<std::int32_t>(nt);
    num_nodes_ = static_cast<std::int32_t>(nn);
    num_io_ = static_cast<std::uint32_t>(nio);
    const std::uint64_t ngi = sec(SectionId::Inputs).size / 4, ngo = sec(SectionId::Outputs).size / 4;
    if (ngi > kMaxGraphIo || ngo > kMaxGraphIo)
      return Status::error(StatusCode::OutOfRange, "%llu graph inputs and %llu outputs; at most %llu each", ull(ngi),
                           ull(ngo), ull(kMaxGraphIo));
    num_graph_inputs_ = static_cast<int>(ngi);
    num_graph_outputs_ = static_cast<int>(ngo);

    LUODI_RETURN_IF_ERROR(check_tensors());
    LUODI_RETURN_IF_ERROR(check_nodes());
    LUODI_RETURN_IF_ERROR(check_producers());
    LUODI_RETURN_IF_ERROR(check_graph_io());
    LUODI_RETURN_IF_ERROR(check_metadata());
    return Status();
  }

  Status check_tensors() const noexcept {
    const Section& data = sec(SectionId::Data);
    for (int i = 0; i < num_tensors_; ++i) {
      const std::uint8_t* p = tensor_record(i);
      const std::uint64_t rec_at = sec(SectionId::Tensors).offset + kTensorRecordSize * static_cast<std::uint64_t>(i);
      const unsigned name_off = le::u32(p + tr::name);
      if (!string_ok(name_off))
        return Status::error(StatusCode::BadOffset, "tensor %d (record at byte %llu): name offset %u is outside STRINGS",
                             i, ull(rec_at), name_off);
      const char* nm = string(name_off);
      const unsigned dt = p[tr::dtype];
      if (!dtype_valid(dt))
        return Status::error(StatusCode::Unsupported, "tensor %d \"%s\": dtype code %u is unknown to this build", i, nm,
                             dt);
      const int rank = p[tr::rank];
      if (rank > kMaxRank)
        return Status::error(StatusCode::OutOfRange, "tensor %d \"%s\": rank %d exceeds %d", i, nm, rank, kMaxRank);
      const unsigned kind = p[tr::kind];
      if (kind > 2)
        return Status::error(StatusCode::InvalidArgument, "tensor %d \"%s\": kind %u is not 0, 1 or 2", i, nm, kind);
      if (p[tr::packing] != 0)
        return Status::error(StatusCode::Unsupported,
                             "tensor %d \"%s\": packed layout %u is not supported by this build (format %u.%u)", i, nm,
                             p[tr::packing], static_cast<unsigned>(kVersionMajor), static_cast<unsigned>(kVersionMinor));
      if (p[tr::quant_kind] != 0)
        return Status::error(StatusCode::Unsupported, "tensor %d \"%s\": quantization kind %u is not supported", i, nm,
                             p[tr::quant_kind]);
      const int producer = le::i32(p + tr::producer);
      if (producer < -1 || producer >= num_nodes_)
        return Status::error(StatusCode::DanglingIndex, "tensor %d \"%s\": producer node %d does not exist (%d nodes)", i,
                             nm, producer, static_cast<int>(num_nodes_));
      for (int d = 0; d < kMaxRank; ++d) {
        const unsigned dn = le::u32(p + tr::dim_names + 4 * d);
        if (!string_ok(dn))
          return Status::error(StatusCode::BadOffset, "tensor %d \"%s\": dim %d name offset %u is outside STRINGS", i, nm,
                               d, dn);
      }
      bool has_unknown = false;
      std::int64_t nonzero = 1;  // the product of the known non-zero dims (see below)
      for (int d = 0; d < rank; ++d) {
        const std::int64_t v = le::i64(p + tr::dims + 8 * d);
        if (v < -1)
          return Status::error(StatusCode::OutOfRange, "tensor %d \"%s\": dim %d is %lld (must be >= 0, or -1 for unknown)",
                               i, nm, d, static_cast<long long>(v));
        if (v == -1) has_unknown = true;
        // Every partial product of dims must fit, even when a zero dim makes the tensor empty:
        // code that multiplies a subset of dims (a reduction's, an axis's outer part) relies on it.
        if (v > 0 && !luodi::detail::checked_mul(nonzero, v, &nonzero))
          return Status::error(StatusCode::Overflow, "tensor %d \"%s\": the product of its dims overflows at dim %d", i, nm, d);
      }
      const std::uint64_t off = le::u64(p + tr::data_offset), size = le::u64(p + tr::data_size);
      if (static_cast<TensorKind>(kind) != TensorKind::Constant) {
        if (off != 0 || size != 0)
          return Status::error(StatusCode::InvalidArgument, "tensor %d \"%s\" is a %s but has data (%llu bytes at %llu)", i,
                               nm, tensor_kind_name(static_cast<TensorKind>(kind)), ull(size), ull(off));
        if (static_cast<TensorKind>(kind) == TensorKind::Input && producer != -1)
          return Status::error(StatusCode::InvalidArgument, "tensor %d \"%s\" is a graph input but names producer node %d",
                               i, nm, producer);
        continue;
      }
      if (producer != -1)
        return Status::error(StatusCode::InvalidArgument, "tensor %d \"%s\" is a constant but names producer node %d", i,
                             nm, producer);
      if (has_unknown)
        return Status::error(StatusCode::InvalidArgument, "constant tensor %d \"%s\" has an unknown (-1) dim", i, nm);
      std::int64_t numel = 1;
      for (int d = 0; d < rank; ++d)
        if (!luodi::detail::checked_mul(numel, le::i64(p + tr::dims + 8 * d), &numel))
          return Status::error(StatusCode::Overflow, "constant tensor %d \"%s\": the element count overflows at dim %d", i,
                               nm, d);
      std::int64_t bytes = 0;
      if (!luodi::detail::checked_mul(numel, static_cast<std::int64_t>(dtype_size(static_cast<DType>(dt))), &bytes))
        return Status::error(StatusCode::Overflow, "constant tensor %d \"%s\": %lld elements of %s overflow the byte size",
                             i, nm, static_cast<long long>(numel), dtype_name(static_cast<DType>(dt)));
      if (static_cast<std::uint64_t>(bytes) != size)
        return Status::error(StatusCode::DTypeMismatch,
                             "constant tensor %d \"%s\": %lld elements of %s are %lld bytes, but the record says %llu", i,
                             nm, static_cast<long long>(numel), dtype_name(static_cast<DType>(dt)),
                             static_cast<long long>(bytes), ull(size));
      if (off % kDataAlignment != 0)
        return Status::error(StatusCode::BadOffset, "constant tensor %d \"%s\": data offset %llu is not %zu-byte aligned",
                             i, nm, ull(off), kDataAlignment);
      if (off > data.size || size > data.size - off)
        return Status::error(StatusCode::BadOffset,
                             "constant tensor %d \"%s\": bytes %llu..%llu of DATA are outside its %llu bytes (file "
                             "offset %llu)",
                             i, nm, ull(off), ull(off + size), ull(data.size), ull(data.offset + off));
    }
    return Status();
  }

  Status check_nodes() const noexcept {
    const Section& attrs = sec(SectionId::Attrs);
    // Every NODE_IO entry, including any no node's range covers, is -1 or a tensor index:
    // code that walks the whole array (the session's pointer table) may then index with it.
    for (std::uint32_t k = 0; k < num_io_; ++k) {
      const int t = io(k);
      if (t < -1 || t >= num_tensors_)
        return Status::error(StatusCode::DanglingIndex, "NODE_IO entry %u (byte %llu) is tensor %d, which does not exist",
                             static_cast<unsigned>(k), ull(sec(SectionId::NodeIo).offset + 4ull * k), t);
    }
    for (int n = 0; n < num_nodes_; ++n) {
      const std::uint8_t* p = node_record(n);
      const unsigned name_off = le::u32(p + nr::name);
      if (!string_ok(name_off))
        return Status::error(StatusCode::BadOffset, "node %d: name offset %u is outside STRINGS", n, name_off);
      const char* nm = string(name_off);
      const unsigned code = le::u16(p + nr::op);
      const graph::OpInfo* info = graph::op_info(code);
      if (info == nullptr)
        return Status::error(StatusCode::UnknownOp,
                             "node %d \"%s\": op code %u is not known to this build of luodi (a newer converter?)", n,
                             nm, code);
      const int ni = le::u16(p + nr::num_inputs), no = le::u16(p + nr::num_outputs);
      if (ni < info->min_inputs || (info->max_inputs >= 0 && ni > info->max_inputs))
        return Status::error(StatusCode::InvalidArgument, "node %d \"%s\" (%s) has %d inputs; %s takes %d..%d", n, nm,
                             info->name, ni, info->name, info->min_inputs, info->max_inputs);
      if (no < info->min_outputs || (info->max_outputs >= 0 && no > info->max_outputs))
        return Status::error(StatusCode::InvalidArgument, "node %d \"%s\" (%s) has %d outputs; %s makes %d..%d", n, nm,
                             info->name, no, info->name, info->min_outputs, info->max_outputs);
      const std::uint64_t io_begin = le::u32(p + nr::io_begin);
      if (io_begin + static_cast<std::uint64_t>(ni) + static_cast<std::uint64_t>(no) > num_io_)
        return Status::error(StatusCode::BadOffset,
                             "node %d \"%s\" (%s): inputs/outputs %llu..%llu are outside NODE_IO's %u entries", n, nm,
                             info->name, ull(io_begin), ull(io_begin + ni + no), static_cast<unsigned>(num_io_));
      const unsigned aoff = le::u32(p + nr::attr_offset), asize = le::u32(p + nr::attr_size);
      if (asize != 0) {
        if (aoff % 8 != 0 || aoff > attrs.size || asize > attrs.size - aoff)
          return Status::error(StatusCode::BadOffset,
                               "node %d \"%s\" (%s): attributes at %u..%llu are outside ATTRS (%llu bytes) or not "
                               "8-aligned",
                               n, nm, info->name, aoff, ull(std::uint64_t(aoff) + asize), ull(attrs.size));
        Status s = graph::AttrList(base_ + attrs.offset + aoff, asize).validate();
        if (!s.ok()) return s.prepend("node %d \"%s\" (%s): ", n, nm, info->name);
      }
      for (int k = 0; k < ni; ++k) {
        const int t = io(static_cast<std::uint32_t>(io_begin) + static_cast<std::uint32_t>(k));
        if (t == -1) continue;
        if (t < -1 || t >= num_tensors_)
          return Status::error(StatusCode::DanglingIndex, "node %d \"%s\" (%s): input %d is tensor %d, which does not exist",
                               n, nm, info->name, k, t);
        const std::uint8_t* tp = tensor_record(t);
        const TensorKind kind = static_cast<TensorKind>(tp[tr::kind]);
        if (kind != TensorKind::Value) continue;
        const int prod = le::i32(tp + tr::producer);
        if (prod == -1)
          return Status::error(StatusCode::DanglingIndex, "node %d \"%s\" (%s): input %d reads tensor \"%s\", which no node produces",
                               n, nm, info->name, k, tensor_name_safe(t));
        if (prod >= n)
          return Status::error(StatusCode::GraphCycle,
                               "node %d \"%s\" (%s) reads tensor \"%s\" produced by node %d, which does not come earlier: "
                               "the nodes are not in topological order (the graph has a cycle, or is misordered)",
                               n, nm, info->name, tensor_name_safe(t), prod);
      }
      for (int k = 0; k < no; ++k) {
        const int t = io(static_cast<std::uint32_t>(io_begin + ni + k));
        if (t < 0 || t >= num_tensors_)
          return Status::error(StatusCode::DanglingIndex,
                               "node %d \"%s\" (%s): output %d is tensor %d, which does not exist", n, nm, info->name, k, t);
        const std::uint8_t* tp = tensor_record(t);
        if (static_cast<TensorKind>(tp[tr::kind]) != TensorKind::Value || le::i32(tp + tr::producer) != n)
          return Status::error(StatusCode::InvalidArgument,
                               "node %d \"%s\" (%s): output %d is tensor \"%s\", whose record does not name this node "
                               "as its producer (a tensor written twice, or a constant/input written)",
                               n, nm, info->name, k, tensor_name_safe(t));
        for (int j = 0; j < k; ++j)
          if (io(static_cast<std::uint32_t>(io_begin + ni + j)) == t)
            return Status::error(StatusCode::InvalidArgument, "node %d \"%s\" (%s) writes tensor \"%s\" twice", n, nm,
                                 info->name, tensor_name_safe(t));
      }
    }
    return Status();
  }

  // A value tensor naming producer p must be one of node p's outputs (else two nodes could
  // claim it, or a record could lie about it).
  Status check_producers() const noexcept {
    for (int t = 0; t < num_tensors_; ++t) {
      const std::uint8_t* tp = tensor_record(t);
      const int p = le::i32(tp + tr::producer);
      if (p < 0) continue;
      const std::uint8_t* np = node_record(p);
      const std::uint32_t begin = le::u32(np + nr::io_begin) + le::u16(np + nr::num_inputs);
      const int no = le::u16(np + nr::num_outputs);
      bool found = false;
      for (int k = 0; k < no && !found; ++k) found = io(begin + static_cast<std::uint32_t>(k)) == t;
      if (!found)
        return Status::error(StatusCode::DanglingIndex, "tensor %d \"%s\" names producer node %d, which does not write it",
                             t, tensor_name_safe(t), p);
    }
    return Status();
  }

  Status check_graph_io() const noexcept {
    int inputs_seen = 0;
    for (std::int32_t t = 0; t < num_tensors_; ++t)
      if (static_cast<TensorKind>(tensor_record(t)[tr::kind]) == TensorKind::Input) ++inputs_seen;
    for (int k = 0; k < num_graph_inputs_; ++k) {
      const int t = input(k);
      if (t < 0 || t >= num_tensors_)
        return Status::error(StatusCode::DanglingIndex, "graph input %d is tensor %d, which does not exist", k, t);
      if (static_cast<TensorKind>(tensor_record(t)[tr::kind]) != TensorKind::Input)
        return Status::error(StatusCode::InvalidArgument, "graph input %d is tensor \"%s\", whose kind is not \"input\"", k,
                             tensor_name_safe(t));
      for (int j = 0; j < k; ++j)
        if (input(j) == t)
          return Status::error(StatusCode::InvalidArgument, "tensor \"%s\" is listed twice as a graph input",
                               tensor_name_safe(t));
    }
    if (inputs_seen != num_graph_inputs_)
      return Status::error(StatusCode::InvalidArgument, "%d tensors have kind \"input\" but INPUTS lists %d", inputs_seen,
                           num_graph_inputs_);
    if (num_graph_outputs_ == 0) return Status(StatusCode::InvalidArgument, "the graph has no outputs");
    for (int k = 0; k < num_graph_outputs_; ++k) {
      const int t = output(k);
      if (t < 0 || t >= num_tensors_)
        return Status::error(StatusCode::DanglingIndex, "graph output %d is tensor %d, which does not exist", k, t);
      const std::uint8_t* tp = tensor_record(t);
      if (static_cast<TensorKind>(tp[tr::kind]) == TensorKind::Value && le::i32(tp + tr::producer) < 0)
        return Status::error(StatusCode::DanglingIndex, "graph output %d is tensor \"%s\", which no node produces", k,
                             tensor_name_safe(t));
      for (int j = 0; j < k; ++j)
        if (output(j) == t)
          return Status::error(StatusCode::InvalidArgument, "tensor \"%s\" is listed twice as a graph output",
                               tensor_name_safe(t));
    }
    return Status();
  }

  Status check_metadata() const noexcept {
    const Section& m = sec(SectionId::Metadata);
    if (m.size != 0) {
      if (m.size < kMetadataRecordSize)
        return Status::error(StatusCode::Truncated, "METADATA has %llu bytes; the record is %zu", ull(m.size),
                             kMetadataRecordSize);
      const std::uint8_t* p = base_ + m.offset;
      const std::size_t fields[] = {mr::producer, mr::converter_version, mr::source_hash};
      for (std::size_t f : fields)
        if (!string_ok(le::u32(p + f)))
          return Status::error(StatusCode::BadOffset, "METADATA: string offset %u at byte %llu is outside STRINGS",
                               static_cast<unsigned>(le::u32(p + f)), ull(m.offset + f));
    }
    for (int k = 0; k < num_labels(); ++k) {
      const unsigned off = le::u32(base_ + sec(SectionId::Labels).offset + 4u * static_cast<std::uint32_t>(k));
      if (!string_ok(off))
        return Status::error(StatusCode::BadOffset, "label %d: string offset %u is outside STRINGS", k, off);
    }
    const Section& g = sec(SectionId::Golden);
    if (g.size != 0) {
      if (g.size != 4u * static_cast<std::uint64_t>(num_graph_inputs_ + num_graph_outputs_))
        return Status::error(StatusCode::InvalidArgument, "GOLDEN lists %llu tensors; the graph has %d inputs and %d outputs",
                             ull(g.size / 4), num_graph_inputs_, num_graph_outputs_);
      for (int k = 0; k < num_graph_inputs_ + num_graph_outputs_; ++k) {
        const bool is_in = k < num_graph_inputs_;
        const int gt = list_at(SectionId::Golden, k);
        const std::int32_t io_t = is_in ? input(k) : output(k - num_graph_inputs_);
        if (gt < 0 || gt >= num_tensors_)
          return Status::error(StatusCode::DanglingIndex, "golden %s %d is tensor %d, which does not exist",
                               is_in ? "input" : "output", is_in ? k : k - num_graph_inputs_, gt);
        const TensorEntry ge = tensor(gt), ie = tensor(io_t);
        if (ge.kind != TensorKind::Constant)
          return Status::error(StatusCode::InvalidArgument, "golden tensor \"%s\" is not a constant", ge.name);
        if (ge.dtype != ie.dtype)
          return Status::error(StatusCode::DTypeMismatch, "golden tensor \"%s\" is %s; \"%s\" is %s", ge.name,
                               dtype_name(ge.dtype), ie.name, dtype_name(ie.dtype));
        bool shape_ok = ge.shape.rank() == ie.shape.rank();
        for (int d = 0; shape_ok && d < ie.shape.rank(); ++d)
          shape_ok = ie.shape[d] == -1 || ie.shape[d] == ge.shape[d];
        if (!shape_ok)
          return Status::error(StatusCode::ShapeMismatch, "golden tensor \"%s\" has shape %s; \"%s\" is declared %s",
                               ge.name, ge.shape.str().c_str(), ie.name, ie.shape.str().c_str());
      }
    }
    return Status();
  }

  const std::uint8_t* base_ = nullptr;
  std::uint64_t file_size_ = 0;
  Section sec_[kSectionCount];
  std::int32_t num_tensors_ = 0;
  std::int32_t num_nodes_ = 0;
  std::uint32_t num_io_ = 0;
  int num_graph_inputs_ = 0;
  int num_graph_outputs_ = 0;
  bool strings_ok_ = false;
};

}  // namespace format
}  // namespace luodi
