// SGEMM: luodi's micro-kernels on every ISA against Eigen 3.4 compiled for the same ISA, in one
// binary, on the same buffers (Eigen::Map, row-major). Run alternating, with medians:
//   bench_gemm --benchmark_enable_random_interleaving=true --benchmark_repetitions=5
//              --benchmark_report_aggregates_only=true
// GFLOPS counts 2*M*N*K per product; peak_frac divides by the FMA peak measured at start-up.
//   unpacked: both operands given at run time (B packed into scratch panels per run)
//   packed:   B packed once ahead of time (weights), as a model runs it
#include <benchmark/benchmark.h>
#include <luodi/kernels/gemm/gemm.hpp>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "peak.hpp"
#if defined(LUODI_BENCH_EIGEN)
#include "peers/eigen_gemm.hpp"
#endif

namespace {

using namespace luodi;
using namespace luodi::kernels;

double g_peak = 0;

struct Shape3 {
  const char* name;
  int M, N, K;
};
// Squares for the SGEMM target, then shapes from networks: fully connected heads (ResNet-50,
// MobileNetV2), a ViT-B MLP block, and conv-as-GEMM shapes (ResNet-50 1x1 at 14x14).
const Shape3 kShapes[] = {
    {"sq256", 256, 256, 256},        {"sq384", 384, 384, 384},     {"sq512", 512, 512, 512},
    {"sq1024", 1024, 1024, 1024},    {"fc_r50_b1", 1, 1000, 2048}, {"fc_mnv2_b8", 8, 1000, 1280},
    {"vit_mlp", 197, 3072, 768},     {"r50_1x1_14", 256, 196, 1024}, {"tall", 3136, 64, 576},
    {"fc_mnv2_b1", 1, 1000, 1280},   {"fc_mnv3_b1", 1, 1280, 960},
};

std::vector<float> rnd(std::size_t n, unsigned seed) {
  std::mt19937 g(seed);
  std::uniform_real_distribution<float> d(-1, 1);
  std::vector<float> v(n);
  for (auto& x : v) x = d(g);
  return v;
}

void set_counters(benchmark::State& state, const Shape3& s) {
  const double flops = 2.0 * s.M * s.N * s.K;
  state.counters["GFLOPS"] = benchmark::Counter(flops * 1e-9 * static_cast<double>(state.iterations()),
                                                benchmark::Counter::kIsRate);
  if (g_peak > 0)
    state.counters["peak_frac"] = benchmark::Counter(flops * 1e-9 / g_peak * static_cast<double>(state.iterations()),
                                                     benchmark::Counter::kIsRate);
}

void BM_luodi(benchmark::State& state, Shape3 s, Isa isa, bool packed) {
  GemmParams p;
  p.M = s.M;
  p.N = s.N;
  p.K = s.K;
  const GemmPlan plan = gemm_plan(p, isa);
  const auto A = rnd(static_cast<std::size_t>(s.M) * s.K, 1), B = rnd(static_cast<std::size_t>(s.K) * s.N, 2);
  std::vector<float> C(static_cast<std::size_t>(s.M) * s.N);
  auto scratch = AlignedBuffer::create(gemm_scratch_bytes(plan, 1) + 64).value();
  auto pk = AlignedBuffer::create(static_cast<std::size_t>(plan.packed_bytes) + 64).value();
  gemm_pack_b(plan, B.data(), nullptr, pk.data());
  for (auto _ : state) {
    if (packed)
      gemm_run(plan, A.data(), pk.data(), nullptr, C.data(), scratch.data());
    else
      gemm_run_unpacked(plan, A.data(), B.data(), nullptr, nullptr, C.data(), scratch.data());
    benchmark::DoNotOptimize(C.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, s);
}

#if defined(LUODI_BENCH_EIGEN)
void BM_eigen(benchmark::State& state, Shape3 s, bool avx512) {
  const auto A = rnd(static_cast<std::size_t>(s.M) * s.K, 1), B = rnd(static_cast<std::size_t>(s.K) * s.N, 2);
  std::vector<float> C(static_cast<std::size_t>(s.M) * s.N);
  for (auto _ : state) {
    if (avx512)
      eigen_sgemm_avx512(s.M, s.N, s.K, A.data(), B.data(), C.data());
    else
      eigen_sgemm_avx2(s.M, s.N, s.K, A.data(), B.data(), C.data());
    benchmark::DoNotOptimize(C.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, s);
}
#endif

int register_all() {
  g_peak = luodi_bench_fma_peak();
  for (const Shape3& s : kShapes) {
    for (int i = 0; i < kIsaCount; ++i) {
      const Isa isa = static_cast<Isa>(i);
      if (!isa_available(isa)) continue;
      if (isa == Isa::scalar && s.M * s.N * s.K > 64 * 1024 * 1024) continue;  // the reference is slow
      for (bool packed : {false, true}) {
        const std::string name = std::string("gemm/") + s.name + "/luodi_" + isa_name(isa) + (packed ? "/packed" : "/unpacked");
        benchmark::RegisterBenchmark(name.c_str(), BM_luodi, s, isa, packed)->Unit(benchmark::kMicrosecond);
      }
    }
#if defined(LUODI_BENCH_EIGEN)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
      benchmark::RegisterBenchmark((std::string("gemm/") + s.name + "/eigen_avx2+fma").c_str(), BM_eigen, s, false)
          ->Unit(benchmark::kMicrosecond);
    if (__builtin_cpu_supports("avx512f"))
      benchmark::RegisterBenchmark((std::string("gemm/") + s.name + "/eigen_avx512f").c_str(), BM_eigen, s, true)
          ->Unit(benchmark::kMicrosecond);
#endif
  }
  return 0;
}
const int registered = register_all();

}  // namespace

BENCHMARK_MAIN();
