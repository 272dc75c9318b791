// NumPy .npy files: the tensors luodi-run reads and writes, and the fixtures tests compare with.
//
// Format (numpy.lib.format, versions 1.0, 2.0 and 3.0): the magic "\x93NUMPY", a major and a
// minor version byte, the header length (uint16 little-endian for 1.0, uint32 for 2.0/3.0),
// then an ASCII Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (1, 3), }
// padded with spaces and a newline so the data starts on a 64-byte boundary (16 in old files),
// then the raw elements.
//
// luodi reads C-order arrays of float32, float16, int8, uint8, int32, int64 and bool, and says
// exactly what is wrong with anything else (float64, Fortran order, big-endian, object arrays,
// a data size that does not match the shape). It is tool-side code and uses the heap.
#pragma once

#include "../config.hpp"

#if LUODI_HAS_FILESYSTEM
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "../core/dtype.hpp"
#include "../core/shape.hpp"
#include "../core/status.hpp"

namespace luodi {
namespace npy {

struct Array {
  DType dtype = DType::f32;
  Shape shape;
  std::vector<std::uint8_t> data;  // C order, little-endian

  std::int64_t numel() const noexcept { return shape.numel(); }
  template <class T>
  const T* as() const noexcept {
    return reinterpret_cast<const T*>(data.data());
  }
};

inline const char* descr_of(DType t) noexcept {
  switch (t) {
    case DType::f32: return "<f4";
    case DType::f16: return "<f2";
    case DType::i8: return "|i1";
    case DType::u8: return "|u1";
    case DType::i32: return "<i4";
    case DType::i64: return "<i8";
    case DType::boolean: return "|b1";
  }
  return "";
}

namespace detail {

inline bool dtype_of_descr(const std::string& d, DType* out) noexcept {
  // '=' (native) and '<' are the same on the little-endian hosts luodi supports; one-byte types
  // may carry any order character.
  if (d.size() < 3) return false;
  const char order = d[0];
  const std::string t = d.substr(1);
  const bool one = t == "i1" || t == "u1" || t == "b1";
  if (!(order == '<' || order == '=' || (one && order == '|'))) return false;
  if (t == "f4") *out = DType::f32;
  else if (t == "f2") *out = DType::f16;
  else if (t == "i1") *out = DType::i8;
  else if (t == "u1") *out = DType::u8;
  else if (t == "i4") *out = DType::i32;
  else if (t == "i8") *out = DType::i64;
  else if (t == "b1") *out = DType::boolean;
  else return false;
  return true;
}

// Finds `'key':` in the header dict and returns the position after the colon, or npos.
inline std::size_t find_key(const std::string& h, const char* key) {
  const std::string k1 = std::string("'") + key + "'", k2 = std::string("\"") + key + "\"";
  std::size_t p = h.find(k1);
  std::size_t len = k1.size();
  if (p == std::string::npos) {
    p = h.find(k2);
    len = k2.size();
  }
  if (p == std::string::npos) return p;
  p += len;
  while (p < h.size() && std::isspace(static_cast<unsigned char>(h[p]))) ++p;
  if (p >= h.size() || h[p] != ':') return std::string::npos;
  ++p;
  while (p < h.size() && std::isspace(static_cast<unsigned char>(h[p]))) ++p;
  return p;
}

inline Status parse_header(const std::string& h, std::string* descr, bool* fortran, std::vector<std::int64_t>* dims) {
  std::size_t p = find_key(h, "descr");
  if (p == std::string::npos || p >= h.size() || (h[p] != '\'' && h[p] != '"'))
    return Status(StatusCode::ParseError, "the .npy header has no 'descr' string (structured arrays are not supported)");
  const char q = h[p];
  const std::size_t e = h.find(q, p + 1);
  if (e == std::string::npos) return Status(StatusCode::ParseError, "the .npy header's 'descr' is not terminated");
  *descr = h.substr(p + 1, e - p - 1);
  p = find_key(h, "fortran_order");
  if (p == std::string::npos) return Status(StatusCode::ParseError, "the .npy header has no 'fortran_order'");
  if (h.compare(p, 4, "True") == 0) *fortran = true;
  else if (h.compare(p, 5, "False") == 0) *fortran = false;
  else return Status(StatusCode::ParseError, "the .npy header's 'fortran_order' is not True or False");
  p = find_key(h, "shape");
  if (p == std::string::npos || p >= h.size() || h[p] != '(')
    return Status(StatusCode::ParseError, "the .npy header has no 'shape' tuple");
  ++p;
  dims->clear();
  for (;;) {
    while (p < h.size() && (std::isspace(static_cast<unsigned char>(h[p])) || h[p] == ',')) ++p;
    if (p >= h.size()) return Status(StatusCode::ParseError, "the .npy header's 'shape' is not terminated");
    if (h[p] == ')') break;
    if (!std::isdigit(static_cast<unsigned char>(h[p])))
      return Status(StatusCode::ParseError, "the .npy header's 'shape' holds something other than integers");
    std::int64_t v = 0;
    while (p < h.size() && std::isdigit(static_cast<unsigned char>(h[p]))) {
      if (v > (kMaxElements - 9) / 10) return Status(StatusCode::Overflow, "a .npy dimension is too large");
      v = v * 10 + (h[p] - '0');
      ++p;
    }
    if (p < h.size() && h[p] == 'L') ++p;  // Python 2 longs
    dims->push_back(v);
    if (dims->size() > static_cast<std::size_t>(kMaxRank))
      return Status::error(StatusCode::Unsupported, "the .npy array has more than %d dimensions", kMaxRank);
  }
  return Status();
}

}  // namespace detail

// Parses .npy bytes.
inline Status parse(const std::uint8_t* b, std::size_t n, Array* out) {
  static const std::uint8_t kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  if (n < 10 || std::memcmp(b, kMagic, 6) != 0) return Status(StatusCode::BadMagic, "not a .npy file (no \\x93NUMPY magic)");
  const int major = b[6];
  std::size_t hlen = 0, hstart = 0;
  if (major == 1) {
    hlen = std::size_t(b[8]) | (std::size_t(b[9]) << 8);
    hstart = 10;
  } else if (major == 2 || major == 3) {
    if (n < 12) return Status(StatusCode::Truncated, "the .npy header is cut off");
    hlen = std::size_t(b[8]) | (std::size_t(b[9]) << 8) | (std::size_t(b[10]) << 16) | (std::size_t(b[11]) << 24);
    hstart = 12;
  } else {
    return Status::error(StatusCode::UnsupportedVersion, ".npy format version %d.%d is not 1.0, 2.0 or 3.0", major, b[7]);
  }
  if (hlen > n - hstart) return Status(StatusCode::Truncated, "the .npy header runs past the end of the file");
  const std::string h(reinterpret_cast<const char*>(b + hstart), hlen);
  std::string descr;
  bool fortran = false;
  std::vector<std::int64_t> dims;
  LUODI_RETURN_IF_ERROR(detail::parse_header(h, &descr, &fortran, &dims));
  if (!detail::dtype_of_descr(descr, &out->dtype)) {
    const char* hint = descr == "<f8" ? " (float64: save it as float32, e.g. x.astype(np.float32))" : "";
    return Status::error(StatusCode::Unsupported,
                         ".npy dtype '%s' is not supported; luodi reads float32, float16, int8, uint8, int32, int64 "
                         "and bool, little-endian%s",
                         descr.c_str(), hint);
  }
  if (fortran)
    return Status(StatusCode::Unsupported, "the .npy array is in Fortran order; save it C-contiguous (np.ascontiguousarray)");
  out->shape = Shape(dims.data(), static_cast<int>(dims.size()));
  std::int64_t numel = 0;
  if (!out->shape.checked_numel(&numel))
    return Status::error(StatusCode::Overflow, "the .npy shape %s is too large", out->shape.str().c_str());
  const std::uint64_t nbytes = static_cast<std::uint64_t>(numel) * dtype_size(out->dtype);
  const std::size_t data_at = hstart + hlen;
  if (nbytes != n - data_at)
    return Status::error(StatusCode::DTypeMismatch, "the .npy data has %zu bytes; %s %s needs %llu", n - data_at,
                         dtype_name(out->dtype), out->shape.str().c_str(), static_cast<unsigned long long>(nbytes));
  out->data.assign(b + data_at, b + n);
  return Status();
}

inline Status read(const std::string& path, Array* out) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f)
    return Status::error(errno == ENOENT ? StatusCode::NotFound : StatusCode::IoError, "cannot open \"%s\": %s",
                         path.c_str(), std::strerror(errno));
  std::vector<std::uint8_t> b;
  std::uint8_t buf[1 << 16];
  std::size_t got;
  while ((got = std::fread(buf, 1, sizeof buf, f)) > 0) b.insert(b.end(), buf, buf + got);
  const bool err = std::ferror(f) != 0;
  std::fclose(f);
  if (err) return Status::error(StatusCode::IoError, "error reading \"%s\"", path.c_str());
  Status s = parse(b.data(), b.size(), out);
  if (!s.ok()) s.prepend("%s: ", path.c_str());
  return s;
}

// Serialises a C-order array as .npy version 1.0 (2.0 when the header needs it).
inline std::vector<std::uint8_t> serialize(DType dtype, const Shape& shape, const void* data, std::size_t nbytes) {
  std::string dict = std::string("{'descr': '") + descr_of(dtype) + "', 'fortran_order': False, 'shape': (";
  for (int i = 0; i < shape.rank(); ++i) {
    dict += std::to_string(shape[i]);
    if (shape.rank() == 1 || i + 1 < shape.rank()) dict += ",";
    if (i + 1 < shape.rank()) dict += " ";
  }
  dict += "), }";
  const bool v2 = dict.size() + 11 > 65535;
  const std::size_t pre = v2 ? 12 : 10;
  std::size_t total = pre + dict.size() + 1;
  const std::size_t pad = (64 - total % 64) % 64;
  dict.append(pad, ' ');
  dict += '\n';
  std::vector<std::uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', static_cast<std::uint8_t>(v2 ? 2 : 1), 0};
  const std::size_t hl = dict.size();
  out.push_back(static_cast<std::uint8_t>(hl & 0xFF));
  out.push_back(static_cast<std::uint8_t>((hl >> 8) & 0xFF));
  if (v2) {
    out.push_back(static_cast<std::uint8_t>((hl >> 16) & 0xFF));
    out.push_back(static_cast<std::uint8_t>((hl >> 24) & 0xFF));
  }
  out.insert(out.end(), dict.begin(), dict.end());
  const std::uint8_t* d = static_cast<const std::uint8_t*>(data);
  if (nbytes) out.insert(out.end(), d, d + nbytes);
  return out;
}

inline Status write(const std::string& path, DType dtype, const Shape& shape, const void* data, std::size_t nbytes) {
  std::int64_t numel = 0;
  if (!shape.checked_numel(&numel) || static_cast<std::uint64_t>(numel) * dtype_size(dtype) != nbytes)
    return Status::error(StatusCode::DTypeMismatch, "write \"%s\": %zu bytes do not match %s %s", path.c_str(), nbytes,
                         dtype_name(dtype), shape.str().c_str());
  const std::vector<std::uint8_t> b = serialize(dtype, shape, data, nbytes);
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return Status::error(StatusCode::IoError, "cannot create \"%s\": %s", path.c_str(), std::strerror(errno));
  const bool ok = std::fwrite(b.data(), 1, b.size(), f) == b.size();
  const bool closed = std::fclose(f) == 0;
  if (!ok || !closed) return Status::error(StatusCode::IoError, "error writing \"%s\"", path.c_str());
  return Status();
}
inline Status write(const std::string& path, const Array& a) {
  return write(path, a.dtype, a.shape, a.data.data(), a.data.size());
}

}  // namespace npy
}  // namespace luodi
#endif
