// ONNX -> luodi graph IR.
//
// The importer turns a parsed ModelProto (proto.hpp) into a graph::Graph whose nodes follow the
// op list in graph/ops.def, at ONNX opset-17 semantics. Models of default-domain opsets 1 to 17
// are read; older forms are normalised so that the rest of luodi sees one form per op:
//
//   attributes that became inputs      Clip min/max (<11), Squeeze/Unsqueeze axes (<13),
//                                      Reduce* axes (all of them; opset-18 form), Slice
//                                      starts/ends/axes (<10), Pad pads/value (<11), Split split
//                                      (<13), Dropout (ratio/training_mode dropped)
//   ops that were replaced             Upsample (7, 9) -> Resize (asymmetric, nearest floor);
//                                      Resize-10 -> Resize-11 form; Constant -> a constant value
//   legacy attributes                  consumed_inputs (<6), is_test, BatchNorm spatial, Gemm
//                                      broadcast; Add/Sub/Mul/Div/Equal/... broadcast+axis (<7)
//                                      become an Unsqueeze of B so numpy broadcasting applies;
//                                      PRelu-6's per-channel 1-D slope likewise
//   semantics that changed             Softmax/LogSoftmax (<13) coerce to 2-D at `axis`: unless
//                                      axis is the last one, Flatten -> Softmax(-1) -> Reshape
//   empty optional inputs              a constant empty tensor in an optional slot (Resize's
//                                      roi/scales) becomes an absent input (-1)
//
// Attributes keep their ONNX names, types and meaning, with the conventions of ops/schema.hpp
// where ONNX has no AttrList form:
//   Cast.to                -> a luodi::DType value, not an ONNX TensorProto code.
//   ConstantOfShape.value  -> "value" (Float for float types, Int for integer and bool types)
//                             and "dtype" (Int, luodi::DType) unless the output is f32; absent
//                             value: f32 zero, no attributes.
//
// Every problem is collected rather than returned at the first one, so `luodi-convert
// --list-unsupported` can print them all: each names the node, the op type, its domain and
// opset, and the reason. import_model() returns Unsupported (or the first hard error's code)
// with a summary when there is any problem; the graph is only usable when it returns ok.
//
// Structural checks on the way: an input name that nothing produces, a value produced twice,
// cycles (including a node reading its own output) and graph outputs that are never produced
// are errors; nodes out of topological order are reordered.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstring>
#include <initializer_list>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "../core/dtype.hpp"
#include "../core/shape.hpp"
#include "../core/status.hpp"
#include "../graph/attributes.hpp"
#include "../graph/ir.hpp"
#include "../graph/op.hpp"
#include "proto.hpp"

namespace luodi {
namespace onnx {

inline constexpr std::int64_t kMinOpset = 1;
inline constexpr std::int64_t kMaxOpset = 17;

// A fixed shape for one graph input ("--input NAME=1x3x224x224").
struct InputShape {
  std::string name;
  std::vector<std::int64_t> dims;
};

struct ImportOptions {
  // The model's directory, for external data. import_file() fills it from the path.
  std::string base_dir;
  // Shapes for graph inputs. They replace unknown or symbolic dims; a known dim that differs is
  // an error. Inputs not named here keep the model's declared shape.
  std::vector<InputShape> input_shapes;
};

// One thing the importer could not convert.
struct Problem {
  StatusCode code = StatusCode::Unsupported;
  std::string node;     // node name (or "#index" when the node has none); "" for model-level
  std::string op_type;  // "" for model-level problems
  std::string domain;   // "" is the default domain
  std::int64_t opset = 0;
  std::string reason;

  std::string message() const {
    if (op_type.empty()) return reason;
    std::string s = "node \"" + node + "\" (";
    if (!domain.empty() && domain != "ai.onnx") s += domain + ":";
    s += op_type + ", opset " + std::to_string(opset) + "): " + reason;
    return s;
  }
};

struct ImportReport {
  std::vector<Problem> problems;
  std::int64_t opset = 0;       // default-domain opset of the model
  std::size_t onnx_nodes = 0;   // nodes in the ONNX graph
};

namespace detail {

inline std::string format(const char* fmt, ...) LUODI_PRINTF_LIKE(1, 2);
inline std::string format(const char* fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return buf;
}

class Importer {
 public:
  Importer(const ModelProto& m, const ImportOptions& opt, graph::Graph* g, ImportReport* report)
      : m_(m), opt_(opt), g_(*g), rep_(*report) {}

  Status run() {
    g_ = graph::Graph();
    rep_ = ImportReport();
    if (!m_.has_graph) return fail(StatusCode::ParseError, "the model has no graph");
    LUODI_RETURN_IF_ERROR(read_opsets());
    const GraphProto& gp = m_.graph;
    rep_.onnx_nodes = gp.node.size();
    g_.meta.producer = m_.producer_name + (m_.producer_version.empty() ? "" : " " + m_.producer_version);
    if (gp.sparse_initializer_count)
      model_problem(StatusCode::Unsupported, format("the graph has %zu sparse initializers; luodi reads dense tensors only",
                                                    gp.sparse_initializer_count));
    read_value_infos();
    read_initializers();
    read_inputs();
    declare_node_outputs();
    for (std::size_t i = 0; i < gp.node.size(); ++i) convert_node(gp.node[i], i);
    read_outputs();
    if (!rep_.problems.empty()) return summary();
    Status s = g_.topological_sort();
    if (s.ok()) s = g_.validate();
    if (!s.ok()) {
      model_problem(s.code(), s.message());
      return s;
    }
    return Status();
  }

 private:
  // ---- problems -----------------------------------------------------------------------------
  Status fail(StatusCode c, const std::string& msg) {
    model_problem(c, msg);
    return summary();
  }
  void model_problem(StatusCode c, const std::string& reason) {
    Problem p;
    p.code = c;
    p.reason = reason;
    rep_.problems.push_back(std::move(p));
  }
  Status summary() const {
    const Problem& first = rep_.problems.front();
    StatusCode code = StatusCode::Unsupported;
    for (const Problem& p : rep_.problems)
      if (p.code != StatusCode::Unsupported) {
        code = p.code;
        break;
      }
    const std::string m = first.message();
    if (rep_.problems.size() == 1) return Status::error(code, "%s", m.c_str());
    return Status::error(code, "%zu problems; the first: %s", rep_.problems.size(), m.c_str());
  }

  // ---- model-level --------------------------------------------------------------------------
  Status read_opsets() {
    bool have_default = false;
    for (const OperatorSetIdProto& o : m_.opset_import) {
      const std::string d = o.domain == "ai.onnx" ? "" : o.domain;
      opsets_[d] = o.version;
      if (d.empty()) have_default = true;
    }
    if (!have_default) {
      if (m_.opset_import.empty() && m_.ir_version > 0 && m_.ir_version < 3) {
        opsets_[""] = 1;  // IR v1/v2 files predate opset_import; they are opset 1
      } else {
        return fail(StatusCode::Unsupported, "the model imports no default-domain (ai.onnx) opset");
      }
    }
    const std::int64_t v = opsets_[""];
    rep_.opset = v;
    if (v < kMinOpset || v > kMaxOpset)
      return fail(StatusCode::Unsupported, format("the model uses ai.onnx opset %lld; luodi reads opsets %lld to %lld",
                                                  static_cast<long long>(v), static_cast<long long>(kMinOpset),
                                                  static_cast<long long>(kMaxOpset)));
    return Status();
  }

  void read_value_infos() {
    for (const ValueInfoProto& vi : m_.graph.value_info)
      if (vi.has_type && vi.type.is_tensor && vi.type.has_shape) known_rank_[vi.name] = static_cast<int>(vi.type.dims.size());
    for (const ValueInfoProto& vi : m_.graph.output)
      if (vi.has_type && vi.type.is_tensor && vi.type.has_shape) known_rank_[vi.name] = static_cast<int>(vi.type.dims.size());
  }

  void read_initializers() {
    TensorDataOptions topt;
    topt.base_dir = opt_.base_dir;
    for (std::size_t i = 0; i < m_.graph.initializer.size(); ++i) {
      const TensorProto& t = m_.graph.initializer[i];
      if (t.name.empty()) {
        model_problem(StatusCode::ParseError, format("initializer #%zu has no name", i));
        continue;
      }
      if (names_.count(t.name)) {
        model_problem(StatusCode::InvalidArgument, format("initializer \"%s\" is defined twice", t.name.c_str()));
        continue;
      }
      if (t.name.size() > 4096) {
        model_problem(StatusCode::InvalidArgument, "an initializer name is longer than 4096 bytes");
        continue;
      }
      graph::Value v;
      v.name = t.name;
      v.is_constant = true;
      Status s = tensor_data(t, topt, &v.dtype, &v.shape, &v.data);
      if (!s.ok()) {
        model_problem(s.code(), std::string("initializer: ") + s.message());
        names_[t.name] = -2;  // known but unusable: readers get no second error
        continue;
      }
      known_rank_[t.name] = v.shape.rank();
      init_names_.insert(t.name);
      names_[t.name] = g_.add_value(std::move(v));
    }
  }

  void read_inputs() {
    std::set<std::string> overridden;
    for (const ValueInfoProto& vi : m_.graph.input) {
      if (init_names_.count(vi.name)) continue;  // an initializer listed as an input (IR < 4): a constant
      if (names_.count(vi.name)) {
        model_problem(StatusCode::InvalidArgument, format("graph input \"%s\" is declared twice", vi.name.c_str()));
        continue;
      }
      if (vi.name.empty()) {
        model_problem(StatusCode::ParseError, "a graph input has no name");
        continue;
      }
      graph::Value v;
      v.name = vi.name;
      const InputShape* ov = nullptr;
      for (const InputShape& is : opt_.input_shapes)
        if (is.name == vi.name) ov = &is;
      if (ov) overridden.insert(vi.name);
      if (!vi.has_type || !vi.type.is_tensor) {
        model_problem(StatusCode::Unsupported, format("graph input \"%s\" is not a tensor", vi.name.c_str()));
        names_[vi.name] = -2;
        continue;
      }
      if (!dtype_from_onnx(vi.type.elem_type, &v.dtype)) {
        model_problem(StatusCode::Unsupported,
                      format("graph input \"%s\" has element type %s, which luodi does not hold", vi.name.c_str(),
                             onnx_type_name(vi.type.elem_type)));
        names_[vi.name] = -2;
        continue;
      }
      Status s = input_shape(vi, ov, &v);
      if (!s.ok()) {
        model_problem(s.code(), s.message());
        names_[vi.name] = -2;
        continue;
      }
      known_rank_[vi.name] = v.shape.rank();
      const std::int32_t idx = g_.add_value(std::move(v));
      names_[vi.name] = idx;
      g_.inputs.push_back(idx);
    }
    for (const InputShape& is : opt_.input_shapes)
      if (!overridden.count(is.name))
        model_problem(StatusCode::NotFound, format("a shape was given for \"%s\", which is not a graph input", is.name.c_str()));
  }

  static Status input_shape(const ValueInfoProto& vi, const InputShape* ov, graph::Value* v) {
    const char* name = vi.name.c_str();
    if (!vi.type.has_shape && !ov)
      return Status::error(StatusCode::InvalidArgument,
                           "graph input \"%s\" has no declared shape; give one (--input %s=1x3x224x224)", name, name);
    std::vector<std::int64_t> dims;
    std::vector<std::string> dnames;
    bool any_name = false;
    if (vi.type.has_shape) {
      if (vi.type.dims.size() > static_cast<std::size_t>(kMaxRank))
        return Status::error(StatusCode::Unsupported, "graph input \"%s\" has rank %zu; luodi supports up to %d", name,
                             vi.type.dims.size(), kMaxRank);
      for (std::size_t i = 0; i < vi.type.dims.size(); ++i) {
        const Dimension& d = vi.type.dims[i];
        if (d.has_value && d.value < 0)
          return Status::error(StatusCode::OutOfRange, "graph input \"%s\" declares dimension %zu as %lld", name, i,
                               static_cast<long long>(d.value));
        dims.push_back(d.has_value ? d.value : -1);
        dnames.push_back(d.param);
        if (!d.param.empty()) any_name = true;
      }
    }
    if (ov) {
      if (ov->dims.size() > static_cast<std::size_t>(kMaxRank))
        return Status::error(StatusCode::OutOfRange, "the shape given for \"%s\" has rank %zu; at most %d", name,
                             ov->dims.size(), kMaxRank);
      for (std::int64_t d : ov->dims)
        if (d < 0) return Status::error(StatusCode::OutOfRange, "the shape given for \"%s\" has a negative dim", name);
      if (vi.type.has_shape) {
        if (ov->dims.size() != dims.size())
          return Status::error(StatusCode::ShapeMismatch, "graph input \"%s\" has rank %zu; the shape given has rank %zu",
                               name, dims.size(), ov->dims.size());
        for (std::size_t i = 0; i < dims.size(); ++i)
          if (dims[i] >= 0 && dims[i] != ov->dims[i])
            return Status::error(StatusCode::ShapeMismatch,
                                 "graph input \"%s\" fixes dimension %zu to %lld; the shape given has %lld", name, i,
                                 static_cast<long long>(dims[i]), static_cast<long long>(ov->dims[i]));
      }
      dims = ov->dims;
      dnames.assign(dims.size(), std::string());
      any_name = false;
    }
    v->shape = Shape(dims.data(), static_cast<int>(dims.size()));
    std::int64_t n;
    if (v->shape.is_static() && !v->shape.checked_numel(&n))
      return Status::error(StatusCode::Overflow, "graph input \"%s\": element count of %s overflows", name,
                           v->shape.str().c_str());
    if (any_name) v->dim_names = dnames;
    return Status();
  }

  void declare_node_outputs() {
    for (std::size_t i = 0; i < m_.graph.node.size(); ++i) {
      const NodeProto& n = m_.graph.node[i];
      for (const std::string& o : n.output) {
        if (o.empty()) continue;
        auto it = names_.find(o);
        if (it != names_.end()) {
          Problem p = node_problem(n, i, StatusCode::InvalidArgument,
                                   format("output \"%s\" is already produced by another node, an initializer or a graph input",
                                          o.c_str()));
          rep_.problems.push_back(std::move(p));
          continue;
        }
        graph::Value v;
        v.name = o;
        v.shape = Shape();  // filled by shape inference
        names_[o] = g_.add_value(std::move(v));
      }
    }
  }

  void read_outputs() {
    for (const ValueInfoProto& vi : m_.graph.output) {
      auto it = names_.find(vi.name);
      if (it == names_.end()) {
        model_problem(StatusCode::NotFound, format("graph output \"%s\" is never produced", vi.name.c_str()));
        continue;
      }
      if (it->second < 0) continue;  // its producer already has a problem
      bool dup = false;
      for (std::int32_t o : g_.outputs) dup = dup || o == it->second;
      if (dup) {
        model_problem(StatusCode::InvalidArgument, format("graph output \"%s\" is listed twice", vi.name.c_str()));
        continue;
      }
      graph::Value& v = g_.values[static_cast<std::size_t>(it->second)];
      if (vi.has_type && vi.type.is_tensor && !v.is_constant && !is_input(it->second)) {
        DType dt;
        if (dtype_from_onnx(vi.type.elem_type, &dt)) v.dtype = dt;
      }
      g_.outputs.push_back(it->second);
    }
    if (m_.graph.output.empty()) model_problem(StatusCode::InvalidArgument, "the graph has no outputs");
  }

  bool is_input(std::int32_t v) const {
    for (std::int32_t i : g_.inputs)
      if (i == v) return true;
    return false;
  }

  // ---- nodes --------------------------------------------------------------------------------
  std::string display_name(const NodeProto& n, std::size_t index) const {
    if (!n.name.empty()) return n.name;
    return "#" + std::to_string(index) + (n.output.empty() ? std::string() : " -> " + n.output[0]);
  }
  Problem node_problem(const NodeProto& n, std::size_t index, StatusCode c, const std::string& reason) const {
    Problem p;
    p.code = c;
    p.node = display_name(n, index);
    p.op_type = n.op_type;
    p.domain = n.domain;
    auto it = opsets_.find(n.domain == "ai.onnx" ? "" : n.domain);
    p.opset = it == opsets_.end() ? 0 : it->second;
    p.reason = reason;
    return p;
  }

  // The state of one node's conversion.
  struct Ctx {
    const NodeProto* n = nullptr;
    std::size_t index = 0;
    std::int64_t opset = 0;
    std::string name;
    std::vector<std::int32_t> in;   // value index per ONNX input, -1 for "" or absent
    std::vector<std::int32_t> out;  // value index per ONNX output, -1 for ""
    std::set<std::string> used_attrs;
    bool failed = false;

    const AttributeProto* attr(const std::string& a) {
      for (const AttributeProto& x : n->attribute)
        if (x.name == a) {
          used_attrs.insert(a);
          return &x;
        }
      return nullptr;
    }
    std::int32_t input(std::size_t i) const { return i < in.size() ? in[i] : -1; }
  };

  void problem(Ctx& c, const std::string& reason, StatusCode code = StatusCode::Unsupported) {
    rep_.problems.push_back(node_problem(*c.n, c.index, code, reason));
    c.failed = true;
  }

  // Attribute readers that accept what old exporters write (type unset, int for float).
  bool attr_int(Ctx& c, const std::string& a, std::int64_t* out) {
    const AttributeProto* p = c.attr(a);
    if (!p) return false;
    if (p->type == AttributeProto::kInt || (p->type == 0 && p->has_i)) {
      *out = p->i;
      return true;
    }
    problem(c, format("attribute \"%s\" should be an int", a.c_str()), StatusCode::BadAttribute);
    return false;
  }
  bool attr_float(Ctx& c, const std::string& a, float* out) {
    const AttributeProto* p = c.attr(a);
    if (!p) return false;
    if (p->type == AttributeProto::kFloat || (p->type == 0 && p->has_f)) {
      *out = p->f;
      return true;
    }
    if (p->type == AttributeProto::kInt) {
      *out = static_cast<float>(p->i);
      return true;
    }
    problem(c, format("attribute \"%s\" should be a float", a.c_str()), StatusCode::BadAttribute);
    return false;
  }
  bool attr_ints(Ctx& c, const std::string& a, std::vector<std::int64_t>* out) {
    const AttributeProto* p = c.attr(a);
    if (!p) return false;
    if (p->type == AttributeProto::kInts || (p->type == 0 && !p->ints.empty())) {
      *out = p->ints;
      return true;
    }
    problem(c, format("attribute \"%s\" should be a list of ints", a.c_str()), StatusCode::BadAttribute);
    return false;
  }
  bool attr_floats(Ctx& c, const std::string& a, std::vector<float>* out) {
    const AttributeProto* p = c.attr(a);
    if (!p) return false;
    if (p->type == AttributeProto::kFloats || (p->type == 0 && !p->floats.empty())) {
      *out = p->floats;
      return true;
    }
    problem(c, format("attribute \"%s\" should be a list of floats", a.c_str()), StatusCode::BadAttribute);
    return false;
  }
  bool attr_string(Ctx& c, const std::string& a, std::string* out) {
    const AttributeProto* p = c.attr(a);
    if (!p) return false;
    if (p->type == AttributeProto::kString || (p->type == 0 && p->has_s)) {
      *out = p->s;
      return true;
    }
    problem(c, format("attribute \"%s\" should be a string", a.c_str()), StatusCode::BadAttribute);
    return false;
  }

  // Copies the node's remaining ONNX attributes into the AttrList form, except `skip`.
  void pass_attrs(Ctx& c, graph::AttrWriter& w, std::initializer_list<const char*> skip) {
    for (const AttributeProto& a : c.n->attribute) {
      bool skipped = a.name == "consumed_inputs";  // legacy (opset < 6), meaningless at inference
      for (const char* s : skip)
        if (a.name == s) skipped = true;
      if (skipped || c.used_attrs.count(a.name)) continue;
      if (a.name.empty() || a.name.size() > graph::kMaxAttrNameLen) {
        problem(c, "an attribute has an empty or over-long name", StatusCode::BadAttribute);
        continue;
      }
      if (!a.ref_attr_name.empty()) {
        problem(c, format("attribute \"%s\" refers to a function attribute", a.name.c_str()));
        continue;
      }
      std::int32_t t = a.type;
      if (t == 0) {  // IR v1 files: infer from the fields present
        if (a.has_f) t = AttributeProto::kFloat;
        else if (a.has_i) t = AttributeProto::kInt;
        else if (a.has_s) t = AttributeProto::kString;
        else if (!a.floats.empty()) t = AttributeProto::kFloats;
        else if (!a.ints.empty()) t = AttributeProto::kInts;
        else if (!a.t.empty()) t = AttributeProto::kTensor;
        else if (!a.g.empty()) t = AttributeProto::kGraph;
      }
      switch (t) {
        case AttributeProto::kInt: w.set_int(a.name, a.i); break;
        case AttributeProto::kFloat: w.set_float(a.name, a.f); break;
        case AttributeProto::kInts:
          if (a.ints.size() > graph::kMaxAttrCount) return problem(c, "attribute \"" + a.name + "\" is too long");
          w.set_ints(a.name, a.ints);
          break;
        case AttributeProto::kFloats:
          if (a.floats.size() > graph::kMaxAttrCount) return problem(c, "attribute \"" + a.name + "\" is too long");
          w.set_floats(a.name, a.floats);
          break;
        case AttributeProto::kString:
          if (a.s.size() > graph::kMaxAttrCount) return problem(c, "attribute \"" + a.name + "\" is too long");
          w.set_string(a.name, a.s);
          break;
        case AttributeProto::kGraph:
        case AttributeProto::kGraphs:
          problem(c, format("attribute \"%s\" is a subgraph; luodi runs no control flow", a.name.c_str()));
          break;
        default:
          problem(c, format("attribute \"%s\" has type %d, which luodi does not read here", a.name.c_str(), a.type));
          break;
      }
    }
  }

  // ---- building blocks ---------------------------------------------------------------------
  std::string unique_name(const std::string& base) {
    std::string n = base;
    int k = 1;
    while (names_.count(n)) n = base + "_" + std::to_string(k++);
    names_[n] = -3;  // reserved
    return n;
  }
  std::int32_t add_const(const std::string& base, DType dt, const Shape& shape, const void* bytes, std::size_t nbytes) {
    graph::Value v;
    v.name = unique_name(base);
    v.dtype = dt;
    v.shape = shape;
    v.is_constant = true;
    v.data.assign(static_cast<const std::uint8_t*>(bytes), static_cast<const std::uint8_t*>(bytes) + nbytes);
    const std::string nm = v.name;
    const std::int32_t idx = g_.add_value(std::move(v));
    names_[nm] = idx;
    known_rank_[nm] = shape.rank();
    return idx;
  }
  std::int32_t const_i64(const std::string& base, const std::vector<std::int64_t>& v) {
    const std::int64_t n = static_cast<std::int64_t>(v.size());
    return add_const(base, DType::i64, Shape{n}, v.data(), v.size() * 8);
  }
  std::int32_t const_f32_scalar(const std::string& base, float x) {
    return add_const(base, DType::f32, Shape(), &x, 4);
  }
  std::int32_t new_value(const std::string& base) {
    graph::Value v;
    v.name = unique_name(base);
    const std::string nm = v.name;
    const std::int32_t idx = g_.add_value(std::move(v));
    names_[nm] = idx;
    return idx;
  }
  void emit(Ctx& c, graph::OpCode op, std::vector<std::int32_t> inputs, std::vector<std::int32_t> outputs,
            std::vector<std::uint8_t> attrs, const std::string& suffix = std::string()) {
    while (!inputs.empty() && inputs.back() == -1) inputs.pop_back();
    graph::Node node;
    node.op = op;
    node.name = suffix.empty() ? c.name : c.name + suffix;
    node.inputs = std::move(inputs);
    node.outputs = std::move(outputs);
    node.attrs = std::move(attrs);
    node.source_op = c.n->op_type;
    node.source_domain = c.n->domain;
    node.source_opset = c.opset;
    g_.add_node(std::move(node));
  }
  const graph::Value* constant(std::int32_t v) const {
    if (v < 0) return nullptr;
    const graph::Value& x = g_.values[static_cast<std::size_t>(v)];
    return x.is_constant ? &x : nullptr;
  }
  bool is_empty_const(std::int32_t v) const {
    const graph::Value* x = constant(v);
    return x && x->data.empty();
  }
  int rank_of(std::int32_t v) const {
    if (v < 0) return -1;
    auto it = known_rank_.find(g_.values[static_cast<std::size_t>(v)].name);
    return it == known_rank_.end() ? -1 : it->second;
  }
  // The used outputs of the node beyond the first `keep`: an output is used when a later node
  // reads it or it is a graph output.
  bool output_used(const std::string& name) const {
    if (name.empty()) return false;
    for (const NodeProto& n : m_.graph.node)
      for (const std::string& i : n.input)
        if (i == name) return true;
    for (const ValueInfoProto& o : m_.graph.output)
      if (o.name == name) return true;
    return false;
  }
  bool extra_outputs_unused(Ctx& c, std::size_t keep, const char* what) {
    for (std::size_t i = keep; i < c.n->output.size(); ++i)
      if (output_used(c.n->output[i])) {
        problem(c, format("output %zu (%s) is used; luodi computes only the first %zu output%s", i, what, keep,
                          keep == 1 ? "" : "s"));
        return false;
      }
    return true;
  }
  std::vector<std::int32_t> first_outputs(const Ctx& c, std::size_t k) const {
    return std::vector<std::int32_t>(c.out.begin(), c.out.begin() + static_cast<std::ptrdiff_t>(std::min(k, c.out.size())));
  }

  void convert_node(const NodeProto& n, std::size_t index) {
    Ctx c;
    c.n = &n;
    c.index = index;
    c.name = display_name(n, index);
    const std::string dom = n.domain == "ai.onnx" ? "" : n.domain;
    auto it = opsets_.find(dom);
    if (it == opsets_.end()) {
      c.opset = 0;
      return problem(c, format("domain \"%s\" is not imported by the model", n.domain.c_str()));
    }
    c.opset = it->second;
    if (!dom.empty()) return problem(c, "luodi reads only the default ONNX domain (ai.onnx)");
    for (const std::string& f : m_.function_names)
      if (f == ":" + n.op_type) return problem(c, "model-local functions are not supported");
    // Resolve inputs.
    for (const std::string& i : n.input) {
      if (i.empty()) {
        c.in.push_back(-1);
        continue;
      }
      auto v = names_.find(i);
      if (v == names_.end())
        return problem(c, format("reads \"%s\", which no node, initializer or graph input produces", i.c_str()),
                       StatusCode::NotFound);
      if (v->second < 0) {  // its producer already reported a problem
        c.failed = true;
        return;
      }
      c.in.push_back(v->second);
    }
    for (const std::string& o : n.output) {
      if (o.empty()) {
        c.out.push_back(-1);
        continue;
      }
      auto v = names_.find(o);
      c.out.push_back(v == names_.end() ? -1 : v->second);
    }
    for (std::int32_t o : c.out)
      if (o < -1) {
        c.failed = true;  // duplicate output, already reported
        return;
      }
    dispatch(c);
  }

  // Checks arity against the op list once the inputs are normalised.
  bool arity(Ctx& c, std::size_t min_in, std::size_t max_in, std::size_t min_out = 1) {
    if (c.in.size() < min_in || c.in.size() > max_in) {
      problem(c, format("has %zu inputs; expected %zu to %zu", c.in.size(), min_in, max_in), StatusCode::InvalidArgument);
      return false;
    }
    if (c.out.size() < min_out || (min_out > 0 && c.out[0] < 0)) {
      problem(c, "has no output", StatusCode::InvalidArgument);
      return false;
    }
    for (std::size_t i = 0; i < min_in; ++i)
      if (c.in[i] < 0) {
        problem(c, format("required input %zu is empty", i), StatusCode::InvalidArgument);
        return false;
      }
    return true;
  }

  // The general case: inputs and attributes as they are, outputs up to the op list's limit.
  void simple(Ctx& c, graph::OpCode op, std::initializer_list<const char*> skip = {}) {
    const graph::OpInfo& info = graph::op_info(op);
    const std::size_t max_in = info.max_inputs < 0 ? 1u << 20 : static_cast<std::size_t>(info.max_inputs);
    if (!arity(c, static_cast<std::size_t>(info.min_inputs), max_in)) return;
    const std::size_t max_out = info.max_outputs < 0 ? c.out.size() : static_cast<std::size_t>(info.max_outputs);
    if (!extra_outputs_unused(c, max_out, "an output luodi does not compute")) return;
    graph::AttrWriter w;
    pass_attrs(c, w, skip);
    if (c.failed) return;
    std::vector<std::int32_t> outs = first_outputs(c, max_out);
    while (!outs.empty() && outs.back() < 0) outs.pop_back();
    for (std::int32_t o : outs)
      if (o < 0) return problem(c, "an output in the middle is empty", StatusCode::InvalidArgument);
    emit(c, op, c.in, outs, w.take());
  }

  // Moves an ints attribute to a constant i64 input at position `pos` (if the attribute exists).
  bool attr_to_input(Ctx& c, const char* a, std::size_t pos) {
    std::vector<std::int64_t> v;
    if (!attr_ints(c, a, &v)) return !c.failed;
    if (c.in.size() <= pos) c.in.resize(pos + 1, -1);
    c.in[pos] = const_i64(c.name + "/" + a, v);
    return true;
  }

  void dispatch(Ctx& c) {
    using graph::OpCode;
    const std::string& t = c.n->op_type;
    const std::int64_t v = c.opset;
    if (t == "Constant") return op_constant(c);
    if (t == "Upsample") return op_upsample(c);
    if (t == "Resize") return op_resize(c);
    if (t == "Add" || t == "Sub" || t == "Mul" || t == "Div" || t == "Equal" || t == "Less" || t == "Greater" ||
        t == "Pow" || t == "PRelu")
      return op_binary(c);
    if (t == "Clip") return op_clip(c);
    if (t == "Squeeze" || t == "Unsqueeze") {
      if (v < 13 && !attr_to_input(c, "axes", 1)) return;
      return simple(c, t == "Squeeze" ? OpCode::Squeeze : OpCode::Unsqueeze);
    }
    if (t == "ReduceMean" || t == "ReduceMax" || t == "ReduceMin" || t == "ReduceL2" || t == "ReduceProd" ||
        t == "ReduceSum") {
      const bool sum13 = t == "ReduceSum" && v >= 13;
      if (!sum13 && !attr_to_input(c, "axes", 1)) return;
      OpCode op = OpCode::ReduceMean;
      graph::op_from_onnx(t.c_str(), &op);
      return simple(c, op);
    }
    if (t == "Slice") {
      if (v < 10) {
        std::vector<std::int64_t> starts, ends, axes;
        const bool hs = attr_ints(c, "starts", &starts), he = attr_ints(c, "ends", &ends);
        const bool ha = attr_ints(c, "axes", &axes);
        if (c.failed) return;
        if (!hs || !he) return problem(c, "Slice-1 needs the starts and ends attributes", StatusCode::BadAttribute);
        c.in.resize(1);
        c.in.push_back(const_i64(c.name + "/starts", starts));
        c.in.push_back(const_i64(c.name + "/ends", ends));
        if (ha) c.in.push_back(const_i64(c.name + "/axes", axes));
      }
      return simple(c, OpCode::Slice);
    }
    if (t == "Pad") return op_pad(c);
    if (t == "Split") {
      if (v < 13) {
        if (v < 2 && c.in.size() > 1) return problem(c, "Split-1 with a split input is not supported");
        if (!attr_to_input(c, "split", 1)) return;
      }
      return simple(c, OpCode::Split);
    }
    if (t == "Softmax" || t == "LogSoftmax") return op_softmax(c);
    if (t == "BatchNormalization") return op_batchnorm(c);
    if (t == "Dropout") return op_dropout(c);
    if (t == "ConstantOfShape") return op_constant_of_shape(c);
    if (t == "Cast") return op_cast(c);
    if (t == "Gemm") return simple(c, OpCode::Gemm, {"broadcast"});
    if (t == "MaxPool") {
      if (!extra_outputs_unused(c, 1, "Indices")) return;
      return simple(c, OpCode::MaxPool);
    }
    if (t == "Reshape" && v < 5) {
      if (!attr_to_input(c, "shape", 1)) return;
      if (c.in.size() < 2) return problem(c, "Reshape-1 without a shape attribute", StatusCode::BadAttribute);
      return simple(c, OpCode::Reshape);
    }
    if (t == "Tile" && v < 6) return problem(c, "Tile-1 (tiles/axis inputs) is not supported; re-export at opset >= 6");
    if (t == "Concat" && v < 4 && !c.attr("axis")) {
      graph::AttrWriter w;
      w.set_int("axis", 1);  // Concat-1 defaulted to axis 1
      pass_attrs(c, w, {});
      if (!c.failed && arity(c, 1, 1u << 20)) emit(c, OpCode::Concat, c.in, first_outputs(c, 1), w.take());
      return;
    }
    if (t == "Identity") return simple(c, OpCode::Identity);
    if (t == "Gelu" || t == "Silu") {
      OpCode op = OpCode::Gelu;
      graph::op_from_onnx(t.c_str(), &op);
      return simple(c, op);
    }
    if (t == "If" || t == "Loop" || t == "Scan")
      return problem(c, "control flow (subgraphs) is not supported; luodi runs static CNN graphs");
    OpCode op = OpCode::Identity;
    if (graph::op_from_onnx(t.c_str(), &op)) return simple(c, op, {"is_test", "spatial"});
    return problem(c, "luodi has no such op");
  }

  // ---- ops that need more than pass-through ------------------------------------------------
  void op_constant(Ctx& c) {
    if (c.out.empty() || c.out[0] < 0) return problem(c, "has no output", StatusCode::InvalidArgument);
    graph::Value& v = g_.values[static_cast<std::size_t>(c.out[0])];
    v.is_constant = true;
    const AttributeProto* a = nullptr;
    for (const AttributeProto& x : c.n->attribute) {
      if (a) return problem(c, "has more than one value attribute", StatusCode::BadAttribute);
      a = &x;
    }
    if (!a) return problem(c, "has no value attribute", StatusCode::BadAttribute);
    if (a->name == "value" && !a->t.empty()) {
      TensorDataOptions topt;
      topt.base_dir = opt_.base_dir;
      Status s = tensor_data(a->t[0], topt, &v.dtype, &v.shape, &v.data);
      if (!s.ok()) return problem(c, s.message(), s.code());
    } else if (a->name == "value_float") {
      v.dtype = DType::f32;
      v.shape = Shape();
      v.data.resize(4);
      std::memcpy(v.data.data(), &a->f, 4);
    } else if (a->name == "value_floats") {
      v.dtype = DType::f32;
      v.shape = Shape{static_cast<std::int64_t>(a->floats.size())};
      v.data.resize(a->floats.size() * 4);
      if (!a->floats.empty()) std::memcpy(v.data.data(), a->floats.data(), v.data.size());
    } else if (a->name == "value_int") {
      v.dtype = DType::i64;
      v.shape = Shape();
      v.data.resize(8);
      std::memcpy(v.data.data(), &a->i, 8);
    } else if (a->name == "value_ints") {
      v.dtype = DType::i64;
      v.shape = Shape{static_cast<std::int64_t>(a->ints.size())};
      v.data.resize(a->ints.size() * 8);
      if (!a->ints.empty()) std::memcpy(v.data.data(), a->ints.data(), v.data.size());
    } else {
      return problem(c, format("value attribute \"%s\" is not supported (strings and sparse tensors are not)",
                               a->name.c_str()));
    }
    known_rank_[v.name] = v.shape.rank();
    // No node: the output is now a constant. Nothing refers to this Ctx again.
  }

  void op_binary(Ctx& c) {
    using graph::OpCode;
    const std::string& t = c.n->op_type;
    OpCode op = OpCode::Add;
    graph::op_from_onnx(t.c_str(), &op);
    if (c.opset < 7 && t != "PRelu") {
      std::int64_t broadcast = 0, axis = 0;
      attr_int(c, "broadcast", &broadcast);
      const bool has_axis = attr_int(c, "axis", &axis);
      if (c.failed) return;
      if (broadcast && has_axis && c.in.size() == 2 && c.in[0] >= 0 && c.in[1] >= 0) {
        // Legacy broadcast: B's dims line up with A's starting at `axis`. Numpy broadcasting
        // lines them up at the end, so append the missing trailing 1s to B.
        const int ra = rank_of(c.in[0]), rb = rank_of(c.in[1]);
        if (ra < 0 || rb < 0)
          return problem(c, "legacy broadcast with an axis needs the ranks of both inputs, which the model does not declare");
        const std::int64_t ax = axis < 0 ? axis + ra : axis;
        if (ax < 0 || ax + rb > ra)
          return problem(c, format("legacy broadcast axis %lld does not fit ranks %d and %d", static_cast<long long>(axis),
                                   ra, rb),
                         StatusCode::BadAttribute);
        const std::int64_t extra = ra - ax - rb;
        if (extra > 0) {
          std::vector<std::int64_t> axes;
          for (std::int64_t k = 0; k < extra; ++k) axes.push_back(rb + k);
          const std::int32_t ax_c = const_i64(c.name + "/axes", axes);
          const std::int32_t b2 = new_value(c.name + "/b_aligned");
          known_rank_[g_.values[static_cast<std::size_t>(b2)].name] = ra - static_cast<int>(ax);
          emit(c, OpCode::Unsqueeze, {c.in[1], ax_c}, {b2}, {}, "/align");
          c.in[1] = b2;
        }
      }
    }
    if (c.opset < 7 && t == "PRelu" && c.in.size() == 2 && c.in[0] >= 0 && c.in[1] >= 0) {
      // PRelu-1/6: a 1-D slope of size C is per channel (axis 1); opset 7 broadcasts it like
      // NumPy (from the last axis), so give it trailing 1s.
      const int rx = rank_of(c.in[0]), rs = rank_of(c.in[1]);
      const graph::Value* slope = constant(c.in[1]);
      const bool per_channel = slope ? slope->shape.rank() == 1 && slope->shape[0] > 1 : rs == 1;
      if (per_channel) {
        if (rx < 0) return problem(c, "PRelu-6 with a per-channel slope needs the input's rank, which the model does not declare");
        if (rx > 2) {
          std::vector<std::int64_t> axes;
          for (int k = 1; k <= rx - 2; ++k) axes.push_back(k);
          const std::int32_t ax_c = const_i64(c.name + "/axes", axes);
          const std::int32_t s2 = new_value(c.name + "/slope_aligned");
          known_rank_[g_.values[static_cast<std::size_t>(s2)].name] = rx - 1;
          emit(c, OpCode::Unsqueeze, {c.in[1], ax_c}, {s2}, {}, "/align");
          c.in[1] = s2;
        }
      }
    }
    simple(c, op, {"broadcast", "axis"});
  }

  void op_clip(Ctx& c) {
    if (c.opset < 11) {
      float lo = 0, hi = 0;
      const bool has_lo = attr_float(c, "min", &lo), has_hi = attr_float(c, "max", &hi);
      if (c.failed) return;
      c.in.resize(1);
      c.in.push_back(has_lo ? const_f32_scalar(c.name + "/min", lo) : -1);
      c.in.push_back(has_hi ? const_f32_scalar(c.name + "/max", hi) : -1);
    }
    simple(c, graph::OpCode::Clip);
  }

  void op_pad(Ctx& c) {
    if (c.opset < 11) {
      std::vector<std::int64_t> pads;
      const bool hp = attr_ints(c, c.opset < 2 ? "paddings" : "pads", &pads);
      float value = 0;
      const bool hv = attr_float(c, "value", &value);
      if (c.failed) return;
      if (!hp) return problem(c, "has no pads attribute", StatusCode::BadAttribute);
      c.in.resize(1);
      c.in.push_back(const_i64(c.name + "/pads", pads));
      c.in.push_back(hv ? const_f32_scalar(c.name + "/value", value) : -1);
    }
    std::string mode = "constant";
    attr_string(c, "mode", &mode);
    if (c.failed) return;
    if (mode != "constant" && mode != "reflect" && mode != "edge")
      return problem(c, "mode \"" + mode + "\" is not constant, reflect or edge", StatusCode::BadAttribute);
    c.used_attrs.erase("mode");
    simple(c, graph::OpCode::Pad);
  }

  void op_softmax(Ctx& c) {
    using graph::OpCode;
    const OpCode op = c.n->op_type == "Softmax" ? OpCode::Softmax : OpCode::LogSoftmax;
    if (c.opset >= 13) return simple(c, op);
    std::int64_t axis = 1;
    attr_int(c, "axis", &axis);
    if (c.failed || !arity(c, 1, 1)) return;
    const int r = rank_of(c.in[0]);
    if (axis == -1 || (r >= 0 && (axis == r - 1 || (axis < 0 && axis + r == r - 1)))) {
      graph::AttrWriter w;
      w.set_int("axis", -1);
      return emit(c, op, c.in, first_outputs(c, 1), w.take());
    }
    // Softmax-1/11: the input is viewed as 2-D [prod(dims[:axis]), prod(dims[axis:])] and the
    // softmax runs over the second. Flatten gives exactly that view; reshape back afterwards.
    const std::int32_t flat = new_value(c.name + "/flat");
    const std::int32_t soft = new_value(c.name + "/soft2d");
    const std::int32_t shp = new_value(c.name + "/shape");
    graph::AttrWriter wf;
    wf.set_int("axis", axis);
    emit(c, OpCode::Flatten, {c.in[0]}, {flat}, wf.take(), "/flatten");
    graph::AttrWriter ws;
    ws.set_int("axis", -1);
    emit(c, op, {flat}, {soft}, ws.take(), "/softmax");
    emit(c, OpCode::Shape, {c.in[0]}, {shp}, {}, "/shape");
    emit(c, OpCode::Reshape, {soft, shp}, first_outputs(c, 1), {}, "/reshape");
  }

  void op_batchnorm(Ctx& c) {
    std::int64_t spatial = 1, training = 0, is_test = 1;
    attr_int(c, "spatial", &spatial);
    attr_int(c, "training_mode", &training);
    attr_int(c, "is_test", &is_test);
    if (c.failed) return;
    if (spatial == 0 && c.opset < 9)
      return problem(c, "spatial=0 (per-activation statistics) is not supported");
    if (training) return problem(c, "training_mode=1 is not supported; export the model in eval mode");
    if (!extra_outputs_unused(c, 1, "running statistics")) return;
    simple(c, graph::OpCode::BatchNormalization, {"momentum"});
  }

  void op_dropout(Ctx& c) {
    using graph::OpCode;
    if (!arity(c, 1, 3)) return;
    if (c.input(2) >= 0) {
      const graph::Value* tm = constant(c.input(2));
      if (!tm) return problem(c, "training_mode is not a constant");
      for (std::uint8_t b : tm->data)
        if (b) return problem(c, "training_mode is true; luodi runs inference only");
    }
    c.attr("ratio");
    c.attr("seed");
    c.attr("is_test");
    c.in.resize(1);
    const std::int32_t mask = c.out.size() > 1 ? c.out[1] : -1;
    emit(c, OpCode::Dropout, c.in, {c.out[0]}, {});
    if (mask >= 0 && output_used(c.n->output[1])) {
      // At inference the mask is all true: Shape -> ConstantOfShape(bool 1).
      const std::int32_t shp = new_value(c.name + "/mask_shape");
      emit(c, OpCode::Shape, {c.in[0]}, {shp}, {}, "/mask_shape");
      graph::AttrWriter w;
      w.set_int("dtype", static_cast<std::int64_t>(DType::boolean)).set_int("value", 1);
      emit(c, OpCode::ConstantOfShape, {shp}, {mask}, w.take(), "/mask");
    }
  }

  void op_constant_of_shape(Ctx& c) {
    graph::AttrWriter w;
    const AttributeProto* a = c.attr("value");
    DType out_type = DType::f32;
    if (a) {
      if (a->t.empty()) return problem(c, "attribute \"value\" should be a tensor", StatusCode::BadAttribute);
      DType dt;
      Shape s;
      std::vector<std::uint8_t> bytes;
      Status st = tensor_data(a->t[0], TensorDataOptions(), &dt, &s, &bytes);
      if (!st.ok()) return problem(c, std::string("value: ") + st.message(), st.code());
      if (s.numel() != 1) return problem(c, "value must hold exactly one element", StatusCode::BadAttribute);
      out_type = dt;
      switch (dt) {
        case DType::f32: {
          float f;
          std::memcpy(&f, bytes.data(), 4);
          w.set_float("value", f);
          break;
        }
        case DType::f16: {
          std::uint16_t h;
          std::memcpy(&h, bytes.data(), 2);
          w.set_float("value", half_to_float(h));
          break;
        }
        case DType::i64: {
          std::int64_t i;
          std::memcpy(&i, bytes.data(), 8);
          w.set_int("value", i);
          break;
        }
        case DType::i32: {
          std::int32_t i;
          std::memcpy(&i, bytes.data(), 4);
          w.set_int("value", i);
          break;
        }
        case DType::i8: w.set_int("value", static_cast<std::int8_t>(bytes[0])); break;
        case DType::u8:
        case DType::boolean: w.set_int("value", bytes[0]); break;
      }
    }
    if (out_type != DType::f32) w.set_int("dtype", static_cast<std::int64_t>(out_type));
    if (!arity(c, 1, 1)) return;
    pass_attrs(c, w, {});
    if (c.failed) return;
    emit(c, graph::OpCode::ConstantOfShape, c.in, first_outputs(c, 1), w.take());
  }

  void op_cast(Ctx& c) {
    std::int64_t to = 0;
    const AttributeProto* a = c.attr("to");
    if (!a) return problem(c, "has no \"to\" attribute", StatusCode::BadAttribute);
    if (a->has_s && c.opset < 6) {
      // Cast-1 named the type as a string.
      static const char* kNames[] = {"UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16", "INT32", "INT64",
                                     "STRING", "BOOL", "FLOAT16", "DOUBLE"};
      to = -1;
      for (int i = 0; i < 12; ++i)
        if (a->s == kNames[i]) to = i;
    } else {
      to = a->i;
    }
    DType dt;
    if (to < 0 || to > 16 || !dtype_from_onnx(static_cast<std::int32_t>(to), &dt))
      return problem(c, format("cast to %s is not supported (luodi holds float, float16, int8, uint8, int32, int64, bool)",
                               to >= 0 && to <= 16 ? onnx_type_name(static_cast<std::int32_t>(to)) : "an unknown type"));
    graph::AttrWriter w;
    w.set_int("to", static_cast<std::int64_t>(dt));
    if (!arity(c, 1, 1)) return;
    pass_attrs(c, w, {"saturate"});
    if (c.failed) return;
    emit(c, graph::OpCode::Cast, c.in, first_outputs(c, 1), w.take());
  }

  // Resize-10 and Upsample share one meaning: out = floor(in * scale), asymmetric coordinates,
  // nearest takes floor(out / scale).
  void emit_legacy_resize(Ctx& c, std::int32_t x, std::int32_t scales) {
    std::string mode = "nearest";
    attr_string(c, "mode", &mode);
    if (c.failed) return;
    if (mode == "bilinear") mode = "linear";  // Upsample-7 accepted "bilinear"
    if (mode != "nearest" && mode != "linear") return problem(c, "mode \"" + mode + "\" is not supported");
    graph::AttrWriter w;
    w.set_string("mode", mode).set_string("coordinate_transformation_mode", "asymmetric");
    if (mode == "nearest") w.set_string("nearest_mode", "floor");
    emit(c, graph::OpCode::Resize, {x, -1, scales}, first_outputs(c, 1), w.take());
  }

  void op_upsample(Ctx& c) {
    if (c.opset >= 10) return problem(c, "Upsample is deprecated at opset >= 10; use Resize");
    if (c.out.empty() || c.out[0] < 0 || c.in.empty() || c.in[0] < 0)
      return problem(c, "needs an input and an output", StatusCode::InvalidArgument);
    std::int32_t scales = -1;
    if (c.opset < 9) {
      std::vector<float> s;
      if (!attr_floats(c, "scales", &s)) {
        if (!c.failed) problem(c, "has no scales attribute", StatusCode::BadAttribute);
        return;
      }
      scales = add_const(c.name + "/scales", DType::f32, Shape{static_cast<std::int64_t>(s.size())}, s.data(), s.size() * 4);
    } else {
      if (c.in.size() != 2 || c.in[1] < 0) return problem(c, "Upsample-9 needs the scales input", StatusCode::InvalidArgument);
      scales = c.in[1];
    }
    emit_legacy_resize(c, c.in[0], scales);
  }

  void op_resize(Ctx& c) {
    if (c.opset < 10) return problem(c, "Resize needs opset >= 10");
    if (c.out.empty() || c.out[0] < 0 || c.in.empty() || c.in[0] < 0)
      return problem(c, "needs an input and an output", StatusCode::InvalidArgument);
    if (c.opset == 10) {
      if (c.in.size() != 2 || c.in[1] < 0) return problem(c, "Resize-10 needs the scales input", StatusCode::InvalidArgument);
      return emit_legacy_resize(c, c.in[0], c.in[1]);
    }
    // Opset 11/12 require roi and scales inputs even when unused: empty constants mean absent.
    for (std::size_t i = 1; i < c.in.size() && i < 4; ++i)
      if (is_empty_const(c.in[i])) c.in[i] = -1;
    std::string mode = "nearest", ctm = "half_pixel";
    attr_string(c, "mode", &mode);
    attr_string(c, "coordinate_transformation_mode", &ctm);
    c.used_attrs.erase("mode");
    c.used_attrs.erase("coordinate_transformation_mode");
    if (c.failed) return;
    if (mode != "nearest" && mode != "linear" && mode != "cubic")
      return problem(c, "mode \"" + mode + "\" is not nearest, linear or cubic", StatusCode::BadAttribute);
    if (ctm == "tf_crop_and_resize" && c.input(1) < 0)
      return problem(c, "tf_crop_and_resize needs the roi input", StatusCode::InvalidArgument);
    if (c.input(2) < 0 && c.input(3) < 0)
      return problem(c, "has neither scales nor sizes", StatusCode::InvalidArgument);
    simple(c, graph::OpCode::Resize);
  }

  const ModelProto& m_;
  const ImportOptions& opt_;
  graph::Graph& g_;
  ImportReport& rep_;
  std::map<std::string, std::int64_t> opsets_;
  // name -> value index; -2 for names whose definition failed, -3 reserved during creation.
  std::map<std::string, std::int32_t> names_;
  std::map<std::string, int> known_rank_;
  std::set<std::string> init_names_;
};

}  // namespace detail

// Converts a parsed model. On any problem, returns an error whose message summarises them and
// fills report->problems with all of them.
inline Status import_model(const ModelProto& model, const ImportOptions& options, graph::Graph* out,
                           ImportReport* report) {
  ImportReport local;
  detail::Importer imp(model, options, out, report ? report : &local);
  return imp.run();
}

// Parses and converts ONNX bytes.
inline Status import_bytes(const std::uint8_t* data, std::size_t size, const ImportOptions& options, graph::Graph* out,
                           ImportReport* report) {
  ModelProto m;
  Status s = parse_model(data, size, &m);
  if (!s.ok()) {
    if (report) {
      *report = ImportReport();
      Problem p;
      p.code = s.code();
      p.reason = s.message();
      report->problems.push_back(p);
    }
    return s;
  }
  return import_model(m, options, out, report);
}

#if LUODI_HAS_FILESYSTEM
// Reads, parses and converts an .onnx file; external data is looked for next to it.
inline Status import_file(const std::string& path, const ImportOptions& options, graph::Graph* out,
                          ImportReport* report) {
  std::vector<std::uint8_t> bytes;
  Status s = read_file(path, &bytes);
  if (!s.ok()) {
    if (report) {
      *report = ImportReport();
      Problem p;
      p.code = s.code();
      p.reason = s.message();
      report->problems.push_back(p);
    }
    return s;
  }
  ImportOptions opt = options;
  if (opt.base_dir.empty()) opt.base_dir = directory_of(path);
  return import_bytes(bytes.data(), bytes.size(), opt, out, report);
}
#endif

}  // namespace onnx
}  // namespace luodi
