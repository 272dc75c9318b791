#include <doctest/doctest.h>
#include <luodi/core/dtype.hpp>
#include <luodi/simd/cpu.hpp>

#include <cmath>
#include <cstring>
#include <limits>

#include "../support/test_util.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

using namespace luodi;

TEST_CASE("dtype sizes and names") {
  CHECK(dtype_size(DType::f32) == 4);
  CHECK(dtype_size(DType::f16) == 2);
  CHECK(dtype_size(DType::i8) == 1);
  CHECK(dtype_size(DType::u8) == 1);
  CHECK(dtype_size(DType::i32) == 4);
  CHECK(dtype_size(DType::i64) == 8);
  CHECK(dtype_size(DType::boolean) == 1);
  CHECK(dtype_valid(1));
  CHECK(dtype_valid(7));
  CHECK_FALSE(dtype_valid(0));
  CHECK_FALSE(dtype_valid(8));
  CHECK(std::strcmp(dtype_name(DType::f16), "f16") == 0);
}

TEST_CASE("every half converts to float and back to itself") {
  for (std::uint32_t h = 0; h < 65536; ++h) {
    const float f = half_to_float(static_cast<std::uint16_t>(h));
    const std::uint16_t back = float_to_half(f);
    const bool is_nan = (h & 0x7C00u) == 0x7C00u && (h & 0x3FFu) != 0;
    if (is_nan) {
      CHECK(std::isnan(f));
      CHECK((back & 0x7C00u) == 0x7C00u);
      CHECK((back & 0x3FFu) != 0);
    } else {
      REQUIRE(back == h);
    }
  }
  CHECK(half_to_float(0x3C00) == 1.0f);
  CHECK(half_to_float(0xC000) == -2.0f);
  CHECK(half_to_float(0x7BFF) == 65504.0f);
  CHECK(half_to_float(0x0001) == std::ldexp(1.0f, -24));
  CHECK(std::isinf(half_to_float(0x7C00)));
}

namespace {
// The value nearest to f among halves, by exhaustive search over the halves around it: an
// independent definition of round-to-nearest-even, used when the CPU has no F16C.
std::uint16_t nearest_half_by_search(float f) {
  if (std::isnan(f)) return 0x7E00;
  const double x = f;
  std::uint16_t best = 0;
  double best_err = std::numeric_limits<double>::infinity();
  for (std::uint32_t h = 0; h < 0x7C00; ++h) {  // non-negative finite halves
    const double v = half_to_float(static_cast<std::uint16_t>(h));
    const double err = std::fabs(std::fabs(x) - v);
    if (err < best_err || (err == best_err && (h & 1u) == 0)) {
      best_err = err;
      best = static_cast<std::uint16_t>(h);
    }
  }
  // beyond half-way between 65504 and 65536 rounds to infinity
  if (std::fabs(x) >= 65520.0) best = 0x7C00;
  return static_cast<std::uint16_t>(best | (std::signbit(f) ? 0x8000u : 0u));
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
__attribute__((target("f16c"))) std::uint16_t hw_float_to_half(float f) {
  const __m128i h = _mm_cvtps_ph(_mm_set_ss(f), 0 /* round to nearest even */);
  return static_cast<std::uint16_t>(_mm_extract_epi16(h, 0));
}
#define LUODI_TEST_HAVE_F16C_PATH 1
#endif
}  // namespace

TEST_CASE("float_to_half rounds to nearest even, like the hardware") {
  // Floats that probe every rounding case: halfway points, subnormal boundaries, overflow.
  std::vector<float> probes = {0.0f, -0.0f, 1.0f, 65504.0f, 65519.0f, 65520.0f, 65536.0f, 1e-8f, 2.98e-8f,
                               std::ldexp(1.0f, -25), std::ldexp(1.5f, -25), std::ldexp(1.0f, -24),
                               std::ldexp(1.0f, -14), std::ldexp(1.0f, -15) * 1.5f,
                               std::numeric_limits<float>::infinity()};
  for (std::uint32_t h = 0; h < 0x7C00; h += 7) {  // midpoints between neighbouring halves
    const double a = half_to_float(static_cast<std::uint16_t>(h));
    const double b = half_to_float(static_cast<std::uint16_t>(h + 1));
    probes.push_back(static_cast<float>((a + b) / 2));
    probes.push_back(std::nextafter(static_cast<float>((a + b) / 2), 0.0f));
    probes.push_back(std::nextafter(static_cast<float>((a + b) / 2), 1e9f));
  }
#ifdef LUODI_TEST_HAVE_F16C_PATH
  if (luodi::cpu_features().f16c) {
    for (std::uint32_t u = 0; u < 0xFFFFFFFFu - 40000; u += 40009) probes.push_back(luodi_test::bits_to_float(u));
    for (float f : probes) {
      if (std::isnan(f)) continue;
      INFO("f = " << f);
      REQUIRE(float_to_half(f) == hw_float_to_half(f));
      REQUIRE(float_to_half(-f) == hw_float_to_half(-f));
    }
    return;
  }
#endif
  for (std::size_t i = 0; i < probes.size(); i += 37) {
    INFO("f = " << probes[i]);
    REQUIRE(float_to_half(probes[i]) == nearest_half_by_search(probes[i]));
  }
}
