// Conv2D on layer shapes from ResNet-18/50, MobileNetV2, MobileNetV3-large and SqueezeNet 1.1 (224x224 input,
// batch 1, one thread): every algorithm that applies, on every ISA, in one binary.
//   bench_conv2d --benchmark_enable_random_interleaving=true --benchmark_repetitions=5
//                --benchmark_report_aggregates_only=true --benchmark_filter=r18_
// GFLOPS counts the direct convolution's 2*Cout*Ho*Wo*Cin/G*kh*kw (for Winograd this is its
// "effective" rate); peak_frac divides that by the FMA peak measured at start-up.
// Names: conv/<layer>/<algo>/<isa>; algo "auto" is what conv2d_plan picks.
#include <benchmark/benchmark.h>
#include <luodi/kernels/conv2d/conv2d.hpp>

#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
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
  int cin, hw, cout, k, stride, groups;
  bool residual;
  int act = -1;  // an ActivationKind; -1: relu, or clip (relu6) for depthwise (params_of)
};

// pad = k/2 everywhere, as these networks use.
const Layer kLayers[] = {
    // ResNet-18 3x3 stride 1 (the residual add of the block's second conv fused), and stride 2
    {"r18_3x3_56_64", 64, 56, 64, 3, 1, 1, true},
    {"r18_3x3_28_128", 128, 28, 128, 3, 1, 1, true},
    {"r18_3x3_14_256", 256, 14, 256, 3, 1, 1, true},
    {"r18_3x3_7_512", 512, 7, 512, 3, 1, 1, true},
    {"r18_3x3s2_56_64_128", 64, 56, 128, 3, 2, 1, false},
    {"r18_3x3s2_28_128_256", 128, 28, 256, 3, 2, 1, false},
    {"r18_3x3s2_14_256_512", 256, 14, 512, 3, 2, 1, false},
    {"r18_7x7s2_224_3_64", 3, 224, 64, 7, 2, 1, false},
    // the other stems: 3x3 stride 2 over the 3-channel image with their networks' activations
    {"mnv2_3x3s2_224_3_32", 3, 224, 32, 3, 2, 1, false, static_cast<int>(ActivationKind::Clip)},
    {"mnv3_3x3s2_224_3_16", 3, 224, 16, 3, 2, 1, false, static_cast<int>(ActivationKind::HardSwish)},
    {"effb0_3x3s2_224_3_32", 3, 224, 32, 3, 2, 1, false, static_cast<int>(ActivationKind::Silu)},
    // EfficientNet-B0 1x1 expand and depthwise with the SiLU epilogue, where vsilu is a large
    // share of the time (docs/performance.md, "SiLU and the vector math")
    {"effb0_1x1_112_16_96_silu", 16, 112, 96, 1, 1, 1, false, static_cast<int>(ActivationKind::Silu)},
    {"effb0_1x1_56_24_144_silu", 24, 56, 144, 1, 1, 1, false, static_cast<int>(ActivationKind::Silu)},
    {"effb0_dw3x3_112_32_silu", 32, 112, 32, 3, 1, 32, false, static_cast<int>(ActivationKind::Silu)},
    // ResNet-50 1x1
    {"r50_1x1_56_256_64", 256, 56, 64, 1, 1, 1, false},
    {"r50_1x1_56_64_256", 64, 56, 256, 1, 1, 1, true},
    {"r50_1x1_28_512_128", 512, 28, 128, 1, 1, 1, false},
    {"r50_1x1_14_1024_256", 1024, 14, 256, 1, 1, 1, false},
    {"r50_1x1_7_2048_512", 2048, 7, 512, 1, 1, 1, false},
    // ResNet-50 bottleneck conv3 (1x1 expand, the block's residual add and relu fused)
    {"r50_1x1_28_128_512r", 128, 28, 512, 1, 1, 1, true},
    {"r50_1x1_14_256_1024r", 256, 14, 1024, 1, 1, 1, true},
    {"r50_1x1_7_512_2048r", 512, 7, 2048, 1, 1, 1, true},
    // ResNet-50 first conv1 of a stage (from the previous stage's width)
    {"r50_1x1_56_256_128", 256, 56, 128, 1, 1, 1, false},
    {"r50_1x1_28_512_256", 512, 28, 256, 1, 1, 1, false},
    {"r50_1x1_14_1024_512", 1024, 14, 512, 1, 1, 1, false},
    // ResNet-50 (v1.5) downsample: 1x1 stride 2
    {"r50_1x1s2_56_256_512", 256, 56, 512, 1, 2, 1, false},
    {"r50_1x1s2_28_512_1024", 512, 28, 1024, 1, 2, 1, false},
    {"r50_1x1s2_14_1024_2048", 1024, 14, 2048, 1, 2, 1, false},
    // ResNet-50 (v1.5) 3x3 stride 2 (layerN.0.conv2)
    {"r50_3x3s2_56_128", 128, 56, 128, 3, 2, 1, false},
    {"r50_3x3s2_28_256", 256, 28, 256, 3, 2, 1, false},
    {"r50_3x3s2_14_512", 512, 14, 512, 3, 2, 1, false},
    // MobileNetV2 1x1 expand / project
    {"mnv2_1x1_112_32_16", 32, 112, 16, 1, 1, 1, false},
    {"mnv2_1x1_112_16_96", 16, 112, 96, 1, 1, 1, false},
    {"mnv2_1x1_56_96_24", 96, 56, 24, 1, 1, 1, false},
    {"mnv2_1x1_56_24_144", 24, 56, 144, 1, 1, 1, false},
    {"mnv2_1x1_56_144_24", 144, 56, 24, 1, 1, 1, true},
    {"mnv2_1x1_28_144_32", 144, 28, 32, 1, 1, 1, false},
    {"mnv2_1x1_28_32_192", 32, 28, 192, 1, 1, 1, false},
    {"mnv2_1x1_28_192_32", 192, 28, 32, 1, 1, 1, true},
    {"mnv2_1x1_14_192_64", 192, 14, 64, 1, 1, 1, false},
    {"mnv2_1x1_14_64_384", 64, 14, 384, 1, 1, 1, false},
    {"mnv2_1x1_14_384_64", 384, 14, 64, 1, 1, 1, true},
    {"mnv2_1x1_14_384_96", 384, 14, 96, 1, 1, 1, false},
    {"mnv2_1x1_14_96_576", 96, 14, 576, 1, 1, 1, false},
    {"mnv2_1x1_14_576_96", 576, 14, 96, 1, 1, 1, true},
    {"mnv2_1x1_7_576_160", 576, 7, 160, 1, 1, 1, false},
    {"mnv2_1x1_7_160_960", 160, 7, 960, 1, 1, 1, false},
    {"mnv2_1x1_7_960_160", 960, 7, 160, 1, 1, 1, true},
    {"mnv2_1x1_7_960_320", 960, 7, 320, 1, 1, 1, false},
    {"mnv2_1x1_7_320_1280", 320, 7, 1280, 1, 1, 1, false},
    // MobileNetV3-large 1x1 (hardswish where the network has it) and its squeeze-excitation FCs
    // (1x1 convs on a 1x1 plane: GEMVs)
    {"mnv3_1x1_112_16_64", 16, 112, 64, 1, 1, 1, false},
    // the 112x112 1x1 layers with the models' own activations: MobileNetV2 features.1 project
    // (none) and features.2 expand (relu6), MobileNetV3-large features.1 (none, residual)
    {"mnv2_1x1_112_32_16p", 32, 112, 16, 1, 1, 1, false, static_cast<int>(ActivationKind::Identity)},
    {"mnv2_1x1_112_16_96c", 16, 112, 96, 1, 1, 1, false, static_cast<int>(ActivationKind::Clip)},
    {"mnv3_1x1_112_16_16r", 16, 112, 16, 1, 1, 1, true, static_cast<int>(ActivationKind::Identity)},
    // MobileNetV3-large at 14x14: expand (hardswish), project (none; residual where the block has one)
    {"mnv3_1x1_14_80_200", 80, 14, 200, 1, 1, 1, false, static_cast<int>(ActivationKind::HardSwish)},
    {"mnv3_1x1_14_80_480", 80, 14, 480, 1, 1, 1, false, static_cast<int>(ActivationKind::HardSwish)},
    {"mnv3_1x1_14_480_112", 480, 14, 112, 1, 1, 1, false, static_cast<int>(ActivationKind::Identity)},
    {"mnv3_1x1_14_112_672", 112, 14, 672, 1, 1, 1, false, static_cast<int>(ActivationKind::HardSwish)},
    {"mnv3_1x1_14_672_112r", 672, 14, 112, 1, 1, 1, true, static_cast<int>(ActivationKind::Identity)},
    {"mnv3_1x1_14_184_80r", 184, 14, 80, 1, 1, 1, true, static_cast<int>(ActivationKind::Identity)},
    {"mnv3_1x1_14_672_112", 672, 14, 112, 1, 1, 1, false, static_cast<int>(ActivationKind::Identity)},
    {"mnv3_1x1_7_160_960", 160, 7, 960, 1, 1, 1, false, static_cast<int>(ActivationKind::HardSwish)},
    {"mnv3_1x1_7_960_160r", 960, 7, 160, 1, 1, 1, true, static_cast<int>(ActivationKind::Identity)},
    {"mnv3_se_960_240", 960, 1, 240, 1, 1, 1, false},
    {"mnv3_se_240_960", 240, 1, 960, 1, 1, 1, false, static_cast<int>(ActivationKind::HardSigmoid)},
    {"mnv3_se_672_168", 672, 1, 168, 1, 1, 1, false},
    // MobileNetV2 depthwise 3x3 (relu6 fused)
    {"mnv2_dw_112_32_s1", 32, 112, 32, 3, 1, 32, false},
    {"mnv2_dw_112_96_s2", 96, 112, 96, 3, 2, 96, false},
    {"mnv2_dw_56_144_s1", 144, 56, 144, 3, 1, 144, false},
    {"mnv2_dw_56_144_s2", 144, 56, 144, 3, 2, 144, false},
    {"mnv2_dw_28_192_s1", 192, 28, 192, 3, 1, 192, false},
    {"mnv2_dw_28_192_s2", 192, 28, 192, 3, 2, 192, false},
    {"mnv2_dw_14_384_s1", 384, 14, 384, 3, 1, 384, false},
    {"mnv2_dw_14_576_s1", 576, 14, 576, 3, 1, 576, false},
    {"mnv2_dw_14_576_s2", 576, 14, 576, 3, 2, 576, false},
    {"mnv2_dw_7_960_s1", 960, 7, 960, 3, 1, 960, false},
    // MobileNetV3-large depthwise (3x3 and 5x5; relu early, hardswish from features.7 on)
    {"mnv3_dw3_112_16_s1", 16, 112, 16, 3, 1, 16, false, static_cast<int>(ActivationKind::Relu)},
    {"mnv3_dw3_112_64_s2", 64, 112, 64, 3, 2, 64, false, static_cast<int>(ActivationKind::Relu)},
    {"mnv3_dw3_56_72_s1", 72, 56, 72, 3, 1, 72, false, static_cast<int>(ActivationKind::Relu)},
    {"mnv3_dw5_56_72_s2", 72, 56, 72, 5, 2, 72, false, static_cast<int>(ActivationKind::Relu)},
    {"mnv3_dw5_28_120_s1", 120, 28, 120, 5, 1, 120, false, static_cast<int>(ActivationKind::Relu)},
    {"mnv3_dw3_28_240_s2", 240, 28, 240, 3, 2, 240, false, static_cast<int>(ActivationKind::HardSwish)},
    {"mnv3_dw3_14_200_s1", 200, 14, 200, 3, 1, 200, false, static_cast<int>(ActivationKind::HardSwish)},
    {"mnv3_dw3_14_672_s1", 672, 14, 672, 3, 1, 672, false, static_cast<int>(ActivationKind::HardSwish)},
    {"mnv3_dw5_14_672_s2", 672, 14, 672, 5, 2, 672, false, static_cast<int>(ActivationKind::HardSwish)},
    {"mnv3_dw5_7_960_s1", 960, 7, 960, 5, 1, 960, false, static_cast<int>(ActivationKind::HardSwish)},
    // SqueezeNet 1.1
    {"sqz_3x3s2_224_3_64", 3, 224, 64, 3, 2, 1, false},
    {"sqz_1x1_55_64_16", 64, 55, 16, 1, 1, 1, false},
    {"sqz_1x1_55_16_64", 16, 55, 64, 1, 1, 1, false},
    {"sqz_3x3_55_16_64", 16, 55, 64, 3, 1, 1, false},
    {"sqz_3x3_27_32_128", 32, 27, 128, 3, 1, 1, false},
    {"sqz_3x3_13_64_256", 64, 13, 256, 3, 1, 1, false},
};

Conv2dParams params_of(const Layer& l) {
  Conv2dParams p;
  p.C_in = l.cin;
  p.H = p.W = l.hw;
  p.C_out = l.cout;
  p.kernel_h = p.kernel_w = l.k;
  p.stride_h = p.stride_w = l.stride;
  p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = l.k / 2;
  // MobileNetV2 pads its stride-2 depthwise (0, 1, 0, 1) in TF but (1,1,1,1) in torchvision.
  p.groups = l.groups;
  p.has_bias = true;
  p.has_residual = l.residual;
  p.activation = l.residual ? ActivationKind::Relu : (l.groups > 1 ? ActivationKind::Clip : ActivationKind::Relu);
  p.act_params = l.groups > 1 ? ActivationParams{0.0f, 6.0f} : ActivationParams{};
  if (l.act >= 0) {
    p.activation = static_cast<ActivationKind>(l.act);
    p.act_params = activation_defaults(p.activation);
  }
  return p;
}

std::vector<float> rnd(std::size_t n, unsigned seed) {
  std::mt19937 g(seed);
  std::uniform_real_distribution<float> d(-1, 1);
  std::vector<float> v(n);
  for (auto& x : v) x = d(g);
  return v;
}

void BM_conv(benchmark::State& state, Layer l, Conv2dPlan plan) {
  const Conv2dParams& p = plan.p;
  auto x = rnd(static_cast<std::size_t>(p.C_in * p.H * p.W), 1);
  const auto w = rnd(static_cast<std::size_t>(p.C_out * (p.C_in / p.groups) * p.kernel_h * p.kernel_w), 2);
  const auto b = rnd(static_cast<std::size_t>(p.C_out), 3);
  const std::size_t ny = static_cast<std::size_t>(p.C_out * plan.out_h * plan.out_w);
  auto r = rnd(ny, 4);
  std::vector<float> y(ny);
  auto packed = AlignedBuffer::create(static_cast<std::size_t>(plan.packed_bytes)).value();
  auto scratch = AlignedBuffer::create(conv2d_scratch_bytes(plan, 1) + 64).value();
  conv2d_pack(plan, w.data(), b.data(), packed.data());
  // LUODI_BENCH_FLUSH=BYTES: write a buffer that large between runs, then rewrite the input and
  // residual (as the layers before would have), and time each run alone (thread CPU time,
  // reported as manual time): weights and output start outside the caches (64 MiB: in DRAM),
  // the input where a previous layer's output would be.
  static const long flush_bytes = std::getenv("LUODI_BENCH_FLUSH") ? std::atol(std::getenv("LUODI_BENCH_FLUSH")) : 0;
  std::vector<char> flush(static_cast<std::size_t>(flush_bytes > 0 ? flush_bytes : 0));
  const std::vector<float> x0 = x, r0 = r;
  for (auto _ : state) {
    if (flush_bytes > 0) {
      for (std::size_t i = 0; i < flush.size(); i += 64) flush[i] = static_cast<char>(flush[i] + 1);
      // the input (and residual) were just written by the layers before, as in a model
      std::memcpy(x.data(), x0.data(), x.size() * sizeof(float));
      if (p.has_residual) std::memcpy(r.data(), r0.data(), r.size() * sizeof(float));
      benchmark::ClobberMemory();
      timespec t0, t1;
      clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
      conv2d_run(plan, x.data(), packed.data(), p.has_residual ? r.data() : nullptr, y.data(), scratch.data());
      benchmark::DoNotOptimize(y.data());
      benchmark::ClobberMemory();
      clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
      state.SetIterationTime(double(t1.tv_sec - t0.tv_sec) + 1e-9 * double(t1.tv_nsec - t0.tv_nsec));
      continue;
    }
    conv2d_run(plan, x.data(), packed.data(), p.has_residual ? r.data() : nullptr, y.data(), scratch.data());
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  const double flops = 2.0 * double(p.C_out) * double(plan.out_h * plan.out_w) * double(p.C_in / p.groups) *
                       double(p.kernel_h * p.kernel_w);
  state.counters["GFLOPS"] = benchmark::Counter(flops * 1e-9 * double(state.iterations()), benchmark::Counter::kIsRate);
  if (g_peak > 0)
    state.counters["peak_frac"] =
        benchmark::Counter(flops * 1e-9 / g_peak * double(state.iterations()), benchmark::Counter::kIsRate);
  (void)l;
}

int register_all() {
  g_peak = luodi_bench_fma_peak();
  for (const Layer& l : kLayers) {
    const Conv2dParams p = params_of(l);
    for (int i = 0; i < kIsaCount; ++i) {
      const Isa isa = static_cast<Isa>(i);
      if (!isa_available(isa) || isa == Isa::scalar) continue;
      Conv2dPlan autoplan;
      if (!conv2d_plan_with(p, isa, Conv2dAlgo::Auto, &autoplan).ok()) continue;
      for (int a = static_cast<int>(Conv2dAlgo::Gemm); a < kConv2dAlgoCount; ++a) {
        Conv2dPlan plan;
        if (!conv2d_plan_with(p, isa, static_cast<Conv2dAlgo>(a), &plan).ok()) continue;
        const std::string name = std::string("conv/") + l.name + "/" + conv2d_algo_name(plan.algo) +
                                 (plan.algo == autoplan.algo ? "*" : "") + "/" + isa_name(isa);
        auto* bm = benchmark::RegisterBenchmark(name.c_str(), BM_conv, l, plan)->Unit(benchmark::kMicrosecond);
        if (std::getenv("LUODI_BENCH_FLUSH")) bm->UseManualTime();
        // Research: LUODI_BENCH_CONV_PACKB=1 adds the gemm algorithm of a 1x1 stride-1 layer with
        // the other B source: "gemm@packb" (input packed into B panels) where the plan reads it
        // in place, "gemm@inplace" where the plan packs it.
        if (plan.algo == Conv2dAlgo::Gemm && conv2d_gemm_b_in_place(p) && std::getenv("LUODI_BENCH_CONV_PACKB")) {
          Conv2dPlan v = plan;
          v.b_in_place = !plan.b_in_place;
          v.scratch_per_thread = static_cast<std::int64_t>((plan.K < plan.kc ? plan.K : plan.kc) * plan.nc * 4 + 64);
          const std::string vn =
              std::string("conv/") + l.name + (v.b_in_place ? "/gemm@inplace/" : "/gemm@packb/") + isa_name(isa);
          auto* vb = benchmark::RegisterBenchmark(vn.c_str(), BM_conv, l, v)->Unit(benchmark::kMicrosecond);
          if (std::getenv("LUODI_BENCH_FLUSH")) vb->UseManualTime();
        }
        // Research: LUODI_BENCH_DR_STRIP="R,R" adds the direct_rows algorithm with R output rows
        // per strip of padded input rows ("direct_rows@R"), to measure the strip height.
        if (plan.algo == Conv2dAlgo::DirectRows)
          if (const char* env = std::getenv("LUODI_BENCH_DR_STRIP")) {
            for (const char* q = env; *q;) {
              long rows = 0;
              int used = 0;
              if (std::sscanf(q, "%ld%n", &rows, &used) != 1 || rows < 1) break;
              q += used;
              if (*q == ',') ++q;
              Conv2dPlan v = plan;
              v.dr_strip_rows = rows < plan.out_h ? rows : plan.out_h;
              v.dr_rows = (v.dr_strip_rows - 1) * p.stride_h + p.kernel_h;
              v.scratch_per_thread = ((p.C_in * v.dr_rows * v.dr_row_floats + 64 + 15) / 16 * 16) * 4;
              const std::string vn = std::string("conv/") + l.name + "/direct_rows@" + std::to_string(v.dr_strip_rows) + "/" +
                                     isa_name(isa);
              auto* vb = benchmark::RegisterBenchmark(vn.c_str(), BM_conv, l, v)->Unit(benchmark::kMicrosecond);
              if (std::getenv("LUODI_BENCH_FLUSH")) vb->UseManualTime();
            }
          }
        // Research: LUODI_BENCH_CONV_ORDER=1 adds the gemm algorithm with the other tile order
        // (rows_outer flipped, same blocking), "gemm@flip".
        if (plan.algo == Conv2dAlgo::Gemm && std::getenv("LUODI_BENCH_CONV_ORDER")) {
          Conv2dPlan v = plan;
          v.rows_outer = !plan.rows_outer;
          const std::string vn = std::string("conv/") + l.name + "/gemm@flip/" + isa_name(isa);
          auto* vb = benchmark::RegisterBenchmark(vn.c_str(), BM_conv, l, v)->Unit(benchmark::kMicrosecond);
          if (std::getenv("LUODI_BENCH_FLUSH")) vb->UseManualTime();
        }
        // Research: LUODI_BENCH_CONV_BLK="kc:mc:nc,kc:mc:nc" adds the gemm algorithm with each
        // cache blocking (0 keeps the planned value), to sweep blocking in one interleaved run.
        if (plan.algo == Conv2dAlgo::Gemm || plan.algo == Conv2dAlgo::GemmT)
          if (const char* env = std::getenv("LUODI_BENCH_CONV_BLK")) {
            for (const char* q = env; *q;) {
              long kc = 0, mc = 0, nc = 0;
              int used = 0;
              if (std::sscanf(q, "%ld:%ld:%ld%n", &kc, &mc, &nc, &used) != 3) break;
              q += used;
              if (*q == ',') ++q;
              Conv2dPlan v = plan;
              if (kc > 0) v.kc = kc;
              if (mc > 0) v.mc = (mc + plan.mr - 1) / plan.mr * plan.mr;
              if (nc > 0) v.nc = (nc + plan.nr - 1) / plan.nr * plan.nr;
              const std::int64_t ppad = (plan.out_h * plan.out_w + plan.mr - 1) / plan.mr * plan.mr;
              v.scratch_per_thread = plan.algo == Conv2dAlgo::Gemm
                                         ? static_cast<std::int64_t>(v.kc * v.nc * 4 + 64)
                                         : (ppad * v.kc + ppad * l.k * l.k + 64) * 4;  // GemmT: only kc applies
              const std::string vn = std::string("conv/") + l.name + "/" + conv2d_algo_name(plan.algo) + "@" +
                                     std::to_string(kc) + "," +
                                     std::to_string(mc) + "," + std::to_string(nc) + "/" + isa_name(isa);
              auto* vb = benchmark::RegisterBenchmark(vn.c_str(), BM_conv, l, v)->Unit(benchmark::kMicrosecond);
              if (std::getenv("LUODI_BENCH_FLUSH")) vb->UseManualTime();
            }
          }
      }
    }
  }
  return 0;
}
const int registered = register_all();

}  // namespace

BENCHMARK_MAIN();
