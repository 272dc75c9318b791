// SIMD row kernels of the image layer, templated on the xsimd Arch.
//
// u8 image work is byte shuffling and 16/32-bit integer arithmetic, which xsimd 8.1 does not
// express (no byte shuffles, no saturating packs, no mulhi), so the kernels use the intrinsics
// of their Arch inside `if constexpr` branches: on x86, SSE2 for every x86-64 Arch, SSSE3
// shuffles where the Arch has them, AVX2 for fma3<avx2> and avx512f (luodi's avx512f dispatch
// unit is compiled with -mavx2 too), AVX-512F for 16-lane int32 work, and AVX512-BW/VBMI byte
// permutes behind a runtime check (see cpu_has_avx512vbmi); on AArch64, the NEON kernels of
// neon.hpp for xsimd::neon64. Each kernel computes exactly what its ref twin computes (same
// integer arithmetic; the one float step is a fused multiply-add in both) and hands the columns
// it does not vectorise to the ref twin instantiated for the same Arch.
#pragma once

#include <cstdint>
#include <cstddef>
#include <cstring>
#include <type_traits>

#include "../../simd/arch.hpp"
#include "fused.hpp"
#include "neon.hpp"
#include "params.hpp"
#include "ref.hpp"

#if LUODI_HAS_XSIMD

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define LUODI_IMAGE_X86 1
#else
#define LUODI_IMAGE_X86 0
#endif

namespace luodi {
namespace image {
namespace detail {
namespace simd_impl {

#if LUODI_IMAGE_X86
template <class Arch>
inline constexpr bool kAvx512 = std::is_base_of<xsimd::avx512f, Arch>::value;
template <class Arch>
inline constexpr bool kAvx2 = std::is_base_of<xsimd::avx2, Arch>::value || kAvx512<Arch>;
template <class Arch>
inline constexpr bool kSsse3 =
    std::is_base_of<xsimd::ssse3, Arch>::value || std::is_base_of<xsimd::avx, Arch>::value || kAvx512<Arch>;
template <class Arch>
inline constexpr bool kSse2 =
    std::is_base_of<xsimd::sse2, Arch>::value || std::is_base_of<xsimd::avx, Arch>::value || kAvx512<Arch>;

// Byte-shuffle masks, built once per kernel call. A negative index writes zero.
template <class Arch>
inline __m128i shuffle_mask(const int (&idx)[16]) noexcept {
  alignas(16) std::int8_t m[16];
  for (int j = 0; j < 16; ++j) m[j] = static_cast<std::int8_t>(idx[j] < 0 ? -128 : idx[j]);
  return _mm_load_si128(reinterpret_cast<const __m128i*>(m));
}

// Masks to interleave three 16-byte planes a, b, c into 48 bytes a0 b0 c0 a1 b1 c1 ...
template <class Arch>
struct Interleave3 {
  __m128i m[3][3];  // [output block][plane]
  Interleave3() noexcept {
    for (int part = 0; part < 3; ++part)
      for (int plane = 0; plane < 3; ++plane) {
        int idx[16];
        for (int j = 0; j < 16; ++j) {
          const int k = part * 16 + j;
          idx[j] = (k % 3 == plane) ? k / 3 : -1;
        }
        m[part][plane] = shuffle_mask<Arch>(idx);
      }
  }
  LUODI_ALWAYS_INLINE void store(std::uint8_t* d, __m128i a, __m128i b, __m128i c) const noexcept {
    for (int part = 0; part < 3; ++part) {
      const __m128i v = _mm_or_si128(_mm_or_si128(_mm_shuffle_epi8(a, m[part][0]), _mm_shuffle_epi8(b, m[part][1])),
                                     _mm_shuffle_epi8(c, m[part][2]));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(d + 16 * part), v);
    }
  }
};

// Four 16-byte planes -> 64 bytes a0 b0 c0 d0 a1 ...
template <class Arch>
LUODI_ALWAYS_INLINE void store_interleave4(std::uint8_t* d, __m128i a, __m128i b, __m128i c, __m128i e) noexcept {
  const __m128i ab0 = _mm_unpacklo_epi8(a, b), ab1 = _mm_unpackhi_epi8(a, b);
  const __m128i ce0 = _mm_unpacklo_epi8(c, e), ce1 = _mm_unpackhi_epi8(c, e);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(d), _mm_unpacklo_epi16(ab0, ce0));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(d + 16), _mm_unpackhi_epi16(ab0, ce0));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(d + 32), _mm_unpacklo_epi16(ab1, ce1));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(d + 48), _mm_unpackhi_epi16(ab1, ce1));
}
#else
template <class Arch>
inline constexpr bool kAvx512 = false;
template <class Arch>
inline constexpr bool kAvx2 = false;
template <class Arch>
inline constexpr bool kSsse3 = false;
template <class Arch>
inline constexpr bool kSse2 = false;
#endif

// NEON kernels (neon.hpp) exist only when compiling for AArch64.
#if LUODI_IMAGE_NEON
template <class Arch>
inline constexpr bool kNeon = std::is_base_of<xsimd::neon64, Arch>::value;
#else
template <class Arch>
inline constexpr bool kNeon = false;
#endif

#if LUODI_IMAGE_X86 && (defined(__GNUC__) || defined(__clang__))
#define LUODI_IMAGE_VBMI 1
#define LUODI_IMAGE_TARGET_VBMI __attribute__((target("avx512f,avx512bw,avx512vbmi")))
#else
#define LUODI_IMAGE_VBMI 0
#endif

// Whether the CPU has AVX512-BW and AVX512-VBMI (Ice Lake, Zen 4 and later). luodi's avx512f
// dispatch unit is compiled for AVX-512F only; the kernels below that need byte permutes are
// compiled for BW + VBMI with a target attribute and run only when this says so. (A template so
// that the dispatched code calls only Arch-tagged functions.)
template <class Arch>
inline bool cpu_has_avx512vbmi() noexcept {
#if LUODI_IMAGE_VBMI
  return __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vbmi");
#else
  return false;
#endif
}

#if LUODI_IMAGE_VBMI
// The 128 bytes at p as two zmm (the window that vpermi2b indexes), with the bytes at and beyond
// p + avail read as zeros and never touched in memory (loads that would pass the end of a row are
// masked).
template <class Arch>
LUODI_IMAGE_TARGET_VBMI LUODI_ALWAYS_INLINE void window_vbmi(const std::uint8_t* p, std::int64_t avail,
                                                                   __m512i* lo, __m512i* hi) noexcept {
  if (avail >= 128) {
    *lo = _mm512_loadu_si512(p);
    *hi = _mm512_loadu_si512(p + 64);
  } else {
    const __mmask64 m0 = avail >= 64 ? ~__mmask64(0) : (__mmask64(1) << avail) - 1;
    const __mmask64 m1 = avail > 64 ? (__mmask64(1) << (avail - 64)) - 1 : 0;
    *lo = _mm512_maskz_loadu_epi8(m0, p);
    *hi = _mm512_maskz_loadu_epi8(m1, p + 64);
  }
}

#endif

// ---- resize ------------------------------------------------------------------------------------

// Nearest: 4-byte moves for 3- and 4-channel pixels (a 3-byte pixel's 4th byte is overwritten by
// the next pixel), AVX2 gathers for Gray.
template <class Arch>
void resize_nn_row(const std::uint8_t* src, int row_bytes, std::uint8_t* dst, const std::int32_t* xofs, int dw,
                   int cn) noexcept {
  int i = 0;
  if (cn == 4) {
    for (; i < dw; ++i) std::memcpy(dst + 4 * i, src + xofs[i], 4);
  } else if (cn == 3) {
#if LUODI_IMAGE_X86
    if constexpr (kAvx2<Arch>) {
      const __m128i m = shuffle_mask<Arch>({0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1});
      const __m256i mm = _mm256_broadcastsi128_si256(m);
      for (; i + 10 <= dw && xofs[i + 7] + 4 <= row_bytes; i += 8) {
        const __m256i idx = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xofs + i));
        const __m256i g = _mm256_shuffle_epi8(_mm256_i32gather_epi32(reinterpret_cast<const int*>(src), idx, 1), mm);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + 3 * i), _mm256_castsi256_si128(g));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + 3 * i + 12), _mm256_extracti128_si256(g, 1));
      }
    }
#endif
    for (; i + 1 < dw && xofs[i] + 4 <= row_bytes; ++i) std::memcpy(dst + 3 * i, src + xofs[i], 4);
  } else if (cn == 1) {
#if LUODI_IMAGE_NEON
    if constexpr (kNeon<Arch>) i = neon::resize_nn_row_gray<Arch>(src, dst, xofs, dw);
#endif
#if LUODI_IMAGE_X86
    if constexpr (kAvx2<Arch>) {
      const __m256i lo = _mm256_set1_epi32(0xff);
      const __m256i perm = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
      for (; i + 8 <= dw && xofs[i + 7] + 4 <= row_bytes; i += 8) {
        const __m256i idx = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xofs + i));
        __m256i g = _mm256_and_si256(_mm256_i32gather_epi32(reinterpret_cast<const int*>(src), idx, 1), lo);
        g = _mm256_packus_epi32(g, g);
        g = _mm256_permutevar8x32_epi32(_mm256_packus_epi16(g, g), perm);
        _mm_storel_epi64(reinterpret_cast<__m128i*>(dst + i), _mm256_castsi256_si128(g));
      }
    }
#endif
  }
  if (i < dw) ref::resize_nn_row<Arch>(src, row_bytes, dst + i * cn, xofs + i, dw - i, cn);
}

// Linear, horizontal, with AVX512-VBMI: the source bytes of up to 16 consecutive output pixels
// lie in one 128-byte window of the row when the taps are dense (down-scales up to ~2.6x for 3
// channels, and all up-scales). A plan, built once per column tile, holds per step the window
// start, the output pixels' (a0 | a1 << 16) weights and, per output element (pixel, channel),
// the window positions of its two source bytes; a row is then two loads and, per 16 output
// elements, one vpermi2b (zero-extending the bytes to 16-bit pairs) and one pmaddwd: the same
// exact int32 sums as ref. Sparse taps (fewer than 8 pixels per window) get no plan: the
// per-pixel AVX2 kernel is faster there (measured: 0.75x its time at 14 pixels per window,
// 1.35x at 5).
//
// (Storing the index and weight vectors whole, 128 bytes per 16 elements, saves the two
// expanding shuffles but was slower: the plan then no longer sits comfortably in L1.)
//
// Plan layout (int32 unless said): header {covered pixels, steps, cn, 13 unused}, then 4 x 16
// lane maps (element lane -> pixel of its step, for each of the 4 vectors a step can have), then
// the steps: {window start, elements m, pixels, 1 unused}, 16 weights, and ceil(m/16) x 32
// index bytes (source byte of word 2e and 2e+1 for element e).
inline constexpr int kLinearPlanHeader = 64 + 4 * 64;

template <class Arch>
bool resize_linear_plan(const LinearTap* taps, int dw, int cn, void* plan, int plan_bytes) noexcept {
#if LUODI_IMAGE_VBMI
  if constexpr (kAvx512<Arch>) {
    if (!cpu_has_avx512vbmi<Arch>() || plan_bytes < kLinearPlanHeader + 16 + 64 + 32) return false;
    unsigned char* const p = static_cast<unsigned char*>(plan);
    unsigned char* const end = p + plan_bytes;
    std::int32_t head[16] = {0, 0, cn};
    std::int32_t lanes[4][16];
    for (int v = 0; v < 4; ++v)
      for (int l = 0; l < 16; ++l) lanes[v][l] = (16 * v + l) / cn < 16 ? (16 * v + l) / cn : 15;
    std::memcpy(p + 64, lanes, sizeof lanes);
    unsigned char* q = p + kLinearPlanHeader;
    int i = 0, steps = 0;
    while (i < dw) {
      const int base = taps[i].ofs0;
      int k = 0;  // pixels whose bytes [ofs, ofs1 + cn) fit in [base, base + 128)
      while (k < 16 && i + k < dw && taps[i + k].ofs1 + cn - base <= 128) ++k;
      const int m = k * cn, nvec = (m + 15) / 16;
      const int bytes = 16 + 64 + 32 * nvec;
      if (k < 8 && i + k < dw) return false;  // sparse: not worth a plan
      if (bytes > end - q) break;
      const std::int32_t sh[4] = {base, m, k, 0};
      std::memcpy(q, sh, sizeof sh);
      std::int32_t w[16] = {};
      for (int j = 0; j < k; ++j) std::memcpy(&w[j], &taps[i + j].a0, 4);  // a0 | a1 << 16
      std::memcpy(q + 16, w, sizeof w);
      unsigned char* idx = q + 80;
      std::memset(idx, 0, 32 * nvec);
      for (int e = 0; e < m; ++e) {
        const LinearTap& t = taps[i + e / cn];
        idx[2 * e] = static_cast<unsigned char>(t.ofs0 + e % cn - base);
        idx[2 * e + 1] = static_cast<unsigned char>(t.ofs1 + e % cn - base);
      }
      q += bytes;
      i += k;
      ++steps;
    }
    head[0] = i;
    head[1] = steps;
    std::memcpy(p, head, sizeof head);
    return steps > 0;
  }
#endif
  (void)taps, (void)dw, (void)cn, (void)plan, (void)plan_bytes;
  return false;
}

#if LUODI_IMAGE_VBMI
// Runs a plan over one row; returns the output pixels done.
template <class Arch>
LUODI_IMAGE_TARGET_VBMI int resize_linear_h_vbmi(const std::uint8_t* src, int row_bytes, std::int32_t* h,
                                                 const void* plan, const std::uint8_t* pf) noexcept {
  const unsigned char* p = static_cast<const unsigned char*>(plan);
  std::int32_t head[3];
  std::memcpy(head, p, sizeof head);
  const __m512i lane[4] = {_mm512_loadu_si512(p + 64), _mm512_loadu_si512(p + 128), _mm512_loadu_si512(p + 192),
                           _mm512_loadu_si512(p + 256)};
  const unsigned char* q = p + kLinearPlanHeader;
  for (int s = 0; s < head[1]; ++s) {
    std::int32_t sh[3];
    std::memcpy(sh, q, sizeof sh);
    const int base = sh[0], m = sh[1];
    const __m512i w = _mm512_loadu_si512(q + 16);
    _mm_prefetch(reinterpret_cast<const char*>(pf + base), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(pf + base + 64), _MM_HINT_T0);
    __m512i lo, hi;
    window_vbmi<Arch>(src + base, row_bytes - base, &lo, &hi);
    const unsigned char* idx = q + 80;
    int e = 0;
    for (int v = 0; e < m; ++v, e += 16, idx += 32) {
      const __m512i ix = _mm512_cvtepu8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(idx)));
      const __m512i pairs = _mm512_maskz_permutex2var_epi8(0x5555555555555555ULL, lo, ix, hi);
      const __m512i r = _mm512_madd_epi16(pairs, _mm512_permutexvar_epi32(lane[v], w));
      if (m - e >= 16)
        _mm512_storeu_si512(h + e, r);
      else
        _mm512_mask_storeu_epi32(h + e, static_cast<__mmask16>((1u << (m - e)) - 1), r);
    }
    h += m;
    q += 16 + 64 + 32 * ((m + 15) / 16);
  }
  return head[0];
}
#endif

// Linear, horizontal: one output pixel per 128-bit step. Its two source pixels are adjacent, so
// one 8-byte load holds both; unpacking pairs each channel of the left pixel with the same
// channel of the right one, and pmaddwd applies (a0, a1). The result is the same exact int32
// sum as ref.
template <class Arch>
void resize_linear_h(const std::uint8_t* src, int row_bytes, std::int32_t* h, const LinearTap* taps, int dw, int cn,
                     const void* plan, const std::uint8_t* next) noexcept {
  int i = 0;
  const std::uint8_t* const pf = next ? next : src;  // prefetching the row being read costs one uop, no branch
  (void)pf;
#if LUODI_IMAGE_VBMI
  if constexpr (kAvx512<Arch>) {
    if (plan) i = resize_linear_h_vbmi<Arch>(src, row_bytes, h, plan, pf);
  }
#else
  (void)plan;
#endif
#if LUODI_IMAGE_NEON
  if constexpr (kNeon<Arch>) i = neon::resize_linear_h<Arch>(src, row_bytes, h, taps, dw, cn);
#endif
#if LUODI_IMAGE_X86
  if constexpr (kAvx2<Arch>) {
    if (cn == 3 || cn == 4) {
      // Two output pixels per step, one in each 128-bit lane: the 8 bytes at ofs0 hold both
      // source pixels (the right one at ofs0 + cn; where ofs1 == ofs0, a1 is 0), one in-lane
      // shuffle makes the (left, right) 16-bit pairs of each channel.
      const __m256i pairs = cn == 3 ? _mm256_setr_epi8(0, -1, 3, -1, 1, -1, 4, -1, 2, -1, 5, -1, -1, -1, -1, -1, 0, -1, 3,
                                                       -1, 1, -1, 4, -1, 2, -1, 5, -1, -1, -1, -1, -1)
                                    : _mm256_setr_epi8(0, -1, 4, -1, 1, -1, 5, -1, 2, -1, 6, -1, 3, -1, 7, -1, 0, -1, 4,
                                                       -1, 1, -1, 5, -1, 2, -1, 6, -1, 3, -1, 7, -1);
      static_assert(sizeof(LinearTap) == 12 && offsetof(LinearTap, a0) == 8, "the weight load below");
      const __m256i wsel = _mm256_setr_epi32(0, 0, 0, 0, 3, 3, 3, 3);
      for (; i + 1 < dw && taps[i + 1].ofs0 + 8 <= row_bytes; i += 2) {
        const LinearTap& t0 = taps[i];
        const LinearTap& t1 = taps[i + 1];
        _mm_prefetch(reinterpret_cast<const char*>(pf + t1.ofs0), _MM_HINT_T0);
        const __m256i b = _mm256_inserti128_si256(
            _mm256_castsi128_si256(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(src + t0.ofs0))),
            _mm_loadl_epi64(reinterpret_cast<const __m128i*>(src + t1.ofs0)), 1);
        // the 16 bytes from t0.a0 to the end of t1 hold (a0 | a1 << 16) of t0 in dword 0 and of t1
        // in dword 3: one load and one vpermd broadcast both weights to their lanes
        const __m256i coef = _mm256_permutevar8x32_epi32(
            _mm256_castsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(&t0.a0))), wsel);
        const __m256i v = _mm256_madd_epi16(_mm256_shuffle_epi8(b, pairs), coef);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(h + i * cn), _mm256_castsi256_si128(v));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(h + (i + 1) * cn), _mm256_extracti128_si256(v, 1));
      }
    }
  }
  if constexpr (kSse2<Arch>) {
    if (cn == 3 || cn == 4) {
      const __m128i zero = _mm_setzero_si128();
      for (; i < dw && taps[i].ofs0 + 8 <= row_bytes; ++i) {
        const LinearTap& t = taps[i];
        const __m128i px = _mm_unpacklo_epi8(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(src + t.ofs0)), zero);
        const __m128i nx = cn == 3 ? _mm_srli_si128(px, 6) : _mm_srli_si128(px, 8);
        std::int32_t coef;
        std::memcpy(&coef, &t.a0, sizeof coef);  // a0 | a1 << 16
        const __m128i v = _mm_madd_epi16(_mm_unpacklo_epi16(px, nx), _mm_set1_epi32(coef));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(h + i * cn), v);  // a 3-channel pixel's 4th lane is overwritten next
      }
    }
  }
#endif
  if (i < dw) ref::resize_linear_h<Arch>(src, row_bytes, h + i * cn, taps + i, dw - i, cn);
}

#if LUODI_IMAGE_VBMI
// The vertical pass below with AVX512-BW, 64 bytes per step (the in-lane packs leave each 128-bit
// lane holding 4 elements of each of the four source vectors; one vpermd restores the order).
template <class Arch>
LUODI_IMAGE_TARGET_VBMI int resize_linear_v_bw(const std::int32_t* h0, const std::int32_t* h1, std::uint8_t* dst, int n,
                                               int b0, int b1) noexcept {
  const __m512i vb0 = _mm512_set1_epi16(static_cast<short>(b0)), vb1 = _mm512_set1_epi16(static_cast<short>(b1));
  const __m512i two = _mm512_set1_epi16(2);
  const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  auto ld = [](const std::int32_t* p) { return _mm512_srai_epi32(_mm512_loadu_si512(p), 4); };
  int i = 0;
  for (; i + 64 <= n; i += 64) {
    const __m512i a01 = _mm512_packs_epi32(ld(h0 + i), ld(h0 + i + 16));
    const __m512i a23 = _mm512_packs_epi32(ld(h0 + i + 32), ld(h0 + i + 48));
    const __m512i c01 = _mm512_packs_epi32(ld(h1 + i), ld(h1 + i + 16));
    const __m512i c23 = _mm512_packs_epi32(ld(h1 + i + 32), ld(h1 + i + 48));
    __m512i s01 = _mm512_adds_epi16(_mm512_mulhi_epi16(a01, vb0), _mm512_mulhi_epi16(c01, vb1));
    __m512i s23 = _mm512_adds_epi16(_mm512_mulhi_epi16(a23, vb0), _mm512_mulhi_epi16(c23, vb1));
    s01 = _mm512_srai_epi16(_mm512_add_epi16(s01, two), 2);
    s23 = _mm512_srai_epi16(_mm512_add_epi16(s23, two), 2);
    _mm512_storeu_si512(dst + i, _mm512_permutexvar_epi32(order, _mm512_packus_epi16(s01, s23)));
  }
  return i;
}
#endif

// Linear, vertical, in 16-bit lanes exactly as OpenCV rounds it: (h >> 4) packed to int16,
// mulhi by the Q11 row weights, saturating add, (+2) >> 2, saturating pack to u8.
template <class Arch>
void resize_linear_v(const std::int32_t* h0, const std::int32_t* h1, std::uint8_t* dst, int n, int b0, int b1) noexcept {
  int i = 0;
#if LUODI_IMAGE_VBMI
  if constexpr (kAvx512<Arch>) {
    if (cpu_has_avx512vbmi<Arch>()) i = resize_linear_v_bw<Arch>(h0, h1, dst, n, b0, b1);
  }
#endif
#if LUODI_IMAGE_NEON
  if constexpr (kNeon<Arch>) i = neon::resize_linear_v<Arch>(h0, h1, dst, n, b0, b1);
#endif
#if LUODI_IMAGE_X86
  if constexpr (kAvx2<Arch>) {
    const __m256i vb0 = _mm256_set1_epi16(static_cast<short>(b0)), vb1 = _mm256_set1_epi16(static_cast<short>(b1));
    const __m256i two = _mm256_set1_epi16(2);
    const __m256i perm = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    auto ld = [](const std::int32_t* p) {
      return _mm256_srai_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)), 4);
    };
    for (; i + 32 <= n; i += 32) {
      const __m256i a01 = _mm256_packs_epi32(ld(h0 + i), ld(h0 + i + 8));
      const __m256i a23 = _mm256_packs_epi32(ld(h0 + i + 16), ld(h0 + i + 24));
      const __m256i c01 = _mm256_packs_epi32(ld(h1 + i), ld(h1 + i + 8));
      const __m256i c23 = _mm256_packs_epi32(ld(h1 + i + 16), ld(h1 + i + 24));
      __m256i s01 = _mm256_adds_epi16(_mm256_mulhi_epi16(a01, vb0), _mm256_mulhi_epi16(c01, vb1));
      __m256i s23 = _mm256_adds_epi16(_mm256_mulhi_epi16(a23, vb0), _mm256_mulhi_epi16(c23, vb1));
      s01 = _mm256_srai_epi16(_mm256_add_epi16(s01, two), 2);
      s23 = _mm256_srai_epi16(_mm256_add_epi16(s23, two), 2);
      const __m256i r = _mm256_permutevar8x32_epi32(_mm256_packus_epi16(s01, s23), perm);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), r);
    }
  }
  if constexpr (kSse2<Arch>) {
    const __m128i vb0 = _mm_set1_epi16(static_cast<short>(b0)), vb1 = _mm_set1_epi16(static_cast<short>(b1));
    const __m128i two = _mm_set1_epi16(2);
    auto ld = [](const std::int32_t* p) {
      return _mm_srai_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)), 4);
    };
    for (; i + 16 <= n; i += 16) {
      const __m128i a01 = _mm_packs_epi32(ld(h0 + i), ld(h0 + i + 4));
      const __m128i a23 = _mm_packs_epi32(ld(h0 + i + 8), ld(h0 + i + 12));
      const __m128i c01 = _mm_packs_epi32(ld(h1 + i), ld(h1 + i + 4));
      const __m128i c23 = _mm_packs_epi32(ld(h1 + i + 8), ld(h1 + i + 12));
      __m128i s01 = _mm_adds_epi16(_mm_mulhi_epi16(a01, vb0), _mm_mulhi_epi16(c01, vb1));
      __m128i s23 = _mm_adds_epi16(_mm_mulhi_epi16(a23, vb0), _mm_mulhi_epi16(c23, vb1));
      s01 = _mm_srai_epi16(_mm_add_epi16(s01, two), 2);
      s23 = _mm_srai_epi16(_mm_add_epi16(s23, two), 2);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), _mm_packus_epi16(s01, s23));
    }
  }
#endif
  if (i < n) ref::resize_linear_v<Arch>(h0 + i, h1 + i, dst + i, n - i, b0, b1);
}

// Area down-scale by integers other than 2x2 (kx * ky <= 257, so that 16-bit sums hold): the
// ky rows are summed column by column in 16-bit lanes (AVX2 or NEON), the kx columns of each
// output element are added from those sums, and round(s * (1.f / (kx*ky))) (round half to
// even, as ref) is vectorised again. Column tiles keep the sums on the stack (2 KiB).
template <class Arch>
int resize_area_int(const std::uint8_t* src, int stride, std::uint8_t* dst, int dw, int cn, int kx, int ky) noexcept {
  constexpr int kCols = 1024;  // source bytes per tile
  const int per_tile = kCols / (kx * cn);  // output pixels per tile
  if (kx * ky > 257 || per_tile < 1) return 0;
  alignas(32) std::uint16_t acc[kCols];
  alignas(32) std::int32_t sums[kCols + 8];
  const float scale = 1.0f / static_cast<float>(kx * ky);
  for (int i = 0; i < dw; i += per_tile) {
    const int m = dw - i < per_tile ? dw - i : per_tile;  // output pixels of this tile
    const int bytes = m * kx * cn;
    const std::uint8_t* s0 = src + std::int64_t(i) * kx * cn;
    int j = 0;
#if LUODI_IMAGE_X86
    if constexpr (kAvx2<Arch>) {
      for (; j + 16 <= bytes; j += 16) {
        __m256i v = _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s0 + j)));
        for (int y = 1; y < ky; ++y)
          v = _mm256_add_epi16(
              v, _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s0 + std::int64_t(y) * stride + j))));
        _mm256_store_si256(reinterpret_cast<__m256i*>(acc + j), v);
      }
    }
#endif
#if LUODI_IMAGE_NEON
    if constexpr (kNeon<Arch>) {
      for (; j + 16 <= bytes; j += 16) {
        uint16x8_t lo = vmovl_u8(vld1_u8(s0 + j)), hi = vmovl_u8(vld1_u8(s0 + j + 8));
        for (int y = 1; y < ky; ++y) {
          const uint8x16_t r = vld1q_u8(s0 + std::int64_t(y) * stride + j);
          lo = vaddw_u8(lo, vget_low_u8(r));
          hi = vaddw_high_u8(hi, r);
        }
        vst1q_u16(acc + j, lo);
        vst1q_u16(acc + j + 8, hi);
      }
    }
#endif
    for (; j < bytes; ++j) {
      int v = 0;
      for (int y = 0; y < ky; ++y) v += s0[std::int64_t(y) * stride + j];
      acc[j] = static_cast<std::uint16_t>(v);
    }
    const int n = m * cn;  // output elements
    for (int p = 0; p < m; ++p)
      for (int c = 0; c < cn; ++c) {
        const std::uint16_t* q = acc + p * kx * cn + c;
        int v = 0;
        for (int x = 0; x < kx; ++x) v += q[x * cn];
        sums[p * cn + c] = v;
      }
    std::uint8_t* d = dst + std::int64_t(i) * cn;
    int e = 0;
#if LUODI_IMAGE_X86
    if constexpr (kAvx2<Arch>) {
      const __m256 vs = _mm256_set1_ps(scale);
      const __m256i perm = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
      for (; e + 16 <= n; e += 16) {
        const __m256i a = _mm256_cvtps_epi32(
            _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(sums + e))), vs));
        const __m256i b = _mm256_cvtps_epi32(
            _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(sums + e + 8))), vs));
        const __m256i w = _mm256_packs_epi32(a, b);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(d + e),
                         _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(_mm256_packus_epi16(w, w), perm)));
      }
    }
#endif
#if LUODI_IMAGE_NEON
    if constexpr (kNeon<Arch>) {
      for (; e + 8 <= n; e += 8) {
        const int32x4_t a = vcvtnq_s32_f32(vmulq_n_f32(vcvtq_f32_s32(vld1q_s32(sums + e)), scale));
        const int32x4_t b = vcvtnq_s32_f32(vmulq_n_f32(vcvtq_f32_s32(vld1q_s32(sums + e + 4)), scale));
        vst1_u8(d + e, vqmovn_u16(vcombine_u16(vqmovun_s32(a), vqmovun_s32(b))));
      }
    }
#endif
    for (; e < n; ++e) d[e] = ref::round_u8<Arch>(static_cast<float>(sums[e]) * scale);
  }
  return dw;
}

// Area 2x2 (and Linear at exactly half size): a shuffle puts the two horizontal neighbours of
// each output byte side by side, pmaddubsw with ones sums them, the two rows are added, and
// (s + 2) >> 2 is packed (NEON: structured loads and pairwise adds, in neon.hpp). Other integer
// factors: resize_area_int.
template <class Arch>
void resize_area_fast_row(const std::uint8_t* src, int stride, std::uint8_t* dst, int dw, int cn, int kx,
                          int ky) noexcept {
  int i = 0;  // output pixel
  if constexpr (kAvx2<Arch> || kNeon<Arch>) {
    if (kx != 2 || ky != 2) {
      i = resize_area_int<Arch>(src, stride, dst, dw, cn, kx, ky);
      if (i == dw) return;
    }
  }
#if LUODI_IMAGE_NEON
  if constexpr (kNeon<Arch>) {
    if (kx == 2 && ky == 2) i = neon::resize_area_2x2<Arch>(src, stride, dst, dw, cn);
  }
#endif
#if LUODI_IMAGE_X86
  if constexpr (kSsse3<Arch>) {
    if (kx == 2 && ky == 2 && (cn == 1 || cn == 3 || cn == 4)) {
      // per step: `px` output pixels from 2 * px input pixels (12 or 16 input bytes)
      const int px = cn == 1 ? 8 : 2;
      int m[16];
      for (int j = 0; j < 16; ++j) {
        const int e = j / 2, k = j % 2;  // output element e of this step, neighbour k
        const int p = e / cn, c = e % cn;
        m[j] = e < px * cn ? (2 * p + k) * cn + c : -1;
      }
      const __m128i sm = shuffle_mask<Arch>(m), ones = _mm_set1_epi8(1), two = _mm_set1_epi16(2);
      const std::uint8_t* r1 = src + stride;
      const int in_bytes = 2 * dw * cn;  // the source columns this row uses
      for (; (2 * i) * cn + 16 <= in_bytes && i * cn + 8 <= dw * cn; i += px) {
        const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 2 * i * cn));
        const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(r1 + 2 * i * cn));
        const __m128i sum = _mm_add_epi16(_mm_maddubs_epi16(_mm_shuffle_epi8(a, sm), ones),
                                          _mm_maddubs_epi16(_mm_shuffle_epi8(b, sm), ones));
        const __m128i v = _mm_srli_epi16(_mm_add_epi16(sum, two), 2);
        _mm_storel_epi64(reinterpret_cast<__m128i*>(dst + i * cn), _mm_packus_epi16(v, v));
      }
    }
  }
#endif
  if (i < dw) ref::resize_area_fast_row<Arch>(src + i * kx * cn, stride, dst + i * cn, dw - i, cn, kx, ky);
}

template <class Arch>
void area_vsum(const std::uint8_t* row, std::int32_t* acc, int n, int init) noexcept {
  int i = 0;
#if LUODI_IMAGE_X86
  if constexpr (kAvx2<Arch>) {
    for (; i + 8 <= n; i += 8) {
      __m256i v = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(row + i)));
      if (!init) v = _mm256_add_epi32(v, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(acc + i)));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + i), v);
    }
  }
#endif
  if (i < n) ref::area_vsum<Arch>(row + i, acc + i, n - i, init);
}

// Same operations, in the same order, as ref::area_mix, 8 lanes at a time.
template <class Arch>
void area_mix(const std::uint8_t* first, const std::int32_t* mid, const std::uint8_t* last, float wf, float wm,
              float wl, float* out, int n) noexcept {
  int i = 0;
#if LUODI_IMAGE_X86
  if constexpr (kAvx2<Arch>) {
    const __m256 vf = _mm256_set1_ps(wf), vm = _mm256_set1_ps(wm), vl = _mm256_set1_ps(wl);
    auto u8 = [](const std::uint8_t* p) {
      return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
    };
    for (; i + 8 <= n; i += 8) {
      __m256 r = first ? _mm256_mul_ps(vf, u8(first + i)) : _mm256_setzero_ps();
      if (mid)
        r = _mm256_add_ps(
            r, _mm256_mul_ps(vm, _mm256_cvtepi32_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(mid + i)))));
      if (last) r = _mm256_add_ps(r, _mm256_mul_ps(vl, u8(last + i)));
      _mm256_storeu_ps(out + i, r);
    }
  }
#endif
  if (i < n)
    ref::area_mix<Arch>(first ? first + i : nullptr, mid ? mid + i : nullptr, last ? last + i : nullptr, wf, wm, wl,
                        out + i, n - i);
}

// One output pixel per step with its channels in the lanes of a 4-float vector (3- and
// 4-channel images); the same sums, in the same order, as ref::area_h.
template <class Arch>
void area_h(const float* r, std::uint8_t* dst, const AreaTap* taps, int dw, int cn) noexcept {
  int i = 0;
#if LUODI_IMAGE_X86
  if constexpr (kSse2<Arch>) {
    if (cn == 3 || cn == 4) {
      for (; i < dw && (cn == 4 || i + 1 < dw); ++i) {
        const AreaTap t = taps[i];
        __m128 m = _mm_setzero_ps();
        for (int k = 0; k < t.nmid; ++k) m = _mm_add_ps(m, _mm_loadu_ps(r + (t.mid0 + k) * cn));
        const __m128 v = _mm_add_ps(_mm_add_ps(_mm_mul_ps(_mm_set1_ps(t.wf), _mm_loadu_ps(r + t.first * cn)),
                                               _mm_mul_ps(_mm_set1_ps(t.wm), m)),
                                    _mm_mul_ps(_mm_set1_ps(t.wl), _mm_loadu_ps(r + t.last * cn)));
        __m128i q = _mm_cvtps_epi32(v);  // round half to even, as nearbyint
        q = _mm_packus_epi16(_mm_packs_epi32(q, q), q);
        const std::int32_t px = _mm_cvtsi128_si32(q);
        std::memcpy(dst + i * cn, &px, 4);
      }
    }
  }
#endif
  if (i < dw) ref::area_h<Arch>(r, dst + i * cn, taps + i, dw - i, cn);
}

// ---- color -------------------------------------------------------------------------------------

// Packed conversions with SSSE3 shuffles, four pixels (or 16 Gray pixels) per step.
template <class Arch>
void packed_convert(const std::uint8_t* src, std::uint8_t* dst, int n, PackedConvert p) noexcept {
  int i = 0;
#if LUODI_IMAGE_NEON
  if constexpr (kNeon<Arch>) i = neon::packed_convert<Arch>(src, dst, n, p);
#endif
#if LUODI_IMAGE_X86
  if constexpr (kSsse3<Arch>) {
    const int scn = p.scn, dcn = p.dcn;
    if (dcn == 1 && scn > 1) {
      // (R, G) pairs and (B, 1) pairs against (cR, cG) and (cB, 2^14): pmaddwd gives the Q15 sum.
      const int bi = p.src_blue, ri = 2 - p.src_blue;
      int mrg[16], mb[16];
      for (int k = 0; k < 4; ++k) {
        mrg[4 * k] = k * scn + ri, mrg[4 * k + 1] = -1, mrg[4 * k + 2] = k * scn + 1, mrg[4 * k + 3] = -1;
        mb[4 * k] = k * scn + bi, mb[4 * k + 1] = -1, mb[4 * k + 2] = -1, mb[4 * k + 3] = -1;
      }
      const __m128i srg = shuffle_mask<Arch>(mrg), sb = shuffle_mask<Arch>(mb);
      const __m128i one_hi = _mm_set1_epi32(1 << 16);
      const __m128i crg = _mm_set1_epi32((kGrayG << 16) | kGrayR);
      const __m128i cb1 = _mm_set1_epi32(((1 << (kGrayShift - 1)) << 16) | kGrayB);
      for (; i + 4 <= n && (i + 4) * scn + (16 - 4 * scn) <= n * scn; i += 4) {
        const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i * scn));
        const __m128i rg = _mm_shuffle_epi8(x, srg);
        const __m128i b1 = _mm_or_si128(_mm_shuffle_epi8(x, sb), one_hi);
        __m128i y = _mm_srai_epi32(_mm_add_epi32(_mm_madd_epi16(rg, crg), _mm_madd_epi16(b1, cb1)), kGrayShift);
        y = _mm_packus_epi16(_mm_packs_epi32(y, y), y);
        const std::int32_t px = _mm_cvtsi128_si32(y);
        std::memcpy(dst + i, &px, 4);
      }
    } else if (scn == 1) {
      if (dcn == 3) {
        int m[3][16];
        for (int part = 0; part < 3; ++part)
          for (int j = 0; j < 16; ++j) m[part][j] = (part * 16 + j) / 3;
        const __m128i m0 = shuffle_mask<Arch>(m[0]), m1 = shuffle_mask<Arch>(m[1]), m2 = shuffle_mask<Arch>(m[2]);
        for (; i + 16 <= n; i += 16) {
          const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
          _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + 3 * i), _mm_shuffle_epi8(x, m0));
          _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + 3 * i + 16), _mm_shuffle_epi8(x, m1));
          _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + 3 * i + 32), _mm_shuffle_epi8(x, m2));
        }
      } else {
        const __m128i alpha = _mm_set1_epi8(-1);
        for (; i + 16 <= n; i += 16) {
          const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
          store_interleave4<Arch>(dst + 4 * i, x, x, x, alpha);
        }
      }
    } else {
      if constexpr (kAvx2<Arch>) {
        if (scn == 3 && dcn == 3 && p.swap_rb) {
          // RGB <-> BGR: output byte k is input byte k + 2, k or k - 2 as k % 3 is 0, 1 or 2, so
          // each 32-byte block is two blends of three overlapping loads (a 96-byte group has three
          // phases). Pixel 0 goes first, by ref, so that no load starts before the row.
          alignas(32) std::int8_t ml[3][32], mr[3][32];
          for (int blk = 0; blk < 3; ++blk)
            for (int j = 0; j < 32; ++j) {
              ml[blk][j] = static_cast<std::int8_t>((32 * blk + j) % 3 == 0 ? -1 : 0);
              mr[blk][j] = static_cast<std::int8_t>((32 * blk + j) % 3 == 2 ? -1 : 0);
            }
          __m256i vl[3], vr[3];
          for (int blk = 0; blk < 3; ++blk) {
            vl[blk] = _mm256_load_si256(reinterpret_cast<const __m256i*>(ml[blk]));
            vr[blk] = _mm256_load_si256(reinterpret_cast<const __m256i*>(mr[blk]));
          }
          ref::packed_convert<Arch>(src, dst, 1, p);
          i = 1;
          for (; 3 * i + 98 <= 3 * n; i += 32) {
            const std::uint8_t* sp = src + 3 * i;
            std::uint8_t* dp = dst + 3 * i;
            for (int blk = 0; blk < 3; ++blk) {
              const std::uint8_t* q = sp + 32 * blk;
              const __m256i mid = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q));
              const __m256i nxt = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q + 2));
              const __m256i prv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q - 2));
              _mm256_storeu_si256(reinterpret_cast<__m256i*>(dp + 32 * blk),
                                  _mm256_blendv_epi8(_mm256_blendv_epi8(mid, nxt, vl[blk]), prv, vr[blk]));
            }
          }
        } else if (scn == 4 && dcn == 4 && p.swap_rb) {
          // RGBA <-> BGRA: pixels never straddle 16 bytes, one in-lane shuffle per 8 pixels
          const __m256i sm = _mm256_setr_epi8(2, 1, 0, 3, 6, 5, 4, 7, 10, 9, 8, 11, 14, 13, 12, 15, 2, 1, 0, 3, 6, 5, 4,
                                              7, 10, 9, 8, 11, 14, 13, 12, 15);
          for (; i + 8 <= n; i += 8)
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + 4 * i),
                                _mm256_shuffle_epi8(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + 4 * i)), sm));
        }
      }
      // Reorder / drop alpha / add alpha: one shuffle per 4 pixels.
      int m[16];
      for (int j = 0; j < 16; ++j) {
        const int px = j / dcn, c = j % dcn;
        if (px >= 4 || (dcn == 3 && j >= 12)) {
          m[j] = -1;
        } else if (c == 3) {
          m[j] = scn == 4 ? px * 4 + 3 : -1;
        } else {
          const int sc = p.swap_rb ? (c == 0 ? 2 : (c == 2 ? 0 : 1)) : c;
          m[j] = px * scn + sc;
        }
      }
      const __m128i sm = shuffle_mask<Arch>(m);
      const __m128i alpha = (scn == 3 && dcn == 4) ? _mm_set1_epi32(static_cast<int>(0xff000000u)) : _mm_setzero_si128();
      // 16-byte loads and stores must stay inside the rows: stop 2 pixels early for 3 channels.
      const int end = n - (scn == 3 || dcn == 3 ? 6 : 4);
      if constexpr (kAvx2<Arch>) {
        // Two 4-pixel groups per 256-bit shuffle.
        const __m256i sm2 = _mm256_broadcastsi128_si256(sm), alpha2 = _mm256_broadcastsi128_si256(alpha);
        for (; i + 4 <= end; i += 8) {
          const __m256i x = _mm256_inserti128_si256(
              _mm256_castsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i * scn))),
              _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + (i + 4) * scn)), 1);
          const __m256i y = _mm256_or_si256(_mm256_shuffle_epi8(x, sm2), alpha2);
          _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i * dcn), _mm256_castsi256_si128(y));
          _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + (i + 4) * dcn), _mm256_extracti128_si256(y, 1));
        }
      }
      for (; i <= end; i += 4) {
        const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i * scn));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i * dcn), _mm_or_si128(_mm_shuffle_epi8(x, sm), alpha));
      }
    }
  }
#endif
  if (i < n) ref::packed_convert<Arch>(src + i * p.scn, dst + i * p.dcn, n - i, p);
}

// YUV 4:2:0 -> RGB/BGR(A), 16 pixels of both rows per step, in exact int32 arithmetic (the Q20
// products need 32 bits): AVX-512F with 16 lanes, or AVX2 with two halves of 8.
template <class Arch>
void yuv420_to_rgb_rows(const YuvRows& yr, std::uint8_t* d0, std::uint8_t* d1, int width, int dcn, int bidx) noexcept {
  int x = 0;
#if LUODI_IMAGE_NEON
  if constexpr (kNeon<Arch>) x = neon::yuv420_to_rgb_rows<Arch>(yr, d0, d1, width, dcn, bidx);
#endif
#if LUODI_IMAGE_X86
  if constexpr (kAvx2<Arch>) {
    const Interleave3<Arch> il3;
    const __m256i c128 = _mm256_set1_epi32(128), c16 = _mm256_set1_epi32(16), zero = _mm256_setzero_si256();
    const __m256i half = _mm256_set1_epi32(1 << (kYuvShift - 1));
    const __m256i cy = _mm256_set1_epi32(kYuvCY), cvr = _mm256_set1_epi32(kYuvCVR), cvg = _mm256_set1_epi32(kYuvCVG),
                  cug = _mm256_set1_epi32(kYuvCUG), cub = _mm256_set1_epi32(kYuvCUB);
    const __m256i lo8 = _mm256_set1_epi32(0xff);
    const bool nv = yr.uv_step == 2;
    const std::uint8_t* uvbase = nv ? (yr.u < yr.v ? yr.u : yr.v) : nullptr;
    const bool u_first = yr.u < yr.v;
    const __m128i alpha = _mm_set1_epi8(-1);
    for (; x + 16 <= width; x += 16) {
      __m256i u, v;
      if (nv) {
        const __m256i w = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(uvbase + x)));
        const __m256i a = _mm256_and_si256(w, lo8), b = _mm256_srli_epi32(w, 8);
        u = u_first ? a : b;
        v = u_first ? b : a;
      } else {
        u = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(yr.u + x / 2)));
        v = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(yr.v + x / 2)));
      }
      u = _mm256_sub_epi32(u, c128);
      v = _mm256_sub_epi32(v, c128);
      const __m256i ruv = _mm256_add_epi32(half, _mm256_mullo_epi32(cvr, v));
      const __m256i guv = _mm256_add_epi32(half, _mm256_add_epi32(_mm256_mullo_epi32(cvg, v), _mm256_mullo_epi32(cug, u)));
      const __m256i buv = _mm256_add_epi32(half, _mm256_mullo_epi32(cub, u));
      for (int r = 0; r < 2; ++r) {
        std::uint8_t* d = r ? d1 : d0;
        if (!d) continue;
        const std::uint8_t* ys = (r ? yr.y1 : yr.y0) + x;
        __m128i planes[3];  // B, G, R
        if constexpr (kAvx512<Arch>) {
          const __m512i dup = _mm512_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
          __m512i yy = _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(ys)));
          yy = _mm512_mullo_epi32(_mm512_max_epi32(_mm512_sub_epi32(yy, _mm512_set1_epi32(16)), _mm512_setzero_si512()),
                                  _mm512_set1_epi32(kYuvCY));
          const __m256i c3[3] = {buv, guv, ruv};
          for (int c = 0; c < 3; ++c) {
            const __m512i cc = _mm512_permutexvar_epi32(dup, _mm512_castsi256_si512(c3[c]));
            const __m512i val = _mm512_max_epi32(_mm512_srai_epi32(_mm512_add_epi32(yy, cc), kYuvShift),
                                                 _mm512_setzero_si512());
            planes[c] = _mm512_cvtusepi32_epi8(val);
          }
        } else {
          const __m256i dlo = _mm256_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3), dhi = _mm256_setr_epi32(4, 4, 5, 5, 6, 6, 7, 7);
          const __m256i perm = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
          const __m128i y16 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(ys));
          __m256i ylo = _mm256_cvtepu8_epi32(y16), yhi = _mm256_cvtepu8_epi32(_mm_srli_si128(y16, 8));
          ylo = _mm256_mullo_epi32(_mm256_max_epi32(_mm256_sub_epi32(ylo, c16), zero), cy);
          yhi = _mm256_mullo_epi32(_mm256_max_epi32(_mm256_sub_epi32(yhi, c16), zero), cy);
          const __m256i c3[3] = {buv, guv, ruv};
          for (int c = 0; c < 3; ++c) {
            const __m256i lo = _mm256_srai_epi32(_mm256_add_epi32(ylo, _mm256_permutevar8x32_epi32(c3[c], dlo)), kYuvShift);
            const __m256i hi = _mm256_srai_epi32(_mm256_add_epi32(yhi, _mm256_permutevar8x32_epi32(c3[c], dhi)), kYuvShift);
            const __m256i w = _mm256_packs_epi32(lo, hi);
            planes[c] = _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(_mm256_packus_epi16(w, w), perm));
          }
        }
        const __m128i first = bidx == 0 ? planes[0] : planes[2], third = bidx == 0 ? planes[2] : planes[0];
        if (dcn == 3)
          il3.store(d + 3 * x, first, planes[1], third);
        else
          store_interleave4<Arch>(d + 4 * x, first, planes[1], third, alpha);
      }
    }
  }
#endif
  if (x < width) {
    YuvRows rest = yr;
    rest.y0 += x;
    rest.y1 += x;
    rest.u += (x / 2) * yr.uv_step;
    rest.v += (x / 2) * yr.uv_step;
    ref::yuv420_to_rgb_rows<Arch>(rest, d0 ? d0 + x * dcn : nullptr, d1 ? d1 + x * dcn : nullptr, width - x, dcn, bidx);
  }
}

// ---- warp --------------------------------------------------------------------------------------

// Warps, 8 output pixels per AVX2 step: the fixed-point source positions of ref, four 32-bit
// gathers for the 2x2 neighbourhood, and pmaddwd on (left, right) pixel pairs with the Q10
// weights (32-fx)(32-fy) ... (the Q15 weights of ref are these times 32, so (sum + 512) >> 10
// equals ref's (32*sum + 2^14) >> 15 exactly). With a Constant border, pixels whose whole
// neighbourhood is outside the image are masked out of the gathers and take the border value,
// as in ref; a step with a pixel that straddles the edge (or is near it, or any outside pixel
// with the other borders), or a source larger than 2 GiB (32-bit gather offsets), goes to ref.
template <class Arch>
LUODI_ALWAYS_INLINE bool warp_simd_ok(const ref::WarpSource& s) noexcept {
  return static_cast<std::int64_t>(s.stride) * s.height < 2147483647LL && s.width > 4 && s.height > 1;
}

template <class Arch>
void warp_linear_row(const ref::WarpSource& s, std::uint8_t* dst, int n, int X0, int Y0, const std::int32_t* adelta,
                     const std::int32_t* bdelta) noexcept {
  int i = 0;
#if LUODI_IMAGE_X86
  if constexpr (kAvx2<Arch>) {
    if (warp_simd_ok<Arch>(s)) {
      const int cn = s.cn;
      const __m256i vx0 = _mm256_set1_epi32(X0), vy0 = _mm256_set1_epi32(Y0);
      const __m256i xmax = _mm256_set1_epi32(s.width - 5), ymax = _mm256_set1_epi32(s.height - 2);
      const __m256i m1 = _mm256_set1_epi32(-1), c31 = _mm256_set1_epi32(31), c32 = _mm256_set1_epi32(32);
      const __m256i vcn = _mm256_set1_epi32(cn), vstride = _mm256_set1_epi32(s.stride);
      const __m256i lo8 = _mm256_set1_epi32(0xff), hi8 = _mm256_set1_epi32(0xff0000), round = _mm256_set1_epi32(512);
      const __m256i wlast = _mm256_set1_epi32(s.width - 1), hlast = _mm256_set1_epi32(s.height - 1);
      const __m256i fill = _mm256_set1_epi32(s.border_value);
      const bool constant = s.border == Border::Constant;
      const int* base = reinterpret_cast<const int*>(s.data);
      for (; i + 8 <= n; i += 8) {
        const __m256i X = _mm256_srai_epi32(
            _mm256_add_epi32(vx0, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(adelta + i))), 5);
        const __m256i Y = _mm256_srai_epi32(
            _mm256_add_epi32(vy0, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bdelta + i))), 5);
        const __m256i sx = _mm256_srai_epi32(X, 5), sy = _mm256_srai_epi32(Y, 5);
        // inside: 0 <= sx <= width - 5 and 0 <= sy <= height - 2, so the 4-byte gathers at sx + 1
        // stay inside the row (no 16-bit saturation can occur there either)
        const __m256i out = _mm256_or_si256(
            _mm256_or_si256(_mm256_cmpgt_epi32(_mm256_setzero_si256(), sx), _mm256_cmpgt_epi32(sx, xmax)),
            _mm256_or_si256(_mm256_cmpgt_epi32(_mm256_setzero_si256(), sy), _mm256_cmpgt_epi32(sy, ymax)));
        // all four neighbours outside the image: with a Constant border the pixel is the border value
        __m256i gone = _mm256_setzero_si256();
        if (!_mm256_testz_si256(out, m1)) {
          gone = _mm256_or_si256(
              _mm256_or_si256(_mm256_cmpgt_epi32(sx, wlast), _mm256_cmpgt_epi32(_mm256_set1_epi32(-1), sx)),
              _mm256_or_si256(_mm256_cmpgt_epi32(sy, hlast), _mm256_cmpgt_epi32(_mm256_set1_epi32(-1), sy)));
          if (!constant || !_mm256_testc_si256(gone, out)) {  // some pixel straddles the edge
            ref::warp_linear_row<Arch>(s, dst + i * cn, 8, X0, Y0, adelta + i, bdelta + i);
            continue;
          }
        }
        const __m256i keep = _mm256_xor_si256(gone, m1);  // the lanes read from the image
        const __m256i fx = _mm256_and_si256(X, c31), fy = _mm256_and_si256(Y, c31);
        const __m256i ax = _mm256_sub_epi32(c32, fx), ay = _mm256_sub_epi32(c32, fy);
        const __m256i wa = _mm256_or_si256(_mm256_mullo_epi16(ax, ay), _mm256_slli_epi32(_mm256_mullo_epi16(fx, ay), 16));
        const __m256i wb = _mm256_or_si256(_mm256_mullo_epi16(ax, fy), _mm256_slli_epi32(_mm256_mullo_epi16(fx, fy), 16));
        const __m256i off = _mm256_add_epi32(_mm256_mullo_epi32(sy, vstride), _mm256_mullo_epi32(sx, vcn));
        const __m256i z = _mm256_setzero_si256();
        const __m256i g00 = _mm256_mask_i32gather_epi32(z, base, off, keep, 1);
        const __m256i g01 = _mm256_mask_i32gather_epi32(z, base, _mm256_add_epi32(off, vcn), keep, 1);
        const __m256i off1 = _mm256_add_epi32(off, vstride);
        const __m256i g10 = _mm256_mask_i32gather_epi32(z, base, off1, keep, 1);
        const __m256i g11 = _mm256_mask_i32gather_epi32(z, base, _mm256_add_epi32(off1, vcn), keep, 1);
        __m256i res[4];
        for (int c = 0; c < cn; ++c) {
          // (p_left | p_right << 16) for channel c of both rows
          __m256i pa, pb;
          if (c == 0) {
            pa = _mm256_or_si256(_mm256_and_si256(g00, lo8), _mm256_and_si256(_mm256_slli_epi32(g01, 16), hi8));
            pb = _mm256_or_si256(_mm256_and_si256(g10, lo8), _mm256_and_si256(_mm256_slli_epi32(g11, 16), hi8));
          } else if (c == 1) {
            pa = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi32(g00, 8), lo8),
                                 _mm256_and_si256(_mm256_slli_epi32(g01, 8), hi8));
            pb = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi32(g10, 8), lo8),
                                 _mm256_and_si256(_mm256_slli_epi32(g11, 8), hi8));
          } else if (c == 2) {
            pa = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi32(g00, 16), lo8), _mm256_and_si256(g01, hi8));
            pb = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi32(g10, 16), lo8), _mm256_and_si256(g11, hi8));
          } else {
            pa = _mm256_or_si256(_mm256_srli_epi32(g00, 24), _mm256_and_si256(_mm256_srli_epi32(g01, 8), hi8));
            pb = _mm256_or_si256(_mm256_srli_epi32(g10, 24), _mm256_and_si256(_mm256_srli_epi32(g11, 8), hi8));
          }
          const __m256i sum = _mm256_add_epi32(_mm256_madd_epi16(pa, wa), _mm256_madd_epi16(pb, wb));
          res[c] = _mm256_blendv_epi8(_mm256_srai_epi32(_mm256_add_epi32(sum, round), 10), fill, gone);  // 0..255
        }
        std::uint8_t* d = dst + i * cn;
        if (cn == 1) {
          __m256i v = _mm256_packus_epi32(res[0], res[0]);
          v = _mm256_packus_epi16(v, v);  // bytes 0-3 of each lane
          const std::int32_t a = _mm256_cvtsi256_si32(v), b = _mm_cvtsi128_si32(_mm256_extracti128_si256(v, 1));
          std::memcpy(d, &a, 4);
          std::memcpy(d + 4, &b, 4);
        } else {
          // pixel dword = c0 | c1 << 8 | c2 << 16 (| c3 << 24)
          __m256i px = _mm256_or_si256(res[0], _mm256_or_si256(_mm256_slli_epi32(res[1], 8), _mm256_slli_epi32(res[2], 16)));
          if (cn == 4) {
            px = _mm256_or_si256(px, _mm256_slli_epi32(res[3], 24));
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(d), px);
          } else {
            const __m256i c = _mm256_permutevar8x32_epi32(
                _mm256_shuffle_epi8(px, _mm256_broadcastsi128_si256(shuffle_mask<Arch>(
                                            {0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1}))),
                _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 3, 7));
            _mm_storeu_si128(reinterpret_cast<__m128i*>(d), _mm256_castsi256_si128(c));
            _mm_storel_epi64(reinterpret_cast<__m128i*>(d + 16), _mm256_extracti128_si256(c, 1));
          }
        }
      }
    }
  }
#endif
  if (i < n) ref::warp_linear_row<Arch>(s, dst + i * s.cn, n - i, X0, Y0, adelta + i, bdelta + i);
}

template <class Arch>
void warp_nn_row(const ref::WarpSource& s, std::uint8_t* dst, int n, int X0, int Y0, const std::int32_t* adelta,
                 const std::int32_t* bdelta) noexcept {
  int i = 0;
#if LUODI_IMAGE_X86
  if constexpr (kAvx2<Arch>) {
    if (warp_simd_ok<Arch>(s)) {
      const int cn = s.cn;
      const __m256i vx0 = _mm256_set1_epi32(X0), vy0 = _mm256_set1_epi32(Y0);
      const __m256i xmax = _mm256_set1_epi32(s.width - 4), ymax = _mm256_set1_epi32(s.height - 1);
      const __m256i m1 = _mm256_set1_epi32(-1);
      const __m256i vcn = _mm256_set1_epi32(cn), vstride = _mm256_set1_epi32(s.stride);
      const __m256i c3 = _mm256_broadcastsi128_si256(
          shuffle_mask<Arch>({0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1}));
      const __m256i lo8 = _mm256_set1_epi32(0xff), pack3 = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 3, 7);
      const __m256i wmax = _mm256_set1_epi32(s.width - 1), zero = _mm256_setzero_si256();
      const bool constant = s.border == Border::Constant;
      const __m256i fill = _mm256_set1_epi8(static_cast<char>(s.border_value));
      const int* base = reinterpret_cast<const int*>(s.data);
      for (; i + 8 <= n; i += 8) {
        const __m256i sx = _mm256_srai_epi32(
            _mm256_add_epi32(vx0, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(adelta + i))), kWarpAbBits);
        const __m256i sy = _mm256_srai_epi32(
            _mm256_add_epi32(vy0, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bdelta + i))), kWarpAbBits);
        // outside the image, and (inside but) too close to the right edge for a 4-byte read
        const __m256i outside = _mm256_or_si256(
            _mm256_or_si256(_mm256_cmpgt_epi32(zero, sx), _mm256_cmpgt_epi32(sx, wmax)),
            _mm256_or_si256(_mm256_cmpgt_epi32(zero, sy), _mm256_cmpgt_epi32(sy, ymax)));
        const __m256i unsafe = _mm256_or_si256(outside, _mm256_cmpgt_epi32(sx, xmax));
        const __m256i off = _mm256_add_epi32(_mm256_mullo_epi32(sy, vstride), _mm256_mullo_epi32(sx, vcn));
        __m256i g;
        if (_mm256_testz_si256(unsafe, m1)) {
          g = _mm256_i32gather_epi32(base, off, 1);
        } else if (constant && _mm256_testc_si256(outside, unsafe)) {
          // the lanes outside the image take the border value (Constant), the others are read
          g = _mm256_mask_i32gather_epi32(fill, base, off, _mm256_xor_si256(outside, m1), 1);
        } else {
          ref::warp_nn_row<Arch>(s, dst + i * cn, 8, X0, Y0, adelta + i, bdelta + i);
          continue;
        }
        std::uint8_t* d = dst + i * cn;
        if (cn == 4) {
          _mm256_storeu_si256(reinterpret_cast<__m256i*>(d), g);
        } else if (cn == 3) {
          // 12 bytes per lane, then the two lanes' 24 bytes contiguous
          const __m256i c = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(g, c3), pack3);
          _mm_storeu_si128(reinterpret_cast<__m128i*>(d), _mm256_castsi256_si128(c));
          _mm_storel_epi64(reinterpret_cast<__m128i*>(d + 16), _mm256_extracti128_si256(c, 1));
        } else {
          __m256i v = _mm256_and_si256(g, lo8);
          v = _mm256_packus_epi32(v, v);
          v = _mm256_packus_epi16(v, v);
          const std::int32_t a = _mm256_cvtsi256_si32(v), b = _mm_cvtsi128_si32(_mm256_extracti128_si256(v, 1));
          std::memcpy(d, &a, 4);
          std::memcpy(d + 4, &b, 4);
        }
      }
    }
  }
#endif
  if (i < n) ref::warp_nn_row<Arch>(s, dst + i * s.cn, n - i, X0, Y0, adelta + i, bdelta + i);
}

// ---- fused preprocessing -----------------------------------------------------------------------

#if LUODI_IMAGE_X86
// YUV sampling, 8 taps per AVX2 step. Every tap reads the two adjacent pixels x0 and x0 + 1
// (FusedTaps guarantees a1 == 0 where x1 == x0, so the second pixel then does not count), and
// works in "pair order": vector A holds, per 128-bit lane j, the pixels (p0, p1) of taps 4j and
// 4j + 1, vector B those of taps 4j + 2 and 4j + 3. packusdw(A, B) then lays out (p0, p1) of taps
// 4j..4j+3 as 16-bit pairs in tap order, and pmaddwd with (a0 | a1 << 16) is the exact resize sum.
//
// The conversion is ref's integer formula regrouped, which is exact in int32:
//   y' + 2^19 + CUB*(U-128) = y' + CUB*U + (2^19 - 128*CUB), and likewise for G and R,
// so one 32-bit multiply per pixel for Y (y' = max(Y-16, 0)*CY, with Y-16 saturated in bytes),
// and the chroma terms CUB*U + kB, ... once per chroma row (shared by two rows when they have the
// same chroma row). The clamp to 0..255 is packusdw's saturation at 0 and a 16-bit min.
template <class Arch>
LUODI_ALWAYS_INLINE void fused_yuv_terms_avx2(const FusedChromaRow& c, bool nv, bool nv12, __m256i x0,
                                              __m256i t[3][2]) noexcept {
  const __m256i lo8 = _mm256_set1_epi32(0xff), one = _mm256_set1_epi32(1);
  __m256i u[2], v[2];
  if (nv) {
    // dword at 2*(x0/2): U, V of pixel x0, then U, V of the next pair; pixel x0 + 1 takes the
    // latter when x0 is odd (a 16-bit shift of the dword)
    const __m256i g0 = _mm256_i32gather_epi32(reinterpret_cast<const int*>(c.uv), _mm256_andnot_si256(one, x0), 1);
    const __m256i g1 = _mm256_srlv_epi32(g0, _mm256_slli_epi32(_mm256_and_si256(x0, one), 4));
    const __m256i p[2] = {_mm256_unpacklo_epi32(g0, g1), _mm256_unpackhi_epi32(g0, g1)};
    for (int k = 0; k < 2; ++k) {
      const __m256i e0 = _mm256_and_si256(p[k], lo8), e1 = _mm256_and_si256(_mm256_srli_epi32(p[k], 8), lo8);
      u[k] = nv12 ? e0 : e1;
      v[k] = nv12 ? e1 : e0;
    }
  } else {
    const __m256i xh = _mm256_srli_epi32(x0, 1), sh = _mm256_slli_epi32(_mm256_and_si256(x0, one), 3);
    const __m256i gu = _mm256_i32gather_epi32(reinterpret_cast<const int*>(c.u), xh, 1);
    const __m256i gv = _mm256_i32gather_epi32(reinterpret_cast<const int*>(c.v), xh, 1);
    const __m256i gu1 = _mm256_srlv_epi32(gu, sh), gv1 = _mm256_srlv_epi32(gv, sh);
    u[0] = _mm256_and_si256(_mm256_unpacklo_epi32(gu, gu1), lo8);
    u[1] = _mm256_and_si256(_mm256_unpackhi_epi32(gu, gu1), lo8);
    v[0] = _mm256_and_si256(_mm256_unpacklo_epi32(gv, gv1), lo8);
    v[1] = _mm256_and_si256(_mm256_unpackhi_epi32(gv, gv1), lo8);
  }
  const int half = 1 << (kYuvShift - 1);
  const __m256i cub = _mm256_set1_epi32(kYuvCUB), cug = _mm256_set1_epi32(kYuvCUG), cvg = _mm256_set1_epi32(kYuvCVG),
                cvr = _mm256_set1_epi32(kYuvCVR);
  const __m256i kb = _mm256_set1_epi32(half - 128 * kYuvCUB), kg = _mm256_set1_epi32(half - 128 * (kYuvCUG + kYuvCVG)),
                kr = _mm256_set1_epi32(half - 128 * kYuvCVR);
  for (int k = 0; k < 2; ++k) {
    t[0][k] = _mm256_add_epi32(_mm256_mullo_epi32(u[k], cub), kb);
    t[1][k] = _mm256_add_epi32(_mm256_add_epi32(_mm256_mullo_epi32(u[k], cug), _mm256_mullo_epi32(v[k], cvg)), kg);
    t[2][k] = _mm256_add_epi32(_mm256_mullo_epi32(v[k], cvr), kr);
  }
}

// One row, 8 taps: h[pos[c] * n] = the resize sums of channel c (B, G, R terms in t).
template <class Arch>
LUODI_ALWAYS_INLINE void fused_yuv_rgb_step_avx2(const std::uint8_t* yrow, __m256i x0, __m256i w, const __m256i t[3][2],
                                                 const int pos[3], std::int32_t* h, int n) noexcept {
  const __m256i ctl_a = _mm256_setr_epi8(0, -1, -1, -1, 1, -1, -1, -1, 4, -1, -1, -1, 5, -1, -1, -1, 0, -1, -1, -1, 1,
                                         -1, -1, -1, 4, -1, -1, -1, 5, -1, -1, -1);
  const __m256i ctl_b = _mm256_setr_epi8(8, -1, -1, -1, 9, -1, -1, -1, 12, -1, -1, -1, 13, -1, -1, -1, 8, -1, -1, -1, 9,
                                         -1, -1, -1, 12, -1, -1, -1, 13, -1, -1, -1);
  const __m256i g = _mm256_subs_epu8(_mm256_i32gather_epi32(reinterpret_cast<const int*>(yrow), x0, 1),
                                     _mm256_set1_epi8(16));
  const __m256i cy = _mm256_set1_epi32(kYuvCY), c255 = _mm256_set1_epi16(255);
  const __m256i ya = _mm256_mullo_epi32(_mm256_shuffle_epi8(g, ctl_a), cy);
  const __m256i yb = _mm256_mullo_epi32(_mm256_shuffle_epi8(g, ctl_b), cy);
  for (int c = 0; c < 3; ++c) {
    const __m256i pa = _mm256_srai_epi32(_mm256_add_epi32(ya, t[c][0]), kYuvShift);
    const __m256i pb = _mm256_srai_epi32(_mm256_add_epi32(yb, t[c][1]), kYuvShift);
    const __m256i p = _mm256_min_epi16(_mm256_packus_epi32(pa, pb), c255);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(h + pos[c] * n), _mm256_madd_epi16(p, w));
  }
}

// Y only (Gray output, or a Gray source): (Y(x0) | Y(x0+1) << 16) against the weights.
template <class Arch>
LUODI_ALWAYS_INLINE __m256i fused_gray_step_avx2(const std::uint8_t* row, __m256i x0, __m256i w) noexcept {
  const __m256i ctl = _mm256_setr_epi8(0, -1, 1, -1, 4, -1, 5, -1, 8, -1, 9, -1, 12, -1, 13, -1, 0, -1, 1, -1, 4, -1, 5,
                                       -1, 8, -1, 9, -1, 12, -1, 13, -1);
  const __m256i g = _mm256_i32gather_epi32(reinterpret_cast<const int*>(row), x0, 1);
  return _mm256_madd_epi16(_mm256_shuffle_epi8(g, ctl), w);
}

// YUV rows sy[0..nrows) (nrows 1 or 2) into h[r]; returns the number of taps done.
template <class Arch>
int fused_yuv_rows_avx2(const FusedSource& s, const int* sy, int nrows, const FusedTaps& t, int i, int n, int ocn,
                        int bidx, std::int32_t* const* h) noexcept {
  const std::uint8_t* yrow[2] = {s.data + std::int64_t(sy[0]) * s.stride,
                                 s.data + std::int64_t(sy[nrows - 1]) * s.stride};
  auto load = [](const std::int32_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); };
  if (ocn == 1) {
    for (; i + 8 <= n && t.x0[i + 7] + 8 <= s.width; i += 8) {
      const __m256i x0 = load(t.x0 + i), w = load(t.w + i);
      for (int r = 0; r < nrows; ++r)
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(h[r] + i), fused_gray_step_avx2<Arch>(yrow[r], x0, w));
    }
    return i;
  }
  const bool nv = s.format != PixelFormat::I420, nv12 = s.format == PixelFormat::NV12;
  const FusedChromaRow c0 = ref::fused_chroma_row<Arch>(s, sy[0]), c1 = ref::fused_chroma_row<Arch>(s, sy[nrows - 1]);
  const bool shared = sy[0] / 2 == sy[nrows - 1] / 2;
  const int pos[3] = {bidx, 1, bidx ^ 2};
  for (; i + 8 <= n && t.x0[i + 7] + 8 <= s.width; i += 8) {
    const __m256i x0 = load(t.x0 + i), w = load(t.w + i);
    __m256i tc[3][2];
    fused_yuv_terms_avx2<Arch>(c0, nv, nv12, x0, tc);
    fused_yuv_rgb_step_avx2<Arch>(yrow[0], x0, w, tc, pos, h[0] + i, n);
    if (nrows == 2) {
      if (!shared) fused_yuv_terms_avx2<Arch>(c1, nv, nv12, x0, tc);
      fused_yuv_rgb_step_avx2<Arch>(yrow[1], x0, w, tc, pos, h[1] + i, n);
    }
  }
  return i;
}

#if LUODI_IMAGE_VBMI
// YUV sampling without gathers (AVX512-VBMI): the pixels of 8 taps (x0 .. x0 + 1 of each) lie in
// a window of at most 128 bytes of the Y row, and so do their chroma samples, whenever the taps
// are at most ~15 pixels apart. Two 64-byte loads of the window and one vpermi2b put each pixel's
// byte in its dword lane, already in the pair order of the AVX2 kernel (lanes 0-7 are its vector
// A, lanes 8-15 its B); the conversion and the resize sum are then the same arithmetic.
// Loads that would pass the end of a row are masked (the bytes beyond are never used: a pixel
// past the row is an x0 + 1 whose weight is 0).
// The chroma terms (as in fused_yuv_terms_avx2) of the 16 pixels whose chroma bytes are at
// cidx (U; V at cidx + 1 for NV12/NV21, or at cidx of the V plane for I420).
template <class Arch>
LUODI_IMAGE_TARGET_VBMI LUODI_ALWAYS_INLINE void fused_terms_vbmi(const FusedChromaRow& c, bool i420, bool nv12,
                                                                  int cbase, std::int64_t avail, __m512i cidx,
                                                                  __m512i* tb, __m512i* tg, __m512i* tr) noexcept {
  const __mmask64 byte0 = 0x1111111111111111ULL;
  __m512i u, v, lo, hi;
  if (i420) {
    window_vbmi<Arch>(c.u + cbase, avail, &lo, &hi);
    u = _mm512_maskz_permutex2var_epi8(byte0, lo, cidx, hi);
    window_vbmi<Arch>(c.v + cbase, avail, &lo, &hi);
    v = _mm512_maskz_permutex2var_epi8(byte0, lo, cidx, hi);
  } else {
    window_vbmi<Arch>(c.uv + cbase, avail, &lo, &hi);
    const __m512i e0 = _mm512_maskz_permutex2var_epi8(byte0, lo, cidx, hi);
    const __m512i e1 = _mm512_maskz_permutex2var_epi8(byte0, lo, _mm512_add_epi32(cidx, _mm512_set1_epi32(1)), hi);
    u = nv12 ? e0 : e1;
    v = nv12 ? e1 : e0;
  }
  const int half = 1 << (kYuvShift - 1);
  *tb = _mm512_add_epi32(_mm512_mullo_epi32(u, _mm512_set1_epi32(kYuvCUB)), _mm512_set1_epi32(half - 128 * kYuvCUB));
  *tg = _mm512_add_epi32(_mm512_add_epi32(_mm512_mullo_epi32(u, _mm512_set1_epi32(kYuvCUG)),
                                          _mm512_mullo_epi32(v, _mm512_set1_epi32(kYuvCVG))),
                         _mm512_set1_epi32(half - 128 * (kYuvCUG + kYuvCVG)));
  *tr = _mm512_add_epi32(_mm512_mullo_epi32(v, _mm512_set1_epi32(kYuvCVR)), _mm512_set1_epi32(half - 128 * kYuvCVR));
}

// y' = max(Y - 16, 0) * CY of the 16 pixels at yidx of the window.
template <class Arch>
LUODI_IMAGE_TARGET_VBMI LUODI_ALWAYS_INLINE __m512i fused_yy_vbmi(const std::uint8_t* p, std::int64_t avail,
                                                                  __m512i yidx) noexcept {
  __m512i lo, hi;
  window_vbmi<Arch>(p, avail, &lo, &hi);
  const __m512i y = _mm512_maskz_permutex2var_epi8(0x1111111111111111ULL, lo, yidx, hi);
  return _mm512_mullo_epi32(_mm512_subs_epu8(y, _mm512_set1_epi8(16)), _mm512_set1_epi32(kYuvCY));
}

// One channel of 8 taps: clamp((y' + term) >> 20), pairs packed in tap order, the resize sum.
template <class Arch>
LUODI_IMAGE_TARGET_VBMI LUODI_ALWAYS_INLINE void fused_store_vbmi(__m512i yy, __m512i term, __m256i w,
                                                                  std::int32_t* h) noexcept {
  const __m512i pv = _mm512_srai_epi32(_mm512_add_epi32(yy, term), kYuvShift);
  const __m256i p = _mm256_min_epi16(_mm256_packus_epi32(_mm512_castsi512_si256(pv), _mm512_extracti64x4_epi64(pv, 1)),
                                     _mm256_set1_epi16(255));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(h), _mm256_madd_epi16(p, w));
}

template <class Arch>
LUODI_IMAGE_TARGET_VBMI int fused_yuv_rows_vbmi(const FusedSource& s, const int* sy, int nrows, const FusedTaps& t,
                                                int n, int ocn, int bidx, std::int32_t* const* h) noexcept {
  const std::uint8_t* y0 = s.data + std::int64_t(sy[0]) * s.stride;
  const std::uint8_t* y1 = s.data + std::int64_t(sy[nrows - 1]) * s.stride;
  const bool two = nrows == 2;
  const bool i420 = s.format == PixelFormat::I420, nv12 = s.format == PixelFormat::NV12;
  const FusedChromaRow c0 = ref::fused_chroma_row<Arch>(s, sy[0]), c1 = ref::fused_chroma_row<Arch>(s, sy[nrows - 1]);
  const bool shared = sy[0] / 2 == sy[nrows - 1] / 2;
  const int width = s.width, cwidth = i420 ? s.width / 2 : s.width;
  std::int32_t* hb0 = h[0] + bidx * n;
  std::int32_t* hg0 = h[0] + n;
  std::int32_t* hr0 = h[0] + (bidx ^ 2) * n;
  std::int32_t* hb1 = h[nrows - 1] + bidx * n;
  std::int32_t* hg1 = h[nrows - 1] + n;
  std::int32_t* hr1 = h[nrows - 1] + (bidx ^ 2) * n;
  // dword lane k holds pixel k & 1 of tap order[k]: lanes 0-7 are the AVX2 kernel's A, 8-15 its B
  const __m512i order = _mm512_setr_epi32(0, 0, 1, 1, 4, 4, 5, 5, 2, 2, 3, 3, 6, 6, 7, 7);
  const __m512i plus1 = _mm512_setr_epi32(0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1);
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    const int base = t.x0[i];
    if (t.x0[i + 7] - base > 124) break;  // wider than one window: the gather kernel takes over
    const __m256i x8 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(t.x0 + i));
    const __m256i w = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(t.w + i));
    const __m512i X = _mm512_add_epi32(_mm512_permutexvar_epi32(order, _mm512_castsi256_si512(x8)), plus1);
    const __m512i yidx = _mm512_sub_epi32(X, _mm512_set1_epi32(base));
    if (ocn == 1) {
      __m512i lo, hi;
      window_vbmi<Arch>(y0 + base, width - base, &lo, &hi);
      __m512i y = _mm512_maskz_permutex2var_epi8(0x1111111111111111ULL, lo, yidx, hi);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(h[0] + i),
                          _mm256_madd_epi16(_mm256_packus_epi32(_mm512_castsi512_si256(y), _mm512_extracti64x4_epi64(y, 1)), w));
      if (two) {
        window_vbmi<Arch>(y1 + base, width - base, &lo, &hi);
        y = _mm512_maskz_permutex2var_epi8(0x1111111111111111ULL, lo, yidx, hi);
        _mm256_storeu_si256(
            reinterpret_cast<__m256i*>(h[1] + i),
            _mm256_madd_epi16(_mm256_packus_epi32(_mm512_castsi512_si256(y), _mm512_extracti64x4_epi64(y, 1)), w));
      }
      continue;
    }
    const int cbase = i420 ? base >> 1 : base & ~1;
    const __m512i cidx = i420 ? _mm512_sub_epi32(_mm512_srli_epi32(X, 1), _mm512_set1_epi32(cbase))
                              : _mm512_sub_epi32(_mm512_andnot_si512(_mm512_set1_epi32(1), X), _mm512_set1_epi32(cbase));
    __m512i tb, tg, tr;
    fused_terms_vbmi<Arch>(c0, i420, nv12, cbase, cwidth - cbase, cidx, &tb, &tg, &tr);
    __m512i yy = fused_yy_vbmi<Arch>(y0 + base, width - base, yidx);
    fused_store_vbmi<Arch>(yy, tb, w, hb0 + i);
    fused_store_vbmi<Arch>(yy, tg, w, hg0 + i);
    fused_store_vbmi<Arch>(yy, tr, w, hr0 + i);
    if (two) {
      if (!shared) fused_terms_vbmi<Arch>(c1, i420, nv12, cbase, cwidth - cbase, cidx, &tb, &tg, &tr);
      yy = fused_yy_vbmi<Arch>(y1 + base, width - base, yidx);
      fused_store_vbmi<Arch>(yy, tb, w, hb1 + i);
      fused_store_vbmi<Arch>(yy, tg, w, hg1 + i);
      fused_store_vbmi<Arch>(yy, tr, w, hr1 + i);
    }
  }
  return i;
}
#endif  // LUODI_IMAGE_VBMI

// The YUV rows with the best kernel this CPU has: VBMI windows, then AVX2 gathers.
template <class Arch>
int fused_yuv_rows_x86(const FusedSource& s, const int* sy, int nrows, const FusedTaps& t, int n, int ocn, int bidx,
                       std::int32_t* const* h) noexcept {
  int i = 0;
#if LUODI_IMAGE_VBMI
  if constexpr (kAvx512<Arch>) {
    if (cpu_has_avx512vbmi<Arch>()) i = fused_yuv_rows_vbmi<Arch>(s, sy, nrows, t, n, ocn, bidx, h);
  }
#endif
  return fused_yuv_rows_avx2<Arch>(s, sy, nrows, t, i, n, ocn, bidx, h);
}

// Packed sources (RGB/BGR(A)/Gray), 8 taps per step: one gather per tap pixel, the channels
// picked out of the dwords, the Gray weights in pmaddwd + one multiply, and the resize sum in
// pmaddwd as above.
template <class Arch>
int fused_packed_row_avx2(const FusedSource& s, int sy, const FusedTaps& t, int n, int ocn, int bidx,
                          std::int32_t* h) noexcept {
  const std::uint8_t* row = s.data + std::int64_t(sy) * s.stride;
  const int* rowi = reinterpret_cast<const int*>(row);
  const __m256i lo8 = _mm256_set1_epi32(0xff);
  auto load = [](const std::int32_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); };
  auto chan = [&](__m256i g, int c) {
    return c == 0 ? _mm256_and_si256(g, lo8) : _mm256_and_si256(_mm256_srli_epi32(g, 8 * c), lo8);
  };
  auto pair = [](__m256i p0, __m256i p1) { return _mm256_or_si256(p0, _mm256_slli_epi32(p1, 16)); };
  const int cn = ref::fused_bpp<Arch>(s.format);
  const int row_bytes = s.width * cn;
  const int sblue = (s.format == PixelFormat::BGR || s.format == PixelFormat::BGRA) ? 0 : 2;
  const __m256i crg = _mm256_set1_epi32((kGrayG << 16) | kGrayR), cb = _mm256_set1_epi32(kGrayB);
  const __m256i ghalf = _mm256_set1_epi32(1 << (kGrayShift - 1));
  auto gray = [&](__m256i g) {
    const __m256i rg = pair(chan(g, 2 - sblue), chan(g, 1));
    const __m256i sum = _mm256_add_epi32(_mm256_madd_epi16(rg, crg), _mm256_mullo_epi32(chan(g, sblue), cb));
    return _mm256_srai_epi32(_mm256_add_epi32(sum, ghalf), kGrayShift);
  };
  int i = 0;
  if (cn == 1) {
    for (; i + 8 <= n && t.x0[i + 7] + 8 <= s.width; i += 8) {
      const __m256i v = fused_gray_step_avx2<Arch>(row, load(t.x0 + i), load(t.w + i));
      for (int c = 0; c < ocn; ++c) _mm256_storeu_si256(reinterpret_cast<__m256i*>(h + c * n + i), v);
    }
    return i;
  }
  for (; i + 8 <= n && t.x1[i + 7] * cn + 4 <= row_bytes; i += 8) {
    const __m256i x0 = load(t.x0 + i), x1 = load(t.x1 + i), w = load(t.w + i);
    const __m256i o0 = cn == 4 ? _mm256_slli_epi32(x0, 2) : _mm256_add_epi32(x0, _mm256_slli_epi32(x0, 1));
    const __m256i o1 = cn == 4 ? _mm256_slli_epi32(x1, 2) : _mm256_add_epi32(x1, _mm256_slli_epi32(x1, 1));
    const __m256i g0 = _mm256_i32gather_epi32(rowi, o0, 1), g1 = _mm256_i32gather_epi32(rowi, o1, 1);
    auto store = [&](int c, __m256i p) {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(h + c * n + i), _mm256_madd_epi16(p, w));
    };
    if (ocn == 1) {
      store(0, pair(gray(g0), gray(g1)));
      continue;
    }
    store(bidx, pair(chan(g0, sblue), chan(g1, sblue)));
    store(1, pair(chan(g0, 1), chan(g1, 1)));
    store(bidx ^ 2, pair(chan(g0, 2 - sblue), chan(g1, 2 - sblue)));
  }
  return i;
}
#endif  // LUODI_IMAGE_X86

// Taps [i, n) of row sy with ref's per-pixel code.
template <class Arch>
void fused_sample_tail(const FusedSource& s, int sy, const FusedTaps& t, int i, int n, int ocn, int bidx,
                       std::int32_t* h) noexcept {
  for (; i < n; ++i) {
    int p0[3], p1[3];
    ref::fused_pixel<Arch>(s, sy, t.x0[i], ocn, bidx, p0);
    ref::fused_pixel<Arch>(s, sy, t.x1[i], ocn, bidx, p1);
    const int a0 = t.w[i] & 0xffff, a1 = (t.w[i] >> 16) & 0xffff;
    for (int c = 0; c < ocn; ++c) h[c * n + i] = p0[c] * a0 + p1[c] * a1;
  }
}

template <class Arch>
void fused_sample_row(const FusedSource& s, int sy, const FusedTaps& t, int n, int ocn, int bidx,
                      std::int32_t* h) noexcept {
  int i = 0;
#if LUODI_IMAGE_NEON
  if constexpr (kNeon<Arch>) {
    if (ref::fused_is_yuv<Arch>(s.format)) i = neon::fused_yuv_rows<Arch>(s, &sy, 1, t, n, ocn, bidx, &h);
  }
#endif
#if LUODI_IMAGE_X86
  if constexpr (kAvx2<Arch>) {
    if (ref::fused_is_yuv<Arch>(s.format))
      i = fused_yuv_rows_x86<Arch>(s, &sy, 1, t, n, ocn, bidx, &h);
    else
      i = fused_packed_row_avx2<Arch>(s, sy, t, n, ocn, bidx, h);
  }
#endif
  fused_sample_tail<Arch>(s, sy, t, i, n, ocn, bidx, h);
}

// Two rows: for YUV the tap loads are shared, and so are the chroma terms when both rows have the
// same chroma row.
template <class Arch>
void fused_sample_rows2(const FusedSource& s, int sy0, int sy1, const FusedTaps& t, int n, int ocn, int bidx,
                        std::int32_t* h0, std::int32_t* h1) noexcept {
#if LUODI_IMAGE_NEON
  if constexpr (kNeon<Arch>) {
    if (ref::fused_is_yuv<Arch>(s.format)) {
      const int sy[2] = {sy0, sy1};
      std::int32_t* const h[2] = {h0, h1};
      const int i = neon::fused_yuv_rows<Arch>(s, sy, 2, t, n, ocn, bidx, h);
      fused_sample_tail<Arch>(s, sy0, t, i, n, ocn, bidx, h0);
      fused_sample_tail<Arch>(s, sy1, t, i, n, ocn, bidx, h1);
      return;
    }
  }
#endif
#if LUODI_IMAGE_X86
  if constexpr (kAvx2<Arch>) {
    if (ref::fused_is_yuv<Arch>(s.format)) {
      const int sy[2] = {sy0, sy1};
      std::int32_t* const h[2] = {h0, h1};
      const int i = fused_yuv_rows_x86<Arch>(s, sy, 2, t, n, ocn, bidx, h);
      fused_sample_tail<Arch>(s, sy0, t, i, n, ocn, bidx, h0);
      fused_sample_tail<Arch>(s, sy1, t, i, n, ocn, bidx, h1);
      return;
    }
  }
#endif
  fused_sample_row<Arch>(s, sy0, t, n, ocn, bidx, h0);
  fused_sample_row<Arch>(s, sy1, t, n, ocn, bidx, h1);
}

#if LUODI_IMAGE_X86
// OpenCV's vertical rounding of 8 taps in int32 lanes: ((h0 >> 4) * b0 >> 16) + ((h1 >> 4) * b1 >> 16),
// (+2) >> 2; 0..255 for any weights the drivers make (b0 + b1 <= 2048, h <= 2 * 255 * 2048).
template <class Arch>
LUODI_ALWAYS_INLINE __m256i fused_vround_avx2(const std::int32_t* h0, const std::int32_t* h1, __m256i vb0,
                                              __m256i vb1) noexcept {
  const __m256i s0 = _mm256_srai_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(h0)), 4);
  const __m256i s1 = _mm256_srai_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(h1)), 4);
  return _mm256_srai_epi32(_mm256_add_epi32(_mm256_add_epi32(_mm256_srai_epi32(_mm256_mullo_epi32(s0, vb0), 16),
                                                             _mm256_srai_epi32(_mm256_mullo_epi32(s1, vb1), 16)),
                                            _mm256_set1_epi32(2)),
                           2);
}
// fma(v, a, b), one rounding, as ref::fused_fma.
template <class Arch>
LUODI_ALWAYS_INLINE __m256 fused_affine_avx2(__m256i v, __m256 va, __m256 vb) noexcept {
  return _mm256_fmadd_ps(_mm256_cvtepi32_ps(v), va, vb);
}
// round half to even and saturate to 0..255 (as ref::round_u8): clamping to [-1, 256] first
// keeps cvtps2dq away from its out-of-range value.
template <class Arch>
LUODI_ALWAYS_INLINE __m256i fused_round_u8_avx2(__m256 f) noexcept {
  return _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(f, _mm256_set1_ps(-1.0f)), _mm256_set1_ps(256.0f)));
}
// Three channels of 8 pixels -> 24 interleaved floats (c0 c1 c2 c0 c1 c2 ...).
template <class Arch>
LUODI_ALWAYS_INLINE void fused_store3_avx2(float* d, __m256 p, __m256 q, __m256 r) noexcept {
  const __m256i i0 = _mm256_setr_epi32(0, 0, 0, 1, 1, 1, 2, 2), i1 = _mm256_setr_epi32(2, 3, 3, 3, 4, 4, 4, 5),
                i2 = _mm256_setr_epi32(5, 5, 6, 6, 6, 7, 7, 7);
  // each output takes channel 0 at one of the lane sets {0,3,6}, {1,4,7}, {2,5} and so on
  const __m256 p0 = _mm256_permutevar8x32_ps(p, i0), q0 = _mm256_permutevar8x32_ps(q, i0),
               r0 = _mm256_permutevar8x32_ps(r, i0);
  _mm256_storeu_ps(d, _mm256_blend_ps(_mm256_blend_ps(p0, q0, 0x92), r0, 0x24));
  const __m256 p1 = _mm256_permutevar8x32_ps(p, i1), q1 = _mm256_permutevar8x32_ps(q, i1),
               r1 = _mm256_permutevar8x32_ps(r, i1);
  _mm256_storeu_ps(d + 8, _mm256_blend_ps(_mm256_blend_ps(p1, q1, 0x24), r1, 0x49));
  const __m256 p2 = _mm256_permutevar8x32_ps(p, i2), q2 = _mm256_permutevar8x32_ps(q, i2),
               r2 = _mm256_permutevar8x32_ps(r, i2);
  _mm256_storeu_ps(d + 16, _mm256_blend_ps(_mm256_blend_ps(p2, q2, 0x49), r2, 0x92));
}
#endif

// Taps [i, n) of the epilogue with ref's arithmetic.
template <class Arch>
void fused_vnorm_f32_tail(const std::int32_t* h0, const std::int32_t* h1, int i, int n, int ocn, int b0, int b1,
                          const float* a, const float* b, float* out, FusedOut o) noexcept {
  for (int c = 0; c < ocn; ++c)
    for (int k = i; k < n; ++k)
      out[c * o.chan_stride + k * o.pix_stride] =
          ref::fused_fma<Arch>(static_cast<float>(ref::fused_vround<Arch>(h0[c * n + k], h1[c * n + k], b0, b1)), a[c], b[c]);
}
template <class Arch>
void fused_vnorm_u8_tail(const std::int32_t* h0, const std::int32_t* h1, int i, int n, int ocn, int b0, int b1,
                         const float* a, const float* b, std::uint8_t* out, FusedOut o) noexcept {
  for (int c = 0; c < ocn; ++c)
    for (int k = i; k < n; ++k)
      out[c * o.chan_stride + k * o.pix_stride] = ref::round_u8<Arch>(ref::fused_fma<Arch>(
          static_cast<float>(ref::fused_vround<Arch>(h0[c * n + k], h1[c * n + k], b0, b1)), a[c], b[c]));
}

// OpenCV's vertical rounding in int32 lanes, then fma(v, a[c], b[c]) (one rounding, as ref),
// written planar (NCHW, or one channel) or interleaved (NHWC with 3 channels).
template <class Arch>
void fused_vnorm_f32(const std::int32_t* h0, const std::int32_t* h1, int n, int ocn, int b0, int b1, const float* a,
                     const float* b, float* out, FusedOut o) noexcept {
  int i = 0;
#if LUODI_IMAGE_NEON
  if constexpr (kNeon<Arch>) i = neon::fused_vnorm_f32<Arch>(h0, h1, n, ocn, b0, b1, a, b, out, o);
#endif
#if LUODI_IMAGE_X86
  if constexpr (kAvx2<Arch>) {
    const __m256i vb0 = _mm256_set1_epi32(b0), vb1 = _mm256_set1_epi32(b1);
    if (o.pix_stride == 1) {
      for (int c = 0; c < ocn; ++c) {
        const std::int32_t* p0 = h0 + c * n;
        const std::int32_t* p1 = h1 + c * n;
        float* d = out + c * o.chan_stride;
        int k = 0;
        if constexpr (kAvx512<Arch>) {
          const __m512i zb0 = _mm512_set1_epi32(b0), zb1 = _mm512_set1_epi32(b1), z2 = _mm512_set1_epi32(2);
          const __m512 za = _mm512_set1_ps(a[c]), zbias = _mm512_set1_ps(b[c]);
          for (; k + 16 <= n; k += 16) {
            const __m512i s0 = _mm512_srai_epi32(_mm512_loadu_si512(p0 + k), 4);
            const __m512i s1 = _mm512_srai_epi32(_mm512_loadu_si512(p1 + k), 4);
            const __m512i v = _mm512_srai_epi32(
                _mm512_add_epi32(_mm512_add_epi32(_mm512_srai_epi32(_mm512_mullo_epi32(s0, zb0), 16),
                                                  _mm512_srai_epi32(_mm512_mullo_epi32(s1, zb1), 16)),
                                 z2),
                2);
            _mm512_storeu_ps(d + k, _mm512_fmadd_ps(_mm512_cvtepi32_ps(v), za, zbias));
          }
        }
        const __m256 va = _mm256_set1_ps(a[c]), vbias = _mm256_set1_ps(b[c]);
        for (; k + 8 <= n; k += 8)
          _mm256_storeu_ps(d + k, fused_affine_avx2<Arch>(fused_vround_avx2<Arch>(p0 + k, p1 + k, vb0, vb1), va, vbias));
        for (; k < n; ++k)
          d[k] = ref::fused_fma<Arch>(static_cast<float>(ref::fused_vround<Arch>(p0[k], p1[k], b0, b1)), a[c], b[c]);
      }
      return;
    }
    if (ocn == 3 && o.pix_stride == 3 && o.chan_stride == 1) {
      const __m256 a0 = _mm256_set1_ps(a[0]), a1 = _mm256_set1_ps(a[1]), a2 = _mm256_set1_ps(a[2]);
      const __m256 c0 = _mm256_set1_ps(b[0]), c1 = _mm256_set1_ps(b[1]), c2 = _mm256_set1_ps(b[2]);
      for (; i + 8 <= n; i += 8)
        fused_store3_avx2<Arch>(out + 3 * i,
                                fused_affine_avx2<Arch>(fused_vround_avx2<Arch>(h0 + i, h1 + i, vb0, vb1), a0, c0),
                                fused_affine_avx2<Arch>(fused_vround_avx2<Arch>(h0 + n + i, h1 + n + i, vb0, vb1), a1, c1),
                                fused_affine_avx2<Arch>(fused_vround_avx2<Arch>(h0 + 2 * n + i, h1 + 2 * n + i, vb0, vb1),
                                                        a2, c2));
    }
  }
#endif
  fused_vnorm_f32_tail<Arch>(h0, h1, i, n, ocn, b0, b1, a, b, out, o);
}

// The same rounded to u8 (ref::round_u8), 16 taps per step; identity normalisation skips the
// float step (v is already 0..255).
template <class Arch>
void fused_vnorm_u8(const std::int32_t* h0, const std::int32_t* h1, int n, int ocn, int b0, int b1, const float* a,
                    const float* b, std::uint8_t* out, FusedOut o) noexcept {
  int i = 0;
#if LUODI_IMAGE_NEON
  if constexpr (kNeon<Arch>) i = neon::fused_vnorm_u8<Arch>(h0, h1, n, ocn, b0, b1, a, b, out, o);
#endif
#if LUODI_IMAGE_X86
  if constexpr (kAvx2<Arch>) {
    const bool planar = o.pix_stride == 1, packed3 = ocn == 3 && o.pix_stride == 3 && o.chan_stride == 1;
    if (planar || packed3) {
      const __m256i vb0 = _mm256_set1_epi32(b0), vb1 = _mm256_set1_epi32(b1);
      bool identity = true;
      for (int c = 0; c < ocn; ++c) identity = identity && a[c] == 1.0f && b[c] == 0.0f;
      const __m256i perm = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
      // 16 taps of channel c as bytes
      auto bytes16 = [&](int c, int k) {
        const std::int32_t* p0 = h0 + c * n + k;
        const std::int32_t* p1 = h1 + c * n + k;
        __m256i v0 = fused_vround_avx2<Arch>(p0, p1, vb0, vb1), v1 = fused_vround_avx2<Arch>(p0 + 8, p1 + 8, vb0, vb1);
        if (!identity) {
          const __m256 va = _mm256_set1_ps(a[c]), vbias = _mm256_set1_ps(b[c]);
          v0 = fused_round_u8_avx2<Arch>(fused_affine_avx2<Arch>(v0, va, vbias));
          v1 = fused_round_u8_avx2<Arch>(fused_affine_avx2<Arch>(v1, va, vbias));
        }
        const __m256i w = _mm256_packs_epi32(v0, v1);  // [v0 0-3, v1 0-3, v0 4-7, v1 4-7]
        const __m256i u8 = _mm256_permutevar8x32_epi32(_mm256_packus_epi16(w, w), perm);
        return _mm256_castsi256_si128(u8);
      };
      if (planar) {
        for (int c = 0; c < ocn; ++c) {
          std::uint8_t* d = out + c * o.chan_stride;
          int k = 0;
          for (; k + 16 <= n; k += 16) _mm_storeu_si128(reinterpret_cast<__m128i*>(d + k), bytes16(c, k));
          for (; k < n; ++k)
            d[k] = ref::round_u8<Arch>(ref::fused_fma<Arch>(
                static_cast<float>(ref::fused_vround<Arch>(h0[c * n + k], h1[c * n + k], b0, b1)), a[c], b[c]));
        }
        return;
      }
      const Interleave3<Arch> il3;
      for (; i + 16 <= n; i += 16) il3.store(out + 3 * i, bytes16(0, i), bytes16(1, i), bytes16(2, i));
    }
  }
#endif
  fused_vnorm_u8_tail<Arch>(h0, h1, i, n, ocn, b0, b1, a, b, out, o);
}

// The epilogue of a packed 3-channel source (ImageKernels::fused.vnorm_packed3_f32): OpenCV's
// vertical rounding on the interleaved sums as they come from resize_linear_h, then each output
// vector is picked out of the three vectors of a block of interleaved values and stored after
// fma(v, a, b). A block is 16 pixels (AVX-512) or 8 (AVX2); output vector k of a block is
// plane k (NCHW: element 3p + sc[k] for pixel p) or the k-th third of the block (NHWC: element
// e = pixel e/3, channel e%3, taken from 3(e/3) + sc[e%3]). AVX-512: two permutes per output
// vector; AVX2: three permutes and two blends.
template <class Arch>
void fused_vnorm_packed3_f32(const std::int32_t* h0, const std::int32_t* h1, int n, const int* sc, int b0, int b1,
                             const float* a, const float* b, float* out, FusedOut o) noexcept {
  int i = 0;
#if LUODI_IMAGE_NEON
  if constexpr (kNeon<Arch>) i = neon::fused_vnorm_packed3_f32<Arch>(h0, h1, n, sc, b0, b1, a, b, out, o);
#endif
#if LUODI_IMAGE_X86
  if constexpr (kAvx2<Arch>) {
    const bool planar = o.pix_stride == 1, nhwc = o.pix_stride == 3 && o.chan_stride == 1;
    if (planar || nhwc) {
      // source element, multiplier and offset of lane l of output vector k in a block of w pixels
      auto src_of = [&](int w, int k, int l) {
        if (planar) return 3 * l + sc[k];
        const int e = w * k + l;
        return 3 * (e / 3) + sc[e % 3];
      };
      auto chan_of = [&](int w, int k, int l) { return planar ? k : (w * k + l) % 3; };
      auto dst_of = [&](int w, int k, int i0) {
        return planar ? out + k * o.chan_stride + i0 : out + 3 * i0 + w * k;
      };
      if constexpr (kAvx512<Arch>) {
        const __m512i zb0 = _mm512_set1_epi32(b0), zb1 = _mm512_set1_epi32(b1), z2 = _mm512_set1_epi32(2);
        auto vround = [&](int e) {
          const __m512i s0 = _mm512_srai_epi32(_mm512_loadu_si512(h0 + e), 4);
          const __m512i s1 = _mm512_srai_epi32(_mm512_loadu_si512(h1 + e), 4);
          return _mm512_cvtepi32_ps(_mm512_srai_epi32(
              _mm512_add_epi32(_mm512_add_epi32(_mm512_srai_epi32(_mm512_mullo_epi32(s0, zb0), 16),
                                                _mm512_srai_epi32(_mm512_mullo_epi32(s1, zb1), 16)),
                               z2),
              2));
        };
        __m512i idx[3];
        __mmask16 hi[3];
        __m512 za[3], zc[3];
        for (int k = 0; k < 3; ++k) {
          alignas(64) std::int32_t j[16];
          alignas(64) float av[16], bv[16];
          for (int l = 0; l < 16; ++l) j[l] = src_of(16, k, l), av[l] = a[chan_of(16, k, l)], bv[l] = b[chan_of(16, k, l)];
          idx[k] = _mm512_load_si512(j);
          hi[k] = _mm512_cmpge_epi32_mask(idx[k], _mm512_set1_epi32(32));  // lanes taken from the third vector
          za[k] = _mm512_load_ps(av);
          zc[k] = _mm512_load_ps(bv);
        }
        for (; i + 16 <= n; i += 16) {
          const __m512 v0 = vround(3 * i), v1 = vround(3 * i + 16), v2 = vround(3 * i + 32);
          for (int k = 0; k < 3; ++k) {
            const __m512 p = _mm512_mask_permutexvar_ps(_mm512_permutex2var_ps(v0, idx[k], v1), hi[k], idx[k], v2);
            _mm512_storeu_ps(dst_of(16, k, i), _mm512_fmadd_ps(p, za[k], zc[k]));
          }
        }
      }
      const __m256i vb0 = _mm256_set1_epi32(b0), vb1 = _mm256_set1_epi32(b1);
      __m256i idx[3];
      __m256 m1[3], m2[3], va[3], vc[3];
      for (int k = 0; k < 3; ++k) {
        alignas(32) std::int32_t j[8];
        alignas(32) float av[8], bv[8];
        for (int l = 0; l < 8; ++l) j[l] = src_of(8, k, l), av[l] = a[chan_of(8, k, l)], bv[l] = b[chan_of(8, k, l)];
        const __m256i jv = _mm256_load_si256(reinterpret_cast<const __m256i*>(j));
        idx[k] = _mm256_and_si256(jv, _mm256_set1_epi32(7));
        m1[k] = _mm256_castsi256_ps(_mm256_cmpgt_epi32(jv, _mm256_set1_epi32(7)));   // from the second vector on
        m2[k] = _mm256_castsi256_ps(_mm256_cmpgt_epi32(jv, _mm256_set1_epi32(15)));  // from the third
        va[k] = _mm256_load_ps(av);
        vc[k] = _mm256_load_ps(bv);
      }
      for (; i + 8 <= n; i += 8) {
        const __m256 v0 = _mm256_cvtepi32_ps(fused_vround_avx2<Arch>(h0 + 3 * i, h1 + 3 * i, vb0, vb1));
        const __m256 v1 = _mm256_cvtepi32_ps(fused_vround_avx2<Arch>(h0 + 3 * i + 8, h1 + 3 * i + 8, vb0, vb1));
        const __m256 v2 = _mm256_cvtepi32_ps(fused_vround_avx2<Arch>(h0 + 3 * i + 16, h1 + 3 * i + 16, vb0, vb1));
        for (int k = 0; k < 3; ++k) {
          __m256 p = _mm256_blendv_ps(_mm256_permutevar8x32_ps(v0, idx[k]), _mm256_permutevar8x32_ps(v1, idx[k]), m1[k]);
          p = _mm256_blendv_ps(p, _mm256_permutevar8x32_ps(v2, idx[k]), m2[k]);
          _mm256_storeu_ps(dst_of(8, k, i), _mm256_fmadd_ps(p, va[k], vc[k]));
        }
      }
    }
  }
#endif
  if (i < n)
    ref::fused_vnorm_packed3_f32<Arch>(h0 + 3 * i, h1 + 3 * i, n - i, sc, b0, b1, a, b,
                                       out + i * o.pix_stride, o);
}

}  // namespace simd_impl

template <class Arch>
constexpr FusedKernels fused_simd_table() noexcept {
  return FusedKernels{&simd_impl::fused_sample_row<Arch>, &simd_impl::fused_sample_rows2<Arch>,
                      &simd_impl::fused_vnorm_f32<Arch>, &simd_impl::fused_vnorm_u8<Arch>,
                      &simd_impl::fused_vnorm_packed3_f32<Arch>};
}

}  // namespace detail
}  // namespace image
}  // namespace luodi

#endif  // LUODI_HAS_XSIMD
