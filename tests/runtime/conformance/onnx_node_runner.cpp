// ONNX node tests through luodi's ops layer and runtime, without the ONNX importer: each test
// (made by gen_onnx_node_cases.py from the ONNX backend test data) becomes a graph::Graph built
// here, is written as .luodi, loaded, prepared and run, on the ref ISA and on the best ISA, and
// its outputs are compared with ONNX's expected outputs.
//
//   onnx_node_runner <cases file> [filter substring] [-v]
//
// Tolerance: ONNX's own backend test default, |got - want| <= atol + rtol * |want| with
// rtol = 1e-3, atol = 1e-7, for f32; integer and bool outputs must match exactly.
// A test whose op has no kernel in this build, or that uses a feature luodi refuses with a named
// Unsupported error at prepare (3-D pooling, training outputs, non-f32 dtypes on f32-only
// kernels...), is counted and listed as unsupported, not as passed; every other failure fails.
// Tests listed in kKnownDifferences below are expected to fail, each for the reason given; the
// runner fails if one of them starts passing (so the list stays true).
#include <luodi/format/writer.hpp>
#include <luodi/runtime/session.hpp>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

using namespace luodi;
using namespace luodi::graph;

namespace {

struct Reader {
  std::vector<std::uint8_t> b;
  std::size_t at = 0;
  bool ok = true;
  template <class T>
  T get() {
    T v{};
    if (at + sizeof(T) > b.size()) {
      ok = false;
      return v;
    }
    std::memcpy(&v, b.data() + at, sizeof(T));
    at += sizeof(T);
    return v;
  }
  std::string str() {
    const std::uint16_t n = get<std::uint16_t>();
    if (at + n > b.size()) {
      ok = false;
      return {};
    }
    std::string s(reinterpret_cast<const char*>(b.data() + at), n);
    at += n;
    return s;
  }
  std::vector<std::uint8_t> bytes(std::uint64_t n) {
    if (at + n > b.size()) {
      ok = false;
      return {};
    }
    std::vector<std::uint8_t> v(b.begin() + static_cast<std::ptrdiff_t>(at), b.begin() + static_cast<std::ptrdiff_t>(at + n));
    at += n;
    return v;
  }
};

struct TensorData {
  bool present = false;
  bool constant = false;
  DType dtype = DType::f32;
  Shape shape;
  std::vector<std::uint8_t> data;
};

struct Case {
  std::string name, op_type;
  std::uint32_t opset = 0;
  std::vector<std::uint8_t> attrs;
  std::vector<TensorData> inputs, outputs;
};

TensorData read_tensor(Reader& r, bool with_flags) {
  TensorData t;
  t.present = true;
  t.dtype = static_cast<DType>(r.get<std::uint8_t>());
  if (with_flags) t.constant = r.get<std::uint8_t>() != 0;
  const int rank = r.get<std::uint8_t>();
  std::int64_t dims[kMaxRank] = {};
  for (int d = 0; d < rank && d < kMaxRank; ++d) dims[d] = r.get<std::int64_t>();
  t.shape = Shape(dims, rank < kMaxRank ? rank : kMaxRank);
  t.data = r.bytes(r.get<std::uint64_t>());
  return t;
}

bool read_cases(const char* path, std::vector<Case>* out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  Reader r;
  r.b.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  if (r.b.size() < 12 || std::memcmp(r.b.data(), "LDNODES1", 8) != 0) return false;
  r.at = 8;
  const std::uint32_t n = r.get<std::uint32_t>();
  for (std::uint32_t i = 0; i < n && r.ok; ++i) {
    Case c;
    c.name = r.str();
    c.op_type = r.str();
    c.opset = r.get<std::uint32_t>();
    AttrWriter w;
    const std::uint32_t na = r.get<std::uint32_t>();
    for (std::uint32_t k = 0; k < na && r.ok; ++k) {
      const std::string name = r.str();
      const std::uint8_t kind = r.get<std::uint8_t>();
      const std::uint32_t cnt = r.get<std::uint32_t>();
      if (kind == 1) {
        w.set_int(name, r.get<std::int64_t>());
      } else if (kind == 2) {
        w.set_float(name, r.get<float>());
      } else if (kind == 3) {
        std::vector<std::int64_t> v(cnt);
        for (auto& x : v) x = r.get<std::int64_t>();
        w.set_ints(name, v);
      } else if (kind == 4) {
        std::vector<float> v(cnt);
        for (auto& x : v) x = r.get<float>();
        w.set_floats(name, v);
      } else {
        const std::vector<std::uint8_t> s = r.bytes(cnt);
        w.set_string(name, std::string(s.begin(), s.end()));
      }
    }
    c.attrs = w.take();
    const std::uint32_t ni = r.get<std::uint32_t>();
    for (std::uint32_t k = 0; k < ni && r.ok; ++k) {
      if (r.get<std::uint8_t>() == 0) c.inputs.push_back(TensorData());
      else c.inputs.push_back(read_tensor(r, true));
    }
    const std::uint32_t no = r.get<std::uint32_t>();
    for (std::uint32_t k = 0; k < no && r.ok; ++k) c.outputs.push_back(read_tensor(r, false));
    out->push_back(std::move(c));
  }
  return r.ok;
}

// Expected failures, each with its reason. Keep this list short and true.
const std::map<std::string, std::string> kKnownDifferences = {
};

enum class Outcome { Pass, Fail, Unsupported, UnsupportedFeature };

Outcome run_case(const Case& c, Isa isa, std::string* why) {
  OpCode op;
  if (!op_from_onnx(c.op_type.c_str(), &op)) {
    *why = "not in ops.def";
    return Outcome::Unsupported;
  }
  Graph g;
  Node n;
  n.op = op;
  n.name = c.name;
  n.attrs = c.attrs;
  std::vector<const TensorData*> fed;
  for (std::size_t k = 0; k < c.inputs.size(); ++k) {
    const TensorData& t = c.inputs[k];
    if (!t.present) {
      n.inputs.push_back(-1);
      continue;
    }
    Value v;
    v.name = "in" + std::to_string(k);
    v.dtype = t.dtype;
    v.shape = t.shape;
    if (t.constant) {
      v.is_constant = true;
      v.data = t.data;
    }
    const std::int32_t id = g.add_value(v);
    n.inputs.push_back(id);
    if (!t.constant) {
      g.inputs.push_back(id);
      fed.push_back(&t);
    }
  }
  for (std::size_t k = 0; k < c.outputs.size(); ++k) {
    Value v;
    v.name = "out" + std::to_string(k);
    v.dtype = c.outputs[k].dtype;
    const std::int32_t id = g.add_value(v);
    n.outputs.push_back(id);
    g.outputs.push_back(id);
  }
  g.add_node(n);
  // More outputs than luodi's op has (ops.def): training outputs such as BatchNormalization's
  // running statistics, LayerNormalization's mean, MaxPool's indices, Dropout's mask.
  const OpInfo& info = op_info(op);
  if (info.max_outputs >= 0 && static_cast<int>(c.outputs.size()) > info.max_outputs) {
    *why = "more outputs (" + std::to_string(c.outputs.size()) + ") than luodi's " + info.name + " has";
    return Outcome::UnsupportedFeature;
  }
  auto bytes = format::write(g);
  if (!bytes.ok()) {
    *why = std::string("write: ") + bytes.status().message();
    return Outcome::Fail;
  }
  auto buf = AlignedBuffer::create(bytes->size());
  std::memcpy(buf->data(), bytes->data(), bytes->size());
  auto model = Model::from_memory(buf->data(), bytes->size());
  if (!model.ok()) {
    *why = std::string("load: ") + model.status().message();
    return Outcome::Fail;
  }
  SessionOptions opt;
  opt.isa = isa;
  Session s(*model, opt);
  if (!s.ok()) {
    *why = std::string(s.status().code_name()) + ": " + s.status().message();
    if (!ops::op_supported(op)) return Outcome::Unsupported;
    return s.status().code() == StatusCode::Unsupported ? Outcome::UnsupportedFeature : Outcome::Fail;
  }
  for (std::size_t k = 0; k < fed.size(); ++k) {
    TensorRef in = s.input_ref(static_cast<int>(k));
    if (fed[k]->data.size() != static_cast<std::size_t>(in.shape.numel()) * dtype_size(in.dtype)) {
      *why = "input size";
      return Outcome::Fail;
    }
    if (!fed[k]->data.empty()) std::memcpy(in.data, fed[k]->data.data(), fed[k]->data.size());
  }
  s.run();
  for (std::size_t k = 0; k < c.outputs.size(); ++k) {
    const TensorData& want = c.outputs[k];
    const TensorRef got = s.output_ref(static_cast<int>(k));
    char msg[512];
    if (got.dtype != want.dtype || got.shape != want.shape) {
      std::snprintf(msg, sizeof msg, "output %zu is %s %s; expected %s %s", k, dtype_name(got.dtype), got.shape.str().c_str(),
                    dtype_name(want.dtype), want.shape.str().c_str());
      *why = msg;
      return Outcome::Fail;
    }
    const std::int64_t count = want.shape.numel();
    if (want.dtype == DType::f32) {
      const float* a = static_cast<const float*>(got.data);
      const float* b = reinterpret_cast<const float*>(want.data.data());
      for (std::int64_t i = 0; i < count; ++i) {
        if (std::isnan(b[i]) && std::isnan(a[i])) continue;
        const double err = std::fabs(static_cast<double>(a[i]) - static_cast<double>(b[i]));
        if (!(err <= 1e-7 + 1e-3 * std::fabs(static_cast<double>(b[i])))) {
          std::snprintf(msg, sizeof msg, "output %zu element %lld: got %.9g, expected %.9g", k, static_cast<long long>(i),
                        static_cast<double>(a[i]), static_cast<double>(b[i]));
          *why = msg;
          return Outcome::Fail;
        }
      }
    } else if (count && std::memcmp(got.data, want.data.data(), want.data.size()) != 0) {
      std::snprintf(msg, sizeof msg, "output %zu (%s) differs", k, dtype_name(want.dtype));
      *why = msg;
      return Outcome::Fail;
    }
  }
  return Outcome::Pass;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <cases file> [filter] [-v]\n", argv[0]);
    return 2;
  }
  std::vector<Case> cases;
  if (!read_cases(argv[1], &cases)) {
    // No cases file: the generator found no python3-onnx; CTest reports the test as skipped.
    std::fprintf(stderr, "cannot read %s (is python3-onnx installed?)\n", argv[1]);
    return 77;
  }
  const char* filter = argc > 2 && argv[2][0] != '-' ? argv[2] : nullptr;
  const bool verbose = argc > 2 && std::strcmp(argv[argc - 1], "-v") == 0;
  std::vector<Isa> isas = {Isa::scalar};
  if (best_isa() != Isa::scalar) isas.push_back(best_isa());
  int pass = 0, fail = 0, unsupported = 0, features = 0, known = 0, unexpected_pass = 0;
  std::map<std::string, int> unsupported_ops;
  std::vector<std::string> feature_lines;
  for (const Case& c : cases) {
    if (filter && c.name.find(filter) == std::string::npos) continue;
    for (Isa isa : isas) {
      std::string why;
      const Outcome o = run_case(c, isa, &why);
      const auto kd = kKnownDifferences.find(c.name);
      if (o == Outcome::UnsupportedFeature) {
        ++features;
        if (isa == Isa::scalar) feature_lines.push_back(c.name + ": " + why);
      } else if (o == Outcome::Unsupported) {
        ++unsupported;
        ++unsupported_ops[c.op_type];
        if (verbose) std::printf("unsupported %-50s %s\n", c.name.c_str(), why.c_str());
      } else if (o == Outcome::Pass) {
        if (kd != kKnownDifferences.end()) {
          ++unexpected_pass;
          std::printf("UNEXPECTED PASS %s [%s]: remove it from kKnownDifferences\n", c.name.c_str(), isa_name(isa));
        } else {
          ++pass;
        }
      } else if (kd != kKnownDifferences.end()) {
        ++known;
        if (verbose) std::printf("known   %-50s %s (%s)\n", c.name.c_str(), why.c_str(), kd->second.c_str());
      } else {
        ++fail;
        std::printf("FAIL %-50s [%s] %s\n", c.name.c_str(), isa_name(isa), why.c_str());
      }
    }
  }
  if (verbose || fail) {
    std::printf("unsupported features (named Unsupported errors at prepare):\n");
    for (const std::string& l : feature_lines) std::printf("  %s\n", l.c_str());
  }
  std::printf("ONNX node tests (x%zu ISAs): %d passed, %d failed, %d known differences, %d unsupported features, "
              "%d on ops without kernels\n",
              isas.size(), pass, fail, known, features, unsupported);
  if (!unsupported_ops.empty()) {
    std::printf("ops without kernels in this build:");
    for (const auto& u : unsupported_ops) std::printf(" %s(%d)", u.first.c_str(), u.second);
    std::printf("\n");
  }
  return fail == 0 && unexpected_pass == 0 ? 0 : 1;
}
