// Resize at PP-OCR-like feature-map shapes (the FPN's x2 nearest upsampling; bilinear x2 and x4
// heads), every ISA and ref in one run.
#include <luodi/kernels/resize/resize.hpp>

#include "ops_bench_util.hpp"

using namespace luodi;
using namespace luodi::kernels;

namespace {

void bench(const std::string& name, const Shape& in, ResizeMode mode, CoordMode coord, NearestMode nm, float scale) {
  luodi_bench::register_isas(name, [=](benchmark::State& st, Isa isa) {
    ResizeAttrs a;
    a.mode = mode;
    a.coord = coord;
    a.nearest = nm;
    const float scales[4] = {1, 1, scale, scale};
    auto p = resize_params_make(in, a, scales, 4, nullptr, 0, nullptr, 0);
    if (!p.ok()) return st.SkipWithError(p.status().message());
    const auto x = luodi_bench::random_floats(static_cast<std::size_t>(in.numel()), -1, 1);
    std::vector<float> y(static_cast<std::size_t>(p->output_shape().numel()));
    for (auto _ : st) {
      resize(*p, x.data(), y.data(), nullptr, isa);
      benchmark::ClobberMemory();
    }
    luodi_bench::set_bytes(st, 4.0 * double(in.numel() + static_cast<std::int64_t>(y.size())));
  });
}

int register_all() {
  // PP-OCRv4 det at 640x640: FPN maps at 1/32, 1/16, 1/8 of the input, upsampled x2 (nearest)
  bench("resize/nearest_x2/1x256x20x20", Shape{1, 256, 20, 20}, ResizeMode::Nearest, CoordMode::Asymmetric, NearestMode::Floor, 2);
  bench("resize/nearest_x2/1x256x40x40", Shape{1, 256, 40, 40}, ResizeMode::Nearest, CoordMode::Asymmetric, NearestMode::Floor, 2);
  bench("resize/nearest_x2/1x96x80x80", Shape{1, 96, 80, 80}, ResizeMode::Nearest, CoordMode::Asymmetric, NearestMode::Floor, 2);
  bench("resize/nearest_x4/1x96x40x40", Shape{1, 96, 40, 40}, ResizeMode::Nearest, CoordMode::Asymmetric, NearestMode::Floor, 4);
  bench("resize/linear_x2/1x96x80x80", Shape{1, 96, 80, 80}, ResizeMode::Linear, CoordMode::HalfPixel, NearestMode::Floor, 2);
  bench("resize/linear_x4/1x96x40x40", Shape{1, 96, 40, 40}, ResizeMode::Linear, CoordMode::HalfPixel, NearestMode::Floor, 4);
  bench("resize/cubic_x2/1x32x80x80", Shape{1, 32, 80, 80}, ResizeMode::Cubic, CoordMode::HalfPixel, NearestMode::Floor, 2);
  return 0;
}
const int registered = register_all();

}  // namespace

BENCHMARK_MAIN();
