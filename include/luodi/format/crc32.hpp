// CRC-32 as used by IEEE 802.3, zlib and PNG: the reflected polynomial 0xEDB88320, initial value
// 0xFFFFFFFF, final XOR 0xFFFFFFFF. crc32("123456789") == 0xCBF43926 (the standard check value).
//
// The implementation is "slicing-by-8" (Kounavis and Berry, Intel, 2005): eight 256-entry tables,
// T0 the classic byte table and Tk[b] = (Tk-1[b] >> 8) ^ T0[Tk-1[b] & 0xFF], let the loop fold
// eight input bytes per step with eight independent table lookups instead of eight dependent
// ones; it is several times faster than the byte-at-a-time loop (docs/format.md has the measured
// throughput). The tables are computed at compile time (8 KiB of constant data, no
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
  std::uint32_t t[8][256];
};
constexpr Crc32Tables make_crc32_tables() noexcept {
  Crc32Tables c{};
  for (std::uint32_t b = 0; b < 256; ++b) {
    std::uint32_t r = b;
    for (int k = 0; k < 8; ++k) r = (r & 1u) ? (r >> 1) ^ 0xEDB88320u : (r >> 1);
    c.t[0][b] = r;
  }
  for (int s = 1; s < 8; ++s)
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
  // Eight bytes per step. The words are assembled from bytes, so this is independent of the
  // host's endianness and of p's alignment; compilers turn it into one load on little-endian.
  while (n >= 8) {
    const std::uint32_t lo = (std::uint32_t(p[0]) | (std::uint32_t(p[1]) << 8) | (std::uint32_t(p[2]) << 16) |
                              (std::uint32_t(p[3]) << 24)) ^ crc;
    const std::uint32_t hi = std::uint32_t(p[4]) | (std::uint32_t(p[5]) << 8) | (std::uint32_t(p[6]) << 16) |
                             (std::uint32_t(p[7]) << 24);
    crc = T[7][lo & 0xFFu] ^ T[6][(lo >> 8) & 0xFFu] ^ T[5][(lo >> 16) & 0xFFu] ^ T[4][lo >> 24] ^
          T[3][hi & 0xFFu] ^ T[2][(hi >> 8) & 0xFFu] ^ T[1][(hi >> 16) & 0xFFu] ^ T[0][hi >> 24];
    p += 8;
    n -= 8;
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
