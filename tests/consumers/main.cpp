// A tiny program that uses luodi the way a product would; built by each consumer project.
#include <luodi/luodi.hpp>

#include <cmath>
#include <cstdio>

int main() {
  const float x[5] = {-2.0f, -0.5f, 0.0f, 0.5f, 2.0f};
  float y[5];
  luodi::kernels::activation(luodi::kernels::ActivationKind::Sigmoid, {}, x, y, 5);
  for (int i = 0; i < 5; ++i) {
    const double expect = 1.0 / (1.0 + std::exp(-double(x[i])));
    if (std::fabs(y[i] - expect) > 1e-6) {
      std::fprintf(stderr, "sigmoid(%g) = %g, expected %g\n", x[i], y[i], expect);
      return 1;
    }
  }
  auto t = luodi::Tensor<float>::zeros({1, 3, 4, 4});
  if (!t.ok()) return 1;
  char info[512];
  luodi::cpu_info().summary(info, sizeof info);
  std::printf("consumer ok (luodi %s) %s\n", LUODI_VERSION_STRING, info);
  return 0;
}
