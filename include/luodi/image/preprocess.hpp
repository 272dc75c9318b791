// preprocess(): a camera frame or decoded image straight into a model's input tensor, in one
// pass, with the numerics of the OpenCV pipeline people train with:
//
//   cvtColor -> (ROI) -> resize -> (letterbox pad | center crop) -> convertTo/normalise -> layout
//
// It reads only the source pixels the resize taps name (two rows and two columns per output
// pixel), converts each to the target channel order exactly as cvtColor would (YUV with
// OpenCV's Q20 arithmetic), runs OpenCV's fixed-point bilinear (or nearest) resize, and writes
// v * a[c] + b[c] (one fused multiply-add, on every ISA) into the tensor. No full-frame
// conversion, no intermediate image, no heap.
// tests/image/test_preprocess.cpp checks it against that OpenCV chain within 1e-5 for every
// format, mode, layout and ROI.
//
// PreprocessSpec is the preprocessing contract a .luodi model stores: a plain struct of
// fixed-size fields whose enums have explicit, stable values, so it can be written and read
// byte for byte (little-endian). Append fields only at the end and bump `version`.
//
// Geometry (all in continuous pixel coordinates, pixel i covering [i, i+1)):
//   Stretch     the ROI is resized to the tensor's W x H.
//   Letterbox   scale s = min(W/roi_w, H/roi_h); the ROI is resized to round(roi_w*s) x
//               round(roi_h*s) and placed centred (offsets floor((W-rw)/2), floor((H-rh)/2)) or
//               at the top-left; the rest is pad_value (a source pixel value, normalised like
//               one).
//   CenterCrop  scale s = max(W/roi_w, H/roi_h); the ROI is resized to round(roi_w*s) x
//               round(roi_h*s) (at least W x H) and the centre W x H is kept (offsets
//               floor((rw-W)/2), floor((rh-H)/2)).
// The returned PreprocessTransform maps source coordinates to tensor coordinates and back
// (tensor = source * scale + offset), so detector boxes go back to the frame in one call.
//
// Interpolation: Nearest and Linear. An exact 2x down-scale on both axes is OpenCV's 2x2 area
// average, as cv::resize does for INTER_LINEAR. Area is not supported here (it reads every
// source pixel by definition): use image::convert + image::resize for it.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "../core/status.hpp"
#include "../core/tensor.hpp"
#include "../simd/dispatch.hpp"
#include "detail/family.hpp"
#include "detail/tables.hpp"
#include "resize.hpp"
#include "view.hpp"

namespace luodi {

// Stored in model files: values are stable, append only.
enum class ResizeMode : std::uint8_t { Stretch = 0, Letterbox = 1, CenterCrop = 2 };
enum class LetterboxAlign : std::uint8_t { Center = 0, TopLeft = 1 };
enum class ChannelOrder : std::uint8_t { RGB = 0, BGR = 1, Gray = 2 };
enum class NormalizeMode : std::uint8_t {
  MeanStd = 0,      // out = (v * pixel_scale - mean[c]) / stddev[c]
  ScaleOffset = 1,  // out = v * scale[c] + offset[c]
};

// A rectangle of the source, in pixels; width == height == 0 means the whole image.
struct PreprocessRoi {
  std::int32_t x;
  std::int32_t y;
  std::int32_t width;
  std::int32_t height;
};

struct PreprocessSpec {
  std::uint32_t version = 1;
  std::int32_t width = 224;   // tensor W
  std::int32_t height = 224;  // tensor H
  ResizeMode resize = ResizeMode::Stretch;
  LetterboxAlign align = LetterboxAlign::Center;
  ChannelOrder order = ChannelOrder::RGB;
  image::Interp interp = image::Interp::Linear;
  NormalizeMode normalize = NormalizeMode::MeanStd;
  Layout layout = Layout::NCHW;  // NCHW (1) or NHWC (2), core/tensor.hpp's stable values
  std::uint8_t pad_value = 114;  // letterbox fill, in source pixel units
  std::uint8_t reserved = 0;
  PreprocessRoi roi = {0, 0, 0, 0};
  float pixel_scale = 1.0f / 255.0f;  // MeanStd
  float mean[3] = {0.485f, 0.456f, 0.406f};
  float stddev[3] = {0.229f, 0.224f, 0.225f};
  float scale[3] = {1.0f, 1.0f, 1.0f};   // ScaleOffset
  float offset[3] = {0.0f, 0.0f, 0.0f};

  int channels() const noexcept { return order == ChannelOrder::Gray ? 1 : 3; }

  Status validate() const noexcept {
    if (version != 1) return Status::error(StatusCode::UnsupportedVersion, "PreprocessSpec: version %u is not 1", static_cast<unsigned>(version));
    if (width < 1 || height < 1 || width > kMaxImageDim || height > kMaxImageDim)
      return Status::error(StatusCode::OutOfRange, "PreprocessSpec: target size %dx%d is outside 1..%d", static_cast<int>(width), static_cast<int>(height),
                           kMaxImageDim);
    if (static_cast<unsigned>(resize) > 2u)
      return Status::error(StatusCode::InvalidArgument, "PreprocessSpec: invalid resize mode %d", static_cast<int>(resize));
    if (static_cast<unsigned>(align) > 1u)
      return Status::error(StatusCode::InvalidArgument, "PreprocessSpec: invalid letterbox alignment %d",
                           static_cast<int>(align));
    if (static_cast<unsigned>(order) > 2u)
      return Status::error(StatusCode::InvalidArgument, "PreprocessSpec: invalid channel order %d", static_cast<int>(order));
    if (interp != image::Interp::Nearest && interp != image::Interp::Linear)
      return Status::error(interp == image::Interp::Area ? StatusCode::Unsupported : StatusCode::InvalidArgument,
                           "PreprocessSpec: interpolation %d is not supported by preprocess() (Nearest or Linear)",
                           static_cast<int>(interp));
    if (static_cast<unsigned>(normalize) > 1u)
      return Status::error(StatusCode::InvalidArgument, "PreprocessSpec: invalid normalize mode %d",
                           static_cast<int>(normalize));
    if (layout != Layout::NCHW && layout != Layout::NHWC)
      return Status::error(StatusCode::InvalidArgument, "PreprocessSpec: layout must be NCHW or NHWC, not %s",
                           layout_name(layout));
    if (roi.x < 0 || roi.y < 0 || roi.width < 0 || roi.height < 0 || ((roi.width == 0) != (roi.height == 0)))
      return Status::error(StatusCode::InvalidArgument,
                           "PreprocessSpec: ROI (%d,%d) %dx%d is invalid (non-negative; width and height both 0 for "
                           "the whole image)",
                           static_cast<int>(roi.x), static_cast<int>(roi.y), static_cast<int>(roi.width),
                           static_cast<int>(roi.height));
    for (int c = 0; c < channels(); ++c) {
      const float a = normalize == NormalizeMode::MeanStd ? pixel_scale / stddev[c] : scale[c];
      const float b = normalize == NormalizeMode::MeanStd ? -mean[c] / stddev[c] : offset[c];
      if (!std::isfinite(a) || !std::isfinite(b) ||
          (normalize == NormalizeMode::MeanStd && (stddev[c] == 0.0f || !std::isfinite(pixel_scale))))
        return Status::error(StatusCode::InvalidArgument, "PreprocessSpec: channel %d normalisation is not finite (%s)", c,
                             normalize == NormalizeMode::MeanStd ? "check stddev and pixel_scale" : "check scale and offset");
    }
    return Status();
  }
};
static_assert(std::is_trivially_copyable<PreprocessSpec>::value && std::is_standard_layout<PreprocessSpec>::value,
              "PreprocessSpec is stored byte for byte in model files");
static_assert(sizeof(PreprocessSpec) == 88, "PreprocessSpec's serialised size changed: bump its version");

// tensor = source * scale + offset, per axis, in continuous pixel coordinates.
struct PreprocessTransform {
  float scale_x = 1.0f;
  float scale_y = 1.0f;
  float offset_x = 0.0f;
  float offset_y = 0.0f;

  void to_tensor(float sx, float sy, float* tx, float* ty) const noexcept {
    *tx = sx * scale_x + offset_x;
    *ty = sy * scale_y + offset_y;
  }
  void to_source(float tx, float ty, float* sx, float* sy) const noexcept {
    *sx = (tx - offset_x) / scale_x;
    *sy = (ty - offset_y) / scale_y;
  }
  // Boxes (x0, y0, x1, y1) in tensor coordinates -> source coordinates, in place; with
  // clip_w/clip_h > 0 the result is clipped to [0, clip_w] x [0, clip_h].
  void boxes_to_source(float* xyxy, std::size_t count, int clip_w = 0, int clip_h = 0) const noexcept {
    for (std::size_t i = 0; i < count; ++i) {
      float* b = xyxy + 4 * i;
      to_source(b[0], b[1], &b[0], &b[1]);
      to_source(b[2], b[3], &b[2], &b[3]);
      if (clip_w > 0 && clip_h > 0)
        for (int k = 0; k < 4; ++k) {
          const float hi = static_cast<float>((k & 1) ? clip_h : clip_w);
          b[k] = b[k] < 0.0f ? 0.0f : (b[k] > hi ? hi : b[k]);
        }
    }
  }
};

namespace image {
namespace detail {

// Where the resized ROI lands: tensor pixel (tx, ty) shows resized pixel (tx - px + cx,
// ty - py + cy) when that is inside rw x rh, and the pad value otherwise.
struct PreprocessPlan {
  int roi_x, roi_y, roi_w, roi_h;
  int rw, rh;  // the resized ROI
  int px, py;  // where it starts in the tensor (letterbox)
  int cx, cy;  // where the tensor starts in it (center crop)
  PreprocessTransform transform;
};

inline Result<PreprocessPlan> plan_preprocess(int src_w, int src_h, const PreprocessSpec& spec) noexcept {
  PreprocessPlan p{};
  if (spec.roi.width == 0) {
    p.roi_x = 0, p.roi_y = 0, p.roi_w = src_w, p.roi_h = src_h;
  } else {
    if (spec.roi.x > src_w - spec.roi.width || spec.roi.y > src_h - spec.roi.height)
      return Status::error(StatusCode::OutOfRange, "preprocess: ROI (%d,%d) %dx%d is not inside the %dx%d image",
                           static_cast<int>(spec.roi.x), static_cast<int>(spec.roi.y), static_cast<int>(spec.roi.width),
                           static_cast<int>(spec.roi.height), src_w, src_h);
    p.roi_x = spec.roi.x, p.roi_y = spec.roi.y, p.roi_w = spec.roi.width, p.roi_h = spec.roi.height;
  }
  const int W = spec.width, H = spec.height;
  const double sx = static_cast<double>(W) / p.roi_w, sy = static_cast<double>(H) / p.roi_h;
  auto rnd = [](double v, int lo, int hi) {
    long long r = std::llround(v);
    if (r < lo) r = lo;
    if (r > hi) r = hi;
    return static_cast<int>(r);
  };
  switch (spec.resize) {
    case ResizeMode::Stretch:
      p.rw = W, p.rh = H;
      break;
    case ResizeMode::Letterbox: {
      const double s = sx < sy ? sx : sy;
      p.rw = rnd(p.roi_w * s, 1, W);
      p.rh = rnd(p.roi_h * s, 1, H);
      if (spec.align == LetterboxAlign::Center) p.px = (W - p.rw) / 2, p.py = (H - p.rh) / 2;
      break;
    }
    case ResizeMode::CenterCrop: {
      const double s = sx > sy ? sx : sy;
      p.rw = rnd(p.roi_w * s, W, kMaxImageDim);
      p.rh = rnd(p.roi_h * s, H, kMaxImageDim);
      p.cx = (p.rw - W) / 2, p.cy = (p.rh - H) / 2;
      break;
    }
  }
  PreprocessTransform& t = p.transform;
  t.scale_x = static_cast<float>(static_cast<double>(p.rw) / p.roi_w);
  t.scale_y = static_cast<float>(static_cast<double>(p.rh) / p.roi_h);
  t.offset_x = static_cast<float>(p.px - p.cx - p.roi_x * (static_cast<double>(p.rw) / p.roi_w));
  t.offset_y = static_cast<float>(p.py - p.cy - p.roi_y * (static_cast<double>(p.rh) / p.roi_h));
  return p;
}

// The output tensor's element strides for (channel, x, y), after checking its shape.
struct OutStrides {
  std::ptrdiff_t c, x, y;
};
template <class T>
inline Result<OutStrides> check_output(const TensorView<T>& out, const PreprocessSpec& spec) noexcept {
  if (out.data == nullptr) return Status(StatusCode::InvalidArgument, "preprocess: the output tensor's data is null");
  const int C = spec.channels();
  const bool nchw = spec.layout == Layout::NCHW;
  if (out.layout != Layout::Plain && out.layout != spec.layout)
    return Status::error(StatusCode::InvalidArgument, "preprocess: the tensor is %s but the spec says %s",
                         layout_name(out.layout), layout_name(spec.layout));
  const int r = out.rank();
  if ((r != 4 && r != 3) || (r == 4 && out.shape[0] != 1))
    return Status::error(StatusCode::ShapeMismatch, "preprocess: output shape %s must be %s (batch 1) or %s",
                         out.shape.str().c_str(), nchw ? "[1,C,H,W]" : "[1,H,W,C]", nchw ? "[C,H,W]" : "[H,W,C]");
  const int o = r - 3;
  const std::int64_t ec = nchw ? out.shape[o] : out.shape[o + 2], eh = nchw ? out.shape[o + 1] : out.shape[o],
                     ew = nchw ? out.shape[o + 2] : out.shape[o + 1];
  if (ec != C || eh != spec.height || ew != spec.width)
    return Status::error(StatusCode::ShapeMismatch,
                         "preprocess: output shape %s does not hold %d channel(s) of %dx%d in %s layout",
                         out.shape.str().c_str(), static_cast<int>(C), static_cast<int>(spec.width),
                         static_cast<int>(spec.height), layout_name(spec.layout));
  OutStrides s;
  s.c = nchw ? out.strides[o] : out.strides[o + 2];
  s.y = nchw ? out.strides[o + 1] : out.strides[o];
  s.x = nchw ? out.strides[o + 2] : out.strides[o + 1];
  if (s.c < 0 || s.x < 0 || s.y < 0) return Status(StatusCode::InvalidArgument, "preprocess: negative output strides");
  return s;
}

inline constexpr int kFusedTile = 512;  // tensor columns per tile

// Touch the cache lines of source row `row` between pixel columns x0 and x1 (and its chroma),
// one output row ahead: the taps of one output row read whole source rows sparsely, and a
// hardware prefetcher restarting on every row leaves the gathers waiting on memory.
inline void prefetch_source_row(const FusedSource& s, int row, int x0, int x1) noexcept {
#if defined(__GNUC__) || defined(__clang__)
  const int cn = bytes_per_pixel(s.format);
  const std::uint8_t* r = s.data + std::int64_t(row) * s.stride;
  for (std::int64_t b = std::int64_t(x0) * cn; b <= std::int64_t(x1) * cn + cn - 1; b += 64) __builtin_prefetch(r + b);
  if (!is_yuv420(s.format)) return;
  const std::uint8_t* plane = s.data + std::int64_t(s.height) * s.stride;
  if (s.format == PixelFormat::I420) {
    const int cs = s.stride / 2;
    const std::uint8_t* u = plane + std::int64_t(row / 2) * cs;
    const std::uint8_t* v = plane + std::int64_t(s.height / 2) * cs + std::int64_t(row / 2) * cs;
    for (int b = x0 / 2; b <= x1 / 2; b += 64) {
      __builtin_prefetch(u + b);
      __builtin_prefetch(v + b);
    }
  } else {
    const std::uint8_t* uv = plane + std::int64_t(row / 2) * s.stride;
    for (int b = x0 & ~1; b <= (x1 | 1); b += 64) __builtin_prefetch(uv + b);
  }
#else
  (void)s, (void)row, (void)x0, (void)x1;
#endif
}

template <class T>
Result<PreprocessTransform> preprocess_impl(const ImageView& src, const PreprocessSpec& spec, const TensorView<T>& out,
                                            Isa isa) noexcept {
  LUODI_RETURN_IF_ERROR(validate(src, "preprocess: src"));
  LUODI_RETURN_IF_ERROR(spec.validate());
  LUODI_ASSIGN_OR_RETURN(const OutStrides os, check_output(out, spec));
  LUODI_ASSIGN_OR_RETURN(const PreprocessPlan p, plan_preprocess(src.width, src.height, spec));
  const int C = spec.channels();
  const int bidx = spec.order == ChannelOrder::BGR ? 0 : 2;
  float a[3], b[3];
  for (int c = 0; c < C; ++c) {
    a[c] = spec.normalize == NormalizeMode::MeanStd ? spec.pixel_scale / spec.stddev[c] : spec.scale[c];
    b[c] = spec.normalize == NormalizeMode::MeanStd ? -spec.mean[c] / spec.stddev[c] : spec.offset[c];
  }
  const ImageKernels& rk = image_kernels(isa);
  const FusedKernels& k = rk.fused;
  const FusedSource fs{src.data, src.width, src.height, src.stride, src.format};
  const AxisScale ax = axis_scale(p.roi_w, p.rw), ay = axis_scale(p.roi_h, p.rh);
  const bool nearest = spec.interp == Interp::Nearest;
  int kx = 0, ky = 0;
  const bool area2x2 = !nearest && area_fast(ax, ay, &kx, &ky) && kx == 2 && ky == 2;  // cv::resize's INTER_AREA switch
  const int W = spec.width, H = spec.height;
  // Tensor columns [x_lo, x_hi) show the image; the others are padding.
  const int x_lo = p.px, x_hi = p.px + (p.rw - p.cx < W - p.px ? p.rw - p.cx : W - p.px);
  const int y_lo = p.py, y_hi = p.py + (p.rh - p.cy < H - p.py ? p.rh - p.cy : H - p.py);

  T padv[3];
  for (int c = 0; c < C; ++c) {
    const float fv = ref::fused_fma<simd::scalar>(static_cast<float>(spec.pad_value), a[c], b[c]);
    if constexpr (std::is_same<T, float>::value)
      padv[c] = fv;
    else
      padv[c] = ref::round_u8<simd::scalar>(fv);
  }
  auto pad_run = [&](int y, int x0, int x1) {
    if (x1 <= x0) return;
    if (os.x == C && os.c == 1) {
      // interleaved pixels: write the first, then copy the run onto itself in doubling steps
      T* d = out.data + y * os.y + x0 * os.x;
      const std::size_t total = static_cast<std::size_t>(x1 - x0) * C;
      for (int c = 0; c < C; ++c) d[c] = padv[c];
      for (std::size_t done = C; done < total;) {
        const std::size_t m = done < total - done ? done : total - done;
        std::memcpy(d + done, d, m * sizeof(T));
        done += m;
      }
      return;
    }
    for (int c = 0; c < C; ++c) {
      T* row = out.data + c * os.c + y * os.y;
      if (os.x == 1)
        std::fill(row + x0, row + x1, padv[c]);
      else
        for (int x = x0; x < x1; ++x) row[x * os.x] = padv[c];
    }
  };

  // The column taps in the layout of whichever kernel runs: the sampling kernels' arrays, or the
  // resize h-pass's LinearTaps (packed3); one is used per call, so they share the stack.
  union TapStore {
    struct Arrays {
      std::int32_t x0[kFusedTile], x1[kFusedTile], w[kFusedTile];
    } a;
    LinearTap l[kFusedTile];
  };
  alignas(64) TapStore tapstore;
  std::int32_t* const tx0 = tapstore.a.x0;
  std::int32_t* const tx1 = tapstore.a.x1;
  std::int32_t* const tw = tapstore.a.w;
  LinearTap* const ltaps = tapstore.l;
  const FusedTaps taps{tx0, tx1, tw};
  alignas(64) std::int32_t hbuf[2][3 * kFusedTile + 16];
  // A packed 3-channel source into a float NCHW or NHWC tensor takes the resize's horizontal pass.
  const bool packed3 = std::is_same<T, float>::value && C == 3 && (os.x == 1 || (os.x == 3 && os.c == 1)) &&
                       (src.format == PixelFormat::RGB || src.format == PixelFormat::BGR);
  const int sblue = src.format == PixelFormat::BGR ? 0 : 2;
  int sc[3];  // output channel c takes source channel sc[c]
  sc[bidx] = sblue, sc[1] = 1, sc[bidx ^ 2] = 2 - sblue;
  alignas(64) unsigned char plan[kLinearPlanBytes];
  for (int y = 0; y < H; ++y) {
    if (y < y_lo || y >= y_hi) pad_run(y, 0, W);
    if (x_lo > 0 && y >= y_lo && y < y_hi) pad_run(y, 0, x_lo);
    if (x_hi < W && y >= y_lo && y < y_hi) pad_run(y, x_hi, W);
  }
  for (int x0 = x_lo; x0 < x_hi; x0 += kFusedTile) {
    const int n = x_hi - x0 < kFusedTile ? x_hi - x0 : kFusedTile;
    int xmin = 0, xmax = 0;  // the source columns this tile reads
    for (int i = 0; i < n; ++i) {
      const int rx = x0 + i - p.px + p.cx;
      int i0, i1, w0, w1;
      if (nearest) {
        i0 = i1 = nn_index(rx, ax, p.roi_w);
        w0 = kResizeCoefScale, w1 = 0;
      } else if (area2x2) {
        i0 = 2 * rx, i1 = 2 * rx + 1;
        w0 = w1 = kResizeCoefScale;
      } else {
        const LinearAxisTap t = linear_tap_x(rx, ax, p.roi_w, false);
        i0 = t.i0, i1 = t.i1, w0 = t.w0, w1 = t.w1;
      }
      LUODI_DCHECK(i1 == i0 + 1 || (i1 == i0 && w1 == 0));  // what FusedTaps promises the kernels
      if (i == 0) xmin = i0 + p.roi_x;
      if (i == n - 1) xmax = i1 + p.roi_x;
      if (packed3) {
        ltaps[i] = LinearTap{3 * (i0 + p.roi_x), 3 * (i1 + p.roi_x), static_cast<std::int16_t>(w0),
                             static_cast<std::int16_t>(w1)};
      } else {
        tx0[i] = i0 + p.roi_x;
        tx1[i] = i1 + p.roi_x;
        tw[i] = w0 | (w1 << 16);
      }
    }
    // Packed RGB/BGR into float: the rows go through the resize's own horizontal pass (with its
    // per-tile plan), which keeps the source's interleaved order, and the epilogue picks the
    // channels out; the sums are the same as sample_row's.
    const void* tile_plan = nullptr;
    if (packed3 && rk.resize_linear_plan(ltaps, n, 3, plan, kLinearPlanBytes)) tile_plan = plan;
    int id[2] = {-1, -1};
    int next = 0;
    auto fetch = [&](int row, int keep) -> int {
      if (id[0] == row) return 0;
      if (id[1] == row) return 1;
      const int s = keep >= 0 ? 1 - keep : next;
      next = 1 - s;
      if (packed3)
        rk.resize_linear_h(src.data + std::int64_t(row) * src.stride, 3 * src.width, hbuf[s], ltaps, n, 3, tile_plan,
                           nullptr);
      else
        k.sample_row(fs, row, taps, n, C, bidx, hbuf[s]);
      id[s] = row;
      return s;
    };
    auto rows_of = [&](int y, int* r0, int* r1, int* b0, int* b1) {
      const int ry = y - p.py + p.cy;
      if (nearest) {
        *r0 = *r1 = nn_index(ry, ay, p.roi_h);
        *b0 = kResizeCoefScale, *b1 = 0;
      } else if (area2x2) {
        // (s0 + s1 + 2) >> 2 through the linear vertical pass: h = 2048*s, (h >> 4) * 512 >> 16 = s.
        *r0 = 2 * ry, *r1 = 2 * ry + 1;
        *b0 = *b1 = 512;
      } else {
        const LinearAxisTap t = linear_tap_y(ry, ay, p.roi_h, false);
        *r0 = t.i0, *r1 = t.i1, *b0 = t.w0, *b1 = t.w1;
      }
    };
    for (int y = y_lo; y < y_hi; ++y) {
      int r0, r1, b0, b1;
      rows_of(y, &r0, &r1, &b0, &b1);
      if (y + 1 < y_hi) {
        int q0, q1, c0, c1;
        rows_of(y + 1, &q0, &q1, &c0, &c1);
        if (q0 != r0 && q0 != r1) prefetch_source_row(fs, q0 + p.roi_y, xmin, xmax);
        if (q1 != q0 && q1 != r1) prefetch_source_row(fs, q1 + p.roi_y, xmin, xmax);
      }
      if (!packed3 && r1 != r0 && id[0] != r0 + p.roi_y && id[1] != r0 + p.roi_y && id[0] != r1 + p.roi_y &&
          id[1] != r1 + p.roi_y) {
        k.sample_rows2(fs, r0 + p.roi_y, r1 + p.roi_y, taps, n, C, bidx, hbuf[0], hbuf[1]);
        id[0] = r0 + p.roi_y, id[1] = r1 + p.roi_y;
      }
      const int s0 = fetch(r0 + p.roi_y, -1);
      const int s1 = r1 == r0 ? s0 : fetch(r1 + p.roi_y, s0);
      T* o = out.data + y * os.y + x0 * os.x;
      const FusedOut fo{os.c, os.x};
      if constexpr (std::is_same<T, float>::value) {
        if (packed3)
          k.vnorm_packed3_f32(hbuf[s0], hbuf[s1], n, sc, b0, b1, a, b, o, fo);
        else
          k.vnorm_f32(hbuf[s0], hbuf[s1], n, C, b0, b1, a, b, o, fo);
      } else {
        k.vnorm_u8(hbuf[s0], hbuf[s1], n, C, b0, b1, a, b, o, fo);
      }
    }
  }
  return p.transform;
}

}  // namespace detail
}  // namespace image

// Fill `out` (float: [1,C,H,W] or [1,H,W,C] as spec.layout says, or without the batch dim)
// from `src`. Returns the source -> tensor transform.
inline Result<PreprocessTransform> preprocess(const ImageView& src, const PreprocessSpec& spec, TensorView<float> out,
                                              Isa isa = active_isa()) noexcept {
  return image::detail::preprocess_impl<float>(src, spec, out, isa);
}

// The same into a u8 tensor (for int8 models): round-half-even and saturate v * a[c] + b[c];
// with NormalizeMode::ScaleOffset, scale 1 and offset 0 this is the resized pixel itself.
inline Result<PreprocessTransform> preprocess(const ImageView& src, const PreprocessSpec& spec,
                                              TensorView<std::uint8_t> out, Isa isa = active_isa()) noexcept {
  return image::detail::preprocess_impl<std::uint8_t>(src, spec, out, isa);
}

}  // namespace luodi
