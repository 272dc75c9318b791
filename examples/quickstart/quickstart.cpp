// quickstart: what luodi sees on this machine, and its kernels checked and timed against the
// scalar reference. Run with no arguments.
#include <luodi/luodi.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <vector>

int main() {
  using namespace luodi;
  using namespace luodi::kernels;
  char info[512];
  cpu_info().summary(info, sizeof info);
  std::printf("luodi %s\n%s\n\n", LUODI_VERSION_STRING, info);

  const std::size_t n = 1 << 20;
  std::vector<float> x(n), ref(n), fast(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = std::sin(0.001f * static_cast<float>(i)) * 8.0f;
  const Isa isa = active_isa();
  std::printf("%-12s %12s %12s %8s %14s\n", "activation", "ref ms", "ms", "speedup", "max |diff|");
  for (int k = 0; k < kActivationCount; ++k) {
    const auto kind = static_cast<ActivationKind>(k);
    const ActivationParams p = activation_defaults(kind);
    auto time_ms = [&](Isa which, std::vector<float>& out) {
      double best = 1e30;
      for (int rep = 0; rep < 5; ++rep) {
        const auto t0 = std::chrono::steady_clock::now();
        activation(kind, p, x.data(), out.data(), n, which);
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        best = ms < best ? ms : best;
      }
      return best;
    };
    const double t_ref = time_ms(Isa::scalar, ref);
    const double t_fast = time_ms(isa, fast);
    double diff = 0;
    for (std::size_t i = 0; i < n; ++i) {
      // (a plain comparison: GCC 12 for AArch64 crashes vectorising an fmax reduction here)
      const double d = std::fabs(double(ref[i]) - fast[i]);
      if (d > diff) diff = d;
    }
    std::printf("%-12s %12.3f %12.3f %7.1fx %14.3g\n", activation_name(kind), t_ref, t_fast, t_ref / t_fast, diff);
  }
  return 0;
}
