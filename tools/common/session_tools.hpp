// Tool-side helpers over a prepared Session: seeded random inputs, per-node FLOP counts, peak
// RSS, and JSON string escaping. Shared by luodi-bench and luodi-run; tool code, uses the heap.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

#include <luodi/runtime/model.hpp>
#include <luodi/runtime/session.hpp>

#if defined(__unix__) || defined(__APPLE__)
#include <sys/resource.h>
#endif

namespace luodi_tools {

// xorshift64*: reproducible across platforms and compilers (std:: distributions are not).
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : s_(seed * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull) {
    if (s_ == 0) s_ = 1;
  }
  std::uint64_t next() {
    s_ ^= s_ >> 12;
    s_ ^= s_ << 25;
    s_ ^= s_ >> 27;
    return s_ * 0x2545F4914F6CDD1Dull;
  }
  // Uniform in [0, 1), 24 bits.
  float uniform() { return static_cast<float>(next() >> 40) * (1.0f / 16777216.0f); }

 private:
  std::uint64_t s_;
};

// Fills a graph input: f32 uniform in [0, 1) (what a normalised image roughly is, and values
// every activation and pooling path sees with both signs only after the first conv); integer
// and bool inputs get zeros, which is a valid index for any gather-like consumer.
inline void fill_random(const luodi::TensorRef& t, Rng* rng) {
  const std::int64_t n = t.shape.numel();
  if (t.data == nullptr || n <= 0) return;
  if (t.dtype == luodi::DType::f32) {
    float* p = static_cast<float*>(t.data);
    for (std::int64_t i = 0; i < n; ++i) p[i] = rng->uniform();
  } else {
    std::memset(t.data, 0, static_cast<std::size_t>(n) * luodi::dtype_size(t.dtype));
  }
}

// Multiply-add work of one node as 2 * MACs, from the prepared shapes; -1 for ops without a
// defined count. Conv: 2*N*Cout*Hout*Wout * (Cin/group)*kh*kw, i.e. 2 * numel(Y) * the product
// of W's dims after the first (W is [Cout, Cin/group, k...]); fused bias, residual and
// activation are not counted. ConvTranspose: 2 * numel(X) * (Cout/group)*kh*kw (every input
// element scatters into that many outputs; W is [Cin, Cout/group, k...]). Gemm: 2*M*N*K with K from A and transA. MatMul: 2 * numel(Y) * K,
// K the last dim of A (batched and broadcast products included).
inline std::int64_t node_flops(const luodi::Model& model, const luodi::Session& session, std::int32_t node) {
  using luodi::graph::OpCode;
  const luodi::format::Reader& r = model.reader();
  const luodi::format::NodeEntry e = r.node(node);
  if (e.op != OpCode::Conv && e.op != OpCode::ConvTranspose && e.op != OpCode::Gemm && e.op != OpCode::MatMul)
    return -1;
  if (e.num_inputs < 2 || e.num_outputs < 1) return -1;
  auto shape_of = [&](std::int32_t t, luodi::Shape* out) {
    if (t < 0) return false;
    luodi::Result<luodi::TensorRef> ref = session.tensor(r.tensor(t).name);
    if (!ref.ok()) return false;
    *out = ref->shape;
    return true;
  };
  luodi::Shape y, a, w;
  if (!shape_of(r.node_output(e, 0), &y)) return -1;
  const std::int64_t ny = y.numel();
  if (e.op == OpCode::Conv) {
    if (!shape_of(r.node_input(e, 1), &w) || w.rank() < 3) return -1;
    return 2 * ny * w.count(1, w.rank());
  }
  if (!shape_of(r.node_input(e, 0), &a) || a.rank() < 1) return -1;
  if (e.op == OpCode::ConvTranspose) {
    if (!shape_of(r.node_input(e, 1), &w) || w.rank() < 3) return -1;
    return 2 * a.numel() * w.count(1, w.rank());
  }
  if (e.op == OpCode::Gemm) {
    std::int64_t trans_a = 0;
    if (!e.attrs.read_int("transA", &trans_a).ok() || a.rank() != 2) return -1;
    return 2 * ny * (trans_a ? a[0] : a[1]);
  }
  return 2 * ny * a[a.rank() - 1];  // MatMul
}

// The process's peak resident set in bytes (Linux: ru_maxrss is in KiB), 0 when unknown.
inline std::uint64_t peak_rss_bytes() {
#if defined(__linux__)
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) == 0) return static_cast<std::uint64_t>(ru.ru_maxrss) * 1024u;
#elif defined(__APPLE__)
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) == 0) return static_cast<std::uint64_t>(ru.ru_maxrss);  // bytes on macOS
#endif
  return 0;
}

inline std::string json_string(const char* s) {
  std::string o = "\"";
  for (const char* p = s; *p; ++p) {
    const unsigned char c = static_cast<unsigned char>(*p);
    if (c == '"' || c == '\\') {
      o += '\\';
      o += static_cast<char>(c);
    } else if (c < 0x20) {
      char b[8];
      std::snprintf(b, sizeof b, "\\u%04x", c);
      o += b;
    } else {
      o += static_cast<char>(c);
    }
  }
  return o + "\"";
}

// A file name from a tensor name: [A-Za-z0-9._-] kept, everything else '_', never empty and
// never "." or "..".
inline std::string sanitize_file_name(const char* name) {
  std::string o;
  for (const char* p = name; *p; ++p) {
    const char c = *p;
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                      c == '_' || c == '-';
    o += keep ? c : '_';
  }
  if (o.empty() || o == "." || o == "..") o = "_" + o;
  if (o.size() > 200) o.resize(200);
  return o;
}

}  // namespace luodi_tools
