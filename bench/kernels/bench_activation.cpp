// Activations: ref against every SIMD ISA on this machine, in one run.
//   bench_activation --benchmark_filter='gelu'
// Reported as elements per second; the ratio of an ISA's rate to scalar's is the SIMD speed-up.
#include <benchmark/benchmark.h>
#include <luodi/kernels/activation/activation.hpp>

#include <random>
#include <vector>

namespace {

using namespace luodi;
using namespace luodi::kernels;

void BM_activation(benchmark::State& state, Isa isa, ActivationKind k) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  std::vector<float> x(n), y(n);
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> d(-8.0f, 8.0f);
  for (auto& v : x) v = d(rng);
  const ActivationFn fn = activation_kernels(isa).fn[static_cast<int>(k)];
  const ActivationParams p = activation_defaults(k);
  for (auto _ : state) {
    fn(x.data(), y.data(), n, p);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(n));
  state.SetLabel(isa_name(isa));
}

int register_all() {
  for (int i = 0; i < kIsaCount; ++i) {
    const Isa isa = static_cast<Isa>(i);
    if (!isa_available(isa)) continue;
    for (int k = 0; k < kActivationCount; ++k) {
      const auto kind = static_cast<ActivationKind>(k);
      const std::string name = std::string("activation/") + activation_name(kind) + "/" + isa_name(isa);
      // 16 Ki floats: 64 KiB in and out, resident in L2, so the kernels' arithmetic is measured.
      benchmark::RegisterBenchmark(name.c_str(), BM_activation, isa, kind)->Arg(16384);
    }
  }
  return 0;
}
const int registered = register_all();

}  // namespace

BENCHMARK_MAIN();
