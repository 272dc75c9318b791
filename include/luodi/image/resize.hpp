// image::resize: Nearest, Linear and Area, u8, for Gray and 3- and 4-channel images, with the
// numerics of OpenCV 4.6's cv::resize:
//   Nearest  identical to INTER_NEAREST.
//   Linear   INTER_LINEAR: Q11 coefficients, exact horizontal sums, OpenCV's 16-bit vertical
//            rounding. Identical on every pixel tested (tests/image/test_resize.cpp); the
//            contract is at most 1 LSB. An exact 2x down-scale on both axes is an area average,
//            as in OpenCV.
//   Area     INTER_AREA. Down-scaling by integer factors averages blocks (identical); by other
//            factors each output pixel is the coverage-weighted mean of its source cell,
//            computed in float (within 1 LSB of OpenCV: the summation order differs). If either
//            axis is up-scaled, Area is OpenCV's area-upsampling: bilinear with weights
//            f = (d+1) - (i+1)*inv taken fractional, i = floor(d*scale), i.e. pixel
//            replication with a one-pixel linear blend at cell boundaries.
//
// No allocation: the coefficient tables and row buffers live on the stack (at most about 32 KiB
// on x86-64, 24 KiB elsewhere) and the image is processed in column tiles. Source and destination must not overlap.
#pragma once

#include <cstdint>
#include <cstring>

#include "../core/status.hpp"
#include "../simd/dispatch.hpp"
#include "detail/family.hpp"
#include "detail/tables.hpp"
#include "view.hpp"

namespace luodi {
namespace image {

inline const char* interp_name(Interp i) noexcept {
  switch (i) {
    case Interp::Nearest: return "nearest";
    case Interp::Linear: return "linear";
    case Interp::Area: return "area";
  }
  return "invalid";
}
inline const char* border_name(Border b) noexcept {
  switch (b) {
    case Border::Constant: return "constant";
    case Border::Replicate: return "replicate";
    case Border::Reflect101: return "reflect101";
  }
  return "invalid";
}

namespace detail {

inline constexpr int kTileElems = 1024;  // int32 row-buffer elements per column tile
inline constexpr int kAreaSpan = 2048;   // source elements per area tile
inline constexpr int kAreaCols = 256;    // output columns per area tile
// Room for an ISA's plan of a linear tile (resize_linear_plan): only x86 SIMD kernels use one.
#if LUODI_HAS_XSIMD && (defined(__x86_64__) || defined(_M_X64))
inline constexpr int kLinearPlanBytes = 8192;
#else
inline constexpr int kLinearPlanBytes = 64;
#endif

inline bool views_overlap(const ImageView& a, const ImageView& b) noexcept {
  const std::uint8_t* a0 = a.data;
  const std::uint8_t* a1 = a.data + image_span_bytes(a);
  const std::uint8_t* b0 = b.data;
  const std::uint8_t* b1 = b.data + image_span_bytes(b);
  return a0 < b1 && b0 < a1;
}

inline void copy_rows(const ImageView& src, const MutableImageView& dst, int row_bytes) noexcept {
  for (int y = 0; y < src.height; ++y)
    std::memcpy(dst.data + std::int64_t(y) * dst.stride, src.data + std::int64_t(y) * src.stride, row_bytes);
}

inline void resize_nearest(const ImageKernels& k, const ImageView& src, const MutableImageView& dst, int cn) noexcept {
  const AxisScale ax = axis_scale(src.width, dst.width), ay = axis_scale(src.height, dst.height);
  std::int32_t xofs[kTileElems];
  for (int x0 = 0; x0 < dst.width; x0 += kTileElems) {
    const int n = dst.width - x0 < kTileElems ? dst.width - x0 : kTileElems;
    for (int i = 0; i < n; ++i) xofs[i] = nn_index(x0 + i, ax, src.width) * cn;
    for (int y = 0; y < dst.height; ++y) {
      const int sy = nn_index(y, ay, src.height);
      k.resize_nn_row(src.data + std::int64_t(sy) * src.stride, src.width * cn, dst.data + std::int64_t(y) * dst.stride + x0 * cn, xofs,
                      n, cn);
    }
  }
}

inline void resize_linear(const ImageKernels& k, const ImageView& src, const MutableImageView& dst, int cn,
                          bool area_mode) noexcept {
  const AxisScale ax = axis_scale(src.width, dst.width), ay = axis_scale(src.height, dst.height);
  const int cols_per_tile = kTileElems / cn;
  LinearTap taps[kTileElems];
  alignas(64) std::int32_t hbuf[2][kTileElems + 4];  // + 4: SIMD kernels store whole vectors
  alignas(64) unsigned char plan[kLinearPlanBytes];
  const int row_bytes = src.width * cn;
  for (int x0 = 0; x0 < dst.width; x0 += cols_per_tile) {
    const int n = dst.width - x0 < cols_per_tile ? dst.width - x0 : cols_per_tile;
    for (int i = 0; i < n; ++i) {
      const LinearAxisTap t = linear_tap_x(x0 + i, ax, src.width, area_mode);
      taps[i] = LinearTap{t.i0 * cn, t.i1 * cn, static_cast<std::int16_t>(t.w0), static_cast<std::int16_t>(t.w1)};
    }
    const void* tile_plan = k.resize_linear_plan(taps, n, cn, plan, kLinearPlanBytes) ? plan : nullptr;
    int id[2] = {-1, -1};
    int next = 0;  // the slot to overwrite when neither holds a wanted row
    int ahead[2] = {-1, -1}, nahead = 0;  // rows the next output row adds, prefetched by this row's fetches
    auto row_ptr = [&](int row) { return src.data + std::int64_t(row) * src.stride; };
    auto fetch = [&](int row, int keep) -> int {
      if (id[0] == row) return 0;
      if (id[1] == row) return 1;
      int s = keep >= 0 ? 1 - keep : next;
      next = 1 - s;
      const std::uint8_t* pf = nahead > 0 ? row_ptr(ahead[2 - nahead]) : nullptr;
      if (nahead > 0) --nahead;
      k.resize_linear_h(row_ptr(row), row_bytes, hbuf[s], taps, n, cn, tile_plan, pf);
      id[s] = row;
      return s;
    };
    LinearAxisTap t = linear_tap_y(0, ay, src.height, area_mode);
    for (int y = 0; y < dst.height; ++y) {
      const LinearAxisTap tn = y + 1 < dst.height ? linear_tap_y(y + 1, ay, src.height, area_mode) : t;
      nahead = 0;
      if (tn.i1 != t.i0 && tn.i1 != t.i1) ahead[1] = tn.i1, ++nahead;
      if (tn.i0 != t.i0 && tn.i0 != t.i1 && tn.i0 != tn.i1) ahead[1 - nahead] = tn.i0, ++nahead;
      const int s0 = fetch(t.i0, -1);
      const int s1 = t.i1 == t.i0 ? s0 : fetch(t.i1, s0);
      k.resize_linear_v(hbuf[s0], hbuf[s1], dst.data + std::int64_t(y) * dst.stride + x0 * cn, n * cn, t.w0, t.w1);
      t = tn;
    }
  }
}

inline void resize_area_fast(const ImageKernels& k, const ImageView& src, const MutableImageView& dst, int cn, int kx,
                             int ky) noexcept {
  for (int y = 0; y < dst.height; ++y)
    k.resize_area_fast_row(src.data + std::int64_t(y) * ky * src.stride, src.stride,
                           dst.data + std::int64_t(y) * dst.stride, dst.width, cn, kx, ky);
}

// One output pixel of an area down-scale without buffers, with the same float operations in
// the same order as area_vsum -> area_mix -> area_h (used when one cell is wider than a tile).
inline void area_pixel(const ImageView& src, const AreaRows& ry, const AreaTap& tx, int cn, std::uint8_t* out) noexcept {
  auto px = [&](int row, int col, int c) { return src.data[std::int64_t(row) * src.stride + col * cn + c]; };
  auto rval = [&](int col, int c) {
    float r = ry.wf != 0.0f ? ry.wf * static_cast<float>(px(ry.first, col, c)) : 0.0f;
    if (ry.nmid > 0) {
      std::int32_t m = 0;
      for (int j = 0; j < ry.nmid; ++j) m += px(ry.mid0 + j, col, c);
      r += ry.wm * static_cast<float>(m);
    }
    if (ry.wl != 0.0f) r += ry.wl * static_cast<float>(px(ry.last, col, c));
    return r;
  };
  for (int c = 0; c < cn; ++c) {
    float m = 0.0f;
    for (int j = 0; j < tx.nmid; ++j) m += rval(tx.mid0 + j, c);
    const float v = tx.wf * rval(tx.first, c) + tx.wm * m + tx.wl * rval(tx.last, c);
    out[c] = ref::round_u8<simd::scalar>(v);
  }
}

inline void resize_area(const ImageKernels& k, const ImageView& src, const MutableImageView& dst, int cn) noexcept {
  const AxisScale ax = axis_scale(src.width, dst.width), ay = axis_scale(src.height, dst.height);
  AreaTap taps[kAreaCols];
  alignas(64) std::int32_t acc[kAreaSpan];
  alignas(64) float rrow[kAreaSpan + 4];  // + 4: SIMD kernels load whole vectors
  int x0 = 0;
  while (x0 < dst.width) {
    // Grow the tile while its source span fits the buffers.
    const AreaRows c0 = area_cell(x0, ax.scale, src.width);
    const int span0 = c0.first;  // first <= mid0 <= last, all inside the image
    int n = 0, span1 = span0;
    while (x0 + n < dst.width && n < kAreaCols) {
      const AreaRows c = area_cell(x0 + n, ax.scale, src.width);
      const int end = c.last;
      const int hi = end > span1 ? end : span1;
      if ((hi - span0 + 1) * cn > kAreaSpan) break;
      span1 = hi;
      taps[n] = AreaTap{c.first - span0, c.mid0 - span0, c.nmid, c.last - span0, c.wf, c.wm, c.wl};
      ++n;
    }
    if (n == 0) {  // one cell wider than the buffers: compute this column directly
      const AreaTap t{c0.first, c0.mid0, c0.nmid, c0.last, c0.wf, c0.wm, c0.wl};
      for (int y = 0; y < dst.height; ++y)
        area_pixel(src, area_cell(y, ay.scale, src.height), t, cn,
                   dst.data + std::int64_t(y) * dst.stride + std::int64_t(x0) * cn);
      ++x0;
      continue;
    }
    const int elems = (span1 - span0 + 1) * cn;
    for (int i = 0; i < 4; ++i) rrow[elems + i] = 0.0f;  // read (and ignored) by 4-lane loads
    for (int y = 0; y < dst.height; ++y) {
      const AreaRows r = area_cell(y, ay.scale, src.height);
      auto row = [&](int i) { return src.data + std::int64_t(i) * src.stride + std::int64_t(span0) * cn; };
      for (int j = 0; j < r.nmid; ++j) k.area_vsum(row(r.mid0 + j), acc, elems, j == 0);
      k.area_mix(r.wf != 0.0f ? row(r.first) : nullptr, r.nmid > 0 ? acc : nullptr, r.wl != 0.0f ? row(r.last) : nullptr,
                 r.wf, r.wm, r.wl, rrow, elems);
      k.area_h(rrow, dst.data + std::int64_t(y) * dst.stride + std::int64_t(x0) * cn, taps, n, cn);
    }
    x0 += n;
  }
}

}  // namespace detail

// Resize src into dst (both the same packed format; the sizes give the scale).
inline Status resize(const ImageView& src, const MutableImageView& dst, Interp interp, Isa isa = active_isa()) noexcept {
  LUODI_RETURN_IF_ERROR(validate(src, "resize: src"));
  LUODI_RETURN_IF_ERROR(validate(dst, "resize: dst"));
  if (src.format != dst.format)
    return Status::error(StatusCode::InvalidArgument, "resize: src is %s but dst is %s; resize keeps the format (convert first)",
                         pixel_format_name(src.format), pixel_format_name(dst.format));
  if (is_yuv420(src.format))
    return Status::error(StatusCode::Unsupported, "resize: %s images cannot be resized directly; convert them, or use preprocess()",
                         pixel_format_name(src.format));
  if (interp != Interp::Nearest && interp != Interp::Linear && interp != Interp::Area)
    return Status::error(StatusCode::InvalidArgument, "resize: invalid interpolation value %d", static_cast<int>(interp));
  if (detail::views_overlap(src, dst)) return Status(StatusCode::InvalidArgument, "resize: src and dst overlap");
  const int cn = bytes_per_pixel(src.format);
  if (src.width == dst.width && src.height == dst.height) {
    detail::copy_rows(src, dst, src.width * cn);
    return Status();
  }
  const detail::ImageKernels& k = detail::image_kernels(isa);
  const detail::AxisScale ax = detail::axis_scale(src.width, dst.width), ay = detail::axis_scale(src.height, dst.height);
  int kx = 0, ky = 0;
  const bool fast = detail::area_fast(ax, ay, &kx, &ky);
  if (interp == Interp::Linear && fast && kx == 2 && ky == 2) interp = Interp::Area;  // as cv::resize does
  if (interp == Interp::Nearest) {
    detail::resize_nearest(k, src, dst, cn);
  } else if (interp == Interp::Area && ax.scale >= 1.0 && ay.scale >= 1.0) {
    if (fast)
      detail::resize_area_fast(k, src, dst, cn, kx, ky);
    else
      detail::resize_area(k, src, dst, cn);
  } else {
    detail::resize_linear(k, src, dst, cn, interp == Interp::Area);
  }
  return Status();
}

}  // namespace image
}  // namespace luodi
