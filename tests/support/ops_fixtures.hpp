// Reads the op fixtures written by tests/fixtures/gen_ops_fixtures.py (the format is documented
// there): named tensors, grouped into cases by the part of the name before the first '/'.
#pragma once

#include <luodi/core/dtype.hpp>
#include <luodi/core/shape.hpp>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace luodi_test {

struct FixtureTensor {
  std::string name;
  luodi::DType dtype = luodi::DType::f32;
  luodi::Shape shape;
  std::vector<unsigned char> bytes;

  std::int64_t numel() const { return shape.numel(); }
  template <class T>
  const T* data() const {
    return reinterpret_cast<const T*>(bytes.data());
  }
  std::vector<float> f32() const {
    std::vector<float> v(static_cast<std::size_t>(numel()));
    if (dtype == luodi::DType::f32 && !v.empty()) std::memcpy(v.data(), bytes.data(), v.size() * 4);
    return v;
  }
  // Integer and bool contents widened to int64 (attributes are stored as i64 tensors).
  std::vector<std::int64_t> ints() const {
    std::vector<std::int64_t> v(static_cast<std::size_t>(numel()));
    for (std::size_t i = 0; i < v.size(); ++i) {
      switch (dtype) {
        case luodi::DType::i64: std::memcpy(&v[i], bytes.data() + 8 * i, 8); break;
        case luodi::DType::i32: {
          std::int32_t x;
          std::memcpy(&x, bytes.data() + 4 * i, 4);
          v[i] = x;
          break;
        }
        case luodi::DType::i8: v[i] = static_cast<std::int8_t>(bytes[i]); break;
        case luodi::DType::u8:
        case luodi::DType::boolean: v[i] = bytes[i]; break;
        default: v[i] = 0;
      }
    }
    return v;
  }
  std::int64_t scalar_int() const { return ints().at(0); }
  float scalar_f32() const { return f32().at(0); }
  std::string str() const { return std::string(bytes.begin(), bytes.end()); }  // u8 tensors holding text
};

struct FixtureCase {
  std::string name;
  std::vector<const FixtureTensor*> fields;
  const FixtureTensor* get(const char* field) const {
    for (const FixtureTensor* t : fields)
      if (t->name.compare(name.size() + 1, std::string::npos, field) == 0) return t;
    return nullptr;
  }
  bool has(const char* field) const { return get(field) != nullptr; }
  const FixtureTensor& at(const char* field) const {
    const FixtureTensor* t = get(field);
    if (!t) {
      std::fprintf(stderr, "fixture case %s has no field %s\n", name.c_str(), field);
      std::abort();
    }
    return *t;
  }
};

// |got - want| <= atol + rtol * |want| elementwise (NaN matches NaN, infinities must be equal);
// on failure *where says which element and by how much.
inline bool allclose(const float* got, const float* want, std::int64_t n, double atol, double rtol, std::string* where) {
  for (std::int64_t i = 0; i < n; ++i) {
    const double g = got[i], w = want[i];
    if (w != w) {
      if (g == g) {
        *where = "element " + std::to_string(i) + ": got " + std::to_string(g) + ", want nan";
        return false;
      }
      continue;
    }
    if (g == w) continue;
    const double err = g > w ? g - w : w - g;
    const double aw = w < 0 ? -w : w;
    if (!(err <= atol + rtol * aw)) {
      *where = "element " + std::to_string(i) + ": got " + std::to_string(g) + ", want " + std::to_string(w) + " (error " +
               std::to_string(err) + ")";
      return false;
    }
  }
  return true;
}

class FixtureFile {
 public:
  // Loads tests/fixtures/ops/<file>; returns false and sets *error on any problem.
  bool load(const char* file, std::string* error) {
    const std::string path = dir() + file;
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) {
      *error = "cannot open " + path + " (run tests/fixtures/gen_ops_fixtures.py)";
      return false;
    }
    std::vector<unsigned char> buf;
    unsigned char chunk[65536];
    std::size_t got;
    while ((got = std::fread(chunk, 1, sizeof chunk, f)) > 0) buf.insert(buf.end(), chunk, chunk + got);
    std::fclose(f);
    std::size_t pos = 0;
    auto need = [&](std::size_t n) { return pos + n <= buf.size(); };
    auto u32 = [&]() {
      std::uint32_t v;
      std::memcpy(&v, buf.data() + pos, 4);
      pos += 4;
      return v;
    };
    if (!need(12) || std::memcmp(buf.data(), "LDFX", 4) != 0) {
      *error = path + ": not a fixture file";
      return false;
    }
    pos = 4;
    if (u32() != 1) {
      *error = path + ": unknown version";
      return false;
    }
    const std::uint32_t count = u32();
    for (std::uint32_t e = 0; e < count; ++e) {
      FixtureTensor t;
      if (!need(2)) return truncated(path, error);
      std::uint16_t name_len;
      std::memcpy(&name_len, buf.data() + pos, 2);
      pos += 2;
      if (!need(name_len + 2u)) return truncated(path, error);
      t.name.assign(reinterpret_cast<const char*>(buf.data() + pos), name_len);
      pos += name_len;
      t.dtype = static_cast<luodi::DType>(buf[pos]);
      const int rank = buf[pos + 1];
      pos += 2;
      if (rank > luodi::kMaxRank || !need(8u * static_cast<unsigned>(rank))) return truncated(path, error);
      std::int64_t dims[luodi::kMaxRank];
      std::memcpy(dims, buf.data() + pos, 8u * static_cast<unsigned>(rank));
      pos += 8u * static_cast<unsigned>(rank);
      t.shape = luodi::Shape(dims, rank);
      const std::size_t nbytes = static_cast<std::size_t>(t.shape.numel()) * luodi::dtype_size(t.dtype);
      if (!need(nbytes)) return truncated(path, error);
      t.bytes.assign(buf.begin() + static_cast<long>(pos), buf.begin() + static_cast<long>(pos + nbytes));
      pos += nbytes;
      entries_.push_back(std::move(t));
    }
    // Group by case name.
    for (const FixtureTensor& t : entries_) {
      const std::string c = t.name.substr(0, t.name.find('/'));
      if (cases_.empty() || cases_.back().name != c) cases_.push_back(FixtureCase{c, {}});
      cases_.back().fields.push_back(&t);
    }
    return true;
  }
  const std::vector<FixtureCase>& cases() const { return cases_; }

  static std::string dir() {
    std::string here = __FILE__;
    const std::size_t slash = here.find_last_of("/\\");
    return here.substr(0, slash + 1) + "../fixtures/ops/";
  }

 private:
  static bool truncated(const std::string& path, std::string* error) {
    *error = path + ": truncated";
    return false;
  }
  std::vector<FixtureTensor> entries_;
  std::vector<FixtureCase> cases_;
};

}  // namespace luodi_test
