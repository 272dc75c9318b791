// DType: the element types a luodi tensor can hold, and IEEE half-precision conversion.
//
// f16 conversion rounds to nearest, ties to even, keeps NaN a NaN (quiet), maps overflow to
// infinity and handles subnormals in both directions. It is plain integer code, identical on
// every target; f16 is a storage type in luodi (weights), and arithmetic is done in f32.
#pragma once

#include <cstdint>
#include <cstring>

#include "../config.hpp"

namespace luodi {

// The numeric values are part of the .luodi file format; never renumber them.
enum class DType : std::uint8_t {
  f32 = 1,
  f16 = 2,
  i8 = 3,
  u8 = 4,
  i32 = 5,
  i64 = 6,
  boolean = 7,  // one byte, 0 or 1
};

inline constexpr std::size_t dtype_size(DType t) noexcept {
  switch (t) {
    case DType::f32: return 4;
    case DType::f16: return 2;
    case DType::i8: return 1;
    case DType::u8: return 1;
    case DType::i32: return 4;
    case DType::i64: return 8;
    case DType::boolean: return 1;
  }
  return 0;  // not a dtype
}

inline constexpr bool dtype_valid(std::uint32_t raw) noexcept { return raw >= 1 && raw <= 7; }

inline constexpr const char* dtype_name(DType t) noexcept {
  switch (t) {
    case DType::f32: return "f32";
    case DType::f16: return "f16";
    case DType::i8: return "i8";
    case DType::u8: return "u8";
    case DType::i32: return "i32";
    case DType::i64: return "i64";
    case DType::boolean: return "bool";
  }
  return "invalid";
}

// A 16-bit IEEE 754 binary16 value, stored as bits.
struct half {
  std::uint16_t bits = 0;
};

inline float half_to_float(std::uint16_t h) noexcept {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exp = (h >> 10) & 0x1Fu;
  std::uint32_t mant = h & 0x3FFu;
  std::uint32_t bits;
  if (exp == 0x1F) {  // inf or nan; keep the payload and make NaN quiet
    bits = sign | 0x7F800000u | (mant << 13) | (mant ? 0x00400000u : 0u);
  } else if (exp != 0) {  // normal
    bits = sign | ((exp + 112u) << 23) | (mant << 13);
  } else if (mant == 0) {  // signed zero
    bits = sign;
  } else {  // subnormal half: value = mant * 2^-24; renormalise for the float
    std::uint32_t e = 113;  // exponent of 2^-14 in float bias, minus one per shift below
    while ((mant & 0x400u) == 0) {
      mant <<= 1;
      --e;
    }
    mant &= 0x3FFu;
    bits = sign | (e << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

inline std::uint16_t float_to_half(float f) noexcept {
  std::uint32_t x;
  std::memcpy(&x, &f, 4);
  const std::uint32_t sign = (x >> 16) & 0x8000u;
  const std::uint32_t abs = x & 0x7FFFFFFFu;
  if (abs >= 0x7F800000u) {  // inf or nan
    if (abs == 0x7F800000u) return static_cast<std::uint16_t>(sign | 0x7C00u);
    return static_cast<std::uint16_t>(sign | 0x7E00u | ((abs >> 13) & 0x3FFu));  // quiet nan
  }
  if (abs >= 0x477FF000u) return static_cast<std::uint16_t>(sign | 0x7C00u);  // rounds to > 65504
  const std::uint32_t exp = abs >> 23;
  if (exp >= 113) {  // normal half: rebias and round the 13 dropped bits to nearest even
    std::uint32_t h = ((exp - 112u) << 10) | ((abs >> 13) & 0x3FFu);
    const std::uint32_t rest = abs & 0x1FFFu;
    if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) ++h;  // a carry into the exponent is correct
    return static_cast<std::uint16_t>(sign | h);
  }
  if (exp < 102) return static_cast<std::uint16_t>(sign);  // below half the smallest subnormal
  // subnormal half: shift the full mantissa (with its implicit 1) right, round to nearest even
  const std::uint32_t mant = (abs & 0x7FFFFFu) | 0x800000u;
  const std::uint32_t shift = 126u - exp;  // 14..24
  std::uint32_t h = mant >> shift;
  const std::uint32_t rest = mant & ((1u << shift) - 1u);
  const std::uint32_t halfway = 1u << (shift - 1u);
  if (rest > halfway || (rest == halfway && (h & 1u))) ++h;
  return static_cast<std::uint16_t>(sign | h);
}

inline half to_half(float f) noexcept { return half{float_to_half(f)}; }
inline float to_float(half h) noexcept { return half_to_float(h.bits); }

template <class T>
struct dtype_of;
template <> struct dtype_of<float> { static constexpr DType value = DType::f32; };
template <> struct dtype_of<half> { static constexpr DType value = DType::f16; };
template <> struct dtype_of<std::int8_t> { static constexpr DType value = DType::i8; };
template <> struct dtype_of<std::uint8_t> { static constexpr DType value = DType::u8; };
template <> struct dtype_of<std::int32_t> { static constexpr DType value = DType::i32; };
template <> struct dtype_of<std::int64_t> { static constexpr DType value = DType::i64; };
template <> struct dtype_of<bool> { static constexpr DType value = DType::boolean; };
template <class T> struct dtype_of<const T> : dtype_of<T> {};
template <class T>
inline constexpr DType dtype_of_v = dtype_of<T>::value;

}  // namespace luodi
