// .npy reading and writing, against files NumPy wrote (make_npy_fixtures.py).
#include <doctest/doctest.h>
#include <luodi/detail/npy.hpp>

#include <cstdio>
#include <string>

using namespace luodi;

namespace {
std::string fixture(const char* name) { return std::string(LUODI_ONNX_TEST_DIR) + "/npy/" + name; }

template <class T>
void check_arange(const char* file, DType dt) {
  npy::Array a;
  Status s = npy::read(fixture(file), &a);
  REQUIRE_MESSAGE(s.ok(), s.message());
  CHECK(a.dtype == dt);
  CHECK(a.shape == Shape{2, 3, 5});
  for (int i = 0; i < 30; ++i) CHECK(a.as<T>()[i] == static_cast<T>(i));
}
}  // namespace

TEST_CASE("npy: NumPy's files of every supported dtype read back") {
  check_arange<float>("arange_f4.npy", DType::f32);
  check_arange<std::int8_t>("arange_i1.npy", DType::i8);
  check_arange<std::uint8_t>("arange_u1.npy", DType::u8);
  check_arange<std::int32_t>("arange_i4.npy", DType::i32);
  check_arange<std::int64_t>("arange_i8.npy", DType::i64);
  npy::Array h;
  REQUIRE(npy::read(fixture("arange_f2.npy"), &h).ok());
  CHECK(h.dtype == DType::f16);
  CHECK(half_to_float(h.as<std::uint16_t>()[29]) == 29.f);
  npy::Array b;
  REQUIRE(npy::read(fixture("arange_b1.npy"), &b).ok());
  CHECK(b.dtype == DType::boolean);
  CHECK(b.shape == Shape{7});
  for (int i = 0; i < 7; ++i) CHECK(b.data[static_cast<std::size_t>(i)] == i % 2);
  npy::Array s;
  REQUIRE(npy::read(fixture("scalar_f4.npy"), &s).ok());
  CHECK(s.shape.rank() == 0);
  CHECK(s.as<float>()[0] == 3.5f);
  npy::Array e;
  REQUIRE(npy::read(fixture("empty_f4.npy"), &e).ok());
  CHECK(e.shape == Shape{0, 4});
  CHECK(e.data.empty());
}

TEST_CASE("npy: unsupported and corrupt files are refused with a clear error") {
  npy::Array a;
  Status s = npy::read(fixture("bad_f8.npy"), &a);
  CHECK(s.code() == StatusCode::Unsupported);
  CHECK(std::string(s.message()).find("float64") != std::string::npos);
  CHECK(npy::read(fixture("bad_fortran.npy"), &a).code() == StatusCode::Unsupported);
  CHECK(npy::read(fixture("bad_bigendian.npy"), &a).code() == StatusCode::Unsupported);
  CHECK_FALSE(npy::read(fixture("bad_object.npy"), &a).ok());
  CHECK(npy::read(fixture("bad_truncated.npy"), &a).code() == StatusCode::DTypeMismatch);
  CHECK(npy::read(fixture("missing.npy"), &a).code() == StatusCode::NotFound);
  const std::uint8_t junk[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  CHECK(npy::parse(junk, sizeof junk, &a).code() == StatusCode::BadMagic);
}

TEST_CASE("npy: written files read back bit-exactly, with 64-byte aligned data") {
  const float v[6] = {1.5f, -2.f, 3.25f, 0.f, -0.f, 1e-30f};
  const std::vector<std::uint8_t> bytes = npy::serialize(DType::f32, Shape{2, 3}, v, sizeof v);
  CHECK((bytes.size() - sizeof v) % 64 == 0);
  npy::Array a;
  REQUIRE(npy::parse(bytes.data(), bytes.size(), &a).ok());
  CHECK(a.shape == Shape{2, 3});
  CHECK(std::memcmp(a.data.data(), v, sizeof v) == 0);
  const std::int64_t one[1] = {-7};
  const std::vector<std::uint8_t> b1 = npy::serialize(DType::i64, Shape{1}, one, 8);
  REQUIRE(npy::parse(b1.data(), b1.size(), &a).ok());
  CHECK(a.shape == Shape{1});
  CHECK(a.as<std::int64_t>()[0] == -7);
  const std::string path = "/tmp/luodi_npy_test_" + std::to_string(static_cast<long long>(reinterpret_cast<std::uintptr_t>(&a) & 0xFFFFFF)) + ".npy";
  REQUIRE(npy::write(path, DType::f32, Shape{2, 3}, v, sizeof v).ok());
  npy::Array r;
  REQUIRE(npy::read(path, &r).ok());
  CHECK(std::memcmp(r.data.data(), v, sizeof v) == 0);
  std::remove(path.c_str());
  CHECK(npy::write(path, DType::f32, Shape{2, 2}, v, sizeof v).code() == StatusCode::DTypeMismatch);
}
