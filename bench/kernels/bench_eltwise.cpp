// Binary elementwise ops at shapes from real networks, every ISA and ref in one run. GB/s
// counts both operands read and the output written.
#include <luodi/kernels/eltwise/eltwise.hpp>

#include "ops_bench_util.hpp"

using namespace luodi;
using namespace luodi::kernels;

namespace {

void bench_binary(const std::string& name, BinaryOp op, const Shape& a, const Shape& b) {
  luodi_bench::register_isas(name, [=](benchmark::State& st, Isa isa) {
    auto p = binary_params_make(op, DType::f32, a, b);
    if (!p.ok()) return st.SkipWithError(p.status().message());
    const auto x = luodi_bench::random_floats(static_cast<std::size_t>(a.numel()), 0.5f, 2.0f, 1);
    auto w = luodi_bench::random_floats(static_cast<std::size_t>(b.numel()), 0.5f, 2.0f, 2);
    if (op == BinaryOp::Pow)
      for (float& e : w) e = 2.0f;  // the square: a special exponent
    std::vector<float> y(static_cast<std::size_t>(p->plan.numel));
    for (auto _ : st) {
      (void)binary(*p, DType::f32, x.data(), w.data(), y.data(), nullptr, isa);
      benchmark::ClobberMemory();
    }
    luodi_bench::set_bytes(st, 4.0 * double(a.numel() + b.numel() + p->plan.numel));
  });
}

int register_all() {
  // residual adds: ResNet-50 layer1 (256x56x56) and a MobileNetV2 block (24x56x56 at 1x64x56x56 scale)
  bench_binary("eltwise/add_same/1x64x56x56", BinaryOp::Add, Shape{1, 64, 56, 56}, Shape{1, 64, 56, 56});
  bench_binary("eltwise/add_same/1x256x56x56", BinaryOp::Add, Shape{1, 256, 56, 56}, Shape{1, 256, 56, 56});
  // per-channel scale (a folded BatchNorm or SE gate): [1,C,1,1] against NCHW
  bench_binary("eltwise/mul_channel/1x64x56x56", BinaryOp::Mul, Shape{1, 64, 56, 56}, Shape{1, 64, 1, 1});
  bench_binary("eltwise/mul_channel/1x960x7x7", BinaryOp::Mul, Shape{1, 960, 7, 7}, Shape{1, 960, 1, 1});
  bench_binary("eltwise/div_scalar/1x64x56x56", BinaryOp::Div, Shape{1, 64, 56, 56}, Shape{});
  bench_binary("eltwise/max_same/1x64x56x56", BinaryOp::Max, Shape{1, 64, 56, 56}, Shape{1, 64, 56, 56});
  bench_binary("eltwise/prelu_channel/1x64x56x56", BinaryOp::PRelu, Shape{1, 64, 56, 56}, Shape{64, 1, 1});
  bench_binary("eltwise/pow2_scalar/1x64x56x56", BinaryOp::Pow, Shape{1, 64, 56, 56}, Shape{});
  bench_binary("eltwise/add_row/1x64x56x56", BinaryOp::Add, Shape{1, 64, 56, 56}, Shape{56});
  bench_binary("eltwise/less_same/1x64x56x56", BinaryOp::Less, Shape{1, 64, 56, 56}, Shape{1, 64, 56, 56});
  luodi_bench::register_isas("eltwise/where_same/1x64x56x56", [](benchmark::State& st, Isa isa) {
    const Shape s{1, 64, 56, 56};
    auto p = where_params_make(s, s, s, DType::f32);
    const auto x = luodi_bench::random_floats(static_cast<std::size_t>(s.numel()), -1, 1, 1);
    const auto z = luodi_bench::random_floats(static_cast<std::size_t>(s.numel()), -1, 1, 2);
    std::vector<std::uint8_t> c(x.size());
    for (std::size_t i = 0; i < c.size(); ++i) c[i] = x[i] > z[i];
    std::vector<float> y(x.size());
    for (auto _ : st) {
      where(*p, c.data(), x.data(), z.data(), y.data(), nullptr, isa);
      benchmark::ClobberMemory();
    }
    luodi_bench::set_bytes(st, 13.0 * double(s.numel()));
  });
  return 0;
}
const int registered = register_all();

}  // namespace

BENCHMARK_MAIN();
