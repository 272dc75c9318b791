// Normalisations, every ISA and ref in one run.
#include <luodi/kernels/norm/norm.hpp>

#include "ops_bench_util.hpp"

using namespace luodi;
using namespace luodi::kernels;

namespace {

int register_all() {
  const Shape x{1, 64, 56, 56};
  const std::size_t n = static_cast<std::size_t>(x.numel());
  luodi_bench::register_isas("norm/batch_norm/1x64x56x56", [=](benchmark::State& st, Isa isa) {
    auto p = batch_norm_params_make(x, Shape{64}, Shape{64}, Shape{64}, Shape{64}, 1e-5f);
    const auto in = luodi_bench::random_floats(n, -2, 2);
    const auto c = luodi_bench::random_floats(64, 0.5f, 2.0f);
    std::vector<float> y(n);
    for (auto _ : st) {
      batch_norm(*p, in.data(), c.data(), c.data(), c.data(), c.data(), y.data(), nullptr, isa);
      benchmark::ClobberMemory();
    }
    luodi_bench::set_bytes(st, 8.0 * double(n));
  });
  luodi_bench::register_isas("norm/instance_norm/1x64x56x56", [=](benchmark::State& st, Isa isa) {
    auto p = instance_norm_params_make(x, Shape{64}, Shape{64}, 1e-5f);
    const auto in = luodi_bench::random_floats(n, -2, 2);
    const auto c = luodi_bench::random_floats(64, 0.5f, 2.0f);
    std::vector<float> y(n);
    for (auto _ : st) {
      instance_norm(*p, in.data(), c.data(), c.data(), y.data(), nullptr, isa);
      benchmark::ClobberMemory();
    }
    luodi_bench::set_bytes(st, 8.0 * double(n));
  });
  // ConvNeXt-T stage 1: LayerNorm over 96 channels of 56x56 positions (channels-last rows)
  luodi_bench::register_isas("norm/layer_norm/3136x96", [](benchmark::State& st, Isa isa) {
    const Shape s{3136, 96}, c{96};
    auto p = layer_norm_params_make(s, -1, c, &c, 1e-6f);
    const auto in = luodi_bench::random_floats(3136 * 96, -2, 2);
    const auto g = luodi_bench::random_floats(96, 0.5f, 2.0f);
    std::vector<float> y(in.size());
    for (auto _ : st) {
      layer_norm(*p, in.data(), g.data(), g.data(), y.data(), nullptr, isa);
      benchmark::ClobberMemory();
    }
    luodi_bench::set_bytes(st, 8.0 * double(in.size()));
  });
  // GoogLeNet / AlexNet LRN, size 5
  luodi_bench::register_isas("norm/lrn5/1x64x56x56", [=](benchmark::State& st, Isa isa) {
    auto p = lrn_params_make(x, 5, 1e-4f, 0.75f, 1.0f);
    const auto in = luodi_bench::random_floats(n, -2, 2);
    std::vector<float> y(n);
    for (auto _ : st) {
      lrn(*p, in.data(), y.data(), nullptr, isa);
      benchmark::ClobberMemory();
    }
    luodi_bench::set_bytes(st, 8.0 * double(n));
  });
  return 0;
}
const int registered = register_all();

}  // namespace

BENCHMARK_MAIN();
