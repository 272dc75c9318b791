// ConvTranspose2D on decoder / detection-head shapes (batch 1, one thread): every SIMD algorithm
// that applies, on every ISA, in one binary.
//   bench_conv_transpose --benchmark_enable_random_interleaving=true --benchmark_repetitions=5
//                        --benchmark_report_aggregates_only=true
// GFLOPS counts 2*Cin*Cout/G*kh*kw*H*W (each input pixel times each weight once); peak_frac
// divides that by the FMA peak measured at start-up. Names: ct/<layer>/<algo>/<isa>; algo with
// a '*' is what conv_transpose2d_plan picks.
#include <benchmark/benchmark.h>
#include <luodi/kernels/conv_transpose/conv_transpose.hpp>

#include <random>
#include <string>
#include <vector>

#include "peak.hpp"

namespace {

using namespace luodi;
using namespace luodi::kernels;

double g_peak = 0;

struct Layer {
  const char* name;
  int cin, h, w, cout, k, stride, pad;
  ActivationKind act;
};

const Layer kLayers[] = {
    // PP-OCRv4 det head (DB) at a 640x640 input: 1/4-scale features upsampled twice, 2x2 stride 2
    {"ppocr_det_up1_160_24_24", 24, 160, 160, 24, 2, 2, 0, ActivationKind::Relu},
    {"ppocr_det_up2_320_24_1", 24, 320, 320, 1, 2, 2, 0, ActivationKind::Sigmoid},
    // U-Net style decoder 2x2 stride 2 with more channels
    {"unet_up_64_128_64", 128, 64, 64, 64, 2, 2, 0, ActivationKind::Identity},
    // overlapping kernel (col2im path): 4x4 stride 2 pad 1 (DCGAN / FCN style)
    {"dcgan_4x4s2_32_128_64", 128, 32, 32, 64, 4, 2, 1, ActivationKind::Relu},
};

ConvTranspose2dParams params_of(const Layer& l) {
  ConvTranspose2dParams p;
  p.C_in = l.cin;
  p.H = l.h;
  p.W = l.w;
  p.C_out = l.cout;
  p.kernel_h = p.kernel_w = l.k;
  p.stride_h = p.stride_w = l.stride;
  p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = l.pad;
  p.has_bias = true;
  p.activation = l.act;
  return p;
}

std::vector<float> rnd(std::size_t n, unsigned seed) {
  std::mt19937 g(seed);
  std::uniform_real_distribution<float> d(-1, 1);
  std::vector<float> v(n);
  for (auto& x : v) x = d(g);
  return v;
}

void BM_ct(benchmark::State& state, ConvTranspose2dPlan plan) {
  const ConvTranspose2dParams& p = plan.p;
  const std::int64_t kk = p.kernel_h * p.kernel_w;
  const auto x = rnd(static_cast<std::size_t>(p.C_in * p.H * p.W), 1);
  const auto w = rnd(static_cast<std::size_t>(p.C_in * (p.C_out / p.groups) * kk), 2);
  const auto b = rnd(static_cast<std::size_t>(p.C_out), 3);
  std::vector<float> y(static_cast<std::size_t>(p.C_out * plan.out_h * plan.out_w));
  auto packed = AlignedBuffer::create(static_cast<std::size_t>(plan.packed_bytes)).value();
  auto scratch = AlignedBuffer::create(conv_transpose2d_scratch_bytes(plan, 1) + 64).value();
  conv_transpose2d_pack(plan, w.data(), b.data(), packed.data());
  for (auto _ : state) {
    conv_transpose2d_run(plan, x.data(), packed.data(), nullptr, y.data(), scratch.data());
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  const double flops = 2.0 * double(p.C_in) * double(p.C_out / p.groups) * double(kk) * double(p.H * p.W);
  state.counters["GFLOPS"] = benchmark::Counter(flops * 1e-9 * double(state.iterations()), benchmark::Counter::kIsRate);
  if (g_peak > 0)
    state.counters["peak_frac"] =
        benchmark::Counter(flops * 1e-9 / g_peak * double(state.iterations()), benchmark::Counter::kIsRate);
}

int register_all() {
  g_peak = luodi_bench_fma_peak();
  for (const Layer& l : kLayers) {
    const ConvTranspose2dParams p = params_of(l);
    for (int i = 0; i < kIsaCount; ++i) {
      const Isa isa = static_cast<Isa>(i);
      if (!isa_available(isa) || isa == Isa::scalar) continue;
      const ConvTranspose2dAlgo chosen = conv_transpose2d_plan(p, isa).algo;
      for (int a = static_cast<int>(ConvTranspose2dAlgo::Gemm); a < kConvTranspose2dAlgoCount; ++a) {
        ConvTranspose2dPlan plan;
        if (!conv_transpose2d_plan_with(p, isa, static_cast<ConvTranspose2dAlgo>(a), &plan).ok()) continue;
        const std::string name = std::string("ct/") + l.name + "/" + conv_transpose2d_algo_name(plan.algo) +
                                 (plan.algo == chosen ? "*" : "") + "/" + isa_name(isa);
        benchmark::RegisterBenchmark(name.c_str(), BM_ct, plan)->Unit(benchmark::kMicrosecond);
      }
    }
  }
  return 0;
}
const int registered = register_all();

}  // namespace

BENCHMARK_MAIN();
