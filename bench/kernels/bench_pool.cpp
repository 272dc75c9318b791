// Pooling at shapes from ResNet, VGG, Inception and MobileNetV2, every ISA and ref in one run.
#include <luodi/kernels/pool/pool.hpp>

#include "ops_bench_util.hpp"

using namespace luodi;
using namespace luodi::kernels;

namespace {

void bench_pool(const std::string& name, const Shape& in, const Result<PoolParams>& pr) {
  luodi_bench::register_isas(name, [=](benchmark::State& st, Isa isa) {
    if (!pr.ok()) return st.SkipWithError(pr.status().message());
    const PoolParams& p = *pr;
    const auto x = luodi_bench::random_floats(static_cast<std::size_t>(in.numel()), -1, 1);
    std::vector<float> y(static_cast<std::size_t>(p.output_shape().numel()));
    for (auto _ : st) {
      pool(p, x.data(), y.data(), nullptr, isa);
      benchmark::ClobberMemory();
    }
    luodi_bench::set_bytes(st, 4.0 * double(in.numel() + static_cast<std::int64_t>(y.size())));
  });
}

PoolAttrs attrs(PoolKind kind, std::int64_t k, std::int64_t s, std::int64_t pad, bool ceil = false, bool cip = false) {
  PoolAttrs a;
  a.kind = kind;
  a.kernel[0] = a.kernel[1] = k;
  a.strides[0] = a.strides[1] = s;
  a.pads[0] = a.pads[1] = a.pads[2] = a.pads[3] = pad;
  a.ceil_mode = ceil;
  a.count_include_pad = cip;
  return a;
}

int register_all() {
  const Shape stem{1, 64, 112, 112};  // ResNet stem output
  bench_pool("pool/max3x3s2p1/1x64x112x112", stem, pool_params_make(stem, attrs(PoolKind::Max, 3, 2, 1)));
  bench_pool("pool/max2x2s2/1x64x112x112", stem, pool_params_make(stem, attrs(PoolKind::Max, 2, 2, 0)));  // VGG
  const Shape incep{1, 192, 28, 28};
  bench_pool("pool/avg3x3s1p1/1x192x28x28", incep, pool_params_make(incep, attrs(PoolKind::Average, 3, 1, 1)));  // Inception
  const Shape spp{1, 256, 20, 20};
  bench_pool("pool/max5x5s1p2/1x256x20x20", spp, pool_params_make(spp, attrs(PoolKind::Max, 5, 1, 2)));  // YOLO SPPF
  const Shape mb{1, 1280, 7, 7}, rn{1, 2048, 7, 7};
  bench_pool("pool/global_avg/1x1280x7x7", mb, global_pool_params_make(mb, PoolKind::Average));  // MobileNetV2
  bench_pool("pool/global_avg/1x2048x7x7", rn, global_pool_params_make(rn, PoolKind::Average));  // ResNet-50
  bench_pool("pool/global_max/1x2048x7x7", rn, global_pool_params_make(rn, PoolKind::Max));
  return 0;
}
const int registered = register_all();

}  // namespace

BENCHMARK_MAIN();
