// The ops layer: one place per op for attributes, shapes and running.
//
// Every op luodi can run has an OpDef (ops/registry.hpp finds it by OpCode). Its prepare()
// gets a PrepareContext describing the node (name, op, attributes) and its inputs (dtype,
// shape, and the value when it is known at prepare time), and
//   * parses and validates the attributes (errors name the node, op and attribute),
//   * infers every output's dtype and shape with ONNX semantics,
//   * chooses the kernel for ctx.isa (Isa::scalar = the ref kernels) and stores what the
//     kernel needs in ctx's params (plain data, at most kMaxParamsBytes),
//   * states the scratch bytes the kernel needs, whether output 0 may overwrite an input
//     (in place), whether output 0 is input 0's bytes under another shape (a view), and the
//     bytes of pre-packed weights it wants (ctx.packed_bytes, filled by ctx.pack at the end).
// Its run function is noexcept and does nothing but call the kernel on the data pointers.
//
// Values at prepare time. Ops whose output *shape* depends on an input's *value* (Reshape's
// shape, Slice's starts, Resize's sizes, ConstantOfShape, Range, Expand, Tile, Pad...) read
// it from ctx.input(k)->data; when it is not known, prepare fails with Unsupported naming the
// input. The caller (a Session, or ops::infer_shapes on a graph::Graph) evaluates, at prepare
// time, every node whose inputs' values are known, and Shape nodes whose input shape is known:
// that is how a Shape -> Gather -> Concat -> Reshape chain on a dynamic input is resolved again
// for each new input size, without the converter having folded it.
//
// The same OpDefs serve the converter: ops/graph.hpp runs them on a graph::Graph
// (infer_shapes, evaluate, fold_constants). See docs/runtime.md.
#pragma once

#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <new>
#include <type_traits>

#include "../config.hpp"
#include "../core/dtype.hpp"
#include "../core/parallel.hpp"
#include "../core/shape.hpp"
#include "../core/status.hpp"
#include "../graph/attributes.hpp"
#include "../graph/op.hpp"
#include "../simd/dispatch.hpp"

namespace luodi {
namespace ops {

// Variadic ops (Concat, Sum, ...) up to this many inputs: DenseNet-201's widest Concat has 49.
// The cost is prepare-time stack (a TensorDesc per slot), never per-node memory in the arena.
inline constexpr int kMaxOpInputs = 64;
inline constexpr int kMaxOpOutputs = 16;  // Split up to this many
inline constexpr std::size_t kMaxParamsBytes = 1024;

// A known value's data pointer: never nullptr, even for a tensor of zero elements (whose
// storage may be nullptr), because nullptr means "not known at prepare time".
inline const void* value_ptr(const void* p) noexcept {
  static const std::uint64_t kEmpty[1] = {0};
  return p ? p : static_cast<const void*>(kEmpty);
}

// Every partial product of a shape's dims fits in kMaxElements: the product of its non-zero
// dims does. Shapes with a zero dim have no elements, but kernels' parameter code multiplies
// subsets of dims (the reduced ones, the ones before an axis...), so a file must not be able to
// make, say, [0, 2^40, 2^40] and overflow them. The runtime checks this wherever a shape comes
// from the file or from an op.
inline bool dims_bounded(const Shape& s) noexcept {
  std::int64_t n = 1;
  for (int d = 0; d < s.rank(); ++d)
    if (s[d] > 0 && !luodi::detail::checked_mul(n, s[d], &n)) return false;
  return true;
}

// What prepare knows about one tensor.
struct TensorDesc {
  DType dtype = DType::f32;
  Shape shape;
  const void* data = nullptr;  // the value, when known at prepare time (constant or evaluated)

  std::int64_t numel() const noexcept { return shape.numel(); }
  std::size_t bytes() const noexcept { return static_cast<std::size_t>(shape.numel()) * dtype_size(dtype); }
  template <class T>
  const T* as() const noexcept {
    return static_cast<const T*>(data);
  }
};

// What a run function receives. Pointers are resolved at prepare time; shapes and every other
// fact the kernel needs live in the params the op's prepare stored.
struct RunContext {
  const void* params = nullptr;
  const void* const* in = nullptr;  // input data, nullptr for an absent optional input
  void* const* out = nullptr;
  void* scratch = nullptr;           // ctx.scratch_bytes, 64-byte aligned
  const void* packed = nullptr;      // ctx.packed_bytes written by the op's pack()
  Executor* executor = nullptr;
  Isa isa = Isa::scalar;

  template <class P>
  const P& p() const noexcept {
    return *static_cast<const P*>(params);
  }
  template <class T = float>
  const T* input(int k) const noexcept {
    return static_cast<const T*>(in[k]);
  }
  template <class T = float>
  T* output(int k) const noexcept {
    return static_cast<T*>(out[k]);
  }
};

using RunFn = void (*)(const RunContext&) noexcept;
// Fill the packed-weights block (ctx.packed_bytes) from the node's constant inputs, once.
using PackFn = void (*)(const void* params, const void* const* in, void* packed) noexcept;

// What a node's pack() output depends on besides the values of its constant inputs: the op
// states it (ctx.set_pack_key) so that a session re-prepared for other input shapes can keep
// the bytes it packed before instead of packing again. Compared bytewise, with no hashing, so
// equal keys mean equal layouts; an op that sets no key is never reused. The session checks
// the rest itself: same node, same pack function, same packed_bytes, and every known input
// derived from the model's constants alone (never from an input's shape).
inline constexpr std::size_t kMaxPackKeyBytes = 160;
struct PackKey {
  std::uint32_t size = 0;  // 0: no key, not reusable
  std::uint32_t reserved = 0;
  alignas(8) unsigned char bytes[kMaxPackKeyBytes] = {};

  bool valid() const noexcept { return size != 0; }
  bool operator==(const PackKey& o) const noexcept {
    return size != 0 && size == o.size && std::memcmp(bytes, o.bytes, size) == 0;
  }
};

class PrepareContext {
 public:
  // The caller (session or graph tools) fills these before calling OpDef::prepare.
  const char* node_name = "";
  graph::OpCode op = graph::OpCode::Identity;
  graph::AttrList attrs;
  Isa isa = Isa::scalar;
  int concurrency = 1;  // the executor's threads: kernels size per-thread scratch with it
  bool winograd = true;  // SessionOptions::winograd
  int num_inputs = 0;
  int num_outputs = 0;
  const TensorDesc* inputs[kMaxOpInputs] = {};  // nullptr: an absent optional input
  TensorDesc outputs[kMaxOpOutputs];            // the op sets dtype and shape of each

  // The op sets these.
  RunFn run = nullptr;            // nullptr with is_view: nothing to run
  PackFn pack = nullptr;
  std::size_t scratch_bytes = 0;
  std::size_t packed_bytes = 0;
  int inplace_input = -1;         // output 0 may be written over input k (same bytes, same size)
  bool is_view = false;           // output 0 *is* input 0's bytes, reshaped (no run)
  PackKey pack_key;               // set with set_pack_key; empty: packed weights not reusable

  const char* op_name() const noexcept { return graph::op_name(op); }
  const TensorDesc* input(int k) const noexcept { return k < num_inputs ? inputs[k] : nullptr; }
  bool has_input(int k) const noexcept { return input(k) != nullptr; }
  TensorDesc& output(int k) noexcept { return outputs[k]; }

  // Store the op's parameters (plain data, trivially copyable).
  template <class P>
  P& set_params(const P& p) noexcept {
    static_assert(std::is_trivially_copyable<P>::value, "op params must be plain data");
    static_assert(sizeof(P) <= kMaxParamsBytes, "op params too large");
    static_assert(alignof(P) <= 16, "op params over-aligned");
    std::memcpy(params_, &p, sizeof(P));
    params_size_ = sizeof(P);
    return *std::launder(reinterpret_cast<P*>(params_));
  }
  const void* params() const noexcept { return params_; }

  // State everything pack()'s output depends on apart from the constant inputs' values (the
  // algorithm, tile sizes, dims it reads...). K must be plain data without padding bytes, so
  // that comparing bytes compares values.
  template <class K>
  void set_pack_key(const K& k) noexcept {
    static_assert(std::is_trivially_copyable<K>::value, "a pack key must be plain data");
    static_assert(std::has_unique_object_representations<K>::value, "a pack key must have no padding bytes");
    static_assert(sizeof(K) <= kMaxPackKeyBytes, "pack key too large");
    pack_key = PackKey();
    std::memcpy(pack_key.bytes, &k, sizeof(K));
    pack_key.size = static_cast<std::uint32_t>(sizeof(K));
  }
  std::size_t params_size() const noexcept { return params_size_; }

  // An error naming the node and op: node "conv1" (Conv): <message>.
  // num_inputs / num_outputs within the fixed arrays every caller sizes by kMaxOpInputs /
  // kMaxOpOutputs: checked before those arrays are filled, so a file cannot overrun them.
  Status check_io_counts() const noexcept {
    if (num_inputs > kMaxOpInputs || num_outputs > kMaxOpOutputs)
      return error(StatusCode::Unsupported, "%d inputs and %d outputs; at most %d and %d are supported", num_inputs,
                   num_outputs, kMaxOpInputs, kMaxOpOutputs);
    return Status();
  }

  Status error(StatusCode code, const char* fmt, ...) const noexcept LUODI_PRINTF_LIKE(3, 4) {
    char msg[Status::kMaxMessage];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return Status::error(code, "node \"%s\" (%s): %s", node_name, op_name(), msg);
  }
  // Add the node and op to a Status from a helper.
  Status wrap(Status s) const noexcept {
    if (!s.ok()) s.prepend("node \"%s\" (%s): ", node_name, op_name());
    return s;
  }

  // Attribute readers: absent leaves *out unchanged; a wrong type or count is BadAttribute
  // naming the node, op and attribute.
  Status attr_int(const char* name, std::int64_t* out, bool required = false) const noexcept {
    return wrap(attrs.read_int(name, out, required));
  }
  Status attr_float(const char* name, float* out, bool required = false) const noexcept {
    return wrap(attrs.read_float(name, out, required));
  }
  Status attr_ints(const char* name, std::int64_t* out, std::uint32_t capacity, std::uint32_t* count,
                   bool required = false) const noexcept {
    return wrap(attrs.read_ints(name, out, capacity, count, required));
  }
  Status attr_floats(const char* name, float* out, std::uint32_t capacity, std::uint32_t* count,
                     bool required = false) const noexcept {
    return wrap(attrs.read_floats(name, out, capacity, count, required));
  }
  // A string attribute copied into buf (NUL-terminated); absent leaves buf unchanged.
  Status attr_string(const char* name, char* buf, std::size_t cap, bool required = false) const noexcept {
    const char* s = nullptr;
    std::uint32_t n = 0;
    LUODI_RETURN_IF_ERROR(wrap(attrs.read_string(name, &s, &n, required)));
    if (s == nullptr) return Status();
    if (n >= cap) return error(StatusCode::BadAttribute, "attribute \"%s\" is %u bytes long; at most %zu", name,
                                 static_cast<unsigned>(n), cap - 1);
    std::memcpy(buf, s, n);
    buf[n] = '\0';
    return Status();
  }

  // Input checks with messages naming the input.
  Status require_input(int k, const char* what) const noexcept {
    if (!has_input(k)) return error(StatusCode::InvalidArgument, "input %d (%s) is required", k, what);
    return Status();
  }
  Status require_dtype(int k, DType want, const char* what) const noexcept {
    LUODI_RETURN_IF_ERROR(require_input(k, what));
    if (inputs[k]->dtype != want)
      return error(StatusCode::DTypeMismatch, "input %d (%s) is %s; %s is required", k, what,
                   dtype_name(inputs[k]->dtype), dtype_name(want));
    return Status();
  }
  // Input k must be f32; another dtype is Unsupported (the op's kernels are f32 only).
  Status require_f32(int k, const char* what) const noexcept {
    LUODI_RETURN_IF_ERROR(require_input(k, what));
    if (inputs[k]->dtype != DType::f32)
      return error(StatusCode::Unsupported, "input %d (%s) is %s; %s supports f32 only", k, what,
                   dtype_name(inputs[k]->dtype), op_name());
    return Status();
  }
  // The value of input k must be known now (a constant, or computed from shapes).
  Status require_value(int k, const char* what) const noexcept {
    LUODI_RETURN_IF_ERROR(require_input(k, what));
    if (inputs[k]->data == nullptr)
      return error(StatusCode::Unsupported,
                   "input %d (%s) decides the output shape, and its value is only known at run time; luodi needs it "
                   "at prepare time (a constant, or computed from input shapes)",
                   k, what);
    return Status();
  }
  // Read input k (i64 or i32, 1-D or scalar) as int64 values, at most `cap`.
  Status read_int_values(int k, const char* what, std::int64_t* out, int cap, int* count) const noexcept {
    LUODI_RETURN_IF_ERROR(require_value(k, what));
    const TensorDesc& t = *inputs[k];
    if (t.dtype != DType::i64 && t.dtype != DType::i32)
      return error(StatusCode::DTypeMismatch, "input %d (%s) is %s; i64 is required", k, what, dtype_name(t.dtype));
    if (t.shape.rank() > 1)
      return error(StatusCode::ShapeMismatch, "input %d (%s) has shape %s; a 1-D tensor is required", k, what,
                   t.shape.str().c_str());
    const std::int64_t n = t.shape.numel();
    if (n > cap)
      return error(StatusCode::OutOfRange, "input %d (%s) has %lld values; at most %d are supported", k, what,
                   static_cast<long long>(n), cap);
    for (std::int64_t i = 0; i < n; ++i) {
      if (t.dtype == DType::i64) {
        std::int64_t v;
        std::memcpy(&v, static_cast<const std::uint8_t*>(t.data) + 8 * i, 8);
        out[i] = v;
      } else {
        std::int32_t v;
        std::memcpy(&v, static_cast<const std::uint8_t*>(t.data) + 4 * i, 4);
        out[i] = v;
      }
    }
    *count = static_cast<int>(n);
    return Status();
  }

  // Read input k (f32, 1-D or scalar) as floats, at most `cap`.
  Status read_float_values(int k, const char* what, float* out, int cap, int* count) const noexcept {
    LUODI_RETURN_IF_ERROR(require_value(k, what));
    const TensorDesc& t = *inputs[k];
    if (t.dtype != DType::f32)
      return error(StatusCode::DTypeMismatch, "input %d (%s) is %s; f32 is required", k, what, dtype_name(t.dtype));
    if (t.shape.rank() > 1)
      return error(StatusCode::ShapeMismatch, "input %d (%s) has shape %s; a 1-D tensor is required", k, what,
                   t.shape.str().c_str());
    const std::int64_t n = t.shape.numel();
    if (n > cap)
      return error(StatusCode::OutOfRange, "input %d (%s) has %lld values; at most %d are supported", k, what,
                   static_cast<long long>(n), cap);
    if (n) std::memcpy(out, t.data, static_cast<std::size_t>(n) * sizeof(float));
    *count = static_cast<int>(n);
    return Status();
  }

  // A computed shape that kernels' parameter code is about to multiply out: static and bounded
  // (dims_bounded), else Overflow naming it.
  Status check_shape(const Shape& shape, const char* what) const noexcept {
    std::int64_t n = 0;
    if (!shape.checked_numel(&n) || !dims_bounded(shape))
      return error(shape.is_static() ? StatusCode::Overflow : StatusCode::ShapeMismatch, "%s would have shape %s, which is %s",
                   what, shape.str().c_str(), shape.is_static() ? "too large" : "not fully known");
    return Status();
  }

  // Set output k; checks that the shape is static and its byte size cannot overflow.
  Status set_output(int k, DType dtype, const Shape& shape) noexcept {
    std::int64_t n = 0;
    if (!shape.checked_numel(&n))
      return error(shape.is_static() ? StatusCode::Overflow : StatusCode::ShapeMismatch,
                   "output %d would have shape %s, which is %s", k, shape.str().c_str(),
                   shape.is_static() ? "too large" : "not fully known");
    std::int64_t bytes = 0;
    if (!luodi::detail::checked_mul(n, static_cast<std::int64_t>(dtype_size(dtype)), &bytes) || !dims_bounded(shape))
      return error(StatusCode::Overflow, "output %d of shape %s is too large", k, shape.str().c_str());
    outputs[k].dtype = dtype;
    outputs[k].shape = shape;
    outputs[k].data = nullptr;
    return Status();
  }

  // Reset the op-set fields (the caller reuses one context for many nodes).
  void reset_results() noexcept {
    run = nullptr;
    pack = nullptr;
    scratch_bytes = packed_bytes = 0;
    inplace_input = -1;
    is_view = false;
    pack_key = PackKey();
    params_size_ = 0;
    for (auto& o : outputs) o = TensorDesc();
  }

 private:
  alignas(16) unsigned char params_[kMaxParamsBytes] = {};
  std::size_t params_size_ = 0;
};

struct OpDef {
  Status (*prepare)(PrepareContext& ctx) noexcept = nullptr;
  // Bit k: prepare uses only input k's shape, never its value (Shape reads only the shape), so
  // the node can be evaluated at prepare time even when input k's value is a run-time one.
  std::uint32_t shape_only_inputs = 0;
};

}  // namespace ops
}  // namespace luodi
