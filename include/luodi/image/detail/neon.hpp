// NEON (AArch64) row kernels of the image layer, for Arch = xsimd::neon64.
//
// The same contract as the x86 kernels in simd.hpp: each one computes exactly what its ref twin
// computes, with the same integer arithmetic (OpenCV's fixed point) and one fused multiply-add
// for the float normalisation, on as many leading elements as it vectorises, and returns how many
// it did; the caller (simd.hpp) hands the rest to ref. NEON has what these kernels need without
// tricks: structured loads and stores (vld3/vst3, vld4/vst4) for channel reorders, widening
// multiplies (vmull, vmlal) for the Q11/Q15 sums, saturating narrowing shifts (vqshrn, vqshrun)
// for OpenCV's clamps. It has no gather, so the sparse reads (resize taps, fused sampling) are
// lane loads.
//
// Not vectorised on NEON (they run ref): the general area resize, integer-factor area other than
// 2x2, warps, and the fused pass from packed RGB/BGR sources.
//
// tests/image/ runs every kernel against ref on the neon64 ISA; under the aarch64 preset that is
// qemu-aarch64 (OpenCV is not available there, ref is checked against it on x86).
#pragma once

#include <cstdint>
#include <cstring>

#include "fused.hpp"
#include "params.hpp"
#include "ref.hpp"

#if defined(__aarch64__) || defined(_M_ARM64)
#include <arm_neon.h>
#define LUODI_IMAGE_NEON 1
#else
#define LUODI_IMAGE_NEON 0
#endif

#if LUODI_IMAGE_NEON

namespace luodi {
namespace image {
namespace detail {
namespace neon {

template <class Arch>
LUODI_ALWAYS_INLINE std::uint16_t load_u16(const std::uint8_t* p) noexcept {
  std::uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}

// ---- resize ------------------------------------------------------------------------------------

// Nearest, Gray: 8 lane loads, one store. (3 and 4 channels are 4-byte moves, in simd.hpp.)
template <class Arch>
int resize_nn_row_gray(const std::uint8_t* src, std::uint8_t* dst, const std::int32_t* xofs, int dw) noexcept {
  int i = 0;
  for (; i + 8 <= dw; i += 8) {
    uint8x8_t v = vdup_n_u8(0);
    v = vld1_lane_u8(src + xofs[i + 0], v, 0);
    v = vld1_lane_u8(src + xofs[i + 1], v, 1);
    v = vld1_lane_u8(src + xofs[i + 2], v, 2);
    v = vld1_lane_u8(src + xofs[i + 3], v, 3);
    v = vld1_lane_u8(src + xofs[i + 4], v, 4);
    v = vld1_lane_u8(src + xofs[i + 5], v, 5);
    v = vld1_lane_u8(src + xofs[i + 6], v, 6);
    v = vld1_lane_u8(src + xofs[i + 7], v, 7);
    vst1_u8(dst + i, v);
  }
  return i;
}

// Linear, horizontal. 3 and 4 channels: one output pixel per step; the 8 bytes at ofs0 hold
// both source pixels (the right one at ofs0 + cn; where ofs1 == ofs0, a1 is 0), widened to
// 16 bits, then vmull/vmlal by a0 and a1: the exact sums. The 4th lane of a 3-channel pixel is
// overwritten by the next one (the row buffers have room for the last). Gray: 4 pixels per
// step from 16-bit lane loads, (p0, p1) against (a0, a1) as in pmaddwd (vmull + pairwise add).
template <class Arch>
int resize_linear_h(const std::uint8_t* src, int row_bytes, std::int32_t* h, const LinearTap* taps, int dw,
                    int cn) noexcept {
  int i = 0;
  if (cn == 3 || cn == 4) {
    for (; i < dw && taps[i].ofs0 + 8 <= row_bytes; ++i) {
      const LinearTap& t = taps[i];
      const uint16x8_t px = vmovl_u8(vld1_u8(src + t.ofs0));
      const uint16x4_t left = vget_low_u16(px);
      const uint16x4_t right = cn == 3 ? vext_u16(vget_low_u16(px), vget_high_u16(px), 3) : vget_high_u16(px);
      const uint32x4_t v =
          vmlal_n_u16(vmull_n_u16(left, static_cast<std::uint16_t>(t.a0)), right, static_cast<std::uint16_t>(t.a1));
      vst1q_s32(h + i * cn, vreinterpretq_s32_u32(v));
    }
  } else if (cn == 1) {
    for (; i + 4 <= dw && taps[i + 3].ofs0 + 2 <= row_bytes; i += 4) {
      std::uint16_t pb[4];  // the two source bytes of each output pixel
      std::uint32_t wb[4];  // a0 | a1 << 16
      for (int k = 0; k < 4; ++k) {
        pb[k] = load_u16<Arch>(src + taps[i + k].ofs0);
        std::memcpy(&wb[k], &taps[i + k].a0, 4);
      }
      const uint16x8_t pairs = vmovl_u8(vreinterpret_u8_u16(vld1_u16(pb)));  // p0, p1 of pixel 0, then 1, ...
      const uint16x8_t w = vreinterpretq_u16_u32(vld1q_u32(wb));
      const uint32x4_t sums = vpaddq_u32(vmull_u16(vget_low_u16(pairs), vget_low_u16(w)), vmull_high_u16(pairs, w));
      vst1q_s32(h + i, vreinterpretq_s32_u32(sums));
    }
  }
  return i;
}

// ((h >> 4) * b >> 16) for 8 values: (h >> 4) fits int16 (h <= 255 * 2048), the product is exact
// in int32 and the shift narrows it back.
template <class Arch>
LUODI_ALWAYS_INLINE int16x8_t vmulhi8(const std::int32_t* h, std::int16_t b) noexcept {
  const int16x4_t a0 = vshrn_n_s32(vld1q_s32(h), 4), a1 = vshrn_n_s32(vld1q_s32(h + 4), 4);
  return vcombine_s16(vshrn_n_s32(vmull_n_s16(a0, b), 16), vshrn_n_s32(vmull_n_s16(a1, b), 16));
}

// Linear, vertical: OpenCV's 16-bit rounding, (s + 2) >> 2 as a rounding shift, saturated to u8.
template <class Arch>
int resize_linear_v(const std::int32_t* h0, const std::int32_t* h1, std::uint8_t* dst, int n, int b0,
                    int b1) noexcept {
  int i = 0;
  const std::int16_t w0 = static_cast<std::int16_t>(b0), w1 = static_cast<std::int16_t>(b1);
  for (; i + 16 <= n; i += 16) {
    const int16x8_t s0 = vqaddq_s16(vmulhi8<Arch>(h0 + i, w0), vmulhi8<Arch>(h1 + i, w1));
    const int16x8_t s1 = vqaddq_s16(vmulhi8<Arch>(h0 + i + 8, w0), vmulhi8<Arch>(h1 + i + 8, w1));
    vst1q_u8(dst + i, vcombine_u8(vqmovun_s16(vrshrq_n_s16(s0, 2)), vqmovun_s16(vrshrq_n_s16(s1, 2))));
  }
  return i;
}

// Area 2x2 (and Linear at exactly half size): (a + b + c + d + 2) >> 2 per channel, with the
// structured loads splitting the channels and pairwise adds summing horizontal neighbours.
template <class Arch>
int resize_area_2x2(const std::uint8_t* src, int stride, std::uint8_t* dst, int dw, int cn) noexcept {
  const std::uint8_t* r1 = src + stride;
  int i = 0;  // output pixels
  if (cn == 1) {
    for (; i + 8 <= dw; i += 8) {
      const uint16x8_t s = vaddq_u16(vpaddlq_u8(vld1q_u8(src + 2 * i)), vpaddlq_u8(vld1q_u8(r1 + 2 * i)));
      vst1_u8(dst + i, vrshrn_n_u16(s, 2));
    }
  } else if (cn == 3) {
    for (; i + 8 <= dw; i += 8) {
      const uint8x16x3_t a = vld3q_u8(src + 6 * i), b = vld3q_u8(r1 + 6 * i);
      uint8x8x3_t o;
      for (int c = 0; c < 3; ++c)
        o.val[c] = vrshrn_n_u16(vaddq_u16(vpaddlq_u8(a.val[c]), vpaddlq_u8(b.val[c])), 2);
      vst3_u8(dst + 3 * i, o);
    }
  } else if (cn == 4) {
    for (; i + 8 <= dw; i += 8) {
      const uint8x16x4_t a = vld4q_u8(src + 8 * i), b = vld4q_u8(r1 + 8 * i);
      uint8x8x4_t o;
      for (int c = 0; c < 4; ++c)
        o.val[c] = vrshrn_n_u16(vaddq_u16(vpaddlq_u8(a.val[c]), vpaddlq_u8(b.val[c])), 2);
      vst4_u8(dst + 4 * i, o);
    }
  }
  return i;
}

// ---- color -------------------------------------------------------------------------------------

// (R*9798 + G*19235 + B*3735 + 2^14) >> 15 for 8 pixels.
template <class Arch>
LUODI_ALWAYS_INLINE uint8x8_t gray8(uint8x8_t r, uint8x8_t g, uint8x8_t b) noexcept {
  const uint16x8_t r16 = vmovl_u8(r), g16 = vmovl_u8(g), b16 = vmovl_u8(b);
  uint32x4_t lo = vmull_n_u16(vget_low_u16(r16), kGrayR);
  lo = vmlal_n_u16(lo, vget_low_u16(g16), kGrayG);
  lo = vmlal_n_u16(lo, vget_low_u16(b16), kGrayB);
  uint32x4_t hi = vmull_n_u16(vget_high_u16(r16), kGrayR);
  hi = vmlal_n_u16(hi, vget_high_u16(g16), kGrayG);
  hi = vmlal_n_u16(hi, vget_high_u16(b16), kGrayB);
  return vmovn_u16(vcombine_u16(vrshrn_n_u32(lo, kGrayShift), vrshrn_n_u32(hi, kGrayShift)));
}

// Packed conversions with structured loads and stores, 16 pixels per step (8 for Gray).
template <class Arch>
int packed_convert(const std::uint8_t* src, std::uint8_t* dst, int n, PackedConvert p) noexcept {
  const int scn = p.scn, dcn = p.dcn;
  int i = 0;
  if (dcn == 1 && scn > 1) {
    const int bi = p.src_blue, ri = 2 - p.src_blue;
    for (; i + 8 <= n; i += 8) {
      uint8x8_t c[3];
      if (scn == 3) {
        const uint8x8x3_t v = vld3_u8(src + 3 * i);
        c[0] = v.val[0], c[1] = v.val[1], c[2] = v.val[2];
      } else {
        const uint8x8x4_t v = vld4_u8(src + 4 * i);
        c[0] = v.val[0], c[1] = v.val[1], c[2] = v.val[2];
      }
      vst1_u8(dst + i, gray8<Arch>(c[ri], c[1], c[bi]));
    }
    return i;
  }
  const uint8x16_t alpha = vdupq_n_u8(255);
  if (scn == 1) {
    for (; i + 16 <= n; i += 16) {
      const uint8x16_t g = vld1q_u8(src + i);
      if (dcn == 3) {
        const uint8x16x3_t o = {{g, g, g}};
        vst3q_u8(dst + 3 * i, o);
      } else {
        const uint8x16x4_t o = {{g, g, g, alpha}};
        vst4q_u8(dst + 4 * i, o);
      }
    }
    return i;
  }
  const int i0 = p.swap_rb ? 2 : 0, i2 = p.swap_rb ? 0 : 2;
  for (; i + 16 <= n; i += 16) {
    uint8x16_t c[4];
    if (scn == 3) {
      const uint8x16x3_t v = vld3q_u8(src + 3 * i);
      c[0] = v.val[0], c[1] = v.val[1], c[2] = v.val[2], c[3] = alpha;
    } else {
      const uint8x16x4_t v = vld4q_u8(src + 4 * i);
      c[0] = v.val[0], c[1] = v.val[1], c[2] = v.val[2], c[3] = v.val[3];
    }
    if (dcn == 3) {
      const uint8x16x3_t o = {{c[i0], c[1], c[i2]}};
      vst3q_u8(dst + 3 * i, o);
    } else {
      const uint8x16x4_t o = {{c[i0], c[1], c[i2], c[3]}};
      vst4q_u8(dst + 4 * i, o);
    }
  }
  return i;
}

// clamp((y' + t) >> 20) of 8 lanes (two int32x4) as u8: narrowing by 16 (exact, the values are
// below 2^31) then a saturating unsigned narrowing by 4 is the >> 20 with OpenCV's saturation.
template <class Arch>
LUODI_ALWAYS_INLINE uint8x8_t yuv_clamp8(int32x4_t a, int32x4_t b) noexcept {
  return vqshrun_n_s16(vcombine_s16(vqshrn_n_s32(a, 16), vqshrn_n_s32(b, 16)), 4);
}

// y' = max(Y - 16, 0) * CY of 8 bytes, as 2 x int32x4.
template <class Arch>
LUODI_ALWAYS_INLINE void yuv_luma8(uint8x8_t y, int32x4_t* lo, int32x4_t* hi) noexcept {
  const uint16x8_t yc = vmovl_u8(vqsub_u8(y, vdup_n_u8(16)));
  *lo = vmulq_n_s32(vreinterpretq_s32_u32(vmovl_u16(vget_low_u16(yc))), kYuvCY);
  *hi = vmulq_n_s32(vreinterpretq_s32_u32(vmovl_u16(vget_high_u16(yc))), kYuvCY);
}

// The chroma terms 2^19 + CUB*(U-128), 2^19 + CVG*(V-128) + CUG*(U-128), 2^19 + CVR*(V-128) of 4
// lanes.
template <class Arch>
LUODI_ALWAYS_INLINE void yuv_terms4(int16x4_t u, int16x4_t v, int32x4_t* tb, int32x4_t* tg, int32x4_t* tr) noexcept {
  const int32x4_t half = vdupq_n_s32(1 << (kYuvShift - 1));
  const int32x4_t u32 = vmovl_s16(u), v32 = vmovl_s16(v);
  *tb = vmlaq_n_s32(half, u32, kYuvCUB);
  *tg = vmlaq_n_s32(vmlaq_n_s32(half, v32, kYuvCVG), u32, kYuvCUG);
  *tr = vmlaq_n_s32(half, v32, kYuvCVR);
}

// YUV 4:2:0 -> RGB/BGR(A), 16 pixels of both rows per step. The chroma terms are computed per
// chroma sample and duplicated to its two pixels (vzip).
template <class Arch>
int yuv420_to_rgb_rows(const YuvRows& yr, std::uint8_t* d0, std::uint8_t* d1, int width, int dcn, int bidx) noexcept {
  int x = 0;
  const bool nv = yr.uv_step == 2;
  const std::uint8_t* uvbase = yr.u < yr.v ? yr.u : yr.v;
  const bool u_first = yr.u < yr.v;
  for (; x + 16 <= width; x += 16) {
    uint8x8_t u8, v8;
    if (nv) {
      const uint8x8x2_t c = vld2_u8(uvbase + x);
      u8 = u_first ? c.val[0] : c.val[1];
      v8 = u_first ? c.val[1] : c.val[0];
    } else {
      u8 = vld1_u8(yr.u + x / 2);
      v8 = vld1_u8(yr.v + x / 2);
    }
    const int16x8_t u = vreinterpretq_s16_u16(vsubl_u8(u8, vdup_n_u8(128)));
    const int16x8_t v = vreinterpretq_s16_u16(vsubl_u8(v8, vdup_n_u8(128)));
    int32x4_t t[3][4];  // [b, g, r][pixels 0-3, 4-7, 8-11, 12-15]
    for (int k = 0; k < 2; ++k) {
      int32x4_t tb, tg, tr;
      yuv_terms4<Arch>(k ? vget_high_s16(u) : vget_low_s16(u), k ? vget_high_s16(v) : vget_low_s16(v), &tb, &tg, &tr);
      const int32x4_t c3[3] = {tb, tg, tr};
      for (int c = 0; c < 3; ++c) {
        t[c][2 * k] = vzip1q_s32(c3[c], c3[c]);
        t[c][2 * k + 1] = vzip2q_s32(c3[c], c3[c]);
      }
    }
    for (int r = 0; r < 2; ++r) {
      std::uint8_t* d = r ? d1 : d0;
      if (!d) continue;
      const uint8x16_t y = vld1q_u8((r ? yr.y1 : yr.y0) + x);
      int32x4_t yy[4];
      yuv_luma8<Arch>(vget_low_u8(y), &yy[0], &yy[1]);
      yuv_luma8<Arch>(vget_high_u8(y), &yy[2], &yy[3]);
      uint8x16_t plane[3];
      for (int c = 0; c < 3; ++c)
        plane[c] = vcombine_u8(yuv_clamp8<Arch>(vaddq_s32(yy[0], t[c][0]), vaddq_s32(yy[1], t[c][1])),
                               yuv_clamp8<Arch>(vaddq_s32(yy[2], t[c][2]), vaddq_s32(yy[3], t[c][3])));
      const uint8x16_t first = bidx == 0 ? plane[0] : plane[2], third = bidx == 0 ? plane[2] : plane[0];
      if (dcn == 3) {
        const uint8x16x3_t o = {{first, plane[1], third}};
        vst3q_u8(d + 3 * x, o);
      } else {
        const uint8x16x4_t o = {{first, plane[1], third, vdupq_n_u8(255)}};
        vst4q_u8(d + 4 * x, o);
      }
    }
  }
  return x;
}

// ---- fused preprocessing -----------------------------------------------------------------------

// (p0, p1) 16-bit pairs of 4 taps against their (a0, a1) weights: the 4 exact resize sums.
template <class Arch>
LUODI_ALWAYS_INLINE int32x4_t pair_sums(uint16x8_t pairs, uint16x8_t w) noexcept {
  return vreinterpretq_s32_u32(vpaddq_u32(vmull_u16(vget_low_u16(pairs), vget_low_u16(w)), vmull_high_u16(pairs, w)));
}

// YUV rows sy[0..nrows) into h[r], 4 taps per step. Every tap reads pixels x0 and x0 + 1 (a1 is
// 0 where x1 == x0, see FusedTaps), so the 8 pixels of a step are 4 16-bit lane loads, already
// in (p0, p1) pair order; the conversion is ref's formula (y' + 2^19 + C*(U-128) ... >> 20,
// saturated), with the chroma terms computed once for two rows of one chroma row. Returns the
// taps done.
template <class Arch>
int fused_yuv_rows(const FusedSource& s, const int* sy, int nrows, const FusedTaps& t, int n, int ocn, int bidx,
                   std::int32_t* const* h) noexcept {
  const bool i420 = s.format == PixelFormat::I420, nv12 = s.format == PixelFormat::NV12;
  const FusedChromaRow crow[2] = {ref::fused_chroma_row<Arch>(s, sy[0]), ref::fused_chroma_row<Arch>(s, sy[nrows - 1])};
  const bool shared = sy[0] / 2 == sy[nrows - 1] / 2;
  const int pos[3] = {bidx, 1, bidx ^ 2};
  int i = 0;
  // x0 + 1 must be inside the row (and its chroma inside the chroma row)
  for (; i + 4 <= n && t.x0[i + 3] + 2 <= s.width; i += 4) {
    const uint16x8_t w = vld1q_u16(reinterpret_cast<const std::uint16_t*>(t.w + i));  // a0, a1 of each tap
    int32x4_t tc[3][2] = {};  // [b, g, r][pixels of taps 0-1, taps 2-3]
    for (int r = 0; r < nrows; ++r) {
      const std::uint8_t* yrow = s.data + std::int64_t(sy[r]) * s.stride;
      uint16x4_t yp = vdup_n_u16(0);
      yp = vset_lane_u16(load_u16<Arch>(yrow + t.x0[i + 0]), yp, 0);
      yp = vset_lane_u16(load_u16<Arch>(yrow + t.x0[i + 1]), yp, 1);
      yp = vset_lane_u16(load_u16<Arch>(yrow + t.x0[i + 2]), yp, 2);
      yp = vset_lane_u16(load_u16<Arch>(yrow + t.x0[i + 3]), yp, 3);
      const uint8x8_t y = vreinterpret_u8_u16(yp);  // Y(x0), Y(x0+1) of each tap
      if (ocn == 1) {
        vst1q_s32(h[r] + i, pair_sums<Arch>(vmovl_u8(y), w));
        continue;
      }
      if (r == 0 || !shared) {
        const FusedChromaRow& c = crow[r];
        uint8x8_t u8, v8;
        if (i420) {
          std::uint8_t ub[8], vb[8];
          for (int k = 0; k < 4; ++k) {
            const int x = t.x0[i + k];
            ub[2 * k] = c.u[x >> 1], ub[2 * k + 1] = c.u[(x + 1) >> 1];
            vb[2 * k] = c.v[x >> 1], vb[2 * k + 1] = c.v[(x + 1) >> 1];
          }
          u8 = vld1_u8(ub);
          v8 = vld1_u8(vb);
        } else {
          std::uint16_t cb[8];  // (first | second << 8) of each pixel's chroma pair
          for (int k = 0; k < 4; ++k) {
            const int x = t.x0[i + k];
            cb[2 * k] = load_u16<Arch>(c.uv + (x & ~1));
            cb[2 * k + 1] = load_u16<Arch>(c.uv + ((x + 1) & ~1));
          }
          const uint16x8_t cv = vld1q_u16(cb);
          const uint8x8_t e0 = vmovn_u16(cv), e1 = vshrn_n_u16(cv, 8);
          u8 = nv12 ? e0 : e1;
          v8 = nv12 ? e1 : e0;
        }
        const int16x8_t u = vreinterpretq_s16_u16(vsubl_u8(u8, vdup_n_u8(128)));
        const int16x8_t v = vreinterpretq_s16_u16(vsubl_u8(v8, vdup_n_u8(128)));
        yuv_terms4<Arch>(vget_low_s16(u), vget_low_s16(v), &tc[0][0], &tc[1][0], &tc[2][0]);
        yuv_terms4<Arch>(vget_high_s16(u), vget_high_s16(v), &tc[0][1], &tc[1][1], &tc[2][1]);
      }
      int32x4_t yy[2];
      yuv_luma8<Arch>(y, &yy[0], &yy[1]);
      for (int c = 0; c < 3; ++c) {
        const uint8x8_t p = yuv_clamp8<Arch>(vaddq_s32(yy[0], tc[c][0]), vaddq_s32(yy[1], tc[c][1]));
        vst1q_s32(h[r] + pos[c] * n + i, pair_sums<Arch>(vmovl_u8(p), w));
      }
    }
  }
  return i;
}

// OpenCV's vertical rounding of 4 taps: ((h0 >> 4) * b0 >> 16) + ((h1 >> 4) * b1 >> 16), (+2) >> 2.
template <class Arch>
LUODI_ALWAYS_INLINE int32x4_t vround4(const std::int32_t* h0, const std::int32_t* h1, std::int32_t b0,
                                      std::int32_t b1) noexcept {
  const int32x4_t m0 = vshrq_n_s32(vmulq_n_s32(vshrq_n_s32(vld1q_s32(h0), 4), b0), 16);
  const int32x4_t m1 = vshrq_n_s32(vmulq_n_s32(vshrq_n_s32(vld1q_s32(h1), 4), b1), 16);
  return vrshrq_n_s32(vaddq_s32(m0, m1), 2);
}

// fma(v, a, b) of 4 taps, one rounding as ref::fused_fma.
template <class Arch>
LUODI_ALWAYS_INLINE float32x4_t affine4(int32x4_t v, float a, float b) noexcept {
  return vfmaq_n_f32(vdupq_n_f32(b), vcvtq_f32_s32(v), a);
}

// The float epilogue, planar (NCHW, or one channel) or 3 channels interleaved (NHWC).
template <class Arch>
int fused_vnorm_f32(const std::int32_t* h0, const std::int32_t* h1, int n, int ocn, int b0, int b1, const float* a,
                    const float* b, float* out, FusedOut o) noexcept {
  int i = 0;
  if (o.pix_stride == 1) {
    for (; i + 4 <= n; i += 4)
      for (int c = 0; c < ocn; ++c)
        vst1q_f32(out + c * o.chan_stride + i, affine4<Arch>(vround4<Arch>(h0 + c * n + i, h1 + c * n + i, b0, b1), a[c], b[c]));
  } else if (ocn == 3 && o.pix_stride == 3 && o.chan_stride == 1) {
    for (; i + 4 <= n; i += 4) {
      float32x4x3_t v;
      for (int c = 0; c < 3; ++c) v.val[c] = affine4<Arch>(vround4<Arch>(h0 + c * n + i, h1 + c * n + i, b0, b1), a[c], b[c]);
      vst3q_f32(out + 3 * i, v);
    }
  }
  return i;
}

// The epilogue of a packed 3-channel source (interleaved sums of resize_linear_h): vld3q splits
// the channels, then the same rounding and FMA per channel (output channel c = source sc[c]),
// stored per plane (NCHW) or re-interleaved by vst3q (NHWC).
template <class Arch>
int fused_vnorm_packed3_f32(const std::int32_t* h0, const std::int32_t* h1, int n, const int* sc, int b0, int b1,
                            const float* a, const float* b, float* out, FusedOut o) noexcept {
  int i = 0;
  const bool planar = o.pix_stride == 1, nhwc = o.pix_stride == 3 && o.chan_stride == 1;
  if (!planar && !nhwc) return 0;
  for (; i + 4 <= n; i += 4) {
    const int32x4x3_t p = vld3q_s32(h0 + 3 * i), q = vld3q_s32(h1 + 3 * i);
    float32x4x3_t v;
    for (int c = 0; c < 3; ++c) {
      const int32x4_t m0 = vshrq_n_s32(vmulq_n_s32(vshrq_n_s32(p.val[sc[c]], 4), b0), 16);
      const int32x4_t m1 = vshrq_n_s32(vmulq_n_s32(vshrq_n_s32(q.val[sc[c]], 4), b1), 16);
      v.val[c] = affine4<Arch>(vrshrq_n_s32(vaddq_s32(m0, m1), 2), a[c], b[c]);
      if (planar) vst1q_f32(out + c * o.chan_stride + i, v.val[c]);
    }
    if (nhwc) vst3q_f32(out + 3 * i, v);
  }
  return i;
}

// The u8 epilogue: round half to even (vcvtn) and saturate (vqmovun, vqmovn) as ref::round_u8.
template <class Arch>
LUODI_ALWAYS_INLINE uint8x8_t round_u8x8(float32x4_t lo, float32x4_t hi) noexcept {
  return vqmovn_u16(vcombine_u16(vqmovun_s32(vcvtnq_s32_f32(lo)), vqmovun_s32(vcvtnq_s32_f32(hi))));
}

template <class Arch>
int fused_vnorm_u8(const std::int32_t* h0, const std::int32_t* h1, int n, int ocn, int b0, int b1, const float* a,
                   const float* b, std::uint8_t* out, FusedOut o) noexcept {
  int i = 0;
  auto chan8 = [&](int c, int k) {
    const float32x4_t lo = affine4<Arch>(vround4<Arch>(h0 + c * n + k, h1 + c * n + k, b0, b1), a[c], b[c]);
    const float32x4_t hi = affine4<Arch>(vround4<Arch>(h0 + c * n + k + 4, h1 + c * n + k + 4, b0, b1), a[c], b[c]);
    return round_u8x8<Arch>(lo, hi);
  };
  if (o.pix_stride == 1) {
    for (; i + 8 <= n; i += 8)
      for (int c = 0; c < ocn; ++c) vst1_u8(out + c * o.chan_stride + i, chan8(c, i));
  } else if (ocn == 3 && o.pix_stride == 3 && o.chan_stride == 1) {
    for (; i + 8 <= n; i += 8) {
      const uint8x8x3_t v = {{chan8(0, i), chan8(1, i), chan8(2, i)}};
      vst3_u8(out + 3 * i, v);
    }
  }
  return i;
}

}  // namespace neon
}  // namespace detail
}  // namespace image
}  // namespace luodi

#endif  // LUODI_IMAGE_NEON
