// luodi's image ops against their OpenCV 4.6 counterparts, in one binary, one thread.
//
//   bench_image --benchmark_repetitions=9 --benchmark_enable_random_interleaving=true
//               --benchmark_report_aggregates_only=true   (one command line)
// Random interleaving runs the repetitions of all benchmarks in a shuffled order, so luodi and
// OpenCV see the same machine noise; compare medians as ratios. Each luodi op runs on the
// scalar reference and on every SIMD ISA of this machine (the label says which).
#include <benchmark/benchmark.h>
#include <luodi/image.hpp>
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include <string>
#include <vector>

namespace {

using namespace luodi;
using image::Interp;

struct Frames {
  cv::Mat bgr, bgr720, nv12;
  Frames() {
    cv::setNumThreads(1);
    cv::RNG rng(1);
    bgr.create(1080, 1920, CV_8UC3);
    rng.fill(bgr, cv::RNG::UNIFORM, 0, 256);
    bgr720.create(720, 1280, CV_8UC3);
    rng.fill(bgr720, cv::RNG::UNIFORM, 0, 256);
    nv12.create(1080 * 3 / 2, 1920, CV_8UC1);
    rng.fill(nv12, cv::RNG::UNIFORM, 0, 256);
  }
};
Frames& frames() {
  static Frames f;
  return f;
}
ImageView view_bgr() {
  const cv::Mat& m = frames().bgr;
  return ImageView{m.data, m.cols, m.rows, static_cast<int>(m.step), PixelFormat::BGR};
}
ImageView view_bgr720() {
  const cv::Mat& m = frames().bgr720;
  return ImageView{m.data, m.cols, m.rows, static_cast<int>(m.step), PixelFormat::BGR};
}
ImageView view_nv12() {
  const cv::Mat& m = frames().nv12;
  return ImageView{m.data, 1920, 1080, static_cast<int>(m.step), PixelFormat::NV12};
}
MutableImageView mview(cv::Mat& m, PixelFormat f) {
  return MutableImageView{m.data, m.cols, m.rows, static_cast<int>(m.step), f};
}

void label(benchmark::State& state, Isa isa) { state.SetLabel(isa_name(isa)); }

int cv_interp(Interp i) {
  return i == Interp::Nearest ? cv::INTER_NEAREST : (i == Interp::Linear ? cv::INTER_LINEAR : cv::INTER_AREA);
}

void BM_resize_opencv(benchmark::State& state, Interp interp, int w, int h, bool hd720) {
  cv::Mat dst;
  const cv::Mat& src = hd720 ? frames().bgr720 : frames().bgr;
  for (auto _ : state) {
    cv::resize(src, dst, cv::Size(w, h), 0, 0, cv_interp(interp));
    benchmark::DoNotOptimize(dst.data);
  }
  state.SetLabel("opencv");
}
void BM_resize_luodi(benchmark::State& state, Interp interp, int w, int h, Isa isa, bool hd720) {
  cv::Mat dst(h, w, CV_8UC3);
  const ImageView src = hd720 ? view_bgr720() : view_bgr();
  for (auto _ : state) {
    Status s = image::resize(src, mview(dst, PixelFormat::BGR), interp, isa);
    benchmark::DoNotOptimize(s);
  }
  label(state, isa);
}

void BM_nv12_opencv(benchmark::State& state) {
  cv::Mat rgb;
  for (auto _ : state) {
    cv::cvtColor(frames().nv12, rgb, cv::COLOR_YUV2RGB_NV12);
    benchmark::DoNotOptimize(rgb.data);
  }
  state.SetLabel("opencv");
}
void BM_nv12_luodi(benchmark::State& state, Isa isa) {
  cv::Mat rgb(1080, 1920, CV_8UC3);
  for (auto _ : state) {
    Status s = image::convert(view_nv12(), mview(rgb, PixelFormat::RGB), isa);
    benchmark::DoNotOptimize(s);
  }
  label(state, isa);
}

void BM_bgr2rgb_opencv(benchmark::State& state) {
  cv::Mat rgb;
  for (auto _ : state) {
    cv::cvtColor(frames().bgr, rgb, cv::COLOR_BGR2RGB);
    benchmark::DoNotOptimize(rgb.data);
  }
  state.SetLabel("opencv");
}
void BM_bgr2rgb_luodi(benchmark::State& state, Isa isa) {
  cv::Mat rgb(1080, 1920, CV_8UC3);
  for (auto _ : state) {
    Status s = image::convert(view_bgr(), mview(rgb, PixelFormat::RGB), isa);
    benchmark::DoNotOptimize(s);
  }
  label(state, isa);
}

// The warp of shared/peers/ocv_preproc.cpp: a 0.2 scale with a small rotation, to 224x224.
const float kWarp[6] = {0.2f, 0.05f, 10.0f, -0.05f, 0.2f, 20.0f};
void BM_warp_opencv(benchmark::State& state, Interp interp) {
  cv::Mat M = (cv::Mat_<double>(2, 3) << kWarp[0], kWarp[1], kWarp[2], kWarp[3], kWarp[4], kWarp[5]);
  cv::Mat dst;
  for (auto _ : state) {
    cv::warpAffine(frames().bgr, dst, M, cv::Size(224, 224), cv_interp(interp));
    benchmark::DoNotOptimize(dst.data);
  }
  state.SetLabel("opencv");
}
void BM_warp_luodi(benchmark::State& state, Interp interp, Isa isa) {
  cv::Mat dst(224, 224, CV_8UC3);
  for (auto _ : state) {
    Status s = image::warp_affine(view_bgr(), mview(dst, PixelFormat::BGR), kWarp, interp, image::Border::Constant, 0, isa);
    benchmark::DoNotOptimize(s);
  }
  label(state, isa);
}

// The fused NV12 1080p -> 224x224 normalised NCHW float tensor, against OpenCV's chain as
// shared/peers/ocv_preproc.cpp runs it.
void BM_fused_opencv(benchmark::State& state) {
  cv::Mat rgb, dst, f, blob;
  for (auto _ : state) {
    cv::cvtColor(frames().nv12, rgb, cv::COLOR_YUV2RGB_NV12);
    cv::resize(rgb, dst, {224, 224}, 0, 0, cv::INTER_LINEAR);
    dst.convertTo(f, CV_32F, 1.0 / 255);
    cv::subtract(f, cv::Scalar(0.485, 0.456, 0.406), f);
    cv::divide(f, cv::Scalar(0.229, 0.224, 0.225), f);
    blob = cv::dnn::blobFromImage(f);
    benchmark::DoNotOptimize(blob.data);
  }
  state.SetLabel("opencv");
}
void BM_fused_luodi(benchmark::State& state, Isa isa) {
  PreprocessSpec spec;  // 224x224, Stretch, RGB, Linear, ImageNet mean/std, NCHW
  std::vector<float> t(3 * 224 * 224);
  const auto out = TensorView<float>::contiguous(t.data(), {1, 3, 224, 224}, Layout::NCHW);
  for (auto _ : state) {
    auto r = preprocess(view_nv12(), spec, out, isa);
    benchmark::DoNotOptimize(r);
  }
  label(state, isa);
}

// A BGR 1080p frame (as cv::imread or a capture gives it) -> RGB, normalised NCHW float:
// ImageNet 224x224 stretch, and the YOLO letterbox to 640x640 (pad 114, scale 1/255). OpenCV's
// chain resizes first (the cheapest order) and lets blobFromImage swap R and B.
void BM_fused_bgr_opencv(benchmark::State& state, bool letterbox, bool nhwc) {
  cv::Mat dst, f, blob;
  for (auto _ : state) {
    if (nhwc) {  // the letterbox into an NHWC tensor: no blob, the swap on the small image
      cv::Mat small, rgb;
      cv::resize(frames().bgr, small, {640, 360}, 0, 0, cv::INTER_LINEAR);
      cv::copyMakeBorder(small, dst, 140, 140, 0, 0, cv::BORDER_CONSTANT, cv::Scalar::all(114));
      cv::cvtColor(dst, rgb, cv::COLOR_BGR2RGB);
      rgb.convertTo(f, CV_32F, 1.0 / 255);
      benchmark::DoNotOptimize(f.data);
      continue;
    }
    if (letterbox) {
      cv::Mat small;
      cv::resize(frames().bgr, small, {640, 360}, 0, 0, cv::INTER_LINEAR);
      cv::copyMakeBorder(small, dst, 140, 140, 0, 0, cv::BORDER_CONSTANT, cv::Scalar::all(114));
      dst.convertTo(f, CV_32F, 1.0 / 255);
    } else {
      cv::resize(frames().bgr, dst, {224, 224}, 0, 0, cv::INTER_LINEAR);
      dst.convertTo(f, CV_32F, 1.0 / 255);
      cv::subtract(f, cv::Scalar(0.406, 0.456, 0.485), f);
      cv::divide(f, cv::Scalar(0.225, 0.224, 0.229), f);
    }
    blob = cv::dnn::blobFromImage(f, 1.0, cv::Size(), cv::Scalar(), /*swapRB=*/true);
    benchmark::DoNotOptimize(blob.data);
  }
  state.SetLabel("opencv");
}
void BM_fused_bgr_luodi(benchmark::State& state, bool letterbox, bool nhwc, Isa isa) {
  PreprocessSpec spec;  // RGB, Linear, NCHW
  if (nhwc) spec.layout = Layout::NHWC;
  if (letterbox) {
    spec.width = spec.height = 640;
    spec.resize = ResizeMode::Letterbox;
    spec.normalize = NormalizeMode::ScaleOffset;
    for (int c = 0; c < 3; ++c) spec.scale[c] = 1.0f / 255.0f, spec.offset[c] = 0.0f;
  }
  std::vector<float> t(3 * std::size_t(spec.width) * spec.height);
  const auto out = nhwc ? TensorView<float>::contiguous(t.data(), {1, spec.height, spec.width, 3}, Layout::NHWC)
                        : TensorView<float>::contiguous(t.data(), {1, 3, spec.height, spec.width}, Layout::NCHW);
  for (auto _ : state) {
    auto r = preprocess(view_bgr(), spec, out, isa);
    benchmark::DoNotOptimize(r);
  }
  label(state, isa);
}

const int kSizes[4][2] = {{224, 224}, {640, 640}, {960, 540}, {480, 270}};

int register_all() {
  std::vector<Isa> isas;  // the scalar reference and every SIMD ISA this build and CPU have
  for (int i = 0; i < kIsaCount; ++i)
    if (isa_available(static_cast<Isa>(i))) isas.push_back(static_cast<Isa>(i));
  for (Interp i : {Interp::Linear, Interp::Nearest, Interp::Area}) {
    // 224 and 640 (non-integer factors), 960x540 (exactly half: the 2x2 area path) and
    // 480x270 (a quarter: the integer-factor area path for Area)
    for (const int* sz : {kSizes[0], kSizes[1], kSizes[2], kSizes[3]}) {
      const std::string base = std::string("resize_") + image::interp_name(i) + "_1080p_to_" + std::to_string(sz[0]) +
                               (sz[0] == sz[1] ? "" : "x" + std::to_string(sz[1]));
      benchmark::RegisterBenchmark((base + "/opencv").c_str(), BM_resize_opencv, i, sz[0], sz[1], false)
          ->Unit(benchmark::kMicrosecond);
      for (Isa isa : isas)
        benchmark::RegisterBenchmark((base + "/luodi_" + isa_name(isa)).c_str(), BM_resize_luodi, i, sz[0], sz[1], isa, false)
            ->Unit(benchmark::kMicrosecond);
    }
  }
  // a 720p source, linear (the other common camera size)
  for (int sz : {224, 640}) {
    const std::string base = "resize_linear_720p_to_" + std::to_string(sz);
    benchmark::RegisterBenchmark((base + "/opencv").c_str(), BM_resize_opencv, Interp::Linear, sz, sz, true)
        ->Unit(benchmark::kMicrosecond);
    for (Isa isa : isas)
      benchmark::RegisterBenchmark((base + "/luodi_" + isa_name(isa)).c_str(), BM_resize_luodi, Interp::Linear, sz, sz,
                                   isa, true)
          ->Unit(benchmark::kMicrosecond);
  }
  benchmark::RegisterBenchmark("cvt_nv12_to_rgb_1080p/opencv", BM_nv12_opencv)->Unit(benchmark::kMicrosecond);
  for (Isa isa : isas)
    benchmark::RegisterBenchmark((std::string("cvt_nv12_to_rgb_1080p/luodi_") + isa_name(isa)).c_str(), BM_nv12_luodi, isa)
        ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("cvt_bgr_to_rgb_1080p/opencv", BM_bgr2rgb_opencv)->Unit(benchmark::kMicrosecond);
  for (Isa isa : isas)
    benchmark::RegisterBenchmark((std::string("cvt_bgr_to_rgb_1080p/luodi_") + isa_name(isa)).c_str(), BM_bgr2rgb_luodi,
                                 isa)
        ->Unit(benchmark::kMicrosecond);
  for (Interp i : {Interp::Linear, Interp::Nearest}) {
    const std::string base = std::string("warp_affine_") + image::interp_name(i) + "_to_224";
    benchmark::RegisterBenchmark((base + "/opencv").c_str(), BM_warp_opencv, i)->Unit(benchmark::kMicrosecond);
    for (Isa isa : isas)
      benchmark::RegisterBenchmark((base + "/luodi_" + isa_name(isa)).c_str(), BM_warp_luodi, i, isa)
          ->Unit(benchmark::kMicrosecond);
  }
  benchmark::RegisterBenchmark("fused_nv12_1080p_to_224_nchw/opencv_chain", BM_fused_opencv)
      ->Unit(benchmark::kMicrosecond);
  for (Isa isa : isas)
    benchmark::RegisterBenchmark((std::string("fused_nv12_1080p_to_224_nchw/luodi_") + isa_name(isa)).c_str(),
                                 BM_fused_luodi, isa)
        ->Unit(benchmark::kMicrosecond);
  for (int v = 0; v < 3; ++v) {
    const bool lb = v > 0, nhwc = v == 2;
    const std::string base = nhwc ? "fused_bgr_1080p_letterbox_640_nhwc"
                                  : (lb ? "fused_bgr_1080p_letterbox_640_nchw" : "fused_bgr_1080p_to_224_nchw");
    benchmark::RegisterBenchmark((base + "/opencv_chain").c_str(), BM_fused_bgr_opencv, lb, nhwc)
        ->Unit(benchmark::kMicrosecond);
    for (Isa isa : isas)
      benchmark::RegisterBenchmark((base + "/luodi_" + isa_name(isa)).c_str(), BM_fused_bgr_luodi, lb, nhwc, isa)
          ->Unit(benchmark::kMicrosecond);
  }
  return 0;
}
const int registered = register_all();

}  // namespace

BENCHMARK_MAIN();
