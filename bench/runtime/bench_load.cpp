// Loading models and checksumming.
//   bench_load --benchmark_filter=crc      CRC-32 GB/s: luodi slicing-by-16, byte-at-a-time, zlib
//   bench_load --benchmark_filter=load     Model::load of a 100 MB file (page cache warm)
// The 100 MB model is written once to $TMPDIR (or /tmp) at start-up: a chain of ops over 25
// large constants, so that the file is mostly weights, as a real model is.
#include <benchmark/benchmark.h>
#include <luodi/format/writer.hpp>
#include <luodi/runtime/session.hpp>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#if defined(LUODI_BENCH_HAVE_ZLIB)
#include <zlib.h>
#endif

namespace {

using namespace luodi;

std::vector<std::uint8_t> random_bytes(std::size_t n) {
  std::vector<std::uint8_t> v(n);
  std::mt19937 rng(1);
  for (auto& b : v) b = static_cast<std::uint8_t>(rng());
  return v;
}

std::uint32_t crc32_bytewise(const std::uint8_t* p, std::size_t n) {
  const auto& T = format::detail::kCrc32.t[0];
  std::uint32_t c = 0xFFFFFFFFu;
  for (std::size_t i = 0; i < n; ++i) c = (c >> 8) ^ T[(c ^ p[i]) & 0xFFu];
  return c ^ 0xFFFFFFFFu;
}

constexpr std::size_t kCrcBytes = 16 << 20;

void BM_crc_luodi_slicing16(benchmark::State& state) {
  const auto buf = random_bytes(kCrcBytes);
  for (auto _ : state) benchmark::DoNotOptimize(format::crc32(buf.data(), buf.size()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(buf.size()));
}
void BM_crc_bytewise(benchmark::State& state) {
  const auto buf = random_bytes(kCrcBytes);
  for (auto _ : state) benchmark::DoNotOptimize(crc32_bytewise(buf.data(), buf.size()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(buf.size()));
}
#if defined(LUODI_BENCH_HAVE_ZLIB)
void BM_crc_zlib(benchmark::State& state) {
  const auto buf = random_bytes(kCrcBytes);
  for (auto _ : state) benchmark::DoNotOptimize(::crc32(0L, buf.data(), static_cast<uInt>(buf.size())));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(buf.size()));
}
#endif

// A model of about `mb` megabytes: x -> relu -> ... with 25 unused-by-kernels but stored
// constants feeding Reshape shape inputs would be odd; instead the constants are golden-free
// weights of a chain of Identity nodes reading them (so they are referenced by the graph).
std::string big_model_path(int mb) {
  const char* tmp = std::getenv("TMPDIR");
  std::string path = std::string(tmp ? tmp : "/tmp") + "/luodi_bench_" + std::to_string(mb) + "mb.luodi";
  if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
    std::fclose(f);
    return path;
  }
  graph::Graph g;
  graph::Value x;
  x.name = "x";
  x.shape = Shape{1, 3, 224, 224};
  const std::int32_t vx = g.add_value(x);
  g.inputs = {vx};
  std::int32_t prev = vx;
  const int pieces = 25;
  const std::int64_t floats = static_cast<std::int64_t>(mb) * 1000000 / 4 / pieces;
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (int i = 0; i < pieces; ++i) {
    graph::Value w;
    w.name = "weight" + std::to_string(i);
    w.shape = Shape{floats};
    w.is_constant = true;
    w.data.resize(static_cast<std::size_t>(floats) * 4);
    for (std::int64_t k = 0; k < floats; ++k) {
      const float v = dist(rng);
      std::memcpy(w.data.data() + 4 * k, &v, 4);
    }
    const std::int32_t vw = g.add_value(std::move(w));
    graph::Value y;
    y.name = "y" + std::to_string(i);
    const std::int32_t vy = g.add_value(y);
    graph::Node n;
    n.op = graph::OpCode::Relu;
    n.name = "relu" + std::to_string(i);
    n.inputs = {prev};
    n.outputs = {vy};
    g.add_node(n);
    graph::Value z;
    z.name = "w_identity" + std::to_string(i);
    const std::int32_t vz = g.add_value(z);
    graph::Node id;
    id.op = graph::OpCode::Identity;
    id.name = "identity" + std::to_string(i);
    id.inputs = {vw};
    id.outputs = {vz};
    g.add_node(id);
    g.outputs.push_back(vz);
    prev = vy;
  }
  g.outputs.push_back(prev);
  const Status s = format::write_file(g, path.c_str());
  if (!s.ok()) {
    std::fprintf(stderr, "cannot write %s: %s\n", path.c_str(), s.message());
    std::exit(1);
  }
  return path;
}

void BM_load(benchmark::State& state, bool verify_data) {
  const std::string path = big_model_path(100);
  LoadOptions opt;
  opt.verify_data_crc = verify_data;
  std::uint64_t bytes = 0;
  for (auto _ : state) {
    auto m = Model::load(path.c_str(), opt);
    if (!m.ok()) {
      state.SkipWithError(m.status().message());
      return;
    }
    bytes = m->file_bytes();
    benchmark::DoNotOptimize(m->num_inputs());
  }
  state.counters["file_MB"] = static_cast<double>(bytes) / 1e6;
  state.SetLabel(verify_data ? "structure + data CRC" : "structure CRC (default)");
}

void BM_load_and_prepare(benchmark::State& state) {
  const std::string path = big_model_path(100);
  for (auto _ : state) {
    auto m = Model::load(path.c_str());
    Session s(*m);
    if (!s.ok()) {
      state.SkipWithError(s.status().message());
      return;
    }
    benchmark::DoNotOptimize(s.memory().arena_used);
  }
}

}  // namespace

BENCHMARK(BM_crc_luodi_slicing16)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_crc_bytewise)->Unit(benchmark::kMillisecond);
#if defined(LUODI_BENCH_HAVE_ZLIB)
BENCHMARK(BM_crc_zlib)->Unit(benchmark::kMillisecond);
#endif
BENCHMARK_CAPTURE(BM_load, structure_only, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_load, with_data_crc, true)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_load_and_prepare)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
