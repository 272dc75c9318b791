// Row kernels of the fused preprocessing pass (preprocess.hpp).
//
// One output row is made from two source rows: `sample_row` reads only the source pixels the
// resize taps name, converts each one to the target channel order exactly as cvtColor would
// (YUV with OpenCV's Q20 arithmetic, Gray with its Q15 weights) and runs the exact horizontal
// resize sum into planar int32 rows; `vnorm_*` applies OpenCV's vertical rounding, then the
// per-channel affine normalisation, and writes the tensor in its layout. The result equals
// cvtColor -> resize -> convertTo/normalise -> layout, without converting the frame.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "../view.hpp"
#include "params.hpp"
#include "ref.hpp"

namespace luodi {
namespace image {
namespace detail {

// The source as the fused kernels see it (validated by preprocess()).
struct FusedSource {
  const std::uint8_t* data;
  int width;
  int height;
  int stride;
  PixelFormat format;
};

// Where one output row goes: element (c, x) is at out[c * chan_stride + x * pix_stride].
struct FusedOut {
  std::ptrdiff_t chan_stride;
  std::ptrdiff_t pix_stride;
};

// The horizontal taps of the output columns, as arrays: source pixel columns x0[i] <= x1[i]
// (x1 is x0 or x0 + 1, ascending in i) and their Q11 weights packed as w[i] = a0 | a1 << 16.
// Where x1 == x0 (the last column, Nearest), a1 is 0: SIMD kernels may then read pixel x0 + 1
// instead, when it is inside the row, since it does not count.
struct FusedTaps {
  const std::int32_t* x0;
  const std::int32_t* x1;
  const std::int32_t* w;
};

// Where the chroma of a YUV source row is: one interleaved row (NV12/NV21, U and V of pixel pair
// i at uv[2i], uv[2i+1] or the other way round) or a U and a V row (I420, at u[i], v[i]).
struct FusedChromaRow {
  const std::uint8_t* uv;
  const std::uint8_t* u;
  const std::uint8_t* v;
};

struct FusedKernels {
  // h[c * n + i] = a0_i * P(x0_i) + a1_i * P(x1_i) for channel c of the target order, where P
  // reads source row `sy`. ocn is 1 (Gray) or 3; bidx is 0 for BGR output order, 2 for RGB.
  void (*sample_row)(const FusedSource& s, int sy, const FusedTaps& taps, int n, int ocn, int bidx,
                     std::int32_t* h) noexcept;
  // sample_row for two rows at once (h0 for sy0, h1 for sy1): YUV rows that share a chroma row
  // convert their chroma once.
  void (*sample_rows2)(const FusedSource& s, int sy0, int sy1, const FusedTaps& taps, int n, int ocn, int bidx,
                       std::int32_t* h0, std::int32_t* h1) noexcept;
  // v = OpenCV's vertical rounding of (h0, h1, b0, b1); out = fma(v, a[c], b[c]) (one rounding).
  void (*vnorm_f32)(const std::int32_t* h0, const std::int32_t* h1, int n, int ocn, int b0, int b1, const float* a,
                    const float* b, float* out, FusedOut o) noexcept;
  // The same, rounded half to even and saturated to u8 (identity when a = 1, b = 0).
  void (*vnorm_u8)(const std::int32_t* h0, const std::int32_t* h1, int n, int ocn, int b0, int b1, const float* a,
                   const float* b, std::uint8_t* out, FusedOut o) noexcept;
  // vnorm_f32 for a packed 3-channel source whose rows went through the resize's own horizontal
  // pass (ImageKernels::resize_linear_h: interleaved sums, h[3 * i + s] for source channel s):
  // output channel c (of 3) takes source channel sc[c].
  void (*vnorm_packed3_f32)(const std::int32_t* h0, const std::int32_t* h1, int n, const int* sc, int b0, int b1,
                            const float* a, const float* b, float* out, FusedOut o) noexcept;
};

namespace ref {

// view.hpp's helpers, as templates: dispatched code may call only Arch-tagged functions.
template <class Arch>
inline int fused_bpp(PixelFormat f) noexcept {
  return f == PixelFormat::RGB || f == PixelFormat::BGR ? 3 : (f == PixelFormat::RGBA || f == PixelFormat::BGRA ? 4 : 1);
}
template <class Arch>
inline bool fused_is_yuv(PixelFormat f) noexcept {
  return f == PixelFormat::NV12 || f == PixelFormat::NV21 || f == PixelFormat::I420;
}

template <class Arch>
inline FusedChromaRow fused_chroma_row(const FusedSource& s, int sy) noexcept {
  const std::uint8_t* plane = s.data + std::int64_t(s.height) * s.stride;
  const int cs = s.stride / 2;
  FusedChromaRow c;
  c.uv = plane + std::int64_t(sy / 2) * s.stride;
  c.u = plane + std::int64_t(sy / 2) * cs;
  c.v = plane + std::int64_t(s.height / 2) * cs + std::int64_t(sy / 2) * cs;
  return c;
}

// The pixel at column x of row y in target order (ocn 1 or 3). YUV follows yuv420_to_rgb_rows.
template <class Arch>
inline void fused_pixel(const FusedSource& s, int y, int x, int ocn, int bidx, int* out) noexcept {
  const std::uint8_t* row = s.data + std::int64_t(y) * s.stride;
  switch (s.format) {
    case PixelFormat::Gray:
      out[0] = row[x];
      if (ocn == 3) out[1] = out[2] = row[x];
      return;
    case PixelFormat::RGB:
    case PixelFormat::BGR:
    case PixelFormat::RGBA:
    case PixelFormat::BGRA: {
      const int cn = fused_bpp<Arch>(s.format);
      const int sblue = (s.format == PixelFormat::BGR || s.format == PixelFormat::BGRA) ? 0 : 2;
      const std::uint8_t* p = row + x * cn;
      if (ocn == 1) {
        out[0] = (p[sblue] * kGrayB + p[1] * kGrayG + p[2 - sblue] * kGrayR + (1 << (kGrayShift - 1))) >> kGrayShift;
      } else {
        out[bidx] = p[sblue];
        out[1] = p[1];
        out[bidx ^ 2] = p[2 - sblue];
      }
      return;
    }
    default: {
      const int Y = row[x];
      if (ocn == 1) {
        out[0] = Y;
        return;
      }
      const std::uint8_t* plane = s.data + std::int64_t(s.height) * s.stride;
      int u, v;
      if (s.format == PixelFormat::I420) {
        const int cs = s.stride / 2;
        const std::uint8_t* up = plane + std::int64_t(y / 2) * cs;
        const std::uint8_t* vp = plane + std::int64_t(s.height / 2) * cs + std::int64_t(y / 2) * cs;
        u = up[x / 2];
        v = vp[x / 2];
      } else {
        const std::uint8_t* uv = plane + std::int64_t(y / 2) * s.stride + (x & ~1);
        u = s.format == PixelFormat::NV12 ? uv[0] : uv[1];
        v = s.format == PixelFormat::NV12 ? uv[1] : uv[0];
      }
      u -= 128;
      v -= 128;
      const int half = 1 << (kYuvShift - 1);
      const int yy = Y > 16 ? (Y - 16) * kYuvCY : 0;
      out[bidx] = sat_u8<Arch>((yy + half + kYuvCUB * u) >> kYuvShift);
      out[1] = sat_u8<Arch>((yy + half + kYuvCVG * v + kYuvCUG * u) >> kYuvShift);
      out[bidx ^ 2] = sat_u8<Arch>((yy + half + kYuvCVR * v) >> kYuvShift);
      return;
    }
  }
}

template <class Arch>
void fused_sample_row(const FusedSource& s, int sy, const FusedTaps& taps, int n, int ocn, int bidx,
                      std::int32_t* h) noexcept {
  for (int i = 0; i < n; ++i) {
    int p0[3], p1[3];
    fused_pixel<Arch>(s, sy, taps.x0[i], ocn, bidx, p0);
    fused_pixel<Arch>(s, sy, taps.x1[i], ocn, bidx, p1);
    const int a0 = taps.w[i] & 0xffff, a1 = (taps.w[i] >> 16) & 0xffff;
    for (int c = 0; c < ocn; ++c) h[c * n + i] = p0[c] * a0 + p1[c] * a1;
  }
}

template <class Arch>
void fused_sample_rows2(const FusedSource& s, int sy0, int sy1, const FusedTaps& taps, int n, int ocn, int bidx,
                        std::int32_t* h0, std::int32_t* h1) noexcept {
  fused_sample_row<Arch>(s, sy0, taps, n, ocn, bidx, h0);
  fused_sample_row<Arch>(s, sy1, taps, n, ocn, bidx, h1);
}

// v * a + b with one rounding, on every ISA (FMA instructions in the SIMD kernels), so SIMD
// results equal ref bit for bit whatever a compiler would otherwise contract.
template <class Arch>
LUODI_ALWAYS_INLINE float fused_fma(float v, float a, float b) noexcept {
#if defined(__GNUC__) || defined(__clang__)
  return __builtin_fmaf(v, a, b);
#else
  return std::fma(v, a, b);
#endif
}

template <class Arch>
inline int fused_vround(std::int32_t h0, std::int32_t h1, int b0, int b1) noexcept {
  return sat_u8<Arch>(((((h0 >> 4) * b0) >> 16) + (((h1 >> 4) * b1) >> 16) + 2) >> 2);
}

template <class Arch>
void fused_vnorm_f32(const std::int32_t* h0, const std::int32_t* h1, int n, int ocn, int b0, int b1, const float* a,
                     const float* b, float* out, FusedOut o) noexcept {
  for (int c = 0; c < ocn; ++c)
    for (int i = 0; i < n; ++i) {
      const int v = fused_vround<Arch>(h0[c * n + i], h1[c * n + i], b0, b1);
      out[c * o.chan_stride + i * o.pix_stride] = fused_fma<Arch>(static_cast<float>(v), a[c], b[c]);
    }
}

template <class Arch>
void fused_vnorm_u8(const std::int32_t* h0, const std::int32_t* h1, int n, int ocn, int b0, int b1, const float* a,
                    const float* b, std::uint8_t* out, FusedOut o) noexcept {
  for (int c = 0; c < ocn; ++c)
    for (int i = 0; i < n; ++i) {
      const int v = fused_vround<Arch>(h0[c * n + i], h1[c * n + i], b0, b1);
      out[c * o.chan_stride + i * o.pix_stride] = round_u8<Arch>(fused_fma<Arch>(static_cast<float>(v), a[c], b[c]));
    }
}

template <class Arch>
void fused_vnorm_packed3_f32(const std::int32_t* h0, const std::int32_t* h1, int n, const int* sc, int b0, int b1,
                             const float* a, const float* b, float* out, FusedOut o) noexcept {
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < n; ++i) {
      const int v = fused_vround<Arch>(h0[3 * i + sc[c]], h1[3 * i + sc[c]], b0, b1);
      out[c * o.chan_stride + i * o.pix_stride] = fused_fma<Arch>(static_cast<float>(v), a[c], b[c]);
    }
}

}  // namespace ref

template <class Arch>
constexpr FusedKernels fused_ref_table() noexcept {
  return FusedKernels{&ref::fused_sample_row<Arch>, &ref::fused_sample_rows2<Arch>, &ref::fused_vnorm_f32<Arch>,
                      &ref::fused_vnorm_u8<Arch>, &ref::fused_vnorm_packed3_f32<Arch>};
}

}  // namespace detail
}  // namespace image
}  // namespace luodi
