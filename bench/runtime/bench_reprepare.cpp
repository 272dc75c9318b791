// Re-preparing a session for a new input width (the OCR recogniser's case: one re-plan per
// distinct text-line width), against creating a session at that width from scratch (which
// packs every weight). Each iteration moves to the next width of 96, 112, ..., 320 (48 rows).
//   LUODI_BENCH_REC=path/to/ch_PP-OCRv4_rec_infer.luodi bench_reprepare
// (convert with luodi-convert ... --preprocess "ppocr,size=320x48", as tools/demo.sh does).
// Without the variable the benchmarks report an error and do nothing.
#include <benchmark/benchmark.h>
#include <luodi/runtime/session.hpp>

#include <cstdlib>
#include <string>

namespace {

using namespace luodi;

const Model* rec_model() {
  static Model model;
  static bool tried = false, ok = false;
  if (!tried) {
    tried = true;
    const char* path = std::getenv("LUODI_BENCH_REC");
    if (path) {
      auto m = Model::load(path);
      if (m.ok()) {
        model = std::move(*m);
        ok = true;
      }
    }
  }
  return ok ? &model : nullptr;
}

constexpr std::int64_t kFirstWidth = 96, kLastWidth = 320, kStep = 16;
std::int64_t next_width(std::int64_t w) { return w + kStep > kLastWidth ? kFirstWidth : w + kStep; }

void BM_reprepare(benchmark::State& state) {
  const Model* m = rec_model();
  if (!m) return state.SkipWithError("set LUODI_BENCH_REC to a converted PP-OCRv4 rec model");
  std::int64_t w = kFirstWidth;
  Shape shape{1, 3, 48, w};
  SessionOptions opt;
  opt.input_shapes = Span<const Shape>(&shape, 1);
  Session s(*m, opt);
  if (!s.ok()) return state.SkipWithError(s.status().message());
  for (auto _ : state) {
    w = next_width(w);
    (void)s.set_input_shape(0, Shape{1, 3, 48, w});
    if (!s.prepare().ok()) return state.SkipWithError(s.status().message());
  }
  state.counters["packed_MB"] = static_cast<double>(s.memory().packed) / 1e6;
}

void BM_fresh_session(benchmark::State& state) {
  const Model* m = rec_model();
  if (!m) return state.SkipWithError("set LUODI_BENCH_REC to a converted PP-OCRv4 rec model");
  std::int64_t w = kFirstWidth;
  for (auto _ : state) {
    w = next_width(w);
    Shape shape{1, 3, 48, w};
    SessionOptions opt;
    opt.input_shapes = Span<const Shape>(&shape, 1);
    Session s(*m, opt);
    if (!s.ok()) return state.SkipWithError(s.status().message());
    benchmark::DoNotOptimize(s.memory().packed);
  }
}

}  // namespace

// Alternated, so that the shared machine's load hits both alike.
BENCHMARK(BM_reprepare)->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK(BM_fresh_session)->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK(BM_reprepare)->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK(BM_fresh_session)->Unit(benchmark::kMillisecond)->MinTime(1.0);

BENCHMARK_MAIN();
