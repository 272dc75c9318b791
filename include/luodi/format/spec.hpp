// The .luodi model file format, version 1.0. This comment is the specification; docs/format.md
// repeats it with examples. format/writer.hpp produces files, format/reader.hpp checks and reads
// them in place.
//
// ---- Goals ----------------------------------------------------------------------------------
// * Load in place: from mmap, or from a caller's buffer (flash on a microcontroller), with no
//   heap. Every table is an array of fixed-size, 8-byte aligned records; every constant tensor
//   starts on a 64-byte boundary, so weights are used where they lie.
// * Untrusted input: every count, offset, index and shape product can be checked before use,
//   in one pass, in O(file structure) time and with no heap (reader.hpp does this).
// * One op list: node op codes are the values of graph/ops.def (append-only).
//
// ---- Conventions ----------------------------------------------------------------------------
// All integers are little-endian; floats are IEEE 754 binary32, little-endian. Offsets are bytes
// from the start of the file unless stated otherwise. "string" fields are u32 byte offsets into
// the STRINGS section. Tensor and node indices are int32 (-1 = none). Reserved bytes are written
// as 0 and ignored by readers (see compatibility).
//
// ---- File layout ----------------------------------------------------------------------------
//   [header: 256 bytes][sections, each at its stated alignment][DATA section, 64-aligned, last]
//
// Header (kHeaderSize = 256 bytes at offset 0):
//   off size field
//     0    8 magic           89 4C 55 4F 44 49 0D 0A  ("\x89LUODI\r\n": the high byte catches
//                            7-bit transfers, CR LF catches newline translation, as PNG does)
//     8    2 version_major   1
//    10    2 version_minor   0
//    12    4 header_size     256 in v1.0; readers need >= 256 and skip what they do not know
//    16    4 structure_crc   CRC-32 (crc32.hpp) of bytes [24, DATA.offset): the rest of the
//                            header and every section except DATA
//    20    4 data_crc        CRC-32 of the DATA section's bytes
//    24    4 flags           bits 0..15 "required", bits 16..31 "hints" (see compatibility);
//                            no bit is defined in v1.0
//    28    4 reserved
//    32    8 file_size       total bytes of the file; a buffer may be longer (a flash partition)
//    40    8 reserved
//    48  192 section table   12 entries {u64 offset, u64 size}, indexed by SectionId below; an
//                            absent section is {0, 0}
//   240   16 reserved
//
// Sections (SectionId: contents, alignment of offset):
//    0 STRINGS    bytes, 1. NUL-terminated UTF-8 strings back to back. The first byte is 0, so
//                 offset 0 is the empty string ("no name"), and the last byte is 0, so every
//                 offset inside the section names a terminated string inside the section.
//    1 TENSORS    TensorRecord[n], 8. size = n * 160.
//    2 NODES      NodeRecord[n], 8, in topological order. size = n * 32.
//    3 NODE_IO    int32[], 8. Each node's input tensor indices then its output tensor indices.
//    4 ATTRS      bytes, 8. Node attribute blobs (graph/attributes.hpp encoding), each starting
//                 at a multiple of 8 within the section.
//    5 INPUTS     int32[], 8. The graph inputs' tensor indices, in order.
//    6 OUTPUTS    int32[], 8. The graph outputs' tensor indices, in order.
//    7 METADATA   MetadataRecord (64 bytes), 8. Optional.
//    8 LABELS     u32[] string offsets, 8: class labels in class order. Optional.
//    9 PREPROCESS bytes, 8: the preprocessing contract (PreprocessRecord below). Optional.
//   10 GOLDEN     int32[n_inputs + n_outputs], 8: for each graph input, then each graph output,
//                 the index of a constant tensor holding a golden value. Optional.
//   11 DATA       bytes, 64: constant tensors' contents. It is the last section; every other
//                 section lies in [header_size, DATA.offset).
//
// TensorRecord (160 bytes):
//   off size field
//     0    4 name            string
//     4    1 dtype           luodi::DType value (core/dtype.hpp): 1 f32, 2 f16, 3 i8, 4 u8,
//                            5 i32, 6 i64, 7 bool
//     5    1 rank            0..8
//     6    1 kind            0 value (computed by a node), 1 constant (bytes in DATA),
//                            2 graph input
//     7    1 packing         0: row-major. Other values are reserved for pre-packed weight
//                            layouts; a v1.0 reader refuses them.
//     8    4 producer        index of the node that writes this tensor; -1 for constants,
//                            graph inputs, and values nothing reads or writes
//    12    4 reserved
//    16    8 data_offset     constants: offset within DATA, a multiple of 64; else 0
//    24    8 data_size       constants: bytes, == element count * dtype size; else 0
//    32   64 dims            int64[8]; dims[rank..8) are 0. -1 is a dim not known until run
//                            time (symbolic); constants have none.
//    96   32 dim_names       u32[8] strings naming symbolic dims ("batch", "height"); 0 = none
//   128    1 quant_kind      0 none. Reserved for int8: 1 per-tensor affine, 2 per-axis
//                            affine; a v1.0 reader refuses non-zero values.
//   129    3 reserved
//   132    4 quant_axis      int32
//   136    4 quant_scale     f32
//   140    4 quant_zero      int32
//   144    4 quant_scales    int32 tensor index of per-axis scales, -1 none
//   148    4 quant_zeros     int32 tensor index of per-axis zero points, -1 none
//   152    8 reserved
//
// NodeRecord (32 bytes):
//   off size field
//     0    4 name            string
//     4    2 op              graph::OpCode value (graph/ops.def)
//     6    2 reserved
//     8    4 io_begin        index into NODE_IO of the first input
//    12    2 num_inputs      within the op's arity (ops.def); an input of -1 is an absent
//                            optional input
//    14    2 num_outputs     within the op's arity; outputs are never -1
//    16    4 attr_offset     byte offset into ATTRS, a multiple of 8
//    20    4 attr_size       bytes of the attribute blob (0: no attributes)
//    24    8 reserved
//
// MetadataRecord (64 bytes):
//   off size field
//     0    4 producer            string, e.g. "pytorch 1.13.1"
//     4    4 converter_version   string, e.g. "luodi-convert 0.1.0"
//     8    4 source_hash         string, hex digest of the source model file
//    12    4 reserved
//    16    8 arena_bytes         activation arena bytes luodi's planner needs for the declared
//                                input shapes, as computed by the converter; 0 = unknown
//    24   40 reserved
//
// PreprocessRecord (PREPROCESS section): image::PreprocessSpec field by field, 88 bytes in
// its version 1, laid out in format/preprocess_record.hpp. Model loading decodes and validates
// it (an unknown record version is UnsupportedVersion). Optional.
//
// ---- Structural rules (the reader enforces every one) ---------------------------------------
// * Every section lies inside the file and outside the header, at its alignment, and its size
//   is a multiple of its record size; non-DATA sections end at or before DATA.offset.
// * Constants: static shape, data_size == numel * dtype size (computed with overflow checks),
//   [data_offset, data_offset + data_size) inside DATA. Non-constants have no data.
// * Graph inputs are exactly the tensors of kind 2, listed once each. Graph outputs are
//   distinct tensors that a node produces (or constants or inputs).
// * Nodes: known op codes; arity within ops.def; io ranges inside NODE_IO; attribute blobs
//   inside ATTRS and well formed. Each input is -1, a constant, a graph input, or a tensor whose
//   producer is an earlier node; each output is a kind-0 tensor whose producer is this node.
//   Together these make the node order topological, so the graph has no cycle.
// * Golden tensors are constants whose dtype matches their input/output and whose shape
//   matches its static dims.
//
// ---- Compatibility --------------------------------------------------------------------------
// A reader reads exactly one major version; a different major is refused (UnsupportedVersion).
// Within a major, a file of a newer minor version is read: a minor version only adds things an
// older reader can skip safely, namely fields in reserved bytes whose 0 value means "as
// before", sections in unused section-table slots, a larger header_size, and hint flags
// (bits 16..31). Anything an older reader must not ignore sets a required flag bit (0..15),
// and a reader refuses a file with a required bit it does not know. New op codes and dtypes are
// appended; an older reader names the unknown code in its error.
//
// ---- What is verified when ------------------------------------------------------------------
// The structure CRC covers everything the loader interprets and is checked at every load: the
// tables are small, so this costs microseconds. The data CRC covers the weights (most of the
// file); checking it means reading every byte, which for a 100 MB model mapped from disk is the
// whole cost of loading. A corrupted weight cannot make luodi read or write out of bounds (all
// structure is checked), only compute wrong numbers, so the data CRC is checked on request:
// ReadOptions::verify_data_crc / LoadOptions, or Model::verify_data() at any later time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "../config.hpp"
#include "crc32.hpp"

namespace luodi {
namespace format {

inline constexpr std::uint8_t kMagic[8] = {0x89, 'L', 'U', 'O', 'D', 'I', '\r', '\n'};
inline constexpr std::uint16_t kVersionMajor = 1;
inline constexpr std::uint16_t kVersionMinor = 0;
inline constexpr std::size_t kHeaderSize = 256;
inline constexpr std::size_t kDataAlignment = 64;  // == luodi::kAlignment
inline constexpr std::uint32_t kRequiredFlagsMask = 0x0000FFFFu;
inline constexpr std::uint32_t kKnownRequiredFlags = 0;  // none defined in v1.0

// Header field offsets.
namespace hdr {
inline constexpr std::size_t magic = 0, version_major = 8, version_minor = 10, header_size = 12,
                             structure_crc = 16, data_crc = 20, flags = 24, file_size = 32, sections = 48;
inline constexpr std::size_t crc_begin = 24;  // the structure CRC starts here
}  // namespace hdr

enum class SectionId : std::uint32_t {
  Strings = 0,
  Tensors = 1,
  Nodes = 2,
  NodeIo = 3,
  Attrs = 4,
  Inputs = 5,
  Outputs = 6,
  Metadata = 7,
  Labels = 8,
  Preprocess = 9,
  Golden = 10,
  Data = 11,
};
inline constexpr int kSectionCount = 12;

inline const char* section_name(SectionId s) noexcept {
  switch (s) {
    case SectionId::Strings: return "STRINGS";
    case SectionId::Tensors: return "TENSORS";
    case SectionId::Nodes: return "NODES";
    case SectionId::NodeIo: return "NODE_IO";
    case SectionId::Attrs: return "ATTRS";
    case SectionId::Inputs: return "INPUTS";
    case SectionId::Outputs: return "OUTPUTS";
    case SectionId::Metadata: return "METADATA";
    case SectionId::Labels: return "LABELS";
    case SectionId::Preprocess: return "PREPROCESS";
    case SectionId::Golden: return "GOLDEN";
    case SectionId::Data: return "DATA";
  }
  return "?";
}
// Required alignment of each section's offset, and the size its size must be a multiple of.
inline constexpr std::size_t section_alignment(SectionId s) noexcept {
  return s == SectionId::Data ? kDataAlignment : (s == SectionId::Strings ? 1 : 8);
}

inline constexpr std::size_t kTensorRecordSize = 160;
inline constexpr std::size_t kNodeRecordSize = 32;
inline constexpr std::size_t kMetadataRecordSize = 64;

inline constexpr std::size_t section_record_size(SectionId s) noexcept {
  switch (s) {
    case SectionId::Tensors: return kTensorRecordSize;
    case SectionId::Nodes: return kNodeRecordSize;
    case SectionId::NodeIo:
    case SectionId::Inputs:
    case SectionId::Outputs:
    case SectionId::Labels:
    case SectionId::Golden: return 4;
    default: return 1;
  }
}

// TensorRecord field offsets.
namespace tr {
inline constexpr std::size_t name = 0, dtype = 4, rank = 5, kind = 6, packing = 7, producer = 8, data_offset = 16,
                             data_size = 24, dims = 32, dim_names = 96, quant_kind = 128, quant_axis = 132,
                             quant_scale = 136, quant_zero = 140, quant_scales = 144, quant_zeros = 148;
}
// NodeRecord field offsets.
namespace nr {
inline constexpr std::size_t name = 0, op = 4, io_begin = 8, num_inputs = 12, num_outputs = 14, attr_offset = 16,
                             attr_size = 20;
}
// MetadataRecord field offsets.
namespace mr {
inline constexpr std::size_t producer = 0, converter_version = 4, source_hash = 8, arena_bytes = 16;
}

enum class TensorKind : std::uint8_t { Value = 0, Constant = 1, Input = 2 };

inline const char* tensor_kind_name(TensorKind k) noexcept {
  switch (k) {
    case TensorKind::Value: return "value";
    case TensorKind::Constant: return "constant";
    case TensorKind::Input: return "input";
  }
  return "?";
}

// Reader limits: larger counts are refused (OutOfRange) before anything is sized from them.
inline constexpr std::uint64_t kMaxTensors = 1u << 24;
inline constexpr std::uint64_t kMaxNodes = 1u << 24;
inline constexpr std::uint64_t kMaxGraphIo = 4096;

// ---- little-endian access, independent of host endianness and alignment ---------------------
namespace le {
inline std::uint16_t u16(const std::uint8_t* p) noexcept { return static_cast<std::uint16_t>(p[0] | (p[1] << 8)); }
inline std::uint32_t u32(const std::uint8_t* p) noexcept {
  return std::uint32_t(p[0]) | (std::uint32_t(p[1]) << 8) | (std::uint32_t(p[2]) << 16) | (std::uint32_t(p[3]) << 24);
}
inline std::uint64_t u64(const std::uint8_t* p) noexcept { return std::uint64_t(u32(p)) | (std::uint64_t(u32(p + 4)) << 32); }
inline std::int32_t i32(const std::uint8_t* p) noexcept {
  const std::uint32_t u = u32(p);
  std::int32_t v;
  std::memcpy(&v, &u, 4);
  return v;
}
inline std::int64_t i64(const std::uint8_t* p) noexcept {
  const std::uint64_t u = u64(p);
  std::int64_t v;
  std::memcpy(&v, &u, 8);
  return v;
}
inline float f32(const std::uint8_t* p) noexcept {
  const std::uint32_t u = u32(p);
  float v;
  std::memcpy(&v, &u, 4);
  return v;
}
inline void put16(std::uint8_t* p, std::uint16_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v);
  p[1] = static_cast<std::uint8_t>(v >> 8);
}
inline void put32(std::uint8_t* p, std::uint32_t v) noexcept {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
inline void put64(std::uint8_t* p, std::uint64_t v) noexcept {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
inline void puti32(std::uint8_t* p, std::int32_t v) noexcept {
  std::uint32_t u;
  std::memcpy(&u, &v, 4);
  put32(p, u);
}
inline void puti64(std::uint8_t* p, std::int64_t v) noexcept {
  std::uint64_t u;
  std::memcpy(&u, &v, 8);
  put64(p, u);
}
inline void putf32(std::uint8_t* p, float v) noexcept {
  std::uint32_t u;
  std::memcpy(&u, &v, 4);
  put32(p, u);
}
}  // namespace le

// Whether the host stores integers little-endian, so that tensor data (int32/int64/float) in a
// file can be used in place. luodi's targets are; a big-endian build refuses files at load.
inline bool host_is_little_endian() noexcept {
  const std::uint32_t one = 1;
  std::uint8_t b;
  std::memcpy(&b, &one, 1);
  return b == 1;
}

}  // namespace format
}  // namespace luodi
