// Scalar reference kernels of the image layer: obviously correct loops, the MCU path, and the
// twin every SIMD kernel is tested against. tests/image/ checks the ops built on them against
// OpenCV 4.6 pixel by pixel.
//
// They are templates over Arch only so that a SIMD kernel can call them for its tail and still
// emit code tagged with its own ISA (see the dispatch rule in docs/architecture.md); the Arch
// is otherwise unused.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#include "params.hpp"

namespace luodi {
namespace image {
namespace detail {
namespace ref {

template <class Arch>
inline std::uint8_t sat_u8(int v) noexcept {
  return static_cast<std::uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v));
}
// OpenCV's saturate_cast<uchar>(float): round half to even, then clamp.
template <class Arch>
inline std::uint8_t round_u8(float v) noexcept {
  const float r = std::nearbyint(v);
  return static_cast<std::uint8_t>(r < 0.0f ? 0.0f : (r > 255.0f ? 255.0f : r));
}

// ---- resize ------------------------------------------------------------------------------------

// dst pixel i = src pixel at byte offset xofs[i] (ascending); the source row has row_bytes bytes.
template <class Arch>
void resize_nn_row(const std::uint8_t* src, int row_bytes, std::uint8_t* dst, const std::int32_t* xofs, int dw,
                   int cn) noexcept {
  (void)row_bytes;
  for (int i = 0; i < dw; ++i)
    for (int c = 0; c < cn; ++c) dst[i * cn + c] = src[xofs[i] + c];
}

// h[i*cn + c] = src[ofs0 + c] * a0 + src[ofs1 + c] * a1: exact, at most 255 * 2048. (`plan` is
// for SIMD kernels that lay the taps out their own way; see resize_linear_plan.)
template <class Arch>
void resize_linear_h(const std::uint8_t* src, int row_bytes, std::int32_t* h, const LinearTap* taps, int dw, int cn,
                     const void* plan = nullptr, const std::uint8_t* next = nullptr) noexcept {
  (void)row_bytes, (void)plan, (void)next;
  for (int i = 0; i < dw; ++i) {
    const LinearTap t = taps[i];
    for (int c = 0; c < cn; ++c) h[i * cn + c] = src[t.ofs0 + c] * t.a0 + src[t.ofs1 + c] * t.a1;
  }
}

// The reference needs no plan.
template <class Arch>
bool resize_linear_plan(const LinearTap* taps, int dw, int cn, void* plan, int plan_bytes) noexcept {
  (void)taps, (void)dw, (void)cn, (void)plan, (void)plan_bytes;
  return false;
}

// The vertical pass with OpenCV's 16-bit rounding (see params.hpp).
template <class Arch>
void resize_linear_v(const std::int32_t* h0, const std::int32_t* h1, std::uint8_t* dst, int n, int b0,
                     int b1) noexcept {
  for (int i = 0; i < n; ++i) {
    const int v = ((((h0[i] >> 4) * b0) >> 16) + (((h1[i] >> 4) * b1) >> 16) + 2) >> 2;
    dst[i] = sat_u8<Arch>(v);
  }
}

// Area down-scale by integers kx, ky: the mean of each kx*ky block. OpenCV rounds the 2x2 case
// as (sum + 2) >> 2 and every other case as sum * (1.f / (kx*ky)) rounded half to even.
template <class Arch>
void resize_area_fast_row(const std::uint8_t* src, int stride, std::uint8_t* dst, int dw, int cn, int kx,
                          int ky) noexcept {
  const float scale = 1.0f / static_cast<float>(kx * ky);
  for (int i = 0; i < dw; ++i) {
    for (int c = 0; c < cn; ++c) {
      int s = 0;
      for (int y = 0; y < ky; ++y) {
        const std::uint8_t* p = src + std::int64_t(y) * stride + std::int64_t(i) * kx * cn + c;
        for (int x = 0; x < kx; ++x) s += p[x * cn];
      }
      dst[i * cn + c] = (kx == 2 && ky == 2) ? static_cast<std::uint8_t>((s + 2) >> 2)
                                             : round_u8<Arch>(static_cast<float>(s) * scale);
    }
  }
}

// Area down-scale, general factors, step 1: acc = (init ? 0 : acc) + row.
template <class Arch>
void area_vsum(const std::uint8_t* row, std::int32_t* acc, int n, int init) noexcept {
  if (init)
    for (int i = 0; i < n; ++i) acc[i] = row[i];
  else
    for (int i = 0; i < n; ++i) acc[i] += row[i];
}

// Step 2: out = wf*first + wm*mid + wl*last, in this order; a null row counts as zeros.
template <class Arch>
void area_mix(const std::uint8_t* first, const std::int32_t* mid, const std::uint8_t* last, float wf, float wm,
              float wl, float* out, int n) noexcept {
  for (int i = 0; i < n; ++i) {
    float r = first ? wf * static_cast<float>(first[i]) : 0.0f;
    if (mid) r += wm * static_cast<float>(mid[i]);
    if (last) r += wl * static_cast<float>(last[i]);
    out[i] = r;
  }
}

// Step 3: dst[i*cn + c] = round(wf*r[first] + wm*sum(r[mid]) + wl*r[last]). Offsets in taps are
// pixels relative to r.
template <class Arch>
void area_h(const float* r, std::uint8_t* dst, const AreaTap* taps, int dw, int cn) noexcept {
  for (int i = 0; i < dw; ++i) {
    const AreaTap t = taps[i];
    for (int c = 0; c < cn; ++c) {
      float m = 0.0f;
      for (int k = 0; k < t.nmid; ++k) m += r[(t.mid0 + k) * cn + c];
      const float v = t.wf * r[t.first * cn + c] + t.wm * m + t.wl * r[t.last * cn + c];
      dst[i * cn + c] = round_u8<Arch>(v);
    }
  }
}

// ---- color -------------------------------------------------------------------------------------

// Packed -> packed: channel reorder, alpha drop/add (alpha 255), RGB -> Gray (Q15), Gray -> RGB.
template <class Arch>
void packed_convert(const std::uint8_t* src, std::uint8_t* dst, int n, PackedConvert p) noexcept {
  const int scn = p.scn, dcn = p.dcn;
  if (dcn == 1 && scn != 1) {
    const int bi = p.src_blue, ri = 2 - p.src_blue;
    for (int i = 0; i < n; ++i) {
      const std::uint8_t* s = src + i * scn;
      dst[i] = static_cast<std::uint8_t>((s[bi] * kGrayB + s[1] * kGrayG + s[ri] * kGrayR + (1 << (kGrayShift - 1))) >>
                                         kGrayShift);
    }
    return;
  }
  if (scn == 1) {
    for (int i = 0; i < n; ++i) {
      const std::uint8_t g = src[i];
      for (int c = 0; c < dcn; ++c) dst[i * dcn + c] = c == 3 ? 255 : g;
    }
    return;
  }
  const int i0 = p.swap_rb ? 2 : 0, i2 = p.swap_rb ? 0 : 2;
  for (int i = 0; i < n; ++i) {
    const std::uint8_t* s = src + i * scn;
    std::uint8_t* d = dst + i * dcn;
    const std::uint8_t a = scn == 4 ? s[3] : 255;
    const std::uint8_t c0 = s[i0], c1 = s[1], c2 = s[i2];
    d[0] = c0;
    d[1] = c1;
    d[2] = c2;
    if (dcn == 4) d[3] = a;
  }
}

// Two rows of YUV 4:2:0 -> RGB/BGR(A). bidx 0 writes B first (BGR), 2 writes R first (RGB).
// Fixed point exactly as OpenCV 4.6's COLOR_YUV2*_NV12/NV21/I420 (coefficients in params.hpp):
//   y' = max(0, Y - 16) * CY;  r = (y' + 2^19 + CVR*(V-128)) >> 20, and so on, saturated.
template <class Arch>
void yuv420_to_rgb_rows(const YuvRows& yr, std::uint8_t* d0, std::uint8_t* d1, int width, int dcn, int bidx) noexcept {
  const int half = 1 << (kYuvShift - 1);
  for (int i = 0; i < width / 2; ++i) {
    const int u = int(yr.u[i * yr.uv_step]) - 128, v = int(yr.v[i * yr.uv_step]) - 128;
    const int ruv = half + kYuvCVR * v, guv = half + kYuvCVG * v + kYuvCUG * u, buv = half + kYuvCUB * u;
    for (int r = 0; r < 2; ++r) {
      const std::uint8_t* ys = r ? yr.y1 : yr.y0;
      std::uint8_t* d = r ? d1 : d0;
      if (!d) continue;
      for (int k = 0; k < 2; ++k) {
        const int x = 2 * i + k;
        const int yy = ys[x] > 16 ? (ys[x] - 16) * kYuvCY : 0;
        std::uint8_t* px = d + x * dcn;
        px[bidx] = sat_u8<Arch>((yy + buv) >> kYuvShift);
        px[1] = sat_u8<Arch>((yy + guv) >> kYuvShift);
        px[bidx ^ 2] = sat_u8<Arch>((yy + ruv) >> kYuvShift);
        if (dcn == 4) px[3] = 255;
      }
    }
  }
}

// ---- warp --------------------------------------------------------------------------------------

struct WarpSource {
  const std::uint8_t* data;
  int width;
  int height;
  int stride;
  int cn;
  Border border;
  std::uint8_t border_value;
};

// OpenCV's borderInterpolate for Reflect101 (gfedcb|abcdefgh|gfedcba), any distance out.
template <class Arch>
inline int reflect101(int p, int n) noexcept {
  if (n == 1) return 0;
  while (p < 0 || p >= n) {
    if (p < 0) p = -p;
    if (p >= n) p = 2 * n - 2 - p;
  }
  return p;
}
template <class Arch>
inline int clamp_int(int p, int n) noexcept {
  return p < 0 ? 0 : (p >= n ? n - 1 : p);
}
template <class Arch>
inline int sat_short(int v) noexcept {
  return v < -32768 ? -32768 : (v > 32767 ? 32767 : v);
}

// One output row of a bilinear warp. For pixel i the source position in 1/32 pixel is
// X = (X0 + adelta[i]) >> 5, Y = (Y0 + bdelta[i]) >> 5 (X0, Y0 include the rounding delta).
template <class Arch>
void warp_linear_row(const WarpSource& s, std::uint8_t* dst, int n, int X0, int Y0, const std::int32_t* adelta,
                     const std::int32_t* bdelta) noexcept {
  const int cn = s.cn;
  for (int i = 0; i < n; ++i) {
    const int X = (X0 + adelta[i]) >> (kWarpAbBits - kWarpInterBits);
    const int Y = (Y0 + bdelta[i]) >> (kWarpAbBits - kWarpInterBits);
    const int sx = sat_short<Arch>(X >> kWarpInterBits), sy = sat_short<Arch>(Y >> kWarpInterBits);
    const int fx = X & (kWarpInterTab - 1), fy = Y & (kWarpInterTab - 1);
    const int w00 = (32 - fx) * (32 - fy) * 32, w01 = fx * (32 - fy) * 32, w10 = (32 - fx) * fy * 32,
              w11 = fx * fy * 32;
    std::uint8_t* d = dst + i * cn;
    if (sx >= 0 && sx + 1 < s.width && sy >= 0 && sy + 1 < s.height) {
      const std::uint8_t* p0 = s.data + std::int64_t(sy) * s.stride + sx * cn;
      const std::uint8_t* p1 = p0 + s.stride;
      for (int c = 0; c < cn; ++c)
        d[c] = sat_u8<Arch>((p0[c] * w00 + p0[c + cn] * w01 + p1[c] * w10 + p1[c + cn] * w11 + (1 << 14)) >> 15);
      continue;
    }
    if (s.border == Border::Constant &&
        (sx >= s.width || sx + 1 < 0 || sy >= s.height || sy + 1 < 0)) {
      for (int c = 0; c < cn; ++c) d[c] = s.border_value;
      continue;
    }
    int xs[2], ys[2];
    bool ok[2][2];
    for (int k = 0; k < 2; ++k) {
      const int xx = sx + k, yy = sy + k;
      if (s.border == Border::Replicate) {
        xs[k] = clamp_int<Arch>(xx, s.width);
        ys[k] = clamp_int<Arch>(yy, s.height);
      } else if (s.border == Border::Reflect101) {
        xs[k] = reflect101<Arch>(xx, s.width);
        ys[k] = reflect101<Arch>(yy, s.height);
      } else {
        xs[k] = xx;
        ys[k] = yy;
      }
    }
    for (int a = 0; a < 2; ++a)
      for (int b = 0; b < 2; ++b)
        ok[a][b] = xs[b] >= 0 && xs[b] < s.width && ys[a] >= 0 && ys[a] < s.height;
    for (int c = 0; c < cn; ++c) {
      int v[2][2];
      for (int a = 0; a < 2; ++a)
        for (int b = 0; b < 2; ++b)
          v[a][b] = ok[a][b] ? s.data[std::int64_t(ys[a]) * s.stride + xs[b] * cn + c] : s.border_value;
      d[c] = sat_u8<Arch>((v[0][0] * w00 + v[0][1] * w01 + v[1][0] * w10 + v[1][1] * w11 + (1 << 14)) >> 15);
    }
  }
}

// One output row of a nearest-neighbour warp: source pixel ((X0 + adelta[i]) >> 10, ...).
template <class Arch>
void warp_nn_row(const WarpSource& s, std::uint8_t* dst, int n, int X0, int Y0, const std::int32_t* adelta,
                 const std::int32_t* bdelta) noexcept {
  const int cn = s.cn;
  for (int i = 0; i < n; ++i) {
    int sx = sat_short<Arch>((X0 + adelta[i]) >> kWarpAbBits);
    int sy = sat_short<Arch>((Y0 + bdelta[i]) >> kWarpAbBits);
    std::uint8_t* d = dst + i * cn;
    if (!(sx >= 0 && sx < s.width && sy >= 0 && sy < s.height)) {
      if (s.border == Border::Constant) {
        for (int c = 0; c < cn; ++c) d[c] = s.border_value;
        continue;
      }
      if (s.border == Border::Replicate) {
        sx = clamp_int<Arch>(sx, s.width);
        sy = clamp_int<Arch>(sy, s.height);
      } else {
        sx = reflect101<Arch>(sx, s.width);
        sy = reflect101<Arch>(sy, s.height);
      }
    }
    const std::uint8_t* p = s.data + std::int64_t(sy) * s.stride + sx * cn;
    for (int c = 0; c < cn; ++c) d[c] = p[c];
  }
}

}  // namespace ref
}  // namespace detail
}  // namespace image
}  // namespace luodi
