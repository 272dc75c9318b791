// Node attributes: one byte encoding, read in place from a .luodi file and built by the
// converter, so both sides use the same reader and the runtime needs no heap to read them.
//
// A node's attributes are a sequence of records, each starting on an 8-byte boundary relative
// to the start of the blob (all integers little-endian):
//
//   offset  size  field
//   0       2     name_len   (1..255)
//   2       1     type       (AttrType)
//   3       1     reserved   (0)
//   4       4     count      (Int/Float: 1; Ints/Floats: element count; String: byte count)
//   8       n     name bytes (not NUL-terminated), zero-padded to a multiple of 8
//   ...     m     payload: Int: one int64; Float: one f32 + 4 zero bytes; Ints: count int64;
//                 Floats: count f32; String: count bytes; zero-padded to a multiple of 8
//
// Names are unique within a node. AttrList::validate() walks the whole blob once and checks
// every length against the blob's size; afterwards lookups cannot read outside it. Values are
// copied out with memcpy, so the blob needs no particular alignment.
#pragma once

#include <cstdint>
#include <cstring>

#include "../core/status.hpp"

#if LUODI_HAS_FILESYSTEM
#include <string>
#include <vector>
#endif

namespace luodi {
namespace graph {

enum class AttrType : std::uint8_t { Int = 1, Float = 2, Ints = 3, Floats = 4, String = 5 };

inline const char* attr_type_name(AttrType t) noexcept {
  switch (t) {
    case AttrType::Int: return "int";
    case AttrType::Float: return "float";
    case AttrType::Ints: return "ints";
    case AttrType::Floats: return "floats";
    case AttrType::String: return "string";
  }
  return "invalid";
}

inline constexpr std::uint32_t kMaxAttrNameLen = 255;
inline constexpr std::uint32_t kMaxAttrCount = 1u << 24;  // elements in one attribute

namespace detail {
inline std::uint64_t pad8(std::uint64_t n) noexcept { return (n + 7) & ~std::uint64_t(7); }
inline std::uint64_t attr_payload_bytes(AttrType t, std::uint32_t count) noexcept {
  switch (t) {
    case AttrType::Int: return 8;
    case AttrType::Float: return 8;
    case AttrType::Ints: return std::uint64_t(count) * 8;
    case AttrType::Floats: return pad8(std::uint64_t(count) * 4);
    case AttrType::String: return pad8(count);
  }
  return 0;
}
inline std::uint16_t rd16(const std::uint8_t* p) noexcept { return static_cast<std::uint16_t>(p[0] | (p[1] << 8)); }
inline std::uint32_t rd32(const std::uint8_t* p) noexcept {
  return std::uint32_t(p[0]) | (std::uint32_t(p[1]) << 8) | (std::uint32_t(p[2]) << 16) | (std::uint32_t(p[3]) << 24);
}
inline std::int64_t rd64s(const std::uint8_t* p) noexcept {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  std::int64_t s;
  std::memcpy(&s, &v, 8);
  return s;
}
inline float rdf32(const std::uint8_t* p) noexcept {
  const std::uint32_t u = rd32(p);
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
}  // namespace detail

// One attribute, as found in a blob.
struct Attr {
  const char* name = nullptr;  // not NUL-terminated: use name_len
  std::uint32_t name_len = 0;
  AttrType type = AttrType::Int;
  std::uint32_t count = 0;
  const std::uint8_t* payload = nullptr;

  bool name_is(const char* s) const noexcept {
    return std::strlen(s) == name_len && std::memcmp(s, name, name_len) == 0;
  }
  std::int64_t int_at(std::uint32_t i) const noexcept { return detail::rd64s(payload + 8 * i); }
  float float_at(std::uint32_t i) const noexcept { return detail::rdf32(payload + 4 * i); }
};

// A read-only view of one node's attribute blob.
class AttrList {
 public:
  AttrList() noexcept = default;
  AttrList(const std::uint8_t* data, std::uint64_t size) noexcept : data_(data), size_(size) {}

  const std::uint8_t* data() const noexcept { return data_; }
  std::uint64_t size() const noexcept { return size_; }

  // Check the whole blob: record bounds, types, counts, name lengths, duplicate names.
  Status validate() const noexcept {
    std::uint64_t off = 0;
    int index = 0;
    while (off < size_) {
      if (size_ - off < 8)
        return Status::error(StatusCode::Truncated, "attribute %d: record header at byte %llu is cut off", index,
                             static_cast<unsigned long long>(off));
      const std::uint8_t* r = data_ + off;
      const std::uint32_t name_len = detail::rd16(r);
      const std::uint8_t type = r[2];
      const std::uint32_t count = detail::rd32(r + 4);
      if (name_len == 0 || name_len > kMaxAttrNameLen)
        return Status::error(StatusCode::BadAttribute, "attribute %d: name length %u is outside 1..%u", index,
                             static_cast<unsigned>(name_len), static_cast<unsigned>(kMaxAttrNameLen));
      if (type < 1 || type > 5)
        return Status::error(StatusCode::BadAttribute, "attribute %d: unknown type %u", index, static_cast<unsigned>(type));
      const AttrType t = static_cast<AttrType>(type);
      if ((t == AttrType::Int || t == AttrType::Float) && count != 1)
        return Status::error(StatusCode::BadAttribute, "attribute %d: a scalar with count %u", index,
                             static_cast<unsigned>(count));
      if (count > kMaxAttrCount)
        return Status::error(StatusCode::BadAttribute, "attribute %d: count %u is too large", index,
                             static_cast<unsigned>(count));
      const std::uint64_t need = 8 + detail::pad8(name_len) + detail::attr_payload_bytes(t, count);
      if (need > size_ - off)
        return Status::error(StatusCode::Truncated, "attribute %d at byte %llu needs %llu bytes, %llu remain", index,
                             static_cast<unsigned long long>(off), static_cast<unsigned long long>(need),
                             static_cast<unsigned long long>(size_ - off));
      // Unique names: compare with every earlier record.
      std::uint64_t o2 = 0;
      while (o2 < off) {
        const std::uint8_t* r2 = data_ + o2;
        const std::uint32_t n2 = detail::rd16(r2);
        if (n2 == name_len && std::memcmp(r2 + 8, r + 8, name_len) == 0)
          return Status::error(StatusCode::BadAttribute, "attribute \"%.*s\" appears twice", static_cast<int>(name_len),
                               reinterpret_cast<const char*>(r + 8));
        o2 += 8 + detail::pad8(n2) + detail::attr_payload_bytes(static_cast<AttrType>(r2[2]), detail::rd32(r2 + 4));
      }
      off += need;
      ++index;
    }
    return Status();
  }

  // Iterate: call fn(const Attr&) for every attribute. Only on a validated blob.
  template <class F>
  void for_each(F&& fn) const noexcept {
    std::uint64_t off = 0;
    while (off + 8 <= size_) {
      Attr a = at(off);
      fn(a);
      off += 8 + detail::pad8(a.name_len) + detail::attr_payload_bytes(a.type, a.count);
    }
  }

  bool find(const char* name, Attr* out) const noexcept {
    bool found = false;
    for_each([&](const Attr& a) {
      if (!found && a.name_is(name)) {
        *out = a;
        found = true;
      }
    });
    return found;
  }
  bool has(const char* name) const noexcept {
    Attr a;
    return find(name, &a);
  }

  // Typed readers. Absent and not required: *out is left as is (the caller's default) and ok
  // is returned. Present with the wrong type or too many values: BadAttribute, naming it.
  Status read_int(const char* name, std::int64_t* out, bool required = false) const noexcept {
    Attr a;
    if (!find(name, &a)) return missing(name, required);
    if (a.type != AttrType::Int) return wrong_type(name, a.type, AttrType::Int);
    *out = a.int_at(0);
    return Status();
  }
  Status read_float(const char* name, float* out, bool required = false) const noexcept {
    Attr a;
    if (!find(name, &a)) return missing(name, required);
    if (a.type == AttrType::Int) {  // ONNX files sometimes carry integral floats as ints
      *out = static_cast<float>(a.int_at(0));
      return Status();
    }
    if (a.type != AttrType::Float) return wrong_type(name, a.type, AttrType::Float);
    *out = a.float_at(0);
    return Status();
  }
  // Copies up to `capacity` values into out[] and sets *count.
  Status read_ints(const char* name, std::int64_t* out, std::uint32_t capacity, std::uint32_t* count,
                   bool required = false) const noexcept {
    Attr a;
    if (!find(name, &a)) return missing(name, required);
    if (a.type != AttrType::Ints) return wrong_type(name, a.type, AttrType::Ints);
    if (a.count > capacity)
      return Status::error(StatusCode::BadAttribute, "attribute \"%s\" has %u values; at most %u are allowed", name,
                           static_cast<unsigned>(a.count), static_cast<unsigned>(capacity));
    for (std::uint32_t i = 0; i < a.count; ++i) out[i] = a.int_at(i);
    *count = a.count;
    return Status();
  }
  Status read_floats(const char* name, float* out, std::uint32_t capacity, std::uint32_t* count,
                     bool required = false) const noexcept {
    Attr a;
    if (!find(name, &a)) return missing(name, required);
    if (a.type != AttrType::Floats) return wrong_type(name, a.type, AttrType::Floats);
    if (a.count > capacity)
      return Status::error(StatusCode::BadAttribute, "attribute \"%s\" has %u values; at most %u are allowed", name,
                           static_cast<unsigned>(a.count), static_cast<unsigned>(capacity));
    for (std::uint32_t i = 0; i < a.count; ++i) out[i] = a.float_at(i);
    *count = a.count;
    return Status();
  }
  // The string's bytes (not NUL-terminated) and length, pointing into the blob.
  Status read_string(const char* name, const char** out, std::uint32_t* len, bool required = false) const noexcept {
    Attr a;
    if (!find(name, &a)) return missing(name, required);
    if (a.type != AttrType::String) return wrong_type(name, a.type, AttrType::String);
    *out = reinterpret_cast<const char*>(a.payload);
    *len = a.count;
    return Status();
  }
  // True when the string attribute `name` exists and equals `value`.
  bool string_equals(const char* name, const char* value) const noexcept {
    const char* s = nullptr;
    std::uint32_t n = 0;
    if (!read_string(name, &s, &n).ok() || s == nullptr) return false;
    return std::strlen(value) == n && std::memcmp(value, s, n) == 0;
  }

 private:
  Attr at(std::uint64_t off) const noexcept {
    const std::uint8_t* r = data_ + off;
    Attr a;
    a.name_len = detail::rd16(r);
    a.type = static_cast<AttrType>(r[2]);
    a.count = detail::rd32(r + 4);
    a.name = reinterpret_cast<const char*>(r + 8);
    a.payload = r + 8 + detail::pad8(a.name_len);
    return a;
  }
  static Status missing(const char* name, bool required) noexcept {
    if (!required) return Status();
    return Status::error(StatusCode::BadAttribute, "required attribute \"%s\" is missing", name);
  }
  static Status wrong_type(const char* name, AttrType got, AttrType want) noexcept {
    return Status::error(StatusCode::BadAttribute, "attribute \"%s\" is %s, expected %s", name, attr_type_name(got),
                         attr_type_name(want));
  }

  const std::uint8_t* data_ = nullptr;
  std::uint64_t size_ = 0;
};

#if LUODI_HAS_FILESYSTEM
// Builds an attribute blob (converter side; uses the heap). Setting a name that exists replaces it.
class AttrWriter {
 public:
  AttrWriter() = default;
  explicit AttrWriter(const std::vector<std::uint8_t>& existing) : blob_(existing) {}

  AttrWriter& set_int(const std::string& name, std::int64_t v) {
    std::uint8_t b[8];
    put64(b, v);
    return put(name, AttrType::Int, 1, b, 8);
  }
  AttrWriter& set_float(const std::string& name, float v) {
    std::uint8_t b[4];
    std::memcpy(b, &v, 4);  // little-endian hosts only; luodi targets are little-endian
    return put(name, AttrType::Float, 1, b, 4);
  }
  AttrWriter& set_ints(const std::string& name, const std::vector<std::int64_t>& v) {
    std::vector<std::uint8_t> b(v.size() * 8);
    for (std::size_t i = 0; i < v.size(); ++i) put64(b.data() + 8 * i, v[i]);
    return put(name, AttrType::Ints, static_cast<std::uint32_t>(v.size()), b.data(), b.size());
  }
  AttrWriter& set_floats(const std::string& name, const std::vector<float>& v) {
    std::vector<std::uint8_t> b(v.size() * 4);
    if (!v.empty()) std::memcpy(b.data(), v.data(), b.size());
    return put(name, AttrType::Floats, static_cast<std::uint32_t>(v.size()), b.data(), b.size());
  }
  AttrWriter& set_string(const std::string& name, const std::string& v) {
    return put(name, AttrType::String, static_cast<std::uint32_t>(v.size()),
               reinterpret_cast<const std::uint8_t*>(v.data()), v.size());
  }
  AttrWriter& remove(const std::string& name) {
    std::vector<std::uint8_t> out;
    AttrList(blob_.data(), blob_.size()).for_each([&](const Attr& a) {
      if (!a.name_is(name.c_str())) append_record(out, a);
    });
    blob_.swap(out);
    return *this;
  }

  const std::vector<std::uint8_t>& blob() const noexcept { return blob_; }
  std::vector<std::uint8_t> take() { return std::move(blob_); }

 private:
  static void put64(std::uint8_t* b, std::int64_t v) {
    std::uint64_t u;
    std::memcpy(&u, &v, 8);
    for (int i = 0; i < 8; ++i) b[i] = static_cast<std::uint8_t>(u >> (8 * i));
  }
  static void append_record(std::vector<std::uint8_t>& out, const Attr& a) {
    const std::uint64_t payload = detail::attr_payload_bytes(a.type, a.count);
    const std::size_t start = out.size();
    out.resize(start + 8 + detail::pad8(a.name_len) + payload, 0);
    std::uint8_t* r = out.data() + start;
    std::memcpy(r, a.name - 8, 8);  // the header precedes the name in the source blob
    std::memcpy(r + 8, a.name, a.name_len);
    std::memcpy(r + 8 + detail::pad8(a.name_len), a.payload, payload);
  }
  AttrWriter& put(const std::string& name, AttrType t, std::uint32_t count, const std::uint8_t* bytes,
                  std::size_t nbytes) {
    LUODI_ASSERT(!name.empty() && name.size() <= kMaxAttrNameLen);
    remove(name);
    const std::size_t start = blob_.size();
    blob_.resize(start + 8 + detail::pad8(name.size()) + detail::attr_payload_bytes(t, count), 0);
    std::uint8_t* r = blob_.data() + start;
    r[0] = static_cast<std::uint8_t>(name.size() & 0xFF);
    r[1] = static_cast<std::uint8_t>(name.size() >> 8);
    r[2] = static_cast<std::uint8_t>(t);
    r[3] = 0;
    for (int i = 0; i < 4; ++i) r[4 + i] = static_cast<std::uint8_t>(count >> (8 * i));
    std::memcpy(r + 8, name.data(), name.size());
    if (nbytes) std::memcpy(r + 8 + detail::pad8(name.size()), bytes, nbytes);
    return *this;
  }

  std::vector<std::uint8_t> blob_;
};
#endif

}  // namespace graph
}  // namespace luodi
