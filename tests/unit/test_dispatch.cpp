#include <doctest/doctest.h>
#include <luodi/simd/dispatch.hpp>

#include <cstring>
#include <string>

#include "../support/test_util.hpp"

using namespace luodi;

TEST_CASE("cpu_info reports detected features, the mode and the ISA in use") {
  CpuInfo c = cpu_info();
  CHECK(c.available[static_cast<int>(Isa::scalar)]);
  CHECK(c.available[static_cast<int>(c.active)]);
  char buf[512];
  c.summary(buf, sizeof buf);
  std::string s(buf);
  CHECK(s.find("active: ") != std::string::npos);
  CHECK(s.find(c.active_name) != std::string::npos);
#if defined(__x86_64__)
  CHECK(c.features.x86);
  CHECK(c.features.sse2);  // part of x86-64
#endif
#if defined(__aarch64__)
  CHECK(c.features.neon);
#endif
#if LUODI_RUNTIME_DISPATCH
  CHECK(c.runtime_dispatch);
#endif
  MESSAGE(buf);
}

TEST_CASE("the best ISA is active by default and set_isa narrows it") {
  reset_isa();
  const Isa best = best_isa();
  CHECK(isa_available(best));
  CHECK(set_isa(Isa::scalar).ok());
  CHECK(active_isa() == Isa::scalar);
  reset_isa();
#if !defined(LUODI_FORCE_REFERENCE)
  if (std::getenv("LUODI_ISA") == nullptr) CHECK(active_isa() == best);
#endif
}

TEST_CASE("set_isa and parse_isa reject what is not there") {
  Status s = set_isa(static_cast<Isa>(5));  // neon64 on x86, or sse2 on ARM: one is always missing
  Status t = set_isa(Isa::sse2);
  CHECK((!s.ok() || !t.ok()));
  if (!s.ok()) {
    CHECK(s.code() == StatusCode::Unsupported);
    CHECK(std::string(s.message()).find("neon64") != std::string::npos);
  }
  reset_isa();
  auto r = parse_isa("avx9000");
  REQUIRE_FALSE(r.ok());
  CHECK(std::string(r.status().message()).find("avx9000") != std::string::npos);
  CHECK(parse_isa("avx2").ok());
  CHECK(*parse_isa("ref") == Isa::scalar);
}
