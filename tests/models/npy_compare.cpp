// npy_compare REF.npy GOT.npy [--tol T]: compares luodi's output with a reference.
// Passes when max |got - ref| <= T * max(1, max |ref|) (T = 1e-4 by default) for floats, and on
// exact equality for integer types; prints the figures either way.
#include <luodi/detail/npy.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

using namespace luodi;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: npy_compare REF.npy GOT.npy [--tol T]\n");
    return 2;
  }
  double tol = 1e-4;
  for (int i = 3; i + 1 < argc; i += 2)
    if (std::string(argv[i]) == "--tol") tol = std::atof(argv[i + 1]);
  npy::Array ref, got;
  Status s = npy::read(argv[1], &ref);
  if (s.ok()) s = npy::read(argv[2], &got);
  if (!s.ok()) {
    std::fprintf(stderr, "npy_compare: %s\n", s.message());
    return 1;
  }
  if (ref.dtype != got.dtype || !(ref.shape == got.shape)) {
    std::printf("FAIL: reference is %s %s, luodi gave %s %s\n", dtype_name(ref.dtype), ref.shape.str().c_str(),
                dtype_name(got.dtype), got.shape.str().c_str());
    return 1;
  }
  if (ref.dtype != DType::f32) {
    const bool same = ref.data == got.data;
    std::printf("%s: %s %s, exact comparison\n", same ? "ok" : "FAIL", dtype_name(ref.dtype), ref.shape.str().c_str());
    return same ? 0 : 1;
  }
  const std::int64_t n = ref.shape.numel();
  double err = 0, mref = 0, sum_err = 0;
  std::int64_t worst = 0, nonfinite = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const double r = ref.as<float>()[i], g = got.as<float>()[i];
    if (!std::isfinite(r) || !std::isfinite(g)) {
      if (!(r == g || (std::isnan(r) && std::isnan(g)))) ++nonfinite;
      continue;
    }
    mref = std::fmax(mref, std::fabs(r));
    const double e = std::fabs(g - r);
    sum_err += e;
    if (e > err) {
      err = e;
      worst = i;
    }
  }
  const double bound = tol * std::fmax(1.0, mref);
  const bool ok = err <= bound && nonfinite == 0;
  std::printf("%s: %s, max abs err %.3g (element %lld), mean abs err %.3g, max |ref| %.4g, bound %.3g (tol %.1g)%s\n",
              ok ? "ok" : "FAIL", ref.shape.str().c_str(), err, static_cast<long long>(worst),
              n ? sum_err / static_cast<double>(n) : 0.0, mref, bound, tol,
              nonfinite ? ", non-finite values differ" : "");
  return ok ? 0 : 1;
}
