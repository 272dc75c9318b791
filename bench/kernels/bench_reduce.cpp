// Reductions, every ISA and ref in one run.
#include <luodi/kernels/reduce/reduce.hpp>

#include "ops_bench_util.hpp"

using namespace luodi;
using namespace luodi::kernels;

namespace {

void bench(const std::string& name, ReduceOp op, const Shape& s, std::vector<std::int64_t> axes) {
  luodi_bench::register_isas(name, [=](benchmark::State& st, Isa isa) {
    auto p = reduce_params_make(op, DType::f32, s, axes.data(), static_cast<int>(axes.size()));
    if (!p.ok()) return st.SkipWithError(p.status().message());
    const auto x = luodi_bench::random_floats(static_cast<std::size_t>(s.numel()), 0.5f, 1.5f);
    std::vector<float> y(static_cast<std::size_t>(p->out_numel));
    for (auto _ : st) {
      (void)reduce(*p, DType::f32, x.data(), y.data(), nullptr, isa);
      benchmark::ClobberMemory();
    }
    luodi_bench::set_bytes(st, 4.0 * double(s.numel() + p->out_numel));
  });
}

int register_all() {
  bench("reduce/mean_hw/1x2048x7x7", ReduceOp::Mean, Shape{1, 2048, 7, 7}, {2, 3});      // ReduceMean as global pooling
  bench("reduce/mean_hw/1x64x56x56", ReduceOp::Mean, Shape{1, 64, 56, 56}, {2, 3});      // SE squeeze
  bench("reduce/mean_c/1x64x56x56", ReduceOp::Mean, Shape{1, 64, 56, 56}, {1});          // CBAM spatial attention
  bench("reduce/max_c/1x64x56x56", ReduceOp::Max, Shape{1, 64, 56, 56}, {1});
  bench("reduce/l2_last/4096x128", ReduceOp::L2, Shape{4096, 128}, {1});                 // embedding norms
  bench("reduce/log_sum_exp_last/32x1000", ReduceOp::LogSumExp, Shape{32, 1000}, {1});
  bench("reduce/sum_outer/8x3x56x56", ReduceOp::Sum, Shape{8, 3, 56, 56}, {0});          // the batch
  return 0;
}
const int registered = register_all();

}  // namespace

BENCHMARK_MAIN();
