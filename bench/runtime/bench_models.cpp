// Whole models through the runtime: torchvision MobileNetV2, ResNet-18 and ResNet-50 built in
// code (tests/runtime/model_zoo.hpp: the ONNX exports' structure, random weights) at 224x224.
//   bench_models --benchmark_filter=prepare   load + prepare (shape inference, packing, planning)
//   bench_models --benchmark_filter=run       one run() on one thread
// Counters: the planned activation arena, the planner's lower bound and their ratio, packed
// weight bytes, and the session's persistent bytes.
#include <benchmark/benchmark.h>
#include <luodi/format/writer.hpp>
#include <luodi/runtime/session.hpp>

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "runtime/model_zoo.hpp"

namespace {

using namespace luodi;

struct Built {
  AlignedBuffer bytes;
  std::size_t size = 0;
};

const Built& built(const std::string& name) {
  static std::map<std::string, Built> cache;
  auto it = cache.find(name);
  if (it != cache.end()) return it->second;
  graph::Graph g = name == "mobilenet_v2" ? luodi_test::mobilenet_v2(224, 224)
                   : name == "resnet18"   ? luodi_test::resnet(18, 224, 224)
                                          : luodi_test::resnet(50, 224, 224);
  auto w = format::write(g);
  Built b;
  auto buf = AlignedBuffer::create(w->size());
  b.bytes = std::move(*buf);
  std::memcpy(b.bytes.data(), w->data(), w->size());
  b.size = w->size();
  return cache.emplace(name, std::move(b)).first->second;
}

void report(benchmark::State& state, const MemoryStats& m) {
  state.counters["arena_MiB"] = static_cast<double>(m.activations) / 1048576.0;
  state.counters["lower_bound_MiB"] = static_cast<double>(m.lower_bound) / 1048576.0;
  state.counters["arena/bound"] = static_cast<double>(m.activations) / static_cast<double>(m.lower_bound);
  state.counters["tensors_bound_MiB"] = static_cast<double>(m.tensor_lower_bound) / 1048576.0;
  state.counters["max_scratch_MiB"] = static_cast<double>(m.max_scratch) / 1048576.0;
  state.counters["packed_MiB"] = static_cast<double>(m.packed) / 1048576.0;
  state.counters["persistent_KiB"] = static_cast<double>(m.persistent) / 1024.0;
}

void BM_prepare(benchmark::State& state, const char* name, bool preserve_inputs) {
  const Built& b = built(name);
  MemoryStats m;
  SessionOptions opt;
  opt.preserve_inputs = preserve_inputs;
  for (auto _ : state) {
    auto model = Model::from_memory(b.bytes.data(), b.size);
    Session s(*model, opt);
    if (!s.ok()) {
      state.SkipWithError(s.status().message());
      return;
    }
    m = s.memory();
  }
  report(state, m);
}

void BM_run(benchmark::State& state, const char* name) {
  const Built& b = built(name);
  auto model = Model::from_memory(b.bytes.data(), b.size);
  Session s(*model);
  if (!s.ok()) {
    state.SkipWithError(s.status().message());
    return;
  }
  TensorView<float> in = s.input(0);
  for (std::int64_t i = 0; i < in.numel(); ++i) in[i] = static_cast<float>(i % 255) / 255.0f;
  for (auto _ : state) {
    s.run();
    benchmark::DoNotOptimize(s.output(0).data);
  }
  report(state, s.memory());
  state.SetLabel(isa_name(active_isa()));
}

}  // namespace

BENCHMARK_CAPTURE(BM_prepare, mobilenet_v2, "mobilenet_v2", true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_prepare, resnet18, "resnet18", true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_prepare, resnet50, "resnet50", true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_prepare, mobilenet_v2_reuse_input, "mobilenet_v2", false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_prepare, resnet18_reuse_input, "resnet18", false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_prepare, resnet50_reuse_input, "resnet50", false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_run, mobilenet_v2, "mobilenet_v2")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_run, resnet18, "resnet18")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_run, resnet50, "resnet50")->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
