// Shared by test_gemm.cpp, test_conv2d.cpp and test_conv_transpose.cpp: the loader for the
// PyTorch fixtures (format documented in tests/fixtures/gen_conv_fixtures.py), the error
// bound used to compare float32 sums, and the buffers and magnitudes the three tests build it from.
#pragma once

#include <luodi/core/memory.hpp>
#include <luodi/kernels/activation/params.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace luodi_test {

struct Fixture {
  std::string name;
  int kind = -1;  // 0 Conv2D, 1 ConvTranspose2D, 2 GEMM
  std::vector<std::int64_t> ints;
  std::vector<float> floats;  // activation alpha, beta (+ GEMM alpha, beta)
  std::vector<float> data;    // the arrays, concatenated; the test splits them by known sizes
};

inline std::string fixtures_dir() {
  // this header lives in tests/kernels/; the fixtures in tests/fixtures/conv/
  std::string f = __FILE__;
  const auto slash = f.find_last_of("/\\");
  return f.substr(0, slash) + "/../fixtures/conv/";
}

// Reads one fixture; returns false (with a message) when the file is missing or malformed.
inline bool load_fixture(const std::string& name, Fixture* fx, std::string* err) {
  const std::string path = fixtures_dir() + name + ".bin";
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    *err = "cannot open " + path;
    return false;
  }
  char magic[8];
  std::int32_t hdr[2];
  bool ok = std::fread(magic, 1, 8, f) == 8 && std::memcmp(magic, "LUODIFX1", 8) == 0 && std::fread(hdr, 4, 2, f) == 2 &&
            hdr[1] == 24;
  if (ok) {
    fx->name = name;
    fx->kind = hdr[0];
    fx->ints.resize(24);
    ok = std::fread(fx->ints.data(), 8, 24, f) == 24;
    const int nf = fx->kind == 2 ? 4 : 2;
    fx->floats.resize(nf);
    ok = ok && std::fread(fx->floats.data(), 4, nf, f) == static_cast<std::size_t>(nf);
    float v;
    while (ok && std::fread(&v, 4, 1, f) == 1) fx->data.push_back(v);
  }
  std::fclose(f);
  if (!ok) *err = "malformed fixture " + path;
  return ok;
}

// Largest |f'(x)| of each activation (hard_swish peaks at 1.5 on [-3, 3]; gelu at ~1.13).
inline double act_lipschitz(luodi::kernels::ActivationKind k, const luodi::kernels::ActivationParams& p) {
  using luodi::kernels::ActivationKind;
  switch (k) {
    case ActivationKind::LeakyRelu: return std::fabs(p.alpha) > 1 ? std::fabs(p.alpha) : 1.0;
    case ActivationKind::HardSigmoid: return std::fabs(p.alpha);
    case ActivationKind::HardSwish: return 1.5;
    case ActivationKind::Silu: return 1.1;
    case ActivationKind::Gelu: return 1.13;
    case ActivationKind::Exp: return 1e30;  // not used in these tests
    case ActivationKind::Elu: return std::fabs(p.alpha) > 1 ? std::fabs(p.alpha) : 1.0;
    case ActivationKind::Selu: return std::fabs(p.beta) * (std::fabs(p.alpha) > 1 ? std::fabs(p.alpha) : 1.0);
    case ActivationKind::Mish: return 1.1;  // mish' peaks at about 1.09
    default: return 1.0;
  }
}

// Whether act(sum) has a sum bound at all: kinds with an unbounded derivative (exp, sqrt near
// 0, reciprocal, log) or jumps (floor, ceil, round) turn a rounding difference of the sum into
// an arbitrary one, so they are tested on their own (test_activation), not fused after a sum.
inline bool act_has_sum_bound(luodi::kernels::ActivationKind k) {
  using luodi::kernels::ActivationKind;
  switch (k) {
    case ActivationKind::Exp:
    case ActivationKind::Sqrt:
    case ActivationKind::Reciprocal:
    case ActivationKind::Log:
    case ActivationKind::Floor:
    case ActivationKind::Ceil:
    case ActivationKind::Round: return false;
    default: return true;
  }
}

// The bound for comparing two float32 evaluations of y = act(sum of `terms` products + addends)
// that may round differently: each carries at most (terms + 3) roundings relative to the sum of
// magnitudes `mag` (Higham's gamma_n, both sides: x2), the activation scales that by its
// Lipschitz constant, and the activations' own error adds a few ULP of the result.
inline double sum_tolerance(std::int64_t terms, double mag, double ref_value, luodi::kernels::ActivationKind k,
                            const luodi::kernels::ActivationParams& p) {
  const double eps = std::numeric_limits<float>::epsilon() / 2;  // unit roundoff 2^-24
  return act_lipschitz(k, p) * 2.0 * double(terms + 3) * eps * mag + 8.0 * 2 * eps * std::fabs(ref_value) + 1e-35;
}

// An aligned scratch or packed-weights buffer for one kernel call (64 bytes when empty).
struct Buf {
  luodi::AlignedBuffer b;
  explicit Buf(std::size_t bytes) { b = std::move(luodi::AlignedBuffer::create(bytes ? bytes : 64).value()); }
  void* data() { return b.data(); }
};

// |v| elementwise: the magnitudes the error bounds are built from.
inline std::vector<float> absv(const std::vector<float>& v) {
  std::vector<float> o(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) o[i] = std::fabs(v[i]);
  return o;
}

}  // namespace luodi_test
