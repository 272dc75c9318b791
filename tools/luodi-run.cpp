// luodi-run: run a .luodi model on .npy inputs and write .npy outputs. The black-box interface
// the conformance and model tests (and anyone checking luodi against another runtime) use.
//
// --check localises a numerical problem to one node: the model runs twice on the same inputs,
// once with the dispatched SIMD kernels and once with the scalar ref kernels (Isa::scalar), both
// sessions keeping every intermediate, and the tensors are compared node by node in the file's
// (topological) order. The first node whose output differs by more than the tolerance is the
// one to look at: its inputs still agreed. The rule, per tensor:
//     max |out - ref| <= atol + rtol * max |ref|     (defaults atol 1e-4, rtol 1e-4)
// the same bound the model tests use against PyTorch and ONNX Runtime; NaN or Inf where the ref
// has a finite value (or the reverse) always diverges; integer and bool tensors must be equal.
// --check-against OTHER.luodi compares with another file of the same graph (tensors matched by
// name), run with the ref kernels: e.g. the same model converted with other options, or with a
// changed weight, which is how the tests show the check finds a real divergence.
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
#include "common/session_tools.hpp"

#include <filesystem>
#include <set>
#include <system_error>

using namespace luodi;

namespace {

const char* kUsage =
    "usage: luodi-run MODEL.luodi --input NAME=FILE.npy ... [--output NAME=FILE.npy ...] [options]\n"
    "       luodi-run MODEL.luodi --input FILE.npy [--output FILE.npy]     (one input, one output)\n"
    "  --threads N     worker threads (default 1)\n"
    "  --isa NAME      kernels to use: scalar (the ref kernels), sse2, avx2, avx512, neon64 (default: best)\n"
    "  --verify        replay the model's golden pair instead, and report the result\n"
    "  --repeat N      run N times and print the median time\n"
    "  --check         run again with the scalar ref kernels and compare every node's outputs in\n"
    "                  order; report the first node beyond max|out-ref| <= atol + rtol*max|ref|\n"
    "  --check-against OTHER.luodi   the same, against another file of the same graph (ref kernels)\n"
    "  --atol A        absolute tolerance of --check (default 1e-4)\n"
    "  --rtol R        relative tolerance of --check, times max |ref| of the tensor (default 1e-4)\n"
    "  --dump DIR      write every tensor of the run (inputs, intermediates, outputs) to DIR/*.npy,\n"
    "                  with DIR/index.txt mapping file names to tensor names\n"
    "  --shape NAME=SHAPE  with --check or --dump and no --input: random inputs of this shape\n"
    "                  (default: the declared shape)\n"
    "  --seed N        seed of the random inputs (default 1)\n"
    "Without --output, prints each output's shape and statistics.\n"
    "Exit codes: 0 ok, 1 error, 2 bad arguments, 3 --check found a divergence.\n";

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

// The result of comparing one tensor.
struct Diff {
  bool diverged = false;
  std::string why;      // for a structural difference (dtype, shape, missing)
  double max_err = 0;   // f32: largest |out - ref|
  double max_ref = 0;   // f32: largest |ref|
  double tol = 0;
  std::int64_t at = -1; // element of max_err
  double got = 0, want = 0;
};

Diff compare_tensor(const TensorRef& a, const TensorRef& b, double atol, double rtol) {
  Diff d;
  if (a.dtype != b.dtype || !(a.shape == b.shape)) {
    d.diverged = true;
    d.why = std::string(dtype_name(a.dtype)) + " " + a.shape.str().c_str() + " vs the reference's " +
            dtype_name(b.dtype) + " " + b.shape.str().c_str();
    return d;
  }
  const std::int64_t n = a.shape.numel();
  if (n <= 0) return d;
  if (a.data == nullptr || b.data == nullptr) {
    d.diverged = true;
    d.why = "no data";
    return d;
  }
  if (a.dtype != DType::f32) {
    if (std::memcmp(a.data, b.data, static_cast<std::size_t>(n) * dtype_size(a.dtype)) != 0) {
      d.diverged = true;
      d.why = std::string(dtype_name(a.dtype)) + " values differ";
    }
    return d;
  }
  const float* x = static_cast<const float*>(a.data);
  const float* y = static_cast<const float*>(b.data);
  for (std::int64_t i = 0; i < n; ++i) {
    const double r = std::fabs(static_cast<double>(y[i]));
    if (std::isfinite(r) && r > d.max_ref) d.max_ref = r;
    double e;
    if (std::isfinite(x[i]) && std::isfinite(y[i]))
      e = std::fabs(static_cast<double>(x[i]) - static_cast<double>(y[i]));
    else  // both the same non-finite value agree; anything else is a divergence
      e = (x[i] == y[i] || (std::isnan(x[i]) && std::isnan(y[i]))) ? 0.0 : HUGE_VAL;
    if (e > d.max_err || (d.at < 0 && e == d.max_err)) {
      d.max_err = e;
      d.at = i;
      d.got = x[i];
      d.want = y[i];
    }
  }
  d.tol = atol + rtol * d.max_ref;
  d.diverged = !(d.max_err <= d.tol);
  return d;
}

// Runs `check` node by node against `ref`; returns 0 when every tensor agrees, 3 otherwise.
int check_sessions(const Model& model, const Session& s, const Session& ref, const char* ref_what, double atol,
                   double rtol) {
  const format::Reader& r = model.reader();
  int compared = 0;
  double worst_ratio = -1;
  std::string worst;
  for (std::int32_t n = 0; n < r.num_nodes(); ++n) {
    const format::NodeEntry e = r.node(n);
    for (int k = 0; k < e.num_outputs; ++k) {
      const std::int32_t t = r.node_output(e, k);
      if (t < 0) continue;
      const char* tname = r.tensor(t).name;
      Result<TensorRef> a = s.tensor(tname);
      if (!a.ok()) continue;  // not used by the graph
      Result<TensorRef> b = ref.tensor(tname);
      Diff d;
      if (!b.ok()) {
        d.diverged = true;
        d.why = std::string("the reference has no such tensor (") + b.status().message() + ")";
      } else {
        d = compare_tensor(*a, *b, atol, rtol);
      }
      ++compared;
      if (d.diverged) {
        std::printf("luodi-run: check FAILED against %s: first divergence at node %d \"%s\" (%s), output \"%s\" %s\n",
                    ref_what, n, e.name, graph::op_name(e.op), tname, a->shape.str().c_str());
        if (!d.why.empty())
          std::printf("  %s\n", d.why.c_str());
        else
          std::printf("  max |err| %.6g at element %lld (got %.9g, reference %.9g) > tolerance %.6g = atol %g + rtol %g "
                      "* max|ref| %.6g\n",
                      d.max_err, static_cast<long long>(d.at), d.got, d.want, d.tol, atol, rtol, d.max_ref);
        std::printf("  (%d tensors before it agreed)\n", compared - 1);
        return 3;
      }
      const double ratio = d.tol > 0 ? d.max_err / d.tol : 0.0;
      if (ratio > worst_ratio) {
        worst_ratio = ratio;
        char buf[512];
        std::snprintf(buf, sizeof buf, "node \"%s\" (%s): max |err| %.3g, tolerance %.3g", e.name, graph::op_name(e.op),
                      d.max_err, d.tol);
        worst = buf;
      }
    }
  }
  std::printf("luodi-run: check passed against %s: %d tensors of %d nodes within max|err| <= %g + %g*max|ref|; closest: %s\n",
              ref_what, compared, r.num_nodes(), atol, rtol, worst.empty() ? "none" : worst.c_str());
  return 0;
}

// Writes every non-constant tensor the session holds to dir/NAME.npy, plus dir/index.txt.
int dump_session(const Model& model, const Session& s, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    std::fprintf(stderr, "luodi-run: --dump: cannot create directory \"%s\": %s\n", dir.c_str(), ec.message().c_str());
    return 1;
  }
  const format::Reader& r = model.reader();
  std::set<std::string> used;
  std::string index;
  int written = 0;
  for (std::int32_t t = 0; t < r.num_tensors(); ++t) {
    const format::TensorEntry te = r.tensor(t);
    if (te.kind == format::TensorKind::Constant) continue;
    Result<TensorRef> ref = s.tensor(te.name);
    if (!ref.ok() || !ref->valid()) continue;
    std::string file = luodi_tools::sanitize_file_name(te.name);
    if (used.count(file)) file += "_" + std::to_string(t);
    used.insert(file);
    file += ".npy";
    const std::size_t bytes = static_cast<std::size_t>(ref->shape.numel()) * dtype_size(ref->dtype);
    Status st = npy::write(dir + "/" + file, ref->dtype, ref->shape, ref->data, bytes);
    if (!st.ok()) return fail(st);
    index += file + "\t" + te.name + "\t" + dtype_name(ref->dtype) + "\t" + ref->shape.str().c_str() + "\n";
    ++written;
  }
  std::FILE* f = std::fopen((dir + "/index.txt").c_str(), "wb");
  if (!f || std::fwrite(index.data(), 1, index.size(), f) != index.size()) {
    if (f) std::fclose(f);
    std::fprintf(stderr, "luodi-run: --dump: cannot write \"%s/index.txt\"\n", dir.c_str());
    return 1;
  }
  std::fclose(f);
  std::printf("luodi-run: wrote %d tensors to %s (index.txt lists them)\n", written, dir.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string model_path;
  std::vector<Binding> ins, outs;
  int threads = 1, repeat = 1;
  bool verify = false, check = false;
  Isa isa = active_isa();
  bool isa_given = false;
  std::string check_against, dump_dir;
  double atol = 1e-4, rtol = 1e-4;
  std::int64_t seed = 1;
  std::vector<std::pair<std::string, std::vector<std::int64_t>>> shape_args;
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
    } else if (s == "--check") {
      check = true;
    } else if (s == "--check-against" || s == "--dump") {
      if (i + 1 >= argc || argv[i + 1][0] == '\0') return usage_error("%s needs a path", s.c_str());
      (s == "--dump" ? dump_dir : check_against) = argv[++i];
    } else if (s == "--atol" || s == "--rtol") {
      float f;
      if (i + 1 >= argc || !luodi_tools::parse_float(argv[i + 1], &f) || f < 0)
        return usage_error("%s needs a number >= 0", s.c_str());
      ++i;
      (s == "--atol" ? atol : rtol) = f;
    } else if (s == "--seed") {
      if (i + 1 >= argc || !luodi_tools::parse_int64(argv[i + 1], &seed) || seed < 0)
        return usage_error("%s needs a whole number >= 0", s.c_str());
      ++i;
    } else if (s == "--shape") {
      if (i + 1 >= argc) return usage_error("%s needs NAME=SHAPE", s.c_str());
      const std::string v = argv[++i];
      std::string name, shape;
      if (!luodi_tools::split_name_value(v, &name, &shape) || name.empty())
        return usage_error("--shape \"%s\": expected NAME=SHAPE, e.g. x=1x3x224x224", v.c_str());
      std::vector<std::int64_t> dims;
      const Status st = luodi_tools::parse_shape(shape, &dims);
      if (!st.ok()) return usage_error("--shape: %s", st.message());
      shape_args.push_back({name, dims});
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
  const bool checking = check || !check_against.empty();
  const bool random_inputs = ins.empty() && (checking || !dump_dir.empty());
  if (ins.empty() && !random_inputs) return usage_error("%s", "no --input given");
  if (!shape_args.empty() && !random_inputs) return usage_error("%s", "--shape is for random inputs (--check or --dump without --input)");
  const int nin = model->num_inputs(), nout = model->num_outputs();
  // Resolve bindings to input indices.
  std::vector<npy::Array> arrays(static_cast<std::size_t>(nin));
  std::vector<char> bound(static_cast<std::size_t>(nin), 0);
  if (random_inputs) {
    // Seeded random inputs (f32 uniform in [0, 1), integers zero) of --shape or declared shapes.
    for (const auto& sa : shape_args) {
      const int idx = model->find_input(sa.first.c_str());
      if (idx < 0) {
        std::fprintf(stderr, "luodi-run: --shape: the model has no input \"%s\"\n", sa.first.c_str());
        return 2;
      }
      if (static_cast<int>(sa.second.size()) > kMaxRank) return usage_error("--shape for \"%s\": too many dims", sa.first.c_str());
      arrays[static_cast<std::size_t>(idx)].shape = Shape(sa.second.data(), static_cast<int>(sa.second.size()));
      bound[static_cast<std::size_t>(idx)] = 1;
    }
    luodi_tools::Rng rng(static_cast<std::uint64_t>(seed));
    for (int k = 0; k < nin; ++k) {
      npy::Array& a = arrays[static_cast<std::size_t>(k)];
      const TensorInfo info = model->input_info(k);
      if (!bound[static_cast<std::size_t>(k)]) {
        if (!info.shape.is_static()) {
          std::fprintf(stderr, "luodi-run: input \"%s\" is declared %s with symbolic dims; give --shape %s=SHAPE or --input\n",
                       info.name, info.shape.str().c_str(), info.name);
          return 2;
        }
        a.shape = info.shape;
        bound[static_cast<std::size_t>(k)] = 1;
      }
      a.dtype = info.dtype;
      a.data.assign(static_cast<std::size_t>(a.shape.numel()) * dtype_size(a.dtype), 0);
      TensorRef t;
      t.dtype = a.dtype;
      t.shape = a.shape;
      t.data = a.data.data();
      luodi_tools::fill_random(t, &rng);
    }
  }
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
  so.keep_intermediates = checking || !dump_dir.empty();
  Session session(*model, so);
  if (!session.ok()) return fail(session.status());
  auto fill = [&](Session& sess) {
    for (int k = 0; k < nin; ++k) {
      TensorRef t = sess.input_ref(k);
      const npy::Array& a = arrays[static_cast<std::size_t>(k)];
      if (!(t.shape == a.shape) || a.data.size() != static_cast<std::size_t>(t.shape.numel()) * dtype_size(t.dtype))
        return Status::error(StatusCode::ShapeMismatch, "input %d: the session holds %s, the file %s", k,
                             t.shape.str().c_str(), a.shape.str().c_str());
      if (!a.data.empty()) std::memcpy(t.data, a.data.data(), a.data.size());
    }
    return Status();
  };
  {
    const Status st = fill(session);
    if (!st.ok()) return fail(st);
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
  if (!dump_dir.empty()) {
    const int rc = dump_session(*model, session, dump_dir);
    if (rc != 0) return rc;
  }
  if (checking) {
    // The reference: the same (or the other) model with the scalar ref kernels.
    Result<Model> other = Status(StatusCode::NotFound, "no --check-against");
    const Model* ref_model = model.operator->();
    if (!check_against.empty()) {
      other = Model::load(check_against.c_str());
      if (!other.ok()) return fail(other.status());
      ref_model = other.operator->();
    }
    SessionOptions ro = so;
    ro.isa = Isa::scalar;
    ro.threads = 1;
    Session ref(*ref_model, ro);
    if (!ref.ok()) {
      Status st = ref.status();
      return fail(st.prepend("the reference session: "));
    }
    if (ref.num_inputs() != nin) {
      std::fprintf(stderr, "luodi-run: --check-against: %s has %d inputs, the model %d\n", check_against.c_str(),
                   ref.num_inputs(), nin);
      return 1;
    }
    Status st = fill(ref);
    if (!st.ok()) return fail(st.prepend("the reference session: "));
    ref.run();
    std::string what = check_against.empty() ? std::string("the scalar ref kernels")
                                             : "\"" + check_against + "\" (scalar ref kernels)";
    what = std::string(isa_name(so.isa)) + " vs " + what;
    const int rc = check_sessions(*model, session, ref, what.c_str(), atol, rtol);
    if (rc != 0) return rc;
  }
  if (outs.empty() && !checking && dump_dir.empty())
    for (int k = 0; k < nout; ++k) print_stats(model->output_info(k).name, session.output_ref(k));
  if (repeat > 1) {
    std::sort(times.begin(), times.end());
    std::printf("luodi-run: median %.3f ms over %d runs (%d thread%s)\n", times[times.size() / 2], repeat, threads,
                threads == 1 ? "" : "s");
  }
  return 0;
}
