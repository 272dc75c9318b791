// preprocess() against the same pipeline composed from OpenCV calls:
//   cvtColor -> ROI -> resize -> letterbox pad / center crop -> convertTo + normalise -> layout
// for every source format, channel order, resize mode, interpolation, layout, ROI and
// normalisation, within 1e-5; the u8 variant exactly; the returned transform; every SIMD ISA
// against the scalar reference; and the error paths.
#include <doctest/doctest.h>
#include <luodi/image.hpp>

#include <cmath>
#include <cstring>
#include <vector>

#include "image_test_util.hpp"
#if LUODI_IMAGE_TESTS_OPENCV
#include <opencv2/imgproc.hpp>
#endif

using namespace luodi;
using namespace image_test;
using image::Interp;

namespace {

#if LUODI_IMAGE_TESTS_OPENCV
constexpr float kFusedMaxAbs = 1e-5f;  // the contract: the OpenCV chain within 1e-5 absolute
#endif
// SIMD against ref: identical. The resized u8 values are computed with the same integer
// arithmetic, and the final v * a + b is one fused multiply-add everywhere (ref::fused_fma).
constexpr float kSimdFusedMaxAbs = 0.0f;

const PixelFormat kAllFormats[] = {PixelFormat::Gray, PixelFormat::RGB,  PixelFormat::BGR,  PixelFormat::RGBA,
                                   PixelFormat::BGRA, PixelFormat::NV12, PixelFormat::NV21, PixelFormat::I420};

#if LUODI_IMAGE_TESTS_OPENCV
// cvtColor of the whole source into the target order.
cv::Mat opencv_convert(const Image& src, ChannelOrder order) {
  using P = PixelFormat;
  const bool gray = order == ChannelOrder::Gray, rgb = order == ChannelOrder::RGB;
  cv::Mat in = src.format == P::I420 ? i420_for_opencv(src) : const_cast<Image&>(src).mat();
  int code = -1;
  switch (src.format) {
    case P::Gray: code = gray ? -1 : (rgb ? cv::COLOR_GRAY2RGB : cv::COLOR_GRAY2BGR); break;
    case P::RGB: code = gray ? cv::COLOR_RGB2GRAY : (rgb ? -1 : cv::COLOR_RGB2BGR); break;
    case P::BGR: code = gray ? cv::COLOR_BGR2GRAY : (rgb ? cv::COLOR_BGR2RGB : -1); break;
    case P::RGBA: code = gray ? cv::COLOR_RGBA2GRAY : (rgb ? cv::COLOR_RGBA2RGB : cv::COLOR_RGBA2BGR); break;
    case P::BGRA: code = gray ? cv::COLOR_BGRA2GRAY : (rgb ? cv::COLOR_BGRA2RGB : cv::COLOR_BGRA2BGR); break;
    case P::NV12: code = gray ? cv::COLOR_YUV2GRAY_NV12 : (rgb ? cv::COLOR_YUV2RGB_NV12 : cv::COLOR_YUV2BGR_NV12); break;
    case P::NV21: code = gray ? cv::COLOR_YUV2GRAY_NV21 : (rgb ? cv::COLOR_YUV2RGB_NV21 : cv::COLOR_YUV2BGR_NV21); break;
    case P::I420: code = gray ? cv::COLOR_YUV2GRAY_I420 : (rgb ? cv::COLOR_YUV2RGB_I420 : cv::COLOR_YUV2BGR_I420); break;
  }
  cv::Mat out;
  if (code < 0)
    out = in.clone();
  else
    cv::cvtColor(in, out, code);
  return out;
}

// The u8 canvas (H x W) of the OpenCV chain, geometry per the rules in preprocess.hpp.
cv::Mat opencv_canvas(const Image& src, const PreprocessSpec& spec) {
  cv::Mat full = opencv_convert(src, spec.order);
  cv::Rect roi(0, 0, src.width, src.height);
  if (spec.roi.width > 0) roi = cv::Rect(spec.roi.x, spec.roi.y, spec.roi.width, spec.roi.height);
  cv::Mat part = full(roi);
  const int W = spec.width, H = spec.height;
  int rw = W, rh = H;
  const double sx = double(W) / roi.width, sy = double(H) / roi.height;
  if (spec.resize == ResizeMode::Letterbox) {
    const double s = std::min(sx, sy);
    rw = std::min(W, std::max(1, int(std::llround(roi.width * s))));
    rh = std::min(H, std::max(1, int(std::llround(roi.height * s))));
  } else if (spec.resize == ResizeMode::CenterCrop) {
    const double s = std::max(sx, sy);
    rw = std::max(W, int(std::llround(roi.width * s)));
    rh = std::max(H, int(std::llround(roi.height * s)));
  }
  cv::Mat resized;
  cv::resize(part, resized, cv::Size(rw, rh), 0, 0, spec.interp == Interp::Nearest ? cv::INTER_NEAREST : cv::INTER_LINEAR);
  if (spec.resize == ResizeMode::Stretch) return resized;
  if (spec.resize == ResizeMode::CenterCrop) return resized(cv::Rect((rw - W) / 2, (rh - H) / 2, W, H)).clone();
  cv::Mat canvas(H, W, resized.type(), cv::Scalar::all(spec.pad_value));
  const int px = spec.align == LetterboxAlign::Center ? (W - rw) / 2 : 0;
  const int py = spec.align == LetterboxAlign::Center ? (H - rh) / 2 : 0;
  resized.copyTo(canvas(cv::Rect(px, py, rw, rh)));
  return canvas;
}

// The float tensor of the OpenCV chain: convertTo(scale), subtract mean, divide std (or
// multiply by scale and add offset), then NCHW (cv::split) or NHWC.
std::vector<float> opencv_tensor(const Image& src, const PreprocessSpec& spec) {
  const cv::Mat canvas = opencv_canvas(src, spec);
  const int C = spec.channels();
  cv::Mat f;
  if (spec.normalize == NormalizeMode::MeanStd) {
    canvas.convertTo(f, CV_32F, spec.pixel_scale);
    cv::subtract(f, cv::Scalar(spec.mean[0], spec.mean[1], spec.mean[2]), f);
    cv::divide(f, cv::Scalar(spec.stddev[0], spec.stddev[1], spec.stddev[2]), f);
  } else {
    canvas.convertTo(f, CV_32F);
    cv::multiply(f, cv::Scalar(spec.scale[0], spec.scale[1], spec.scale[2]), f);
    cv::add(f, cv::Scalar(spec.offset[0], spec.offset[1], spec.offset[2]), f);
  }
  std::vector<float> t(static_cast<std::size_t>(C) * spec.width * spec.height);
  if (spec.layout == Layout::NHWC) {
    for (int y = 0; y < spec.height; ++y)
      std::memcpy(&t[static_cast<std::size_t>(y) * spec.width * C], f.ptr<float>(y), sizeof(float) * spec.width * C);
  } else {
    std::vector<cv::Mat> planes;
    cv::split(f, planes);
    for (int c = 0; c < C; ++c)
      for (int y = 0; y < spec.height; ++y)
        std::memcpy(&t[(static_cast<std::size_t>(c) * spec.height + y) * spec.width], planes[c].ptr<float>(y),
                    sizeof(float) * spec.width);
  }
  return t;
}
#endif  // LUODI_IMAGE_TESTS_OPENCV

TensorView<float> tensor_view(std::vector<float>& v, const PreprocessSpec& spec) {
  const int C = spec.channels();
  const Shape s = spec.layout == Layout::NCHW ? Shape{1, C, spec.height, spec.width} : Shape{1, spec.height, spec.width, C};
  return TensorView<float>::contiguous(v.data(), s, spec.layout);
}

struct Variant {
  ResizeMode mode;
  LetterboxAlign align;
  bool roi;
};

std::vector<PreprocessSpec> specs() {
  std::vector<PreprocessSpec> out;
  const int targets[][2] = {{24, 24}, {31, 17}, {16, 40}};
  const Variant variants[] = {{ResizeMode::Stretch, LetterboxAlign::Center, false},
                              {ResizeMode::Letterbox, LetterboxAlign::Center, false},
                              {ResizeMode::Letterbox, LetterboxAlign::TopLeft, true},
                              {ResizeMode::CenterCrop, LetterboxAlign::Center, false},
                              {ResizeMode::Stretch, LetterboxAlign::Center, true}};
  int k = 0;
  for (const auto& t : targets)
    for (const Variant& v : variants)
      for (ChannelOrder order : {ChannelOrder::RGB, ChannelOrder::BGR, ChannelOrder::Gray}) {
        PreprocessSpec s;
        s.width = t[0], s.height = t[1];
        s.resize = v.mode, s.align = v.align, s.order = order;
        s.interp = (k % 3 == 2) ? Interp::Nearest : Interp::Linear;
        s.layout = (k % 2) ? Layout::NHWC : Layout::NCHW;
        if (k % 4 == 3) {
          s.normalize = NormalizeMode::ScaleOffset;
          s.scale[0] = 0.5f, s.scale[1] = -1.0f / 64, s.scale[2] = 2.0f;
          s.offset[0] = -3.0f, s.offset[1] = 1.0f, s.offset[2] = 0.25f;
        }
        s.pad_value = static_cast<std::uint8_t>(37 * k);
        if (v.roi) s.roi = (k % 2) ? PreprocessRoi{5, 3, 31, 23} : PreprocessRoi{6, 4, 30, 22};  // odd: mid chroma block
        out.push_back(s);
        ++k;
      }
  return out;
}

}  // namespace

#if LUODI_IMAGE_TESTS_OPENCV
TEST_CASE("preprocess: equals the OpenCV chain for every format, mode, order, layout and ROI") {
  const auto all = specs();
  int case_no = 0;
  double worst = 0.0;
  for (PixelFormat f : kAllFormats) {
    // Sizes with odd packed widths, and a 2x source for the exact-2x (area) path.
    const int sizes[][2] = {{62, 46}, {48, 34}};
    for (const auto& sz : sizes) {
      const int w = is_yuv420(f) ? sz[0] : sz[0] + 1;
      Image src(f, w, sz[1], (case_no % 3) * 3, 300u + static_cast<std::uint32_t>(case_no));
      for (const PreprocessSpec& spec : all) {
        ++case_no;
        std::vector<float> got(static_cast<std::size_t>(spec.channels()) * spec.width * spec.height, -99.0f);
        auto r = preprocess(src.view(), spec, tensor_view(got, spec), Isa::scalar);
        REQUIRE_MESSAGE(r.ok(), r.status().message());
        const std::vector<float> want = opencv_tensor(src, spec);
        float max_abs = 0.0f;
        std::size_t at = 0;
        for (std::size_t i = 0; i < got.size(); ++i) {
          const float e = std::fabs(got[i] - want[i]);
          if (!(e <= max_abs)) max_abs = e, at = i;
        }
        INFO(nm(f), " ", src.width, "x", src.height, " -> ", spec.width, "x", spec.height, " mode ",
             int(spec.resize), " align ", int(spec.align), " order ", int(spec.order), " interp ", nm(spec.interp),
             " layout ", std::string(layout_name(spec.layout)), " roi ", spec.roi.width, " norm ", int(spec.normalize),
             ": max |diff| ", max_abs, " at ", at, " got ", got[at], " want ", want[at]);
        CHECK(max_abs <= kFusedMaxAbs);
        if (max_abs > worst) worst = max_abs;
      }
    }
  }
  MESSAGE("preprocess vs OpenCV chain: worst |diff| ", worst, " over ", case_no, " cases");
}

TEST_CASE("preprocess: exact 2x down-scale follows cv::resize's switch to the 2x2 area average") {
  Image src(PixelFormat::NV12, 64, 48, 0, 5);
  PreprocessSpec spec;
  spec.width = 32, spec.height = 24;
  std::vector<float> got(3 * 32 * 24);
  REQUIRE(preprocess(src.view(), spec, tensor_view(got, spec), Isa::scalar).ok());
  const std::vector<float> want = opencv_tensor(src, spec);
  float max_abs = 0.0f;
  for (std::size_t i = 0; i < got.size(); ++i) max_abs = std::max(max_abs, std::fabs(got[i] - want[i]));
  CHECK(max_abs <= kFusedMaxAbs);
}

TEST_CASE("preprocess: the u8 variant with identity normalisation is the resized image itself") {
  for (PixelFormat f : {PixelFormat::NV12, PixelFormat::BGRA, PixelFormat::I420}) {
    Image src(f, 90, 60, 4, 8);
    PreprocessSpec spec;
    spec.width = 40, spec.height = 40;
    spec.resize = ResizeMode::Letterbox;
    spec.normalize = NormalizeMode::ScaleOffset;
    spec.layout = Layout::NHWC;
    std::vector<std::uint8_t> got(3 * 40 * 40);
    auto r = preprocess(src.view(), spec, TensorView<std::uint8_t>::contiguous(got.data(), {1, 40, 40, 3}, Layout::NHWC),
                        Isa::scalar);
    REQUIRE(r.ok());
    const cv::Mat want = opencv_canvas(src, spec);
    CHECK(compare(got.data(), 120, want.data, static_cast<int>(want.step), 120, 40, 3).mismatch == 0);
  }
}
#endif  // LUODI_IMAGE_TESTS_OPENCV

TEST_CASE("preprocess: the transform maps the image region back onto the ROI") {
  Image src(PixelFormat::RGB, 200, 100, 0, 1);
  PreprocessSpec spec;
  spec.width = 64, spec.height = 64;
  spec.resize = ResizeMode::Letterbox;
  spec.roi = PreprocessRoi{20, 10, 160, 80};
  std::vector<float> t(3 * 64 * 64);
  auto r = preprocess(src.view(), spec, tensor_view(t, spec));
  REQUIRE(r.ok());
  // 160x80 -> 64x32, centred: rows 16..48 of the tensor show the ROI.
  float box[4] = {0.0f, 16.0f, 64.0f, 48.0f};
  r->boxes_to_source(box, 1);
  CHECK(box[0] == doctest::Approx(20.0f));
  CHECK(box[1] == doctest::Approx(10.0f));
  CHECK(box[2] == doctest::Approx(180.0f));
  CHECK(box[3] == doctest::Approx(90.0f));
  float tx, ty;
  r->to_tensor(100.0f, 50.0f, &tx, &ty);
  CHECK(tx == doctest::Approx(32.0f));
  CHECK(ty == doctest::Approx(32.0f));
  float clipped[4] = {-10.0f, -10.0f, 90.0f, 70.0f};
  r->boxes_to_source(clipped, 1, 200, 100);
  CHECK(clipped[0] == 0.0f);
  CHECK(clipped[1] == 0.0f);
  CHECK(clipped[2] == 200.0f);
  CHECK(clipped[3] == 100.0f);

  spec.resize = ResizeMode::CenterCrop;  // 160x80 -> 128x64, crop x 32..96
  spec.roi = PreprocessRoi{0, 0, 0, 0};
  spec.roi = PreprocessRoi{20, 10, 160, 80};
  auto c = preprocess(src.view(), spec, tensor_view(t, spec));
  REQUIRE(c.ok());
  float sx, sy;
  c->to_source(0.0f, 0.0f, &sx, &sy);
  CHECK(sx == doctest::Approx(20.0f + 32.0f / 0.8f));
  CHECK(sy == doctest::Approx(10.0f));
}

TEST_CASE("preprocess: every SIMD ISA equals the scalar reference") {
  const auto all = specs();
  for (Isa isa : luodi_test::simd_isas()) {
    int case_no = 0;
    for (PixelFormat f : kAllFormats) {
      Image src(f, is_yuv420(f) ? 96 : 97, 58, (case_no % 2) * 5, 70u + static_cast<std::uint32_t>(case_no));
      for (const PreprocessSpec& spec : all) {
        ++case_no;
        const std::size_t n = static_cast<std::size_t>(spec.channels()) * spec.width * spec.height;
        std::vector<float> a(n, -1.0f), b(n, -2.0f);
        REQUIRE(preprocess(src.view(), spec, tensor_view(a, spec), Isa::scalar).ok());
        REQUIRE(preprocess(src.view(), spec, tensor_view(b, spec), isa).ok());
        std::size_t bad = 0;
        for (std::size_t i = 0; i < n; ++i) bad += !(std::fabs(a[i] - b[i]) <= kSimdFusedMaxAbs);
        INFO(nm(isa), " ", nm(f), " case ", case_no);
        CHECK(bad == 0);
      }
    }
  }
}

// Camera-sized frames, where the SIMD kernels take their wide paths: taps a few pixels apart
// (the byte-window kernel), more than 15 apart (the gather kernel), up-scaling, odd ROIs, both
// layouts and u8 output.
TEST_CASE("preprocess: every SIMD ISA equals the scalar reference on camera-sized frames") {
  struct Big {
    int sw, sh, tw, th;
    ResizeMode mode;
    Layout layout;
    PreprocessRoi roi;
  };
  const Big cases[] = {
      {1920, 1080, 224, 224, ResizeMode::Stretch, Layout::NCHW, {0, 0, 0, 0}},
      {1920, 1080, 96, 54, ResizeMode::Stretch, Layout::NCHW, {0, 0, 0, 0}},
      {1280, 720, 640, 640, ResizeMode::Letterbox, Layout::NHWC, {0, 0, 0, 0}},
      {1920, 1080, 640, 640, ResizeMode::Letterbox, Layout::NCHW, {0, 0, 0, 0}},  // BGR: the resize's h-pass plan
      {1280, 720, 320, 240, ResizeMode::CenterCrop, Layout::NCHW, {101, 37, 1001, 603}},
      {160, 120, 333, 250, ResizeMode::Stretch, Layout::NCHW, {0, 0, 0, 0}},
  };
  for (Isa isa : luodi_test::simd_isas()) {
    int case_no = 0;
    for (const Big& c : cases) {
      for (PixelFormat f : {PixelFormat::NV12, PixelFormat::NV21, PixelFormat::I420, PixelFormat::BGR}) {
        for (ChannelOrder order : {ChannelOrder::RGB, ChannelOrder::Gray}) {
          ++case_no;
          Image src(f, c.sw, c.sh, (case_no % 3) * 4, 600u + static_cast<std::uint32_t>(case_no));
          PreprocessSpec spec;
          spec.width = c.tw, spec.height = c.th, spec.resize = c.mode, spec.layout = c.layout, spec.roi = c.roi;
          spec.order = order;
          spec.interp = case_no % 4 == 3 ? Interp::Nearest : Interp::Linear;
          const std::size_t n = static_cast<std::size_t>(spec.channels()) * spec.width * spec.height;
          std::vector<float> a(n, -1.0f), b(n, -2.0f);
          REQUIRE(preprocess(src.view(), spec, tensor_view(a, spec), Isa::scalar).ok());
          REQUIRE(preprocess(src.view(), spec, tensor_view(b, spec), isa).ok());
          std::size_t bad = 0;
          for (std::size_t i = 0; i < n; ++i) bad += !(std::fabs(a[i] - b[i]) <= kSimdFusedMaxAbs);
          // the u8 output of the same resize, identity normalisation: bit for bit
          PreprocessSpec su = spec;
          su.normalize = NormalizeMode::ScaleOffset;
          const Shape us = su.layout == Layout::NCHW ? Shape{1, su.channels(), su.height, su.width}
                                                     : Shape{1, su.height, su.width, su.channels()};
          std::vector<std::uint8_t> ua(n, 1), ub(n, 2);
          REQUIRE(preprocess(src.view(), su, TensorView<std::uint8_t>::contiguous(ua.data(), us, su.layout), Isa::scalar).ok());
          REQUIRE(preprocess(src.view(), su, TensorView<std::uint8_t>::contiguous(ub.data(), us, su.layout), isa).ok());
          INFO(nm(isa), " ", nm(f), " ", c.sw, "x", c.sh, " -> ", c.tw, "x", c.th, " order ", int(order), " interp ",
               nm(spec.interp));
          CHECK(bad == 0);
          CHECK(ua == ub);
        }
      }
    }
  }
}

TEST_CASE("preprocess: errors") {
  Image src(PixelFormat::RGB, 32, 32, 0, 1);
  PreprocessSpec spec;
  std::vector<float> t(3 * 224 * 224);
  auto expect = [](const Status& s, StatusCode code, const char* needle) {
    INFO(std::string(s.message()));
    CHECK(s.code() == code);
    CHECK(std::strstr(s.message(), needle) != nullptr);
  };
  auto run = [&](const PreprocessSpec& sp, TensorView<float> out) { return preprocess(src.view(), sp, out).status(); };
  const auto good = TensorView<float>::contiguous(t.data(), {1, 3, 224, 224}, Layout::NCHW);
  CHECK(run(spec, good).ok());
  PreprocessSpec s = spec;
  s.width = 0;
  expect(run(s, good), StatusCode::OutOfRange, "target size");
  s = spec;
  s.interp = Interp::Area;
  expect(run(s, good), StatusCode::Unsupported, "interpolation");
  s = spec;
  s.resize = static_cast<ResizeMode>(7);
  expect(run(s, good), StatusCode::InvalidArgument, "resize mode");
  s = spec;
  s.layout = Layout::Plain;
  expect(run(s, good), StatusCode::InvalidArgument, "NCHW or NHWC");
  s = spec;
  s.stddev[1] = 0.0f;
  expect(run(s, good), StatusCode::InvalidArgument, "channel 1");
  s = spec;
  s.version = 2;
  expect(run(s, good), StatusCode::UnsupportedVersion, "version");
  s = spec;
  s.roi = PreprocessRoi{10, 10, 30, 5};
  expect(run(s, good), StatusCode::OutOfRange, "not inside");
  s.roi = PreprocessRoi{0, 0, 5, 0};
  expect(run(s, good), StatusCode::InvalidArgument, "ROI");
  expect(run(spec, TensorView<float>::contiguous(t.data(), {1, 3, 224, 223}, Layout::NCHW)), StatusCode::ShapeMismatch,
         "does not hold");
  expect(run(spec, TensorView<float>::contiguous(t.data(), {2, 3, 224, 224}, Layout::NCHW)), StatusCode::ShapeMismatch,
         "batch 1");
  expect(run(spec, TensorView<float>::contiguous(t.data(), {1, 224, 224, 3}, Layout::NHWC)), StatusCode::InvalidArgument,
         "the tensor is NHWC");
  expect(run(spec, TensorView<float>::contiguous(nullptr, {1, 3, 224, 224})), StatusCode::InvalidArgument, "null");
  ImageView bad = src.view();
  bad.stride = 5;
  expect(preprocess(bad, spec, good).status(), StatusCode::InvalidArgument, "stride");
}
