// The activation list and its parameters. One list drives the enum, the ref and SIMD tables,
// the tests, the benches, the converter's fusion map and the .luodi attribute values.
#pragma once

#include <cstdint>
#include <cstring>

namespace luodi {
namespace kernels {

// X(Enum, name, default alpha, default beta). The enum values are stored in .luodi files (the
// fused activation of a conv or gemm): append only, never reorder.
//   Clip        y = min(max(x, alpha), beta)          (relu6 is Clip 0, 6)
//   LeakyRelu   y = x < 0 ? alpha*x : x
//   HardSigmoid y = max(0, min(1, alpha*x + beta))     (ONNX HardSigmoid)
//   HardSwish   y = x * max(0, min(1, alpha*x + beta)) (ONNX HardSwish: alpha 1/6, beta 1/2)
//   Gelu        y = x/2 * (1 + erf(x/sqrt 2))          (the exact, erf form)
//   Elu         y = x > 0 ? x : alpha * (e^x - 1)
//   Selu        y = x > 0 ? beta * x : beta * (alpha * (e^x - 1))   (beta is ONNX's gamma)
//   Softplus    y = log(1 + e^x)
//   Mish        y = x * tanh(softplus(x))
//   Sqrt, Reciprocal (1/x), Abs, Neg, Floor, Ceil, Log: as in <cmath>
//   Round       y = nearest integer, ties to even (ONNX Round)
#define LUODI_ACTIVATIONS(X)                          \
  X(Identity, "identity", 0.0f, 0.0f)                 \
  X(Relu, "relu", 0.0f, 0.0f)                         \
  X(Clip, "clip", 0.0f, 6.0f)                         \
  X(LeakyRelu, "leaky_relu", 0.01f, 0.0f)             \
  X(Sigmoid, "sigmoid", 0.0f, 0.0f)                   \
  X(Tanh, "tanh", 0.0f, 0.0f)                         \
  X(HardSigmoid, "hard_sigmoid", 0.2f, 0.5f)          \
  X(HardSwish, "hard_swish", 1.0f / 6.0f, 0.5f)       \
  X(Silu, "silu", 0.0f, 0.0f)                         \
  X(Gelu, "gelu", 0.0f, 0.0f)                         \
  X(Exp, "exp", 0.0f, 0.0f)                           \
  X(Erf, "erf", 0.0f, 0.0f)                           \
  X(Elu, "elu", 1.0f, 0.0f)                           \
  X(Selu, "selu", 1.67326319217681884765625f, 1.05070102214813232421875f) \
  X(Softplus, "softplus", 0.0f, 0.0f)                 \
  X(Mish, "mish", 0.0f, 0.0f)                         \
  X(Sqrt, "sqrt", 0.0f, 0.0f)                         \
  X(Reciprocal, "reciprocal", 0.0f, 0.0f)             \
  X(Abs, "abs", 0.0f, 0.0f)                           \
  X(Neg, "neg", 0.0f, 0.0f)                           \
  X(Floor, "floor", 0.0f, 0.0f)                       \
  X(Ceil, "ceil", 0.0f, 0.0f)                         \
  X(Round, "round", 0.0f, 0.0f)                       \
  X(Log, "log", 0.0f, 0.0f)

enum class ActivationKind : std::uint8_t {
#define LUODI_X(e, name, a, b) e,
  LUODI_ACTIVATIONS(LUODI_X)
#undef LUODI_X
};

inline constexpr int kActivationCount = 0
#define LUODI_X(e, name, a, b) +1
    LUODI_ACTIVATIONS(LUODI_X)
#undef LUODI_X
    ;

struct ActivationParams {
  float alpha = 0.0f;
  float beta = 0.0f;
};

inline const char* activation_name(ActivationKind k) noexcept {
  switch (k) {
#define LUODI_X(e, name, a, b) \
  case ActivationKind::e:      \
    return name;
    LUODI_ACTIVATIONS(LUODI_X)
#undef LUODI_X
  }
  return "invalid";
}

// The parameters ONNX would use when the attributes are absent.
inline ActivationParams activation_defaults(ActivationKind k) noexcept {
  switch (k) {
#define LUODI_X(e, name, a, b) \
  case ActivationKind::e:      \
    return ActivationParams{a, b};
    LUODI_ACTIVATIONS(LUODI_X)
#undef LUODI_X
  }
  return ActivationParams{};
}

inline bool activation_from_name(const char* s, ActivationKind* out) noexcept {
#define LUODI_X(e, name, a, b)     \
  if (std::strcmp(s, name) == 0) { \
    *out = ActivationKind::e;      \
    return true;                   \
  }
  LUODI_ACTIVATIONS(LUODI_X)
#undef LUODI_X
  return false;
}

}  // namespace kernels
}  // namespace luodi
