// luodi-bench: latency, memory and a per-node profile of one .luodi model on seeded random
// inputs. What a product developer runs before choosing a model, and what bench/models/
// compare.sh runs against ONNX Runtime.
//
// Timing: `warmup` untimed runs, then `runs` runs each timed on its own with steady_clock; the
// median is the headline (robust on a shared machine), min and max show the spread. Each run's
// process CPU time (std::clock) is kept too: on a shared 2-vCPU VM the guest or the host takes
// this CPU away for milliseconds at a time whenever the other vCPU is busy, which doubles wall
// times but not CPU times (docs/performance.md, "ResNet under a neighbour"). At one thread it is
// the time the run had the CPU; with more it sums every thread, spinning pool threads included.
// The profile
// (--profile) comes from a second session with SessionOptions::profile set, created after the
// timed runs and after peak RSS is read, so neither the clock calls per node nor its arena touch
// the headline figures. Per node it reports the median over the profiled runs.
#include <luodi/runtime/model.hpp>
#include <luodi/runtime/session.hpp>
#include <luodi/simd/dispatch.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <string>
#include <vector>

#include "common/cli.hpp"
#include "common/session_tools.hpp"

using namespace luodi;

namespace {

const char* kUsage =
    "usage: luodi-bench MODEL.luodi [--input NAME=SHAPE]... [options]\n"
    "  --input NAME=SHAPE  bind an input to a shape, e.g. x=1x3x224x224 (SHAPE alone for a\n"
    "                      one-input model); inputs not given use their declared shape\n"
    "  --threads N         worker threads (default 1)\n"
    "  --spin US           how long idle pool threads spin before sleeping, in microseconds\n"
    "                      (default 200; 0: sleep at once)\n"
    "  --min-flops N       conv/GEMM nodes under 2N FLOPs run on one thread (default 100000;\n"
    "                      0: split every node)\n"
    "  --runs N            timed runs (default 20)\n"
    "  --warmup N          untimed runs first (default 3)\n"
    "  --no-winograd       3x3 convolutions as GEMM: packed weights at the raw size, not ~4x\n"
    "  --isa NAME          kernels: scalar (the ref kernels), sse2, avx2, avx512, neon64 (default: best)\n"
    "  --seed N            seed of the random inputs (default 1)\n"
    "  --profile           per-node table: time, share, GFLOP/s (Conv, ConvTranspose, Gemm, MatMul)\n"
    "  --json              print one JSON object instead of text\n"
    "Inputs are seeded random: f32 uniform in [0, 1), integer inputs zero.\n"
    "Exit codes: 0 ok, 1 the model failed to load or prepare, 2 bad arguments.\n";

int usage_error(const std::string& msg) {
  std::fprintf(stderr, "luodi-bench: %s\n%s", msg.c_str(), kUsage);
  return 2;
}

int fail(const char* what, const Status& s) {
  std::fprintf(stderr, "luodi-bench: %s: %s: %s\n", what, s.code_name(), s.message());
  return 1;
}

struct ShapeArg {
  std::string name;  // empty: the only input
  std::vector<std::int64_t> dims;
};

struct NodeProfile {
  std::string name, op, shape;
  std::vector<double> us;
  std::int64_t flops = -1;
};

struct ProfileState {
  std::vector<NodeProfile>* nodes;
};

void on_node(const ProfileEvent& ev, void* user) {
  ProfileState* st = static_cast<ProfileState*>(user);
  NodeProfile& np = (*st->nodes)[static_cast<std::size_t>(ev.node_index)];
  if (np.us.empty()) {
    np.name = ev.node_name;
    np.op = ev.op_name;
    np.shape = ev.output_shape.str().c_str();
  }
  np.us.push_back(ev.microseconds);
}

double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

}  // namespace

int main(int argc, char** argv) {
  std::string model_path;
  std::vector<ShapeArg> shape_args;
  std::int64_t threads = 1, runs = 20, warmup = 3, seed = 1, spin = luodi::kDefaultSpinMicroseconds,
               min_flops = luodi::kMinFlopsPerThread;
  bool profile = false, json = false, winograd = true;
  Isa isa = active_isa();
  for (int i = 1; i < argc; ++i) {
    const std::string s = argv[i];
    if (s == "-h" || s == "--help") {
      std::printf("%s", kUsage);
      return 0;
    }
    auto value = [&](std::string* v) {
      if (i + 1 >= argc) return false;
      *v = argv[++i];
      return true;
    };
    if (s == "--input") {
      std::string v;
      if (!value(&v)) return usage_error("--input needs NAME=SHAPE (e.g. x=1x3x224x224)");
      ShapeArg a;
      std::string shape = v;
      const std::size_t eq = v.rfind('=');
      if (eq != std::string::npos) {
        a.name = v.substr(0, eq);
        shape = v.substr(eq + 1);
        if (a.name.empty()) return usage_error("--input \"" + v + "\": the name before '=' is empty");
      }
      const Status st = luodi_tools::parse_shape(shape, &a.dims);
      if (!st.ok()) return usage_error(std::string("--input: ") + st.message());
      if (static_cast<int>(a.dims.size()) > kMaxRank)
        return usage_error("--input \"" + v + "\": more dims than luodi supports");
      shape_args.push_back(a);
    } else if (s == "--threads" || s == "--runs" || s == "--warmup" || s == "--seed" || s == "--spin" ||
               s == "--min-flops") {
      std::string v;
      std::int64_t n = 0;
      const std::int64_t lo = (s == "--warmup" || s == "--seed" || s == "--spin" || s == "--min-flops") ? 0 : 1;
      const std::int64_t hi = s == "--threads" ? 1024 : (s == "--seed" || s == "--min-flops") ? (std::int64_t(1) << 62) : 1000000;
      if (!value(&v) || !luodi_tools::parse_int64(v, &n) || n < lo || n > hi)
        return usage_error(s + " needs a whole number from " + std::to_string(lo) + " to " + std::to_string(hi) +
                           (v.empty() ? "" : " (got \"" + v + "\")"));
      (s == "--threads" ? threads : s == "--runs" ? runs : s == "--warmup" ? warmup : s == "--spin" ? spin : s == "--min-flops" ? min_flops : seed) = n;
    } else if (s == "--isa") {
      std::string v;
      if (!value(&v)) return usage_error("--isa needs a name");
      Result<Isa> r = parse_isa(v.c_str());
      if (!r.ok()) return usage_error("unknown ISA \"" + v + "\"");
      if (!isa_available(*r)) return usage_error("ISA \"" + v + "\" is not available on this CPU or in this build");
      isa = *r;
    } else if (s == "--profile") {
      profile = true;
    } else if (s == "--no-winograd") {
      winograd = false;
    } else if (s == "--json") {
      json = true;
    } else if (s.size() > 1 && s[0] == '-') {
      return usage_error("unknown option \"" + s + "\"");
    } else if (model_path.empty()) {
      model_path = s;
    } else {
      return usage_error("unexpected argument \"" + s + "\"");
    }
  }
  if (model_path.empty()) return usage_error("MODEL.luodi is required");
  if (std::FILE* f = std::fopen(model_path.c_str(), "rb")) {
    std::fclose(f);
  } else {
    return usage_error("cannot open model file \"" + model_path + "\": " + std::strerror(errno));
  }

  Result<Model> model = Model::load(model_path.c_str());
  if (!model.ok()) return fail("load", model.status());
  const int nin = model->num_inputs();

  // Input shapes: --input, else the declared shape, which must then be static.
  std::vector<Shape> shapes(static_cast<std::size_t>(nin));
  std::vector<char> given(static_cast<std::size_t>(nin), 0);
  for (const ShapeArg& a : shape_args) {
    int idx = 0;
    if (a.name.empty()) {
      if (nin != 1) return usage_error("the model has " + std::to_string(nin) + " inputs; name them (--input NAME=SHAPE)");
    } else {
      idx = model->find_input(a.name.c_str());
      if (idx < 0) {
        std::string names;
        for (int k = 0; k < nin; ++k) names += std::string(k ? ", " : "") + model->input_info(k).name;
        return usage_error("the model has no input \"" + a.name + "\" (inputs: " + names + ")");
      }
    }
    if (given[static_cast<std::size_t>(idx)])
      return usage_error(std::string("input \"") + model->input_info(idx).name + "\" is given twice");
    given[static_cast<std::size_t>(idx)] = 1;
    shapes[static_cast<std::size_t>(idx)] = Shape(a.dims.data(), static_cast<int>(a.dims.size()));
  }
  for (int k = 0; k < nin; ++k) {
    if (given[static_cast<std::size_t>(k)]) continue;
    const TensorInfo info = model->input_info(k);
    if (!info.shape.is_static())
      return usage_error(std::string("input \"") + info.name + "\" is declared " + info.shape.str().c_str() +
                         " with symbolic dims; give its shape with --input " + info.name + "=SHAPE");
    shapes[static_cast<std::size_t>(k)] = info.shape;
  }

  SessionOptions so;
  so.threads = static_cast<int>(threads);
  so.spin_microseconds = static_cast<int>(spin);
  so.min_flops_per_thread = min_flops;
  so.isa = isa;
  so.winograd = winograd;
  so.input_shapes = Span<const Shape>(shapes.data(), shapes.size());

  // Headline: latency without the profiler.
  std::vector<double> ms, cpu_ms;
  std::int64_t total_flops = 0;
  std::vector<std::int64_t> flops(static_cast<std::size_t>(model->reader().num_nodes()), -1);
  MemoryStats mem;
  {
    Session session(*model, so);
    if (!session.ok()) return fail("prepare", session.status());
    luodi_tools::Rng rng(static_cast<std::uint64_t>(seed));
    for (int k = 0; k < nin; ++k) luodi_tools::fill_random(session.input_ref(k), &rng);
    for (std::int32_t n = 0; n < model->reader().num_nodes(); ++n) {
      flops[static_cast<std::size_t>(n)] = luodi_tools::node_flops(*model, session, n);
      if (flops[static_cast<std::size_t>(n)] > 0) total_flops += flops[static_cast<std::size_t>(n)];
    }
    for (std::int64_t r = 0; r < warmup; ++r) session.run();
    for (std::int64_t r = 0; r < runs; ++r) {
      const std::clock_t c0 = std::clock();
      const auto t0 = std::chrono::steady_clock::now();
      session.run();
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      cpu_ms.push_back(1000.0 * static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC);
    }
    mem = session.memory();
  }
  const std::uint64_t peak_rss = luodi_tools::peak_rss_bytes();
  const double med = median(ms);
  const double lo = *std::min_element(ms.begin(), ms.end());
  const double hi = *std::max_element(ms.begin(), ms.end());
  const double cpu_med = median(cpu_ms), cpu_lo = *std::min_element(cpu_ms.begin(), cpu_ms.end());
  const double gflops = med > 0 ? static_cast<double>(total_flops) / (med * 1e6) : 0.0;
  const std::uint64_t weight_bytes = model->reader().data_bytes();

  std::vector<NodeProfile> nodes(static_cast<std::size_t>(model->reader().num_nodes()));
  const std::int64_t profile_runs = std::min<std::int64_t>(runs, 1000);  // bounds the per-node samples kept
  if (profile) {
    ProfileState st{&nodes};
    SessionOptions po = so;
    po.profile = &on_node;
    po.profile_user = &st;
    Session session(*model, po);
    if (!session.ok()) return fail("prepare (profile)", session.status());
    luodi_tools::Rng rng(static_cast<std::uint64_t>(seed));
    for (int k = 0; k < nin; ++k) luodi_tools::fill_random(session.input_ref(k), &rng);
    session.run();  // a warm-up, discarded below
    for (NodeProfile& np : nodes) np.us.clear();
    for (std::int64_t r = 0; r < profile_runs; ++r) session.run();
    for (std::size_t n = 0; n < nodes.size(); ++n) nodes[n].flops = flops[n];
  }
  double node_sum_us = 0;
  for (const NodeProfile& np : nodes)
    if (!np.us.empty()) node_sum_us += median(np.us);

  std::string shapes_text;
  for (int k = 0; k < nin; ++k)
    shapes_text += std::string(k ? "," : "") + model->input_info(k).name + "=" + shapes[static_cast<std::size_t>(k)].str().c_str();
  const CpuInfo cpu = cpu_info();

  if (json) {
    using luodi_tools::json_string;
    std::string o = "{";
    o += "\"model\":" + json_string(model_path.c_str());
    o += ",\"inputs\":" + json_string(shapes_text.c_str());
    o += ",\"isa\":" + json_string(isa_name(isa));
    o += ",\"cpu\":" + json_string(cpu.features.brand);
    o += ",\"threads\":" + std::to_string(threads);
    o += std::string(",\"winograd\":") + (winograd ? "true" : "false");
    o += ",\"runs\":" + std::to_string(runs);
    o += ",\"warmup\":" + std::to_string(warmup);
    o += ",\"median_ms\":" + fmt("%.6g", med);
    o += ",\"min_ms\":" + fmt("%.6g", lo);
    o += ",\"max_ms\":" + fmt("%.6g", hi);
    o += ",\"cpu_median_ms\":" + fmt("%.6g", cpu_med);
    o += ",\"cpu_min_ms\":" + fmt("%.6g", cpu_lo);
    o += ",\"flops\":" + std::to_string(total_flops);
    o += ",\"gflops_per_s\":" + fmt("%.6g", gflops);
    o += ",\"weight_bytes\":" + std::to_string(weight_bytes);
    o += ",\"arena_bytes\":" + std::to_string(mem.arena_used);
    o += ",\"packed_bytes\":" + std::to_string(mem.packed);
    o += ",\"activation_bytes\":" + std::to_string(mem.activations);
    o += ",\"peak_rss_bytes\":" + std::to_string(peak_rss);
    if (profile) {
      o += ",\"profile_total_ms\":" + fmt("%.6g", node_sum_us / 1000.0);
      o += ",\"nodes\":[";
      bool first = true;
      for (const NodeProfile& np : nodes) {
        if (np.us.empty()) continue;
        const double us = median(np.us);
        o += first ? "{" : ",{";
        first = false;
        o += "\"name\":" + json_string(np.name.c_str()) + ",\"op\":" + json_string(np.op.c_str()) +
             ",\"shape\":" + json_string(np.shape.c_str()) + ",\"ms\":" + fmt("%.6g", us / 1000.0) +
             ",\"share\":" + fmt("%.6g", node_sum_us > 0 ? us / node_sum_us : 0.0);
        if (np.flops > 0) o += ",\"flops\":" + std::to_string(np.flops) + ",\"gflops_per_s\":" + fmt("%.6g", us > 0 ? np.flops / (us * 1e3) : 0.0);
        o += "}";
      }
      o += "]";
    }
    o += "}\n";
    std::fputs(o.c_str(), stdout);
    return 0;
  }

  std::printf("model     %s (%s)\n", model_path.c_str(), shapes_text.c_str());
  char cpu_line[512];
  cpu.summary(cpu_line, sizeof cpu_line);
  std::printf("%s\n", cpu_line);
  std::printf("kernels   %s, %lld thread%s\n", isa_name(isa), static_cast<long long>(threads), threads == 1 ? "" : "s");
  std::printf("latency   median %.3f ms, min %.3f, max %.3f over %lld runs (%lld warm-up)\n", med, lo, hi,
              static_cast<long long>(runs), static_cast<long long>(warmup));
  std::printf("cpu time  median %.3f ms, min %.3f (process CPU time per run)\n", cpu_med, cpu_lo);
  if (total_flops > 0)
    std::printf("compute   %.3f GFLOP (Conv, ConvTranspose, Gemm, MatMul), %.2f GFLOP/s at the median\n", total_flops / 1e9, gflops);
  std::printf("memory    weights %llu B, arena %llu B (packed %llu, activations %llu), peak RSS %llu B\n",
              static_cast<unsigned long long>(weight_bytes), static_cast<unsigned long long>(mem.arena_used),
              static_cast<unsigned long long>(mem.packed), static_cast<unsigned long long>(mem.activations),
              static_cast<unsigned long long>(peak_rss));
  if (profile) {
    std::printf("\nper node (median over %lld profiled runs; share of the sum of node medians, %.3f ms)\n",
                static_cast<long long>(profile_runs), node_sum_us / 1000.0);
    std::printf("%5s  %-40s %-20s %-18s %10s %7s %9s\n", "#", "node", "op", "output", "ms", "share", "GFLOP/s");
    std::map<std::string, std::pair<double, int>> by_op;
    for (std::size_t n = 0; n < nodes.size(); ++n) {
      const NodeProfile& np = nodes[n];
      if (np.us.empty()) continue;
      const double us = median(np.us);
      by_op[np.op].first += us;
      by_op[np.op].second += 1;
      std::string name = np.name;
      if (name.size() > 40) name = "..." + name.substr(name.size() - 37);
      std::printf("%5zu  %-40s %-20s %-18s %10.4f %6.1f%% %9s\n", n, name.c_str(), np.op.c_str(), np.shape.c_str(),
                  us / 1000.0, node_sum_us > 0 ? 100.0 * us / node_sum_us : 0.0,
                  np.flops > 0 && us > 0 ? fmt("%.2f", np.flops / (us * 1e3)).c_str() : "-");
    }
    std::vector<std::pair<double, std::string>> ops;
    for (const auto& kv : by_op) ops.push_back({kv.second.first, kv.first});
    std::sort(ops.rbegin(), ops.rend());
    std::printf("\nper op type\n");
    for (const auto& p : ops)
      std::printf("  %-20s %4d nodes %10.4f ms %6.1f%%\n", p.second.c_str(), by_op[p.second].second, p.first / 1000.0,
                  node_sum_us > 0 ? 100.0 * p.first / node_sum_us : 0.0);
  }
  return 0;
}
