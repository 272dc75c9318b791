// Softmax over classifier outputs and over channel axes, every ISA and ref in one run.
#include <luodi/kernels/softmax/softmax.hpp>

#include "ops_bench_util.hpp"

using namespace luodi;
using namespace luodi::kernels;

namespace {

void bench(const std::string& name, const Shape& s, int axis, bool log) {
  luodi_bench::register_isas(name, [=](benchmark::State& st, Isa isa) {
    auto p = softmax_params_make(s, axis, log);
    if (!p.ok()) return st.SkipWithError(p.status().message());
    const auto x = luodi_bench::random_floats(static_cast<std::size_t>(s.numel()), -8, 8);
    std::vector<float> y(x.size());
    for (auto _ : st) {
      softmax(*p, x.data(), y.data(), nullptr, isa);
      benchmark::ClobberMemory();
    }
    luodi_bench::set_bytes(st, 8.0 * double(s.numel()));
    st.SetItemsProcessed(st.iterations() * s.numel());
  });
}

int register_all() {
  bench("softmax/classes/1x1000", Shape{1, 1000}, 1, false);         // ImageNet classifier
  bench("softmax/classes/32x1000", Shape{32, 1000}, 1, false);       // a batch
  bench("log_softmax/classes/32x1000", Shape{32, 1000}, 1, true);
  bench("softmax/channels/1x21x128x128", Shape{1, 21, 128, 128}, 1, false);  // segmentation logits, channel axis
  bench("softmax/channels/1x2x160x160", Shape{1, 2, 160, 160}, 1, false);    // two-class map
  bench("softmax/last/1x6625x40", Shape{1, 40, 6625}, 2, false);     // PP-OCR rec: 40 steps x 6625 characters
  return 0;
}
const int registered = register_all();

}  // namespace

BENCHMARK_MAIN();
