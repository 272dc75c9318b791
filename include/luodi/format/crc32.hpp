// CRC-32 as used by IEEE 802.3, zlib and PNG: the reflected polynomial 0xEDB88320, initial value
// 0xFFFFFFFF, final XOR 0xFFFFFFFF. crc32("123456789") == 0xCBF43926 (the standard check value).
//
// The implementation is "slicing-by-16", the 16-byte form of Kounavis and Berry's slicing-by-8
// (Intel, 2005): sixteen 256-entry tables, T0 the classic byte table and
// Tk[b] = (Tk-1[b] >> 8) ^ T0[Tk-1[b] & 0xFF], let the loop fold sixteen input bytes per step
// with sixteen independent table lookups instead of sixteen dependent ones; it is several times faster than the byte-at-a-time loop (docs/format.md has the measured
// throughput). The tables are computed at compile time (16 KiB of constant data, no
// static constructor). The hardware CRC32 instruction of SSE4.2 and ARMv8 computes CRC-32C
// (Castagnoli), a different polynomial, so it cannot be used for this checksum.
//
// crc32_update() continues a running CRC, so a checksum can be computed over pieces:
//   std::uint32_t c = crc32_begin(); c = crc32_update(c, a, na); c = crc32_update(c, b, nb);
//   std::uint32_t result = crc32_end(c);     // == crc32(a ++ b)
#pragma once

#include <cstddef>
#include <cstdint>

namespace luodi {
namespace format {

namespace detail {
struct Crc32Tables {
  std::uint32_t t[16][256];
};
constexpr Crc32Tables make_crc32_tables() noexcept {
  Crc32Tables c{};
  for (std::uint32_t b = 0; b < 256; ++b) {
    std::uint32_t r = b;
    for (int k = 0; k < 8; ++k) r = (r & 1u) ? (r >> 1) ^ 0xEDB88320u : (r >> 1);
    c.t[0][b] = r;
  }
  for (int s = 1; s < 16; ++s)
    for (std::uint32_t b = 0; b < 256; ++b) c.t[s][b] = (c.t[s - 1][b] >> 8) ^ c.t[0][c.t[s - 1][b] & 0xFFu];
  return c;
}
inline constexpr Crc32Tables kCrc32 = make_crc32_tables();
}  // namespace detail

inline constexpr std::uint32_t crc32_begin() noexcept { return 0xFFFFFFFFu; }
inline constexpr std::uint32_t crc32_end(std::uint32_t state) noexcept { return state ^ 0xFFFFFFFFu; }

inline std::uint32_t crc32_update(std::uint32_t crc, const void* data, std::size_t n) noexcept {
  const auto& T = detail::kCrc32.t;
  const std::uint8_t* p = static_cast<const std::uint8_t*>(data);
  // Sixteen bytes per step. The words are assembled from bytes, so this is independent of the
  // host's endianness and of p's alignment; compilers turn each into one load on little-endian.
  auto word = [](const std::uint8_t* q) noexcept {
    return std::uint32_t(q[0]) | (std::uint32_t(q[1]) << 8) | (std::uint32_t(q[2]) << 16) | (std::uint32_t(q[3]) << 24);
  };
  while (n >= 16) {
    const std::uint32_t a = word(p) ^ crc, b = word(p + 4), c = word(p + 8), d = word(p + 12);
    crc = T[15][a & 0xFFu] ^ T[14][(a >> 8) & 0xFFu] ^ T[13][(a >> 16) & 0xFFu] ^ T[12][a >> 24] ^
          T[11][b & 0xFFu] ^ T[10][(b >> 8) & 0xFFu] ^ T[9][(b >> 16) & 0xFFu] ^ T[8][b >> 24] ^
          T[7][c & 0xFFu] ^ T[6][(c >> 8) & 0xFFu] ^ T[5][(c >> 16) & 0xFFu] ^ T[4][c >> 24] ^
          T[3][d & 0xFFu] ^ T[2][(d >> 8) & 0xFFu] ^ T[1][(d >> 16) & 0xFFu] ^ T[0][d >> 24];
    p += 16;
    n -= 16;
  }
  while (n--) crc = (crc >> 8) ^ T[0][(crc ^ *p++) & 0xFFu];
  return crc;
}

// The CRC-32 of one buffer.
inline std::uint32_t crc32(const void* data, std::size_t n) noexcept {
  return crc32_end(crc32_update(crc32_begin(), data, n));
}

}  // namespace format
}  // namespace luodi
