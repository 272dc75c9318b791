// Helpers shared by the op benches: deterministic data, the ISAs to compare, and the
// registration of one benchmark per (case, ISA) so that ref and every ISA run in one binary.
// Compare an ISA's rate with scalar's in the same run (the ratio is the SIMD speed-up); run with
//   --benchmark_repetitions=5 --benchmark_enable_random_interleaving=true
// to interleave them on a shared machine, and read the medians. Rates use CPU time (single
// thread), which preemption on a loaded machine does not inflate.
#pragma once

#include <benchmark/benchmark.h>
#include <luodi/simd/dispatch.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace luodi_bench {

inline std::vector<float> random_floats(std::size_t n, float lo, float hi, std::uint32_t seed = 42) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

inline std::vector<luodi::Isa> isas() {
  std::vector<luodi::Isa> out;
  for (int i = 0; i < luodi::kIsaCount; ++i)
    if (luodi::isa_available(static_cast<luodi::Isa>(i))) out.push_back(static_cast<luodi::Isa>(i));
  return out;
}

// Registers fn(state, isa) as "<name>/<isa>" for every available ISA.
template <class F>
void register_isas(const std::string& name, F fn) {
  for (luodi::Isa isa : isas()) {
    benchmark::RegisterBenchmark((name + "/" + luodi::isa_name(isa)).c_str(), [fn, isa](benchmark::State& st) { fn(st, isa); })
        ->Unit(benchmark::kMicrosecond)
        ->MinTime(0.2);  // CPU time (the default): on a shared machine wall time also counts the waits

  }
}

// Bytes moved per iteration (inputs read + outputs written), reported as GB/s.
inline void set_bytes(benchmark::State& st, double bytes) {
  st.SetBytesProcessed(static_cast<std::int64_t>(static_cast<double>(st.iterations()) * bytes));
}

}  // namespace luodi_bench
