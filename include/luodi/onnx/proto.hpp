// A minimal reader of the protobuf wire format, and of the ONNX messages built on it.
//
// luodi reads ONNX without libprotobuf: the converter must build anywhere luodi builds, and a
// model file is untrusted input that deserves a reader whose every bound is visible here.
//
// Wire format (protobuf encoding spec): a message is a sequence of fields, each a varint key
// `(field_number << 3) | wire_type` followed by a payload:
//   0 VARINT  a base-128 varint, least significant group first, at most 10 bytes
//   1 I64     8 bytes little-endian (fixed64, sfixed64, double)
//   2 LEN     a varint byte count, then that many bytes (strings, bytes, sub-messages, packed
//             repeated scalars)
//   5 I32     4 bytes little-endian (fixed32, sfixed32, float)
//   3, 4 are the deprecated groups: ONNX never uses them and they are refused.
// Repeated scalars may arrive packed (one LEN field) or unpacked (one field per element); a
// conforming reader accepts both, and so does this one. int32/int64 are varints, negative values
// sign-extended to 10 bytes. Unknown fields are skipped (forward compatibility); a known field
// with the wrong wire type is an error.
//
// What is checked: every varint ends within 10 bytes and the 10th byte carries only one bit
// (no overlong or overflowing encodings); every length fits in what remains of its enclosing
// message; field numbers are in 1..2^29-1; nested messages (graphs inside attributes, types
// inside types) are limited to kMaxDepth levels. Every element of a repeated field costs at
// least one byte of input, so memory use is bounded by a constant times the file size (the
// worst case, a file of empty NodeProtos, costs about 100 bytes of structs per input byte).
//
// Field numbers are those of onnx.proto (ONNX 1.12, IR version 8). The structs below keep what
// luodi's importer uses; everything else is skipped.
//
// Tensor data: raw_data, the typed fields (float_data; int32_data, which also carries f16 bits,
// bool, int8, uint8; int64_data; double_data; uint64_data), and external data (data_location =
// EXTERNAL with external_data entries location/offset/length, the bytes in a file next to the
// model). External paths must be relative and stay inside the model's directory, after symlinks
// are resolved: a model cannot make the converter read /etc/passwd.
//
// This is converter-side code: it uses the heap (std::vector, std::string). Errors are
// luodi::Status with code ParseError (malformed bytes), Truncated (a length past the end),
// Unsupported (valid ONNX luodi does not handle), IoError / NotFound / BadOffset (external data).
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "../config.hpp"
#include "../core/dtype.hpp"
#include "../core/shape.hpp"
#include "../core/status.hpp"

#if LUODI_HAS_FILESYSTEM && (defined(__unix__) || defined(__APPLE__))
#include <climits>
#include <sys/stat.h>
#endif

namespace luodi {
namespace onnx {

// ---- the wire format --------------------------------------------------------------------------

enum class WireType : std::uint8_t { Varint = 0, I64 = 1, Len = 2, StartGroup = 3, EndGroup = 4, I32 = 5 };

inline const char* wire_type_name(WireType t) noexcept {
  switch (t) {
    case WireType::Varint: return "varint";
    case WireType::I64: return "fixed64";
    case WireType::Len: return "length-delimited";
    case WireType::StartGroup: return "start-group";
    case WireType::EndGroup: return "end-group";
    case WireType::I32: return "fixed32";
  }
  return "invalid";
}

// Nesting limit for messages inside messages (GraphProto inside AttributeProto inside NodeProto
// inside GraphProto ..., TypeProto inside TypeProto). Real models nest a handful of levels.
inline constexpr int kMaxDepth = 32;
inline constexpr std::uint32_t kMaxFieldNumber = (1u << 29) - 1;

// One field as read from the wire. For Len fields `data`/`size` is the payload; for the others
// `value` holds the varint or the fixed-width bits.
struct Field {
  std::uint32_t number = 0;
  WireType type = WireType::Varint;
  std::uint64_t value = 0;
  const std::uint8_t* data = nullptr;
  std::uint64_t size = 0;
  std::uint64_t offset = 0;       // of the key, from the start of the outermost buffer
  std::uint64_t data_offset = 0;  // of a Len field's payload, likewise

  std::int64_t as_int64() const noexcept {
    std::int64_t v;
    std::memcpy(&v, &value, 8);
    return v;
  }
  // int32 fields are varints holding the sign-extended 64-bit value; keep the low 32 bits.
  std::int32_t as_int32() const noexcept {
    const std::uint32_t u = static_cast<std::uint32_t>(value);
    std::int32_t v;
    std::memcpy(&v, &u, 4);
    return v;
  }
  float as_float() const noexcept {
    const std::uint32_t u = static_cast<std::uint32_t>(value);
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  }
  double as_double() const noexcept {
    double d;
    std::memcpy(&d, &value, 8);
    return d;
  }
  std::string as_string() const { return std::string(reinterpret_cast<const char*>(data), static_cast<std::size_t>(size)); }
};

// Reads the fields of one message, in order. Every read is bounds-checked.
class WireReader {
 public:
  // `base_offset` is where `data` sits in the outermost buffer, so errors can name file offsets.
  WireReader(const std::uint8_t* data, std::uint64_t size, std::uint64_t base_offset = 0) noexcept
      : begin_(data), p_(data), end_(data + size), base_(base_offset) {}

  bool done() const noexcept { return p_ >= end_; }
  std::uint64_t offset() const noexcept { return base_ + static_cast<std::uint64_t>(p_ - begin_); }

  // Reads one varint. Refuses more than 10 bytes, and a 10th byte with more than the one bit
  // that a 64-bit value can still use.
  Status read_varint(std::uint64_t* out) noexcept {
    std::uint64_t v = 0;
    const std::uint64_t at = offset();
    for (int i = 0; i < 10; ++i) {
      if (p_ >= end_) return Status::error(StatusCode::Truncated, "varint at byte %llu runs past the end", ull(at));
      const std::uint8_t b = *p_++;
      if (i == 9 && b > 1)
        return Status::error(StatusCode::ParseError, "varint at byte %llu overflows 64 bits", ull(at));
      v |= std::uint64_t(b & 0x7F) << (7 * i);
      if ((b & 0x80) == 0) {
        *out = v;
        return Status();
      }
    }
    return Status::error(StatusCode::ParseError, "varint at byte %llu is longer than 10 bytes", ull(at));
  }

  Status next(Field* f) noexcept {
    f->offset = offset();
    std::uint64_t key = 0;
    LUODI_RETURN_IF_ERROR(read_varint(&key));
    const std::uint64_t number = key >> 3;
    const std::uint32_t wt = static_cast<std::uint32_t>(key & 7);
    if (number == 0 || number > kMaxFieldNumber)
      return Status::error(StatusCode::ParseError, "field number %llu at byte %llu is outside 1..2^29-1", ull(number),
                           ull(f->offset));
    f->number = static_cast<std::uint32_t>(number);
    f->data = nullptr;
    f->size = 0;
    f->value = 0;
    switch (wt) {
      case 0:
        f->type = WireType::Varint;
        return read_varint(&f->value);
      case 1:
        f->type = WireType::I64;
        return read_fixed(8, &f->value);
      case 5:
        f->type = WireType::I32;
        return read_fixed(4, &f->value);
      case 2: {
        f->type = WireType::Len;
        std::uint64_t len = 0;
        LUODI_RETURN_IF_ERROR(read_varint(&len));
        const std::uint64_t remain = static_cast<std::uint64_t>(end_ - p_);
        if (len > remain)
          return Status::error(StatusCode::Truncated, "field %u at byte %llu declares %llu bytes; %llu remain",
                               f->number, ull(f->offset), ull(len), ull(remain));
        f->data = p_;
        f->data_offset = offset();
        f->size = len;
        p_ += len;
        return Status();
      }
      case 3:
      case 4:
        return Status::error(StatusCode::ParseError, "field %u at byte %llu uses protobuf groups, which ONNX never uses",
                             f->number, ull(f->offset));
      default:
        return Status::error(StatusCode::ParseError, "field %u at byte %llu has invalid wire type %u", f->number,
                             ull(f->offset), wt);
    }
  }

  static unsigned long long ull(std::uint64_t v) noexcept { return static_cast<unsigned long long>(v); }

 private:
  Status read_fixed(int n, std::uint64_t* out) noexcept {
    if (end_ - p_ < n)
      return Status::error(StatusCode::Truncated, "fixed%d value at byte %llu runs past the end", n * 8, ull(offset()));
    std::uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | p_[i];
    p_ += n;
    *out = v;
    return Status();
  }

  const std::uint8_t* begin_;
  const std::uint8_t* p_;
  const std::uint8_t* end_;
  std::uint64_t base_;
};

namespace detail {

inline Status wrong_wire(const char* msg, const char* field, const Field& f, const char* want) {
  return Status::error(StatusCode::ParseError, "%s.%s (field %u) at byte %llu is %s, expected %s", msg, field, f.number,
                       static_cast<unsigned long long>(f.offset), wire_type_name(f.type), want);
}
inline Status expect(const char* msg, const char* field, const Field& f, WireType t) {
  if (f.type != t) return wrong_wire(msg, field, f, wire_type_name(t));
  return Status();
}

// Sub-reader over a Len field's payload, keeping file offsets meaningful.
inline WireReader sub_reader(const Field& f) noexcept {
  return WireReader(f.data, f.size, f.data_offset);
}

// Repeated varint field (int32/int64/uint64/enum/bool): packed or not.
template <class T, class Conv>
Status read_repeated_varint(const char* msg, const char* name, const Field& f, std::vector<T>* out, Conv conv) {
  if (f.type == WireType::Varint) {
    out->push_back(conv(f));
    return Status();
  }
  if (f.type != WireType::Len) return wrong_wire(msg, name, f, "varint or packed");
  WireReader r(f.data, f.size, f.data_offset);
  while (!r.done()) {
    Field e;
    e.type = WireType::Varint;
    Status s = r.read_varint(&e.value);
    if (!s.ok()) return s.prepend("%s.%s: ", msg, name);
    out->push_back(conv(e));
  }
  return Status();
}

// Repeated fixed-width field (float = I32, double/fixed64 = I64): packed or not.
template <class T, class Conv>
Status read_repeated_fixed(const char* msg, const char* name, const Field& f, WireType elem, std::vector<T>* out,
                           Conv conv) {
  const std::uint64_t width = elem == WireType::I32 ? 4 : 8;
  if (f.type == elem) {
    out->push_back(conv(f.value));
    return Status();
  }
  if (f.type != WireType::Len) return wrong_wire(msg, name, f, "fixed or packed");
  if (f.size % width != 0)
    return Status::error(StatusCode::ParseError, "%s.%s at byte %llu: packed length %llu is not a multiple of %llu", msg,
                         name, static_cast<unsigned long long>(f.offset), static_cast<unsigned long long>(f.size),
                         static_cast<unsigned long long>(width));
  const std::uint64_t n = f.size / width;
  out->reserve(out->size() + static_cast<std::size_t>(n));
  for (std::uint64_t i = 0; i < n; ++i) {
    std::uint64_t v = 0;
    for (int b = static_cast<int>(width) - 1; b >= 0; --b) v = (v << 8) | f.data[i * width + static_cast<std::uint64_t>(b)];
    out->push_back(conv(v));
  }
  return Status();
}

inline std::int64_t conv_int64(const Field& f) noexcept { return f.as_int64(); }
inline std::int32_t conv_int32(const Field& f) noexcept { return f.as_int32(); }
inline std::uint64_t conv_uint64(const Field& f) noexcept { return f.value; }
inline float bits_to_float(std::uint64_t v) noexcept {
  const std::uint32_t u = static_cast<std::uint32_t>(v);
  float x;
  std::memcpy(&x, &u, 4);
  return x;
}
inline double bits_to_double(std::uint64_t v) noexcept {
  double x;
  std::memcpy(&x, &v, 8);
  return x;
}

}  // namespace detail

// ---- the ONNX messages ----------------------------------------------------------------------

// TensorProto.DataType values (onnx.proto).
enum class OnnxType : std::int32_t {
  Undefined = 0, Float = 1, Uint8 = 2, Int8 = 3, Uint16 = 4, Int16 = 5, Int32 = 6, Int64 = 7, String = 8,
  Bool = 9, Float16 = 10, Double = 11, Uint32 = 12, Uint64 = 13, Complex64 = 14, Complex128 = 15, Bfloat16 = 16,
};

inline const char* onnx_type_name(std::int32_t t) noexcept {
  switch (t) {
    case 0: return "undefined";
    case 1: return "float";
    case 2: return "uint8";
    case 3: return "int8";
    case 4: return "uint16";
    case 5: return "int16";
    case 6: return "int32";
    case 7: return "int64";
    case 8: return "string";
    case 9: return "bool";
    case 10: return "float16";
    case 11: return "double";
    case 12: return "uint32";
    case 13: return "uint64";
    case 14: return "complex64";
    case 15: return "complex128";
    case 16: return "bfloat16";
    default: return "unknown";
  }
}

// The luodi dtype for an ONNX element type, or false for the types luodi does not hold.
inline bool dtype_from_onnx(std::int32_t t, DType* out) noexcept {
  switch (t) {
    case 1: *out = DType::f32; return true;
    case 2: *out = DType::u8; return true;
    case 3: *out = DType::i8; return true;
    case 6: *out = DType::i32; return true;
    case 7: *out = DType::i64; return true;
    case 9: *out = DType::boolean; return true;
    case 10: *out = DType::f16; return true;
    default: return false;
  }
}
inline std::int32_t dtype_to_onnx(DType t) noexcept {
  switch (t) {
    case DType::f32: return 1;
    case DType::u8: return 2;
    case DType::i8: return 3;
    case DType::i32: return 6;
    case DType::i64: return 7;
    case DType::boolean: return 9;
    case DType::f16: return 10;
  }
  return 0;
}

struct StringPair {
  std::string key, value;
};

struct TensorProto {
  std::vector<std::int64_t> dims;
  std::int32_t data_type = 0;
  std::string name;
  bool has_raw_data = false;
  std::vector<std::uint8_t> raw_data;
  std::vector<float> float_data;
  std::vector<std::int32_t> int32_data;
  std::vector<std::int64_t> int64_data;
  std::vector<double> double_data;
  std::vector<std::uint64_t> uint64_data;
  std::size_t string_count = 0;  // string_data entries (luodi holds no strings)
  bool has_segment = false;
  std::vector<StringPair> external_data;
  std::int32_t data_location = 0;  // 0 DEFAULT, 1 EXTERNAL
};

struct Dimension {
  bool has_value = false;
  std::int64_t value = 0;
  std::string param;  // symbolic name, "" if none
};

// TypeProto reduced to what luodi can use: a tensor type with an optional shape.
struct TypeProto {
  bool is_tensor = false;      // tensor_type present
  bool is_other = false;       // sequence, map, optional, sparse: not a plain tensor
  std::int32_t elem_type = 0;
  bool has_shape = false;
  std::vector<Dimension> dims;
};

struct ValueInfoProto {
  std::string name;
  bool has_type = false;
  TypeProto type;
};

struct GraphProto;

struct AttributeProto {
  // AttributeProto.AttributeType values.
  enum Type : std::int32_t {
    kUndefined = 0, kFloat = 1, kInt = 2, kString = 3, kTensor = 4, kGraph = 5, kFloats = 6, kInts = 7,
    kStrings = 8, kTensors = 9, kGraphs = 10, kSparseTensor = 11, kSparseTensors = 12, kTypeProto = 13,
    kTypeProtos = 14,
  };
  std::string name;
  std::string ref_attr_name;
  std::int32_t type = 0;
  float f = 0.f;
  std::int64_t i = 0;
  std::string s;
  std::vector<TensorProto> t;  // 0 or 1 element (field 5)
  std::vector<GraphProto> g;   // 0 or 1 element (field 6)
  std::vector<float> floats;
  std::vector<std::int64_t> ints;
  std::vector<std::string> strings;
  std::vector<TensorProto> tensors;
  std::vector<GraphProto> graphs;
  bool has_sparse = false;   // sparse_tensor(s): luodi does not read them
  bool has_type_proto = false;
  // Which scalar fields appeared (files from old exporters leave `type` unset).
  bool has_f = false, has_i = false, has_s = false;
};

struct NodeProto {
  std::vector<std::string> input;
  std::vector<std::string> output;
  std::string name;
  std::string op_type;
  std::string domain;
  std::vector<AttributeProto> attribute;
};

struct GraphProto {
  std::vector<NodeProto> node;
  std::string name;
  std::vector<TensorProto> initializer;
  std::size_t sparse_initializer_count = 0;
  std::vector<ValueInfoProto> input;
  std::vector<ValueInfoProto> output;
  std::vector<ValueInfoProto> value_info;
};

struct OperatorSetIdProto {
  std::string domain;
  std::int64_t version = 0;
};

struct ModelProto {
  std::int64_t ir_version = 0;
  std::vector<OperatorSetIdProto> opset_import;
  std::string producer_name;
  std::string producer_version;
  std::string domain;
  std::int64_t model_version = 0;
  bool has_graph = false;
  GraphProto graph;
  std::vector<StringPair> metadata_props;
  std::size_t function_count = 0;  // model-local functions (FunctionProto)
  std::vector<std::string> function_names;  // "domain:name" of each
};

// ---- parsing --------------------------------------------------------------------------------

namespace detail {

// The parse functions take a Len field's payload and fill a struct.
#define LUODI_PROTO_EXPECT(msg, name, f, wt) LUODI_RETURN_IF_ERROR(::luodi::onnx::detail::expect(msg, name, f, wt))

inline Status parse_string_pair(const Field& outer, StringPair* out) {
  WireReader r = sub_reader(outer);
  Field f;
  while (!r.done()) {
    LUODI_RETURN_IF_ERROR(r.next(&f));
    if (f.number == 1) {
      LUODI_PROTO_EXPECT("StringStringEntryProto", "key", f, WireType::Len);
      out->key = f.as_string();
    } else if (f.number == 2) {
      LUODI_PROTO_EXPECT("StringStringEntryProto", "value", f, WireType::Len);
      out->value = f.as_string();
    }
  }
  return Status();
}

inline Status parse_tensor(const Field& outer, TensorProto* out) {
  static const char* M = "TensorProto";
  WireReader r = sub_reader(outer);
  Field f;
  while (!r.done()) {
    LUODI_RETURN_IF_ERROR(r.next(&f));
    switch (f.number) {
      case 1: LUODI_RETURN_IF_ERROR(read_repeated_varint(M, "dims", f, &out->dims, conv_int64)); break;
      case 2:
        LUODI_PROTO_EXPECT(M, "data_type", f, WireType::Varint);
        out->data_type = f.as_int32();
        break;
      case 3: out->has_segment = true; break;
      case 4:
        LUODI_RETURN_IF_ERROR(read_repeated_fixed(M, "float_data", f, WireType::I32, &out->float_data, bits_to_float));
        break;
      case 5: LUODI_RETURN_IF_ERROR(read_repeated_varint(M, "int32_data", f, &out->int32_data, conv_int32)); break;
      case 6:
        LUODI_PROTO_EXPECT(M, "string_data", f, WireType::Len);
        ++out->string_count;
        break;
      case 7: LUODI_RETURN_IF_ERROR(read_repeated_varint(M, "int64_data", f, &out->int64_data, conv_int64)); break;
      case 8:
        LUODI_PROTO_EXPECT(M, "name", f, WireType::Len);
        out->name = f.as_string();
        break;
      case 9:
        LUODI_PROTO_EXPECT(M, "raw_data", f, WireType::Len);
        out->has_raw_data = true;
        out->raw_data.assign(f.data, f.data + f.size);
        break;
      case 10:
        LUODI_RETURN_IF_ERROR(
            read_repeated_fixed(M, "double_data", f, WireType::I64, &out->double_data, bits_to_double));
        break;
      case 11: LUODI_RETURN_IF_ERROR(read_repeated_varint(M, "uint64_data", f, &out->uint64_data, conv_uint64)); break;
      case 13: {
        LUODI_PROTO_EXPECT(M, "external_data", f, WireType::Len);
        StringPair p;
        LUODI_RETURN_IF_ERROR(parse_string_pair(f, &p));
        out->external_data.push_back(std::move(p));
        break;
      }
      case 14:
        LUODI_PROTO_EXPECT(M, "data_location", f, WireType::Varint);
        out->data_location = f.as_int32();
        break;
      default: break;
    }
  }
  return Status();
}

inline Status parse_shape(const Field& outer, TypeProto* out) {
  static const char* M = "TensorShapeProto";
  WireReader r = sub_reader(outer);
  Field f;
  out->has_shape = true;
  while (!r.done()) {
    LUODI_RETURN_IF_ERROR(r.next(&f));
    if (f.number != 1) continue;
    LUODI_PROTO_EXPECT(M, "dim", f, WireType::Len);
    Dimension d;
    WireReader dr = sub_reader(f);
    Field g;
    while (!dr.done()) {
      LUODI_RETURN_IF_ERROR(dr.next(&g));
      if (g.number == 1) {
        LUODI_PROTO_EXPECT("Dimension", "dim_value", g, WireType::Varint);
        d.has_value = true;
        d.value = g.as_int64();
        d.param.clear();  // oneof: the last one wins
      } else if (g.number == 2) {
        LUODI_PROTO_EXPECT("Dimension", "dim_param", g, WireType::Len);
        d.param = g.as_string();
        d.has_value = false;
      }
    }
    out->dims.push_back(std::move(d));
  }
  return Status();
}

inline Status parse_type(const Field& outer, TypeProto* out, int depth) {
  static const char* M = "TypeProto";
  if (depth > kMaxDepth)
    return Status::error(StatusCode::ParseError, "types nested deeper than %d levels at byte %llu", kMaxDepth,
                         static_cast<unsigned long long>(outer.offset));
  WireReader r = sub_reader(outer);
  Field f;
  while (!r.done()) {
    LUODI_RETURN_IF_ERROR(r.next(&f));
    if (f.number == 1) {
      LUODI_PROTO_EXPECT(M, "tensor_type", f, WireType::Len);
      out->is_tensor = true;
      WireReader tr = sub_reader(f);
      Field g;
      while (!tr.done()) {
        LUODI_RETURN_IF_ERROR(tr.next(&g));
        if (g.number == 1) {
          LUODI_PROTO_EXPECT("TypeProto.Tensor", "elem_type", g, WireType::Varint);
          out->elem_type = g.as_int32();
        } else if (g.number == 2) {
          LUODI_PROTO_EXPECT("TypeProto.Tensor", "shape", g, WireType::Len);
          out->dims.clear();
          LUODI_RETURN_IF_ERROR(parse_shape(g, out));
        }
      }
    } else if (f.number == 4 || f.number == 5 || f.number == 8 || f.number == 9) {
      LUODI_PROTO_EXPECT(M, "sequence/map/optional/sparse type", f, WireType::Len);
      out->is_other = true;
      // Walk it anyway so the depth limit and bounds apply to every byte of the file.
      TypeProto inner;
      Field g;
      WireReader tr = sub_reader(f);
      while (!tr.done()) {
        LUODI_RETURN_IF_ERROR(tr.next(&g));
        if ((g.number == 1 && f.number != 8) || (g.number == 2 && f.number == 5)) {
          if (g.type == WireType::Len) LUODI_RETURN_IF_ERROR(parse_type(g, &inner, depth + 1));
        }
      }
    }
  }
  return Status();
}

inline Status parse_value_info(const Field& outer, ValueInfoProto* out, int depth) {
  static const char* M = "ValueInfoProto";
  WireReader r = sub_reader(outer);
  Field f;
  while (!r.done()) {
    LUODI_RETURN_IF_ERROR(r.next(&f));
    if (f.number == 1) {
      LUODI_PROTO_EXPECT(M, "name", f, WireType::Len);
      out->name = f.as_string();
    } else if (f.number == 2) {
      LUODI_PROTO_EXPECT(M, "type", f, WireType::Len);
      out->has_type = true;
      out->type = TypeProto();
      LUODI_RETURN_IF_ERROR(parse_type(f, &out->type, depth + 1));
    }
  }
  return Status();
}

inline Status parse_graph(const Field& outer, GraphProto* out, int depth);

inline Status parse_attribute(const Field& outer, AttributeProto* out, int depth) {
  static const char* M = "AttributeProto";
  WireReader r = sub_reader(outer);
  Field f;
  while (!r.done()) {
    LUODI_RETURN_IF_ERROR(r.next(&f));
    switch (f.number) {
      case 1:
        LUODI_PROTO_EXPECT(M, "name", f, WireType::Len);
        out->name = f.as_string();
        break;
      case 21:
        LUODI_PROTO_EXPECT(M, "ref_attr_name", f, WireType::Len);
        out->ref_attr_name = f.as_string();
        break;
      case 20:
        LUODI_PROTO_EXPECT(M, "type", f, WireType::Varint);
        out->type = f.as_int32();
        break;
      case 2:
        LUODI_PROTO_EXPECT(M, "f", f, WireType::I32);
        out->f = f.as_float();
        out->has_f = true;
        break;
      case 3:
        LUODI_PROTO_EXPECT(M, "i", f, WireType::Varint);
        out->i = f.as_int64();
        out->has_i = true;
        break;
      case 4:
        LUODI_PROTO_EXPECT(M, "s", f, WireType::Len);
        out->s = f.as_string();
        out->has_s = true;
        break;
      case 5: {
        LUODI_PROTO_EXPECT(M, "t", f, WireType::Len);
        out->t.assign(1, TensorProto());
        LUODI_RETURN_IF_ERROR(parse_tensor(f, &out->t[0]));
        break;
      }
      case 6: {
        LUODI_PROTO_EXPECT(M, "g", f, WireType::Len);
        out->g.clear();
        out->g.emplace_back();
        LUODI_RETURN_IF_ERROR(parse_graph(f, &out->g[0], depth + 1));
        break;
      }
      case 7:
        LUODI_RETURN_IF_ERROR(read_repeated_fixed(M, "floats", f, WireType::I32, &out->floats, bits_to_float));
        break;
      case 8: LUODI_RETURN_IF_ERROR(read_repeated_varint(M, "ints", f, &out->ints, conv_int64)); break;
      case 9:
        LUODI_PROTO_EXPECT(M, "strings", f, WireType::Len);
        out->strings.push_back(f.as_string());
        break;
      case 10: {
        LUODI_PROTO_EXPECT(M, "tensors", f, WireType::Len);
        out->tensors.emplace_back();
        LUODI_RETURN_IF_ERROR(parse_tensor(f, &out->tensors.back()));
        break;
      }
      case 11: {
        LUODI_PROTO_EXPECT(M, "graphs", f, WireType::Len);
        out->graphs.emplace_back();
        LUODI_RETURN_IF_ERROR(parse_graph(f, &out->graphs.back(), depth + 1));
        break;
      }
      case 22:
      case 23: out->has_sparse = true; break;
      case 14:
      case 15: out->has_type_proto = true; break;
      default: break;
    }
  }
  return Status();
}

inline Status parse_node(const Field& outer, NodeProto* out, int depth) {
  static const char* M = "NodeProto";
  WireReader r = sub_reader(outer);
  Field f;
  while (!r.done()) {
    LUODI_RETURN_IF_ERROR(r.next(&f));
    switch (f.number) {
      case 1:
        LUODI_PROTO_EXPECT(M, "input", f, WireType::Len);
        out->input.push_back(f.as_string());
        break;
      case 2:
        LUODI_PROTO_EXPECT(M, "output", f, WireType::Len);
        out->output.push_back(f.as_string());
        break;
      case 3:
        LUODI_PROTO_EXPECT(M, "name", f, WireType::Len);
        out->name = f.as_string();
        break;
      case 4:
        LUODI_PROTO_EXPECT(M, "op_type", f, WireType::Len);
        out->op_type = f.as_string();
        break;
      case 7:
        LUODI_PROTO_EXPECT(M, "domain", f, WireType::Len);
        out->domain = f.as_string();
        break;
      case 5: {
        LUODI_PROTO_EXPECT(M, "attribute", f, WireType::Len);
        out->attribute.emplace_back();
        Status s = parse_attribute(f, &out->attribute.back(), depth);
        if (!s.ok() && !out->name.empty()) s.prepend("node \"%s\": ", out->name.c_str());
        if (!s.ok()) return s;
        break;
      }
      default: break;
    }
  }
  return Status();
}

inline Status parse_graph(const Field& outer, GraphProto* out, int depth) {
  static const char* M = "GraphProto";
  if (depth > kMaxDepth)
    return Status::error(StatusCode::ParseError, "graphs nested deeper than %d levels at byte %llu", kMaxDepth,
                         static_cast<unsigned long long>(outer.offset));
  WireReader r = sub_reader(outer);
  Field f;
  while (!r.done()) {
    LUODI_RETURN_IF_ERROR(r.next(&f));
    switch (f.number) {
      case 1: {
        LUODI_PROTO_EXPECT(M, "node", f, WireType::Len);
        out->node.emplace_back();
        LUODI_RETURN_IF_ERROR(parse_node(f, &out->node.back(), depth));
        break;
      }
      case 2:
        LUODI_PROTO_EXPECT(M, "name", f, WireType::Len);
        out->name = f.as_string();
        break;
      case 5: {
        LUODI_PROTO_EXPECT(M, "initializer", f, WireType::Len);
        out->initializer.emplace_back();
        Status s = parse_tensor(f, &out->initializer.back());
        if (!s.ok()) return s.prepend("initializer #%zu: ", out->initializer.size() - 1);
        break;
      }
      case 15:
        LUODI_PROTO_EXPECT(M, "sparse_initializer", f, WireType::Len);
        ++out->sparse_initializer_count;
        break;
      case 11:
      case 12:
      case 13: {
        LUODI_PROTO_EXPECT(M, f.number == 11 ? "input" : f.number == 12 ? "output" : "value_info", f, WireType::Len);
        std::vector<ValueInfoProto>& v = f.number == 11 ? out->input : f.number == 12 ? out->output : out->value_info;
        v.emplace_back();
        LUODI_RETURN_IF_ERROR(parse_value_info(f, &v.back(), depth));
        break;
      }
      default: break;
    }
  }
  return Status();
}

inline Status parse_opset(const Field& outer, OperatorSetIdProto* out) {
  WireReader r = sub_reader(outer);
  Field f;
  while (!r.done()) {
    LUODI_RETURN_IF_ERROR(r.next(&f));
    if (f.number == 1) {
      LUODI_PROTO_EXPECT("OperatorSetIdProto", "domain", f, WireType::Len);
      out->domain = f.as_string();
    } else if (f.number == 2) {
      LUODI_PROTO_EXPECT("OperatorSetIdProto", "version", f, WireType::Varint);
      out->version = f.as_int64();
    }
  }
  return Status();
}

inline Status parse_function_name(const Field& outer, std::string* out) {
  WireReader r = sub_reader(outer);
  Field f;
  std::string name, domain;
  while (!r.done()) {
    LUODI_RETURN_IF_ERROR(r.next(&f));
    if (f.number == 1 && f.type == WireType::Len) name = f.as_string();
    if (f.number == 10 && f.type == WireType::Len) domain = f.as_string();
  }
  *out = domain + ":" + name;
  return Status();
}

#undef LUODI_PROTO_EXPECT

}  // namespace detail

// Parses a whole ModelProto from `size` bytes. On error *out is left partly filled; the Status
// names the message, field and byte offset.
inline Status parse_model(const std::uint8_t* data, std::size_t size, ModelProto* out) {
  static const char* M = "ModelProto";
  *out = ModelProto();
  if (data == nullptr && size != 0) return Status(StatusCode::InvalidArgument, "parse_model: null data");
  WireReader r(data, size, 0);
  Field f;
  while (!r.done()) {
    LUODI_RETURN_IF_ERROR(r.next(&f));
    switch (f.number) {
      case 1:
        LUODI_RETURN_IF_ERROR(detail::expect(M, "ir_version", f, WireType::Varint));
        out->ir_version = f.as_int64();
        break;
      case 8: {
        LUODI_RETURN_IF_ERROR(detail::expect(M, "opset_import", f, WireType::Len));
        out->opset_import.emplace_back();
        LUODI_RETURN_IF_ERROR(detail::parse_opset(f, &out->opset_import.back()));
        break;
      }
      case 2:
        LUODI_RETURN_IF_ERROR(detail::expect(M, "producer_name", f, WireType::Len));
        out->producer_name = f.as_string();
        break;
      case 3:
        LUODI_RETURN_IF_ERROR(detail::expect(M, "producer_version", f, WireType::Len));
        out->producer_version = f.as_string();
        break;
      case 4:
        LUODI_RETURN_IF_ERROR(detail::expect(M, "domain", f, WireType::Len));
        out->domain = f.as_string();
        break;
      case 5:
        LUODI_RETURN_IF_ERROR(detail::expect(M, "model_version", f, WireType::Varint));
        out->model_version = f.as_int64();
        break;
      case 7:
        LUODI_RETURN_IF_ERROR(detail::expect(M, "graph", f, WireType::Len));
        out->has_graph = true;
        out->graph = GraphProto();
        LUODI_RETURN_IF_ERROR(detail::parse_graph(f, &out->graph, 1));
        break;
      case 14: {
        LUODI_RETURN_IF_ERROR(detail::expect(M, "metadata_props", f, WireType::Len));
        StringPair p;
        LUODI_RETURN_IF_ERROR(detail::parse_string_pair(f, &p));
        out->metadata_props.push_back(std::move(p));
        break;
      }
      case 25: {
        LUODI_RETURN_IF_ERROR(detail::expect(M, "functions", f, WireType::Len));
        ++out->function_count;
        std::string n;
        LUODI_RETURN_IF_ERROR(detail::parse_function_name(f, &n));
        out->function_names.push_back(std::move(n));
        break;
      }
      default: break;
    }
  }
  return Status();
}

// Parses a bare TensorProto (the test_data_set_*/input_*.pb files of the ONNX test data).
inline Status parse_tensor(const std::uint8_t* data, std::size_t size, TensorProto* out) {
  *out = TensorProto();
  if (data == nullptr && size != 0) return Status(StatusCode::InvalidArgument, "parse_tensor: null data");
  Field whole;
  whole.data = data;
  whole.size = size;
  whole.type = WireType::Len;
  return detail::parse_tensor(whole, out);
}

// ---- files ------------------------------------------------------------------------------------

#if LUODI_HAS_FILESYSTEM
// Reads a whole file. Refuses files above `max_bytes` (default 4 GiB: ONNX's own protobuf limit
// is 2 GiB for the model proper; external data may be larger, and is read per tensor).
inline Status read_file(const std::string& path, std::vector<std::uint8_t>* out,
                        std::uint64_t max_bytes = std::uint64_t(4) << 30) {
  out->clear();
  std::FILE* fp = std::fopen(path.c_str(), "rb");
  if (fp == nullptr)
    return Status::error(errno == ENOENT ? StatusCode::NotFound : StatusCode::IoError, "cannot open \"%s\": %s",
                         path.c_str(), std::strerror(errno));
  if (std::fseek(fp, 0, SEEK_END) != 0) {
    std::fclose(fp);
    return Status::error(StatusCode::IoError, "cannot seek in \"%s\"", path.c_str());
  }
  const long n = std::ftell(fp);
  if (n < 0 || static_cast<std::uint64_t>(n) > max_bytes) {
    std::fclose(fp);
    return Status::error(n < 0 ? StatusCode::IoError : StatusCode::OutOfRange, "\"%s\": size %ld is unusable", path.c_str(), n);
  }
  std::rewind(fp);
  out->resize(static_cast<std::size_t>(n));
  const std::size_t got = n ? std::fread(out->data(), 1, out->size(), fp) : 0;
  std::fclose(fp);
  if (got != out->size()) return Status::error(StatusCode::IoError, "short read from \"%s\"", path.c_str());
  return Status();
}

// The directory part of a path ("." for a bare file name).
inline std::string directory_of(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

namespace detail {
// Resolves `location` (from an external_data entry) against `base_dir`, refusing anything
// that would leave it: absolute paths, "..", backslashes and drive letters, NUL bytes, and
// symlinks that point outside (checked on the resolved real paths where the OS has them).
inline Status confine_path(const std::string& base_dir, const std::string& location, std::string* out) {
  if (location.empty()) return Status(StatusCode::InvalidArgument, "external data location is empty");
  if (location.find('\0') != std::string::npos)
    return Status(StatusCode::InvalidArgument, "external data location contains a NUL byte");
  if (location[0] == '/' || location.find('\\') != std::string::npos ||
      (location.size() > 1 && location[1] == ':'))
    return Status::error(StatusCode::InvalidArgument, "external data location \"%s\" is not a relative path",
                         location.c_str());
  std::size_t start = 0;
  while (start <= location.size()) {
    std::size_t end = location.find('/', start);
    if (end == std::string::npos) end = location.size();
    if (location.compare(start, end - start, "..") == 0 && end - start == 2)
      return Status::error(StatusCode::InvalidArgument,
                           "external data location \"%s\" leaves the model's directory", location.c_str());
    start = end + 1;
  }
  std::string joined = base_dir.empty() ? location : base_dir + "/" + location;
#if defined(__unix__) || defined(__APPLE__)
  char real_base[PATH_MAX], real_file[PATH_MAX];
  if (::realpath(base_dir.empty() ? "." : base_dir.c_str(), real_base) == nullptr)
    return Status::error(StatusCode::NotFound, "model directory \"%s\" cannot be resolved", base_dir.c_str());
  if (::realpath(joined.c_str(), real_file) == nullptr)
    return Status::error(StatusCode::NotFound, "external data file \"%s\" does not exist", joined.c_str());
  const std::size_t nb = std::strlen(real_base);
  const bool inside = std::strncmp(real_file, real_base, nb) == 0 &&
                      (real_file[nb] == '/' || (nb == 1 && real_base[0] == '/'));
  if (!inside)
    return Status::error(StatusCode::InvalidArgument,
                         "external data location \"%s\" resolves outside the model's directory", location.c_str());
  struct stat st;
  if (::stat(real_file, &st) != 0 || !S_ISREG(st.st_mode))
    return Status::error(StatusCode::InvalidArgument, "external data location \"%s\" is not a regular file",
                         location.c_str());
  joined = real_file;
#endif
  *out = joined;
  return Status();
}

inline bool parse_u64(const std::string& s, std::uint64_t* out) noexcept {
  if (s.empty() || s.size() > 19) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  *out = v;
  return true;
}
}  // namespace detail
#endif

// ---- tensor data ----------------------------------------------------------------------------

// Where external data files are looked for, and how much of them may be read.
struct TensorDataOptions {
  std::string base_dir;                  // the model's directory; external data is refused if empty
  bool allow_external = true;
};

// Decodes a TensorProto's data into luodi's representation: little-endian bytes of `*dtype`,
// row-major, exactly numel * dtype_size bytes. Every count is checked against the dims.
inline Status tensor_data(const TensorProto& t, const TensorDataOptions& opt, DType* dtype, Shape* shape,
                          std::vector<std::uint8_t>* out) {
  const char* name = t.name.c_str();
  if (t.has_segment) return Status::error(StatusCode::Unsupported, "tensor \"%s\" is segmented", name);
  DType dt;
  if (!dtype_from_onnx(t.data_type, &dt))
    return Status::error(StatusCode::Unsupported, "tensor \"%s\" has element type %s (%d), which luodi does not hold",
                         name, onnx_type_name(t.data_type), t.data_type);
  if (t.dims.size() > static_cast<std::size_t>(kMaxRank))
    return Status::error(StatusCode::Unsupported, "tensor \"%s\" has rank %zu; luodi supports up to %d", name,
                         t.dims.size(), kMaxRank);
  for (std::size_t i = 0; i < t.dims.size(); ++i)
    if (t.dims[i] < 0)
      return Status::error(StatusCode::OutOfRange, "tensor \"%s\" has negative dimension %lld at axis %zu", name,
                           static_cast<long long>(t.dims[i]), i);
  Shape s(t.dims.data(), static_cast<int>(t.dims.size()));
  std::int64_t numel = 0;
  if (!s.checked_numel(&numel))
    return Status::error(StatusCode::Overflow, "tensor \"%s\": element count of %s overflows", name, s.str().c_str());
  const std::size_t esize = dtype_size(dt);
  const std::uint64_t nbytes = static_cast<std::uint64_t>(numel) * esize;
  const std::size_t n = static_cast<std::size_t>(numel);
  *dtype = dt;
  *shape = s;
  out->clear();

  if (t.data_location == 1) {
#if LUODI_HAS_FILESYSTEM
    if (!opt.allow_external || opt.base_dir.empty())
      return Status::error(StatusCode::Unsupported, "tensor \"%s\" has external data, and no model directory was given",
                           name);
    std::string location;
    std::uint64_t offset = 0, length = 0;
    bool has_length = false;
    for (const StringPair& p : t.external_data) {
      if (p.key == "location") location = p.value;
      else if (p.key == "offset") {
        if (!detail::parse_u64(p.value, &offset))
          return Status::error(StatusCode::BadOffset, "tensor \"%s\": external offset \"%s\" is not a number", name,
                               p.value.c_str());
      } else if (p.key == "length") {
        if (!detail::parse_u64(p.value, &length))
          return Status::error(StatusCode::BadOffset, "tensor \"%s\": external length \"%s\" is not a number", name,
                               p.value.c_str());
        has_length = true;
      }
    }
    if (has_length && length != nbytes)
      return Status::error(StatusCode::DTypeMismatch, "tensor \"%s\": external length %llu, but %s %s needs %llu bytes",
                           name, static_cast<unsigned long long>(length), dtype_name(dt), s.str().c_str(),
                           static_cast<unsigned long long>(nbytes));
    std::string path;
    Status ps = detail::confine_path(opt.base_dir, location, &path);
    if (!ps.ok()) return ps.prepend("tensor \"%s\": ", name);
    std::FILE* fp = std::fopen(path.c_str(), "rb");
    if (fp == nullptr)
      return Status::error(StatusCode::IoError, "tensor \"%s\": cannot open \"%s\"", name, path.c_str());
    std::fseek(fp, 0, SEEK_END);
    const long fsize = std::ftell(fp);
    if (fsize < 0 || offset > static_cast<std::uint64_t>(fsize) || nbytes > static_cast<std::uint64_t>(fsize) - offset) {
      std::fclose(fp);
      return Status::error(StatusCode::BadOffset, "tensor \"%s\": bytes %llu..%llu lie outside \"%s\" (%ld bytes)", name,
                           static_cast<unsigned long long>(offset), static_cast<unsigned long long>(offset + nbytes),
                           location.c_str(), fsize);
    }
    out->resize(static_cast<std::size_t>(nbytes));
    bool ok = std::fseek(fp, static_cast<long>(offset), SEEK_SET) == 0;
    if (ok && nbytes) ok = std::fread(out->data(), 1, out->size(), fp) == out->size();
    std::fclose(fp);
    if (!ok) return Status::error(StatusCode::IoError, "tensor \"%s\": short read from \"%s\"", name, location.c_str());
    return Status();
#else
    (void)opt;
    return Status::error(StatusCode::Unsupported, "tensor \"%s\" has external data (no filesystem)", name);
#endif
  }
  if (t.data_location != 0)
    return Status::error(StatusCode::ParseError, "tensor \"%s\": data_location %d is not DEFAULT or EXTERNAL", name,
                         t.data_location);

  auto count_mismatch = [&](const char* field, std::size_t have) {
    return Status::error(StatusCode::DTypeMismatch, "tensor \"%s\": %s has %zu values, but %s needs %zu", name, field,
                         have, s.str().c_str(), n);
  };
  if (t.has_raw_data) {
    if (t.raw_data.size() != nbytes)
      return Status::error(StatusCode::DTypeMismatch, "tensor \"%s\": raw_data has %zu bytes, but %s %s needs %llu", name,
                           t.raw_data.size(), dtype_name(dt), s.str().c_str(), static_cast<unsigned long long>(nbytes));
    *out = t.raw_data;
    if (dt == DType::boolean)
      for (std::uint8_t& b : *out) b = b ? 1 : 0;
    return Status();
  }
  // Check the typed field's count before allocating: dims come from the file.
  std::size_t have = 0;
  const char* field = "int32_data";
  switch (dt) {
    case DType::f32: have = t.float_data.size(); field = "float_data"; break;
    case DType::i64: have = t.int64_data.size(); field = "int64_data"; break;
    default: have = t.int32_data.size(); break;
  }
  if (have != n) return count_mismatch(field, have);
  out->resize(static_cast<std::size_t>(nbytes));
  std::uint8_t* o = out->data();
  switch (dt) {
    case DType::f32:
      if (n) std::memcpy(o, t.float_data.data(), nbytes);
      break;
    case DType::i64:
      if (n) std::memcpy(o, t.int64_data.data(), nbytes);
      break;
    case DType::i32:
      if (n) std::memcpy(o, t.int32_data.data(), nbytes);
      break;
    case DType::f16:
      for (std::size_t i = 0; i < n; ++i) {
        const std::uint16_t h = static_cast<std::uint16_t>(t.int32_data[i] & 0xFFFF);
        std::memcpy(o + 2 * i, &h, 2);
      }
      break;
    case DType::boolean:
    case DType::i8:
    case DType::u8:
      for (std::size_t i = 0; i < n; ++i) {
        const std::int32_t v = t.int32_data[i];
        o[i] = dt == DType::boolean ? static_cast<std::uint8_t>(v != 0) : static_cast<std::uint8_t>(v & 0xFF);
      }
      break;
  }
  return Status();
}

}  // namespace onnx
}  // namespace luodi
