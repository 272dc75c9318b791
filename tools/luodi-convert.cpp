// luodi-convert: ONNX -> .luodi. A thin CLI over onnx/import.hpp, graph/optimize.hpp and
// format/writer.hpp; every decision lives in those headers.
#include <luodi/format/reader.hpp>
#include <luodi/format/writer.hpp>
#include <luodi/graph/optimize.hpp>
#include <luodi/onnx/import.hpp>
#include <luodi/ops/graph.hpp>
#include <luodi/runtime/model.hpp>
#include <luodi/runtime/session.hpp>
#include <luodi/version.hpp>

#include <luodi/format/preprocess_record.hpp>
#include <luodi/image/preprocess.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "common/cli.hpp"
#include "common/sha256.hpp"

using namespace luodi;
using luodi_tools::PreprocessArgs;

namespace {

const char* kUsage =
    "usage: luodi-convert IN.onnx OUT.luodi [options]\n"
    "  --input NAME=1x3x224x224   fix the shape of graph input NAME (repeatable); replaces symbolic dims\n"
    "  --fp16                     store Conv/Gemm/MatMul weights as float16\n"
    "  --no-optimize              no constant folding, BatchNorm folding or fusion\n"
    "  --preprocess SPEC          store the preprocessing contract, e.g. imagenet,size=224x224\n"
    "                             (presets imagenet, ppocr, yolo; keys size resize align order interp\n"
    "                             layout pad roi pixel_scale mean std scale offset; see docs/converter.md)\n"
    "  --labels FILE              store class labels, one per line\n"
    "  --golden                   store a golden input/output pair computed by luodi's ref kernels\n"
    "  --list-unsupported         print every unsupported node and exit (1 if there are any)\n"
    "  --quiet                    no summary line\n";

int usage_error(const char* fmt, const char* arg) {
  std::fprintf(stderr, "luodi-convert: ");
  std::fprintf(stderr, fmt, arg);
  std::fprintf(stderr, "\n%s", kUsage);
  return 2;
}

struct Args {
  std::string in, out;
  std::vector<onnx::InputShape> shapes;
  bool fp16 = false, no_optimize = false, golden = false, list_unsupported = false, quiet = false;
  PreprocessArgs pre;
  std::string labels;
};

// Parses argv; returns -1 to go on, or an exit code.
int parse_args(int argc, char** argv, Args* a) {
  std::vector<std::string> pos;
  for (int i = 1; i < argc; ++i) {
    const std::string s = argv[i];
    auto value = [&](const char* flag) -> const char* {
      if (i + 1 >= argc) return nullptr;
      (void)flag;
      return argv[++i];
    };
    if (s == "-h" || s == "--help") {
      std::printf("%s", kUsage);
      return 0;
    } else if (s == "--input") {
      const char* v = value("--input");
      if (!v) return usage_error("%s needs NAME=SHAPE", "--input");
      std::string name, shape;
      if (!luodi_tools::split_name_value(v, &name, &shape) || name.empty())
        return usage_error("--input \"%s\": expected NAME=1x3x224x224", v);
      onnx::InputShape is;
      is.name = name;
      Status st = luodi_tools::parse_shape(shape, &is.dims);
      if (!st.ok()) return usage_error("--input: %s", st.message());
      for (const onnx::InputShape& o : a->shapes)
        if (o.name == name) return usage_error("--input %s is given twice", name.c_str());
      a->shapes.push_back(is);
    } else if (s == "--fp16") {
      a->fp16 = true;
    } else if (s == "--no-optimize") {
      a->no_optimize = true;
    } else if (s == "--golden") {
      a->golden = true;
    } else if (s == "--list-unsupported") {
      a->list_unsupported = true;
    } else if (s == "--quiet" || s == "-q") {
      a->quiet = true;
    } else if (s == "--preprocess") {
      const char* v = value("--preprocess");
      if (!v) return usage_error("%s needs a SPEC", "--preprocess");
      Status st = luodi_tools::parse_preprocess(v, &a->pre);
      if (!st.ok()) return usage_error("%s", st.message());
    } else if (s == "--labels") {
      const char* v = value("--labels");
      if (!v) return usage_error("%s needs a FILE", "--labels");
      a->labels = v;
    } else if (s.size() > 1 && s[0] == '-') {
      return usage_error("unknown option \"%s\"", s.c_str());
    } else {
      pos.push_back(s);
    }
  }
  if (a->list_unsupported && pos.size() == 1) pos.push_back("");
  if (pos.size() != 2) return usage_error("%s", pos.size() < 2 ? "IN.onnx and OUT.luodi are required" : "too many arguments");
  a->in = pos[0];
  a->out = pos[1];
  return -1;
}

Status read_labels(const std::string& path, std::vector<std::string>* out) {
  std::ifstream f(path);
  if (!f) return Status::error(StatusCode::NotFound, "cannot open labels file \"%s\"", path.c_str());
  std::string line;
  while (std::getline(f, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out->push_back(line);
  }
  if (out->empty()) return Status::error(StatusCode::InvalidArgument, "labels file \"%s\" is empty", path.c_str());
  return Status();
}

Status preprocess_bytes(const PreprocessArgs& p, const graph::Graph& g, std::vector<std::uint8_t>* out) {
  if (g.inputs.size() != 1)
    return Status::error(StatusCode::InvalidArgument, "--preprocess needs a model with one input; this one has %zu",
                         g.inputs.size());
  const graph::Value& in = g.values[static_cast<std::size_t>(g.inputs[0])];
  PreprocessSpec s;
  s.width = p.width;
  s.height = p.height;
  if (s.width == 0 || s.height == 0) {
    if (in.shape.rank() != 4 || in.shape[2] < 1 || in.shape[3] < 1)
      return Status::error(StatusCode::InvalidArgument,
                           "--preprocess: input \"%s\" is %s; give the tensor size with size=WxH", in.name.c_str(),
                           in.shape.str().c_str());
    const bool nhwc = p.layout == 2;
    s.height = static_cast<std::int32_t>(nhwc ? in.shape[1] : in.shape[2]);
    s.width = static_cast<std::int32_t>(nhwc ? in.shape[2] : in.shape[3]);
  }
  s.resize = static_cast<ResizeMode>(p.resize);
  s.align = static_cast<LetterboxAlign>(p.align);
  s.order = static_cast<ChannelOrder>(p.order);
  s.interp = p.interp == 0 ? image::Interp::Nearest : image::Interp::Linear;
  s.normalize = static_cast<NormalizeMode>(p.normalize);
  s.layout = p.layout == 2 ? Layout::NHWC : Layout::NCHW;
  s.pad_value = static_cast<std::uint8_t>(p.pad);
  s.roi = {p.roi[0], p.roi[1], p.roi[2], p.roi[3]};
  s.pixel_scale = p.pixel_scale;
  for (int c = 0; c < 3; ++c) {
    s.mean[c] = p.mean[c];
    s.stddev[c] = p.stddev[c];
    s.scale[c] = p.scale[c];
    s.offset[c] = p.offset[c];
  }
  Status v = s.validate();
  if (!v.ok()) return v.prepend("--preprocess: ");
  // The tensor the spec fills must be the model's input, where the model fixes it.
  const std::int64_t ch = s.channels();
  if (in.shape.rank() == 4) {
    const bool nhwc = s.layout == Layout::NHWC;
    const std::int64_t c = nhwc ? in.shape[3] : in.shape[1], h = nhwc ? in.shape[1] : in.shape[2],
                       w = nhwc ? in.shape[2] : in.shape[3];
    if ((c >= 0 && c != ch) || (h >= 0 && h != s.height) || (w >= 0 && w != s.width))
      return Status::error(StatusCode::ShapeMismatch, "--preprocess makes %lldx%dx%d (%s) but input \"%s\" is %s",
                           static_cast<long long>(ch), s.height, s.width, layout_name(s.layout), in.name.c_str(),
                           in.shape.str().c_str());
  }
  *out = format::preprocess_bytes(s);  // the PREPROCESS record, field by field
  return Status();
}

// Deterministic input values for the golden pair: a fixed LCG, uniform in [-1, 1).
void fill_golden_input(DType dt, std::size_t count, std::vector<std::uint8_t>* out, std::uint32_t seed) {
  std::uint32_t x = seed * 2654435761u + 12345u;
  auto next = [&]() {
    x = x * 1664525u + 1013904223u;
    return static_cast<float>(x >> 8) / 8388608.0f - 1.0f;
  };
  out->assign(count * dtype_size(dt), 0);
  for (std::size_t i = 0; i < count; ++i) {
    const float v = next();
    switch (dt) {
      case DType::f32: std::memcpy(out->data() + 4 * i, &v, 4); break;
      case DType::f16: {
        const std::uint16_t h = float_to_half(v);
        std::memcpy(out->data() + 2 * i, &h, 2);
        break;
      }
      default: break;  // integer inputs (indices, shapes): zeros are always in range
    }
  }
}

// Runs the written model once with luodi's ref kernels (Isa::scalar) on a deterministic input
// and stores the pair in the graph's metadata.
Status compute_golden(graph::Graph& g, const std::vector<std::uint8_t>& file) {
  for (std::int32_t i : g.inputs)
    if (!g.values[static_cast<std::size_t>(i)].shape.is_static())
      return Status::error(StatusCode::InvalidArgument, "--golden needs static input shapes; give --input %s=...",
                           g.values[static_cast<std::size_t>(i)].name.c_str());
  AlignedBuffer copy;
  LUODI_ASSIGN_OR_RETURN(copy, AlignedBuffer::create(file.size()));
  std::memcpy(copy.data(), file.data(), file.size());
  LUODI_ASSIGN_OR_RETURN(Model model, Model::from_memory(copy.data(), file.size()));
  SessionOptions so;
  so.isa = Isa::scalar;
  Session s(model, so);
  if (!s.ok()) return Status(s.status()).prepend("golden: ");
  g.meta.golden_inputs.clear();
  g.meta.golden_outputs.clear();
  for (int i = 0; i < s.num_inputs(); ++i) {
    TensorRef t = s.input_ref(i);
    std::vector<std::uint8_t> bytes;
    fill_golden_input(t.dtype, static_cast<std::size_t>(t.shape.numel()), &bytes, static_cast<std::uint32_t>(i + 1));
    if (!bytes.empty()) std::memcpy(t.data, bytes.data(), bytes.size());
    g.meta.golden_inputs.push_back(std::move(bytes));
  }
  s.run();
  for (int i = 0; i < s.num_outputs(); ++i) {
    const TensorRef t = s.output_ref(i);
    const std::size_t n = static_cast<std::size_t>(t.shape.numel()) * dtype_size(t.dtype);
    const std::uint8_t* p = static_cast<const std::uint8_t*>(t.data);
    g.meta.golden_outputs.emplace_back(p, p + n);
  }
  g.meta.has_golden = true;
  return Status();
}

std::string ops_summary(const graph::Graph& g) {
  std::map<std::string, int> counts;
  for (const graph::Node& n : g.nodes) ++counts[graph::op_name(n.op)];
  std::string s;
  for (const auto& kv : counts) {
    if (!s.empty()) s += " ";
    s += kv.first + "x" + std::to_string(kv.second);
  }
  return s;
}

std::uint64_t weight_bytes(const graph::Graph& g) {
  std::uint64_t b = 0;
  for (const graph::Value& v : g.values)
    if (v.is_constant) b += v.data.size();
  return b;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  const int rc = parse_args(argc, argv, &a);
  if (rc >= 0) return rc;
  const auto t0 = std::chrono::steady_clock::now();

  std::vector<std::uint8_t> onnx_bytes;
  Status st = onnx::read_file(a.in, &onnx_bytes);
  if (!st.ok()) {
    std::fprintf(stderr, "luodi-convert: %s: %s\n", st.code_name(), st.message());
    return 1;
  }
  onnx::ImportOptions io;
  io.base_dir = onnx::directory_of(a.in);
  io.input_shapes = a.shapes;
  graph::Graph g;
  onnx::ImportReport rep;
  st = onnx::import_bytes(onnx_bytes.data(), onnx_bytes.size(), io, &g, &rep);
  std::vector<std::string> problems;
  for (const onnx::Problem& p : rep.problems) problems.push_back(p.message());
  const std::size_t nodes_onnx = rep.onnx_nodes;
  graph::OptimizeReport orep;
  std::vector<graph::CheckProblem> cp;
  if (st.ok()) {
    graph::OptimizeOptions oo;
    oo.fp16_weights = a.fp16 && !a.no_optimize;
    if (a.no_optimize) oo.fold = oo.fuse = false;
    st = graph::optimize(g, oo, &orep, &cp);
    for (const graph::CheckProblem& p : cp) problems.push_back(p.message);
  }
  if (a.list_unsupported) {
    for (const std::string& p : problems) std::printf("%s\n", p.c_str());
    if (problems.empty() && !st.ok()) std::printf("%s: %s\n", st.code_name(), st.message());
    std::printf("%zu problem%s in %s (%zu nodes, opset %lld)\n", problems.size(), problems.size() == 1 ? "" : "s",
                a.in.c_str(), rep.onnx_nodes, static_cast<long long>(rep.opset));
    return problems.empty() && st.ok() ? 0 : 1;
  }
  if (!problems.empty()) {
    std::fprintf(stderr, "luodi-convert: %s: cannot convert (%zu problem%s)\n", a.in.c_str(), problems.size(),
                 problems.size() == 1 ? "" : "s");
    const std::size_t show = problems.size() < 10 ? problems.size() : 10;
    for (std::size_t i = 0; i < show; ++i) std::fprintf(stderr, "  %s\n", problems[i].c_str());
    if (show < problems.size())
      std::fprintf(stderr, "  ... and %zu more; --list-unsupported prints them all\n", problems.size() - show);
    return 1;
  }
  if (!st.ok()) {
    std::fprintf(stderr, "luodi-convert: %s: %s: %s\n", a.in.c_str(), st.code_name(), st.message());
    return 1;
  }
  if (a.fp16 && a.no_optimize) std::fprintf(stderr, "luodi-convert: note: --fp16 is applied only with optimisation\n");

  g.meta.converter_version = std::string("luodi-convert ") + LUODI_VERSION_STRING;
  g.meta.source_hash = luodi_tools::sha256_hex(onnx_bytes.data(), onnx_bytes.size());
  if (!a.labels.empty()) {
    st = read_labels(a.labels, &g.meta.labels);
    if (!st.ok()) {
      std::fprintf(stderr, "luodi-convert: %s\n", st.message());
      return 1;
    }
  }
  if (a.pre.given) {
    st = preprocess_bytes(a.pre, g, &g.meta.preprocess);
    if (!st.ok()) {
      std::fprintf(stderr, "luodi-convert: %s\n", st.message());
      return 1;
    }
  }

  auto bytes = format::write(g);
  if (bytes.ok() && a.golden) {
    st = compute_golden(g, *bytes);
    if (st.ok()) bytes = format::write(g);
  }
  if (!bytes.ok() || !st.ok()) {
    const Status& e = !st.ok() ? st : bytes.status();
    std::fprintf(stderr, "luodi-convert: %s: %s\n", e.code_name(), e.message());
    return 1;
  }
  std::FILE* f = std::fopen(a.out.c_str(), "wb");
  if (!f || std::fwrite(bytes->data(), 1, bytes->size(), f) != bytes->size() || std::fclose(f) != 0) {
    std::fprintf(stderr, "luodi-convert: cannot write \"%s\"\n", a.out.c_str());
    return 1;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!a.quiet) {
    const std::uint64_t wb = weight_bytes(g);
    std::printf("luodi-convert: %s -> %s: %zu -> %zu nodes (%s), weights %.2f MB%s%s, %.2f s\n", a.in.c_str(),
                a.out.c_str(), nodes_onnx, g.nodes.size(), ops_summary(g).c_str(), static_cast<double>(wb) / 1e6,
                a.fp16 && !a.no_optimize ? " (fp16)" : "", a.golden ? ", golden pair" : "", secs);
    if (!a.no_optimize)
      std::printf("  %s shapes; folded %d nodes, %d BatchNorm; fused %d scale/bias, %d residual, %d activation, "
                  "%d pattern; removed %d pass-through, %d dead\n",
                  orep.static_shapes ? "static" : "symbolic", orep.folded_nodes, orep.folded_batchnorm, orep.fused_bias,
                  orep.fused_residual, orep.fused_activation, orep.fused_patterns, orep.removed_passthrough,
                  orep.dead_nodes);
  }
  return 0;
}
