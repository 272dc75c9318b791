#include <doctest/doctest.h>
#include <luodi/core/status.hpp>

#include <cstring>
#include <string>

using luodi::Result;
using luodi::Status;
using luodi::StatusCode;

namespace {
Result<int> parse_positive(int v) {
  if (v <= 0) return Status::error(StatusCode::OutOfRange, "value %d is not positive", v);
  return v;
}
Status twice(int v, int* out) {
  LUODI_ASSIGN_OR_RETURN(int x, parse_positive(v));
  *out = 2 * x;
  return Status();
}
}  // namespace

TEST_CASE("Status carries a code and a formatted message") {
  Status ok;
  CHECK(ok.ok());
  CHECK(std::string(ok.message()) == "ok");
  Status e = Status::error(StatusCode::ShapeMismatch, "node \"%s\": %d vs %d", "conv1", 3, 4);
  CHECK_FALSE(e.ok());
  CHECK(e.code() == StatusCode::ShapeMismatch);
  CHECK(std::string(e.message()) == "node \"conv1\": 3 vs 4");
  CHECK(std::string(e.code_name()) == "shape mismatch");
}

TEST_CASE("Status::prepend adds context as errors propagate, and long messages are cut, not overrun") {
  Status e(StatusCode::BadAttribute, "kernel_shape must have 2 values");
  e.prepend("node \"%s\" (%s): ", "/layer1/conv", "Conv");
  CHECK(std::string(e.message()) == "node \"/layer1/conv\" (Conv): kernel_shape must have 2 values");
  std::string big(1000, 'x');
  Status l(StatusCode::Internal, big.c_str());
  CHECK(std::strlen(l.message()) == Status::kMaxMessage - 1);
  Status ok;
  ok.prepend("ignored: ");
  CHECK(std::string(ok.message()) == "ok");
}

TEST_CASE("Result holds a value or a status, and the macros propagate errors") {
  int out = 0;
  CHECK(twice(21, &out).ok());
  CHECK(out == 42);
  Status s = twice(-1, &out);
  CHECK(s.code() == StatusCode::OutOfRange);
  CHECK(std::string(s.message()) == "value -1 is not positive");
  Result<int> r = parse_positive(-5);
  CHECK_FALSE(r.ok());
  CHECK(r.value_or(7) == 7);
  // A Result built from an ok Status is a bug in the caller; it becomes an Internal error.
  Result<int> bogus{Status()};
  CHECK_FALSE(bogus.ok());
  CHECK(bogus.status().code() == StatusCode::Internal);
}

TEST_CASE("Result works with move-only types") {
  struct MoveOnly {
    int v;
    explicit MoveOnly(int x) : v(x) {}
    MoveOnly(MoveOnly&&) = default;
    MoveOnly& operator=(MoveOnly&&) = default;
  };
  Result<MoveOnly> r(MoveOnly(3));
  REQUIRE(r.ok());
  Result<MoveOnly> moved(std::move(r));
  REQUIRE(moved.ok());
  CHECK(moved->v == 3);
}

#if LUODI_HAS_EXCEPTIONS
TEST_CASE("value() on an error throws luodi::Error when exceptions are enabled") {
  Result<int> r = parse_positive(0);
  CHECK_THROWS_AS(r.value(), luodi::Error);
  try {
    (void)r.value();
  } catch (const luodi::Error& e) {
    CHECK(e.code() == StatusCode::OutOfRange);
    CHECK(std::string(e.what()).find("value 0 is not positive") != std::string::npos);
  }
}
#endif
