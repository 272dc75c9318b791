// luodi-run: run a .luodi model on .npy inputs and write .npy outputs. The black-box interface
// the conformance and model tests (and anyone checking luodi against another runtime) use.
#include <luodi/detail/npy.hpp>
#include <luodi/runtime/model.hpp>
#include <luodi/runtime/session.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "common/cli.hpp"

using namespace luodi;

namespace {

const char* kUsage =
    "usage: luodi-run MODEL.luodi --input NAME=FILE.npy ... [--output NAME=FILE.npy ...] [options]\n"
    "       luodi-run MODEL.luodi --input FILE.npy [--output FILE.npy]     (one input, one output)\n"
    "  --threads N     worker threads (default 1)\n"
    "  --isa NAME      kernels to use: scalar (the ref kernels), sse2, avx2, avx512, neon64 (default: best)\n"
    "  --verify        replay the model's golden pair instead, and report the result\n"
    "  --repeat N      run N times and print the median time\n"
    "Without --output, prints each output's shape and statistics.\n";

int usage_error(const char* fmt, const char* arg) {
  std::fprintf(stderr, "luodi-run: ");
  std::fprintf(stderr, fmt, arg);
  std::fprintf(stderr, "\n%s", kUsage);
  return 2;
}

struct Binding {
  std::string name;  // empty: the only input/output
  std::string file;
};

int fail(const Status& s) {
  std::fprintf(stderr, "luodi-run: %s: %s\n", s.code_name(), s.message());
  return 1;
}

void print_stats(const char* name, const TensorRef& t) {
  std::printf("%s: %s %s", name, dtype_name(t.dtype), t.shape.str().c_str());
  const std::int64_t n = t.shape.numel();
  if (t.dtype == DType::f32 && n > 0) {
    const float* p = static_cast<const float*>(t.data);
    double lo = p[0], hi = p[0], sum = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      lo = std::fmin(lo, p[i]);
      hi = std::fmax(hi, p[i]);
      sum += p[i];
    }
    std::printf("  min %.6g max %.6g mean %.6g", lo, hi, sum / static_cast<double>(n));
  }
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  std::string model_path;
  std::vector<Binding> ins, outs;
  int threads = 1, repeat = 1;
  bool verify = false;
  Isa isa = active_isa();
  bool isa_given = false;
  for (int i = 1; i < argc; ++i) {
    const std::string s = argv[i];
    if (s == "-h" || s == "--help") {
      std::printf("%s", kUsage);
      return 0;
    }
    if (s == "--input" || s == "--output") {
      if (i + 1 >= argc) return usage_error("%s needs NAME=FILE.npy or FILE.npy", s.c_str());
      const std::string v = argv[++i];
      Binding b;
      const std::size_t eq = v.find('=');
      if (eq == std::string::npos) {
        b.file = v;
      } else {
        b.name = v.substr(0, eq);
        b.file = v.substr(eq + 1);
        if (b.name.empty() || b.file.empty()) return usage_error("\"%s\": expected NAME=FILE.npy", v.c_str());
      }
      (s == "--input" ? ins : outs).push_back(b);
    } else if (s == "--threads" || s == "--repeat") {
      std::int64_t n;
      if (i + 1 >= argc || !luodi_tools::parse_int64(argv[i + 1], &n) || n < 1 || n > 1024)
        return usage_error("%s needs a number from 1 to 1024", s.c_str());
      ++i;
      (s == "--threads" ? threads : repeat) = static_cast<int>(n);
    } else if (s == "--isa") {
      if (i + 1 >= argc) return usage_error("%s needs a name", "--isa");
      const std::string v = argv[++i];
      Result<Isa> r = parse_isa(v.c_str());
      if (!r.ok()) return usage_error("unknown ISA \"%s\"", v.c_str());
      if (!isa_available(*r)) {
        std::fprintf(stderr, "luodi-run: ISA \"%s\" is not available on this CPU or in this build\n", v.c_str());
        return 1;
      }
      isa = *r;
      isa_given = true;
    } else if (s == "--verify") {
      verify = true;
    } else if (s.size() > 1 && s[0] == '-') {
      return usage_error("unknown option \"%s\"", s.c_str());
    } else if (model_path.empty()) {
      model_path = s;
    } else {
      return usage_error("unexpected argument \"%s\"", s.c_str());
    }
  }
  if (model_path.empty()) return usage_error("%s", "MODEL.luodi is required");

  auto model = Model::load(model_path.c_str());
  if (!model.ok()) return fail(model.status());

  if (verify) {
    Status v = model->verify();
    if (!v.ok()) return fail(v);
    std::printf("luodi-run: %s: golden pair verified\n", model_path.c_str());
    return 0;
  }
  if (ins.empty()) return usage_error("%s", "no --input given");
  const int nin = model->num_inputs(), nout = model->num_outputs();
  // Resolve bindings to input indices.
  std::vector<npy::Array> arrays(static_cast<std::size_t>(nin));
  std::vector<char> bound(static_cast<std::size_t>(nin), 0);
  for (const Binding& b : ins) {
    int idx;
    if (b.name.empty()) {
      if (nin != 1 || ins.size() != 1)
        return usage_error("the model has several inputs; name them (--input NAME=FILE.npy)%s", "");
      idx = 0;
    } else {
      idx = model->find_input(b.name.c_str());
      if (idx < 0) {
        std::string names;
        for (int k = 0; k < nin; ++k) names += std::string(k ? ", " : "") + model->input_info(k).name;
        std::fprintf(stderr, "luodi-run: the model has no input \"%s\" (inputs: %s)\n", b.name.c_str(), names.c_str());
        return 2;
      }
    }
    if (bound[static_cast<std::size_t>(idx)])
      return usage_error("input \"%s\" is given twice", model->input_info(idx).name);
    bound[static_cast<std::size_t>(idx)] = 1;
    Status s = npy::read(b.file, &arrays[static_cast<std::size_t>(idx)]);
    if (!s.ok()) return fail(s);
    const TensorInfo info = model->input_info(idx);
    if (arrays[static_cast<std::size_t>(idx)].dtype != info.dtype) {
      std::fprintf(stderr, "luodi-run: input \"%s\" is %s; %s holds %s\n", info.name, dtype_name(info.dtype),
                   b.file.c_str(), dtype_name(arrays[static_cast<std::size_t>(idx)].dtype));
      return 1;
    }
  }
  for (int k = 0; k < nin; ++k)
    if (!bound[static_cast<std::size_t>(k)]) {
      std::fprintf(stderr, "luodi-run: no --input for \"%s\"\n", model->input_info(k).name);
      return 2;
    }
  std::vector<int> out_index;
  for (const Binding& b : outs) {
    int idx;
    if (b.name.empty()) {
      if (nout != 1 || outs.size() != 1)
        return usage_error("the model has several outputs; name them (--output NAME=FILE.npy)%s", "");
      idx = 0;
    } else {
      idx = model->find_output(b.name.c_str());
      if (idx < 0) {
        std::string names;
        for (int k = 0; k < nout; ++k) names += std::string(k ? ", " : "") + model->output_info(k).name;
        std::fprintf(stderr, "luodi-run: the model has no output \"%s\" (outputs: %s)\n", b.name.c_str(), names.c_str());
        return 2;
      }
    }
    out_index.push_back(idx);
  }

  std::vector<Shape> shapes;
  for (const npy::Array& a : arrays) shapes.push_back(a.shape);
  SessionOptions so;
  so.threads = threads;
  if (isa_given) so.isa = isa;
  so.input_shapes = Span<const Shape>(shapes.data(), shapes.size());
  Session session(*model, so);
  if (!session.ok()) return fail(session.status());
  for (int k = 0; k < nin; ++k) {
    TensorRef t = session.input_ref(k);
    const npy::Array& a = arrays[static_cast<std::size_t>(k)];
    if (!(t.shape == a.shape) || a.data.size() != static_cast<std::size_t>(t.shape.numel()) * dtype_size(t.dtype))
      return fail(Status::error(StatusCode::ShapeMismatch, "input %d: the session holds %s, the file %s", k,
                                t.shape.str().c_str(), a.shape.str().c_str()));
    if (!a.data.empty()) std::memcpy(t.data, a.data.data(), a.data.size());
  }
  std::vector<double> times;
  for (int r = 0; r < repeat; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    session.run();
    times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  if (!session.ok()) return fail(session.status());
  for (std::size_t k = 0; k < outs.size(); ++k) {
    const TensorRef t = session.output_ref(out_index[k]);
    Status s = npy::write(outs[k].file, t.dtype, t.shape, t.data, static_cast<std::size_t>(t.shape.numel()) * dtype_size(t.dtype));
    if (!s.ok()) return fail(s);
  }
  if (outs.empty())
    for (int k = 0; k < nout; ++k) print_stats(model->output_info(k).name, session.output_ref(k));
  if (repeat > 1) {
    std::sort(times.begin(), times.end());
    std::printf("luodi-run: median %.3f ms over %d runs (%d thread%s)\n", times[times.size() / 2], repeat, threads,
                threads == 1 ? "" : "s");
  }
  return 0;
}
