// Helpers shared by luodi's tests: deterministic random data, ULP distance, ISA iteration.
#pragma once

#include <luodi/simd/dispatch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

namespace luodi_test {

// Every ISA this test binary can run here: scalar (ref) first, then each compiled SIMD ISA the
// CPU supports. Tests loop over these so that every dispatch target is checked against ref.
inline std::vector<luodi::Isa> available_isas() {
  std::vector<luodi::Isa> out;
  for (int i = 0; i < luodi::kIsaCount; ++i)
    if (luodi::isa_available(static_cast<luodi::Isa>(i))) out.push_back(static_cast<luodi::Isa>(i));
  return out;
}
inline std::vector<luodi::Isa> simd_isas() {
  std::vector<luodi::Isa> out;
  for (luodi::Isa i : available_isas())
    if (i != luodi::Isa::scalar) out.push_back(i);
  return out;
}

inline std::vector<float> random_floats(std::size_t n, float lo, float hi, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

inline float bits_to_float(std::uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
inline std::uint32_t float_to_bits(float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

// Error of `got` against the exact value `exact` (a double), in units of the float spacing at
// `exact`. Infinities and NaN must match exactly (0 or +inf returned). Subnormal results are
// measured in units of the smallest subnormal, 2^-149, which is also the spacing there.
inline double ulp_error(float got, double exact) {
  if (std::isnan(exact)) return std::isnan(got) ? 0.0 : std::numeric_limits<double>::infinity();
  if (std::isnan(got)) return std::numeric_limits<double>::infinity();
  const float ef = static_cast<float>(exact);
  if (std::isinf(ef) || std::isinf(got)) {
    if (std::isinf(got) && std::isinf(ef) && (got > 0) == (ef > 0)) return 0.0;
    // a finite exact value that rounds to inf: treat the largest float as its neighbour
    if (std::isinf(ef) && !std::isinf(got) && std::fabs(got) == std::numeric_limits<float>::max()) return 1.0;
    return std::numeric_limits<double>::infinity();
  }
  const float a = std::fabs(ef);
  double ulp = static_cast<double>(std::nextafter(a, std::numeric_limits<float>::infinity())) - a;
  const double min_ulp = std::ldexp(1.0, -149);
  if (ulp < min_ulp) ulp = min_ulp;
  return std::fabs(static_cast<double>(got) - exact) / ulp;
}

}  // namespace luodi_test
