// Session: one planned arena, shapes bound to actual input sizes, and run().
//
//   auto model = luodi::Model::load("net.luodi");
//   luodi::Session session(*model);                       // or Session::create(...) -> Result
//   if (!session.ok()) { puts(session.status().message()); ... }
//   luodi::TensorView<float> in = session.input(0);       // write the input here
//   session.run();                                        // noexcept, no heap
//   luodi::TensorView<const float> out = session.output(0);
//
// Prepare (at creation, and again after set_input_shape()):
//   1. shape inference for the bound input sizes, node by node, through the ops layer
//      (ops/registry.hpp), which also parses attributes and chooses each kernel for the
//      session's Isa (Isa::scalar, or LUODI_FORCE_REFERENCE, gives the ref kernels);
//   2. nodes whose inputs are all known now (constants, values computed here, Shape of a
//      known shape) are evaluated here, once; their outputs live with the session's tables;
//   3. reshape-like ops (Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout) become views:
//      their output is their input's bytes. An op that allows it (elementwise, activations)
//      writes over its input when nothing reads that input later;
//   4. liveness-based planning of every intermediate and scratch buffer into one region
//      (runtime/planner.hpp: greedy by size, as TFLite Micro and XNNPACK do);
//   5. weights that a kernel wants in another layout are packed once, into the arena. A
//      re-prepare keeps a node's packed block when it is provably the same bytes: same node,
//      same pack function and size, the same PackKey (ops/op.hpp: the op states everything its
//      pack output depends on; no key, no reuse), and every known input of the node derived
//      from the model's constants alone. Kept blocks stay where they are (or are moved, never
//      repacked); PrepareStats counts both.
// run() then only calls each node's kernel on pointers fixed at prepare time.
//
// Memory. Everything a session needs lives in one arena, laid out as
//   [ tables, params, prepare-time values | activations and scratch | ... | packed weights ]
// The packed region sits at the top of the arena, as [ records | blocks ]: a record per packing
// node (its pack function, key, size and offset), then the blocks, the ones kept from the last
// prepare first, in their previous order. A re-prepare plans below the previous region, so
// the blocks survive planning; when they are all kept, nothing moves.
// The arena is owned (sized exactly, reallocated only when a re-prepare needs more) or
// borrowed from the caller (Session(model, arena_span)): then prepare allocates nothing at all,
// and an arena that is too small is refused with the exact byte count needed (computed on the
// heap if one exists, else a lower bound is given). With a borrowed arena, one thread, and a
// Model from aligned memory, luodi touches no heap from load to run. Session::
// required_arena_bytes() tells an embedded developer what to reserve; the converter stores the
// activation part in the file's metadata.
//
// A Session is not thread-safe; use one per thread (they can share a Model). The Model must
// outlive its Sessions.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <utility>

#include "../config.hpp"
#include "../core/memory.hpp"
#include "../core/parallel.hpp"
#include "../core/span.hpp"
#include "../core/status.hpp"
#include "../core/tensor.hpp"
#include "../core/thread_pool.hpp"
#include "../ops/registry.hpp"
#include "model.hpp"
#include "planner.hpp"

#if !defined(LUODI_NO_CLOCK)
#include <chrono>
#endif

namespace luodi {

// One node's timing, for SessionOptions::profile.
struct ProfileEvent {
  std::int32_t node_index = 0;
  const char* node_name = "";
  graph::OpCode op = graph::OpCode::Identity;
  const char* op_name = "";
  Shape output_shape;
  double microseconds = 0.0;
};
using ProfileFn = void (*)(const ProfileEvent& event, void* user);

struct SessionOptions {
  int threads = 1;                 // > 1: the session starts a ThreadPool (heap, std::thread)
  Executor* executor = nullptr;    // or run on the caller's executor (overrides threads)
  // How long the pool's idle threads spin before they sleep (docs/runtime.md, "Threads"); 0 never
  // spins. Only for the pool the session starts (threads > 1).
  int spin_microseconds = kDefaultSpinMicroseconds;
  // Conv/GEMM nodes under twice this many FLOPs run whole on the calling thread (see
  // useful_threads in core/parallel.hpp); 0 splits every node. Only for the session's own pool.
  std::int64_t min_flops_per_thread = kMinFlopsPerThread;
  Isa isa = active_isa();          // Isa::scalar selects the ref kernels
  // false: 3x3 convolutions never use Winograd, whose packed weights are (m+2)^2/9 times the
  // raw ones (4x for F(4,3)); they run as GEMM instead, at the raw size and slower
  // (docs/runtime.md, "Memory").
  bool winograd = true;
  bool keep_intermediates = false; // every tensor keeps its own bytes, readable after run()
  // Graph inputs keep their values through run(), so run() can be repeated on the same input.
  // Off: an input's bytes are reused once its last reader has run (TFLite Micro's default),
  // which saves the input's size when it is part of the peak; refill the input before each run.
  bool preserve_inputs = true;
  ProfileFn profile = nullptr;     // called after every node with its time
  void* profile_user = nullptr;
  Span<const Shape> input_shapes;  // shapes for the graph inputs, in order; empty: declared
};

// Memory figures, in bytes.
struct MemoryStats {
  std::uint64_t weights_in_place = 0;  // model weights used where they lie (mapped or borrowed)
  std::uint64_t model_copied = 0;      // bytes the Model copied at load (unaligned memory)
  std::uint64_t packed = 0;            // weights repacked at prepare, in the arena
  std::uint64_t persistent = 0;        // tables, op params, values computed at prepare
  std::uint64_t activations = 0;       // the planned region: intermediates and scratch
  std::uint64_t lower_bound = 0;       // largest set of planned buffers live at one step
  std::uint64_t tensor_lower_bound = 0;  // the same over tensors only (no kernel scratch)
  std::uint64_t max_scratch = 0;       // the largest single node's scratch
  std::uint64_t arena_used = 0;        // what the arena must hold: persistent + packed +
                                       // activations (or more, briefly, while planning)
  std::uint64_t arena_capacity = 0;    // the arena's size
  bool arena_owned = false;
};

// What the last prepare did with the packed weights.
struct PrepareStats {
  std::uint32_t packs_done = 0;         // blocks packed (pack function called)
  std::uint32_t packs_reused = 0;       // blocks kept from the previous prepare
  std::uint64_t packed_bytes_done = 0;  // their sizes
  std::uint64_t packed_bytes_reused = 0;
  std::uint64_t packed_bytes_moved = 0;  // kept bytes that were copied to a new place
  bool arena_reallocated = false;        // an owned arena was replaced (kept blocks copied over)
};

// A tensor of the session, untyped.
struct TensorRef {
  const char* name = "";
  DType dtype = DType::f32;
  Shape shape;
  void* data = nullptr;
  bool valid() const noexcept { return data != nullptr || shape.numel() == 0; }
};

inline constexpr int kMaxSessionInputs = 32;
// Nodes whose inputs are all known are evaluated at prepare time when their outputs total at
// most this many bytes (and all such outputs together at most kMaxFoldTotalBytes), or when they
// only transform the model's weights (all inputs constants, output at most twice their size);
// others run in run() like any other node.
inline constexpr std::uint64_t kMaxFoldBytes = std::uint64_t(1) << 20;
inline constexpr std::uint64_t kMaxFoldTotalBytes = std::uint64_t(1) << 24;  // over all nodes

namespace runtime {
namespace detail {

enum class TState : std::uint8_t { Unused, Constant, Input, Known, Activation };

struct RtTensor {
  Shape shape;
  std::uint8_t* data;
  std::uint64_t bytes;
  std::uint64_t offset;   // in the activation region (roots)
  std::int32_t root;      // the tensor whose bytes this one uses; itself when it owns them
  std::int32_t first;     // lifetime in node steps (roots: of the whole storage)
  std::int32_t last;
  DType dtype;
  TState state;
  bool from_constants;    // a known value computed from the model's constants only
};

inline void run_nothing(const ops::RunContext&) noexcept {}

struct RtNode {
  ops::RunContext rc;
  ops::RunFn run;
  ops::PackFn pack;
  std::uint64_t packed_bytes;
  std::uint64_t packed_offset;    // from the start of the packed region
  std::uint64_t reuse_from;       // the block's offset in the previous packed region, or kNoReuse
  const ops::PackKey* key;        // nullptr: not reusable by the next prepare
  std::uint64_t scratch_bytes;
  std::uint64_t scratch_offset;
  std::uint32_t io_begin;
  std::uint16_t nin, nout;
  std::int16_t inplace_input;
};

// Bump allocation from both ends of one region: persistent data from the bottom, temporary
// planning data from the top. Offsets are relative to a 64-byte aligned base, so the same
// analysis gives the same layout in any arena.
class Bump {
 public:
  Bump(std::uint8_t* base, std::size_t cap) noexcept : base_(base), cap_(cap), lo_(0), hi_(cap) {}
  void* lo(std::size_t bytes, std::size_t align = 16) noexcept {
    const std::size_t at = (lo_ + align - 1) & ~(align - 1);
    if (at > hi_ || bytes > hi_ - at) return fail(at + bytes + (cap_ - hi_));
    lo_ = at + bytes;
    note_peak();
    return base_ + at;
  }
  void* hi(std::size_t bytes, std::size_t align = 16) noexcept {
    if (bytes > hi_) return fail(lo_ + bytes + (cap_ - hi_));
    const std::size_t at = (hi_ - bytes) & ~(align - 1);
    if (at < lo_) return fail(lo_ + bytes + (cap_ - hi_) + align);
    hi_ = at;
    note_peak();
    return base_ + at;
  }
  std::size_t hi_mark() const noexcept { return hi_; }
  void hi_release(std::size_t mark) noexcept { hi_ = mark; }
  std::size_t lo_used() const noexcept { return lo_; }
  std::size_t capacity() const noexcept { return cap_; }
  bool overflowed() const noexcept { return overflow_; }
  std::size_t need_at_least() const noexcept { return need_; }
  // The most the region held at once (persistent + temporary).
  std::size_t peak() const noexcept { return peak_; }

 private:
  void note_peak() noexcept {
    const std::size_t used = lo_ + (cap_ - hi_);
    if (used > peak_) peak_ = used;
  }
  void* fail(std::size_t need) noexcept {
    overflow_ = true;
    if (need > need_) need_ = need;
    return nullptr;
  }
  std::uint8_t* base_;
  std::size_t cap_, lo_, hi_;
  bool overflow_ = false;
  std::size_t need_ = 0;
  std::size_t peak_ = 0;
};

inline std::uint64_t align64(std::uint64_t v) noexcept { return (v + 63) & ~std::uint64_t(63); }

inline constexpr std::uint64_t kNoReuse = ~std::uint64_t(0);

// One packed block, described in the packed region itself so that the next prepare (which
// rebuilds the tables) can still tell what it holds. In node order.
struct PackRecord {
  std::int32_t node;
  std::uint32_t reserved;
  ops::PackFn pack;
  std::uint64_t bytes;
  std::uint64_t offset;  // from the start of the packed region
  ops::PackKey key;      // size 0: not reusable
};

}  // namespace detail
}  // namespace runtime

class Session {
 public:
  // An owned arena, sized by prepare.
  static Result<Session> create(const Model& model, const SessionOptions& opt = {}) noexcept {
    Session s(model, opt);
    if (!s.ok()) return s.status();
    return s;
  }
  // The caller's arena; nothing is allocated (with threads == 1).
  static Result<Session> create(const Model& model, Span<std::uint8_t> arena, const SessionOptions& opt = {}) noexcept {
    Session s(model, arena, opt);
    if (!s.ok()) return s.status();
    return s;
  }

  explicit Session(const Model& model, const SessionOptions& opt = {}) noexcept : model_(&model) {
    owned_mode_ = true;
    status_ = init(opt);
    if (status_.ok()) status_ = prepare();
  }
  Session(const Model& model, Span<std::uint8_t> arena, const SessionOptions& opt = {}) noexcept : model_(&model) {
    owned_mode_ = false;
    // Align the caller's region to 64 bytes.
    const std::uintptr_t p = reinterpret_cast<std::uintptr_t>(arena.data());
    const std::uintptr_t a = (p + kAlignment - 1) & ~std::uintptr_t(kAlignment - 1);
    const std::size_t lost = static_cast<std::size_t>(a - p);
    arena_ = reinterpret_cast<std::uint8_t*>(a);
    // and use a multiple of 64 bytes of it: the packed region ends at the top, 64-aligned.
    capacity_ = (arena.data() && arena.size() > lost) ? (arena.size() - lost) & ~std::size_t(kAlignment - 1) : 0;
    status_ = init(opt);
    if (status_.ok()) status_ = prepare();
  }

  Session(Session&& o) noexcept { move_from(o); }
  Session& operator=(Session&& o) noexcept {
    if (this != &o) {
      destroy_pool();
      move_from(o);
    }
    return *this;
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session() { destroy_pool(); }

  bool ok() const noexcept { return status_.ok(); }
  const Status& status() const noexcept { return status_; }
  const Model& model() const noexcept { return *model_; }

  // Bind graph input i to a new shape (its declared static dims must match); call prepare()
  // afterwards. Nothing is re-read from the model file.
  Status set_input_shape(int i, const Shape& shape) noexcept {
    if (i < 0 || i >= num_inputs_) return Status::error(StatusCode::OutOfRange, "input %d of %d", i, num_inputs_);
    LUODI_RETURN_IF_ERROR(check_input_shape(i, shape));
    bound_[i] = shape;
    prepared_ = false;
    status_ = Status(StatusCode::InvalidArgument, "an input shape changed: call prepare() before run()");
    return Status();
  }

  // Shape inference, folding, planning and packing for the bound input shapes.
  Status prepare() noexcept {
    prepared_ = false;
    prepare_stats_ = PrepareStats();
    take_old_packed();
    status_ = owned_mode_ ? prepare_owned() : prepare_borrowed();
    drop_old_packed();  // after a failure nothing of the previous region is trusted
    prepared_ = status_.ok();
    if (prepared_) prepared_once_ = true;
    return status_;
  }

  // Run every node. Requires a successful prepare (ok()); otherwise it does nothing.
  void run() noexcept {
    if (!prepared_) return;
    using runtime::detail::RtNode;
    if (profile_ == nullptr) {
      for (std::int32_t n = 0; n < num_nodes_; ++n) {
        const RtNode& nd = nodes_[n];
        if (nd.run) nd.run(nd.rc);
      }
      return;
    }
#if !defined(LUODI_NO_CLOCK)
    for (std::int32_t n = 0; n < num_nodes_; ++n) {
      const RtNode& nd = nodes_[n];
      if (!nd.run) continue;
      const auto t0 = std::chrono::steady_clock::now();
      nd.run(nd.rc);
      const auto t1 = std::chrono::steady_clock::now();
      const format::NodeEntry e = model_->reader().node(n);
      ProfileEvent ev;
      ev.node_index = n;
      ev.node_name = e.name;
      ev.op = e.op;
      ev.op_name = graph::op_name(e.op);
      ev.output_shape = tensors_[model_->reader().node_output(e, 0)].shape;
      ev.microseconds = std::chrono::duration<double, std::micro>(t1 - t0).count();
      profile_(ev, profile_user_);
    }
#endif
  }

  int num_inputs() const noexcept { return num_inputs_; }
  int num_outputs() const noexcept { return model_->num_outputs(); }

  // Graph input i as f32 (empty when it is another dtype, or before a successful prepare).
  TensorView<float> input(int i) noexcept { return input_as<float>(i); }
  template <class T>
  TensorView<T> input_as(int i) noexcept {
    if (!prepared_ || i < 0 || i >= num_inputs_) return {};
    return typed<T>(model_->reader().input(i));
  }
  TensorView<const float> output(int i) const noexcept { return output_as<float>(i); }
  template <class T>
  TensorView<const T> output_as(int i) const noexcept {
    if (!prepared_ || i < 0 || i >= num_outputs()) return {};
    return const_cast<Session*>(this)->typed<T>(model_->reader().output(i));
  }
  TensorRef input_ref(int i) noexcept { return ref(i >= 0 && i < num_inputs_ ? model_->reader().input(i) : -1); }
  TensorRef output_ref(int i) const noexcept {
    return const_cast<Session*>(this)->ref(i >= 0 && i < num_outputs() ? model_->reader().output(i) : -1);
  }

  // Any tensor by name, for debugging. Its bytes hold the value from the last run() only if
  // nothing reused them since: always with keep_intermediates, otherwise only for inputs,
  // outputs, constants and values computed at prepare. NotFound for an unknown name.
  Result<TensorRef> tensor(const char* name) const noexcept {
    if (!prepared_) return Status(StatusCode::InvalidArgument, "the session is not prepared");
    const format::Reader& r = model_->reader();
    for (std::int32_t t = 0; t < r.num_tensors(); ++t)
      if (std::strcmp(r.tensor(t).name, name) == 0) {
        if (tensors_[t].state == runtime::detail::TState::Unused)
          return Status::error(StatusCode::NotFound, "tensor \"%s\" is not used by the graph", name);
        return const_cast<Session*>(this)->ref(t);
      }
    return Status::error(StatusCode::NotFound, "no tensor named \"%s\"", name);
  }

  const MemoryStats& memory() const noexcept { return stats_; }
  // What the last prepare packed and what it kept from the one before.
  const PrepareStats& prepare_stats() const noexcept { return prepare_stats_; }

  // The arena bytes a session of `model` needs with these options and input shapes (the
  // options' input_shapes, or the declared ones). Uses the heap for the measurement.
  // Per-thread scratch is counted for the options' executor or `threads` (no threads are started).
  static Result<std::size_t> required_arena_bytes(const Model& model, const SessionOptions& opt = {}) noexcept {
    SessionOptions o = opt;
    o.threads = 1;
    o.executor = nullptr;
    Session s;
    s.model_ = &model;
    s.owned_mode_ = true;
    Status st = s.init(o);
    if (!st.ok()) return st;
    s.concurrency_ = opt.executor ? opt.executor->concurrency() : (opt.threads > 1 ? opt.threads : 1);
    st = s.prepare();
    if (!st.ok()) return st;
    return static_cast<std::size_t>(s.stats_.arena_used);
  }

  // Model::verify(): run the stored golden input and compare with the stored golden output.
  static Status verify_golden(const Model& model, const VerifyOptions& vo) noexcept {
    const format::Reader& r = model.reader();
    if (!r.has_golden()) return Status(StatusCode::NotFound, "the model has no golden input/output pair");
    if (r.num_inputs() > kMaxSessionInputs) return Status(StatusCode::Unsupported, "too many inputs");
    Shape shapes[kMaxSessionInputs];
    for (int i = 0; i < r.num_inputs(); ++i) shapes[i] = r.tensor(r.golden_input(i)).shape;
    SessionOptions opt;
    opt.input_shapes = Span<const Shape>(shapes, static_cast<std::size_t>(r.num_inputs()));
    Session s(model, opt);
    if (!s.ok()) {
      Status st = s.status();
      return st.prepend("verify: ");
    }
    for (int i = 0; i < r.num_inputs(); ++i) {
      const format::TensorEntry g = r.tensor(r.golden_input(i));
      TensorRef in = s.input_ref(i);
      if (g.data_size) std::memcpy(in.data, g.data, static_cast<std::size_t>(g.data_size));
    }
    s.run();
    for (int o = 0; o < r.num_outputs(); ++o) {
      const format::TensorEntry g = r.tensor(r.golden_output(o));
      const TensorRef out = s.output_ref(o);
      if (out.shape != g.shape)
        return Status::error(StatusCode::VerificationFailed, "output \"%s\" has shape %s; the golden one is %s", out.name,
                             out.shape.str().c_str(), g.shape.str().c_str());
      const std::int64_t n = g.shape.numel();
      if (g.dtype == DType::f32) {
        const float* got = static_cast<const float*>(out.data);
        for (std::int64_t k = 0; k < n; ++k) {
          float want;
          std::memcpy(&want, g.data + 4 * k, 4);
          const float err = std::fabs(got[k] - want);
          if (!(err <= vo.atol + vo.rtol * std::fabs(want)))
            return Status::error(StatusCode::VerificationFailed,
                                 "output \"%s\" element %lld: got %.9g, the golden value is %.9g (|diff| %.3g > atol %g "
                                 "+ rtol %g * |golden|)",
                                 out.name, static_cast<long long>(k), static_cast<double>(got[k]),
                                 static_cast<double>(want), static_cast<double>(err), static_cast<double>(vo.atol),
                                 static_cast<double>(vo.rtol));
        }
      } else if (std::memcmp(out.data, g.data, static_cast<std::size_t>(g.data_size)) != 0) {
        return Status::error(StatusCode::VerificationFailed, "output \"%s\" (%s) differs from the golden value", out.name,
                             dtype_name(g.dtype));
      }
    }
    return Status();
  }

 private:
  using RtTensor = runtime::detail::RtTensor;
  using RtNode = runtime::detail::RtNode;
  using TState = runtime::detail::TState;
  using Bump = runtime::detail::Bump;

  Session() noexcept = default;

  struct Analysis {
    std::uint64_t persistent = 0, packed = 0, activations = 0, lower_bound = 0, tensor_lower_bound = 0, max_scratch = 0;
    std::uint64_t planning_peak = 0;  // tables + the planner's temporary data
    // The arena bytes prepare needs: the final layout, or more while planning (a long chain of
    // tiny tensors can need more planner bookkeeping than activation bytes).
    // A multiple of 64: the packed region is 64-aligned at the arena's (64-aligned) top.
    std::uint64_t need() const noexcept {
      const std::uint64_t t = persistent + packed + activations;
      return runtime::detail::align64(t > planning_peak ? t : planning_peak);
    }
  };

  Status init(const SessionOptions& opt) noexcept {
    if (model_->reader().num_tensors() == 0 && model_->reader().num_nodes() == 0)
      return Status(StatusCode::InvalidArgument, "the model is empty (not loaded?)");
    num_inputs_ = model_->num_inputs();
    if (num_inputs_ > kMaxSessionInputs)
      return Status::error(StatusCode::Unsupported, "the model has %d inputs; a Session supports up to %d", num_inputs_,
                           kMaxSessionInputs);
    isa_ = opt.isa;
    if (!isa_available(isa_))
      return Status::error(StatusCode::Unsupported, "ISA %s is not available in this build or on this CPU", isa_name(isa_));
    keep_intermediates_ = opt.keep_intermediates;
    preserve_inputs_ = opt.preserve_inputs;
    profile_ = opt.profile;
    profile_user_ = opt.profile_user;
    executor_ = opt.executor;
    if (executor_ == nullptr && opt.threads > 1) {
#if LUODI_HAS_THREADS && LUODI_HAS_EXCEPTIONS
      try {
        pool_ = new ThreadPool(opt.threads, opt.spin_microseconds, opt.min_flops_per_thread);
      } catch (...) {
        return Status(StatusCode::OutOfMemory, "could not start the thread pool");
      }
#elif LUODI_HAS_THREADS
      pool_ = new (std::nothrow) ThreadPool(opt.threads, opt.spin_microseconds, opt.min_flops_per_thread);
      if (!pool_) return Status(StatusCode::OutOfMemory, "could not start the thread pool");
#else
      return Status(StatusCode::Unsupported, "threads > 1 in a build without threads (LUODI_NO_THREADS)");
#endif
      executor_ = pool_;
    }
    concurrency_ = executor_ ? executor_->concurrency() : 1;
    winograd_ = opt.winograd;
    if (!opt.input_shapes.empty() && static_cast<int>(opt.input_shapes.size()) != num_inputs_)
      return Status::error(StatusCode::InvalidArgument, "%zu input shapes given; the model has %d inputs",
                           opt.input_shapes.size(), num_inputs_);
    for (int i = 0; i < num_inputs_; ++i) {
      if (!opt.input_shapes.empty()) {
        LUODI_RETURN_IF_ERROR(check_input_shape(i, opt.input_shapes[static_cast<std::size_t>(i)]));
        bound_[i] = opt.input_shapes[static_cast<std::size_t>(i)];
      } else {
        bound_[i] = model_->input_info(i).shape;
      }
    }
    return Status();
  }

  Status check_input_shape(int i, const Shape& s) const noexcept {
    const TensorInfo info = model_->input_info(i);
    bool ok = s.rank() == info.shape.rank();
    for (int d = 0; ok && d < s.rank(); ++d) ok = s[d] >= 0 && (info.shape[d] < 0 || info.shape[d] == s[d]);
    if (!ok)
      return Status::error(StatusCode::ShapeMismatch, "input \"%s\" is declared %s; %s does not fit it", info.name,
                           info.shape.str().c_str(), s.str().c_str());
    std::int64_t n = 0, bytes = 0;
    if (!s.checked_numel(&n) || !luodi::detail::checked_mul(n, static_cast<std::int64_t>(dtype_size(info.dtype)), &bytes) ||
        !ops::dims_bounded(s))
      return Status::error(StatusCode::Overflow, "input \"%s\" of shape %s is too large", info.name, s.str().c_str());
    return Status();
  }

  // ---- prepare: the analysis (phase A) --------------------------------------------------------
  // Builds the tables at the bottom of [base, base + cap), evaluates what can be evaluated,
  // plans the activation region. Fails with BufferTooSmall (need_at_least set) when the tables
  // or the planner's temporary data do not fit.
  Status analyse(std::uint8_t* base, std::size_t cap, Analysis* out, std::size_t* need_at_least) noexcept {
    const format::Reader& r = model_->reader();
    Bump ws(base, cap);
    num_tensors_ = r.num_tensors();
    num_nodes_ = r.num_nodes();
    auto too_small = [&]() {
      *need_at_least = ws.need_at_least();
      return Status::error(StatusCode::BufferTooSmall, "the arena of %zu bytes cannot hold the session's tables", cap);
    };
    tensors_ = static_cast<RtTensor*>(ws.lo(sizeof(RtTensor) * static_cast<std::size_t>(num_tensors_), 64));
    nodes_ = static_cast<RtNode*>(ws.lo(sizeof(RtNode) * static_cast<std::size_t>(num_nodes_), 64));
    ptrs_ = static_cast<void**>(ws.lo(sizeof(void*) * (r.num_io() ? r.num_io() : 1), 64));
    if (ws.overflowed()) return too_small();

    for (std::int32_t t = 0; t < num_tensors_; ++t) {
      const format::TensorEntry e = r.tensor(t);
      RtTensor& rt = tensors_[t];
      rt.shape = e.shape;
      rt.dtype = e.dtype;
      rt.data = nullptr;
      rt.bytes = 0;
      rt.offset = 0;
      rt.root = t;
      rt.first = 0;
      rt.last = -1;
      rt.state = TState::Unused;
      rt.from_constants = false;
      if (e.kind == format::TensorKind::Constant) {
        rt.state = TState::Constant;
        rt.from_constants = true;
        rt.data = const_cast<std::uint8_t*>(e.data);
        rt.bytes = e.data_size;
      }
    }
    for (int i = 0; i < num_inputs_; ++i) {
      RtTensor& rt = tensors_[r.input(i)];
      std::int64_t n = 0;
      if (bound_[i].is_static() && !ops::dims_bounded(bound_[i]))
        return Status::error(StatusCode::Overflow, "input \"%s\" has shape %s, whose dims multiply past the limit",
                             r.tensor(r.input(i)).name, bound_[i].str().c_str());
      if (!bound_[i].checked_numel(&n))
        return Status::error(StatusCode::InvalidArgument,
                             "input \"%s\" has shape %s with unknown dims: give its size with set_input_shape() or "
                             "SessionOptions::input_shapes",
                             r.tensor(r.input(i)).name, bound_[i].str().c_str());
      rt.shape = bound_[i];
      rt.state = TState::Input;
      rt.bytes = static_cast<std::uint64_t>(n) * dtype_size(rt.dtype);
    }

    // Node by node: infer, then fold, view or keep.
    std::uint64_t folded_bytes = 0;
    ops::PrepareContext ctx;
    ops::TensorDesc descs[ops::kMaxOpInputs];
    std::int32_t old_cursor = 0;  // old_.recs are in node order
    npack_ = 0;
    for (std::int32_t n = 0; n < num_nodes_; ++n) {
      const format::NodeEntry e = r.node(n);
      RtNode& nd = nodes_[n];
      std::memset(static_cast<void*>(&nd), 0, sizeof nd);
      nd.io_begin = e.io_begin;
      nd.nin = static_cast<std::uint16_t>(e.num_inputs);
      nd.nout = static_cast<std::uint16_t>(e.num_outputs);
      nd.inplace_input = -1;
      nd.reuse_from = runtime::detail::kNoReuse;
      ctx.node_name = e.name;
      ctx.op = e.op;
      ctx.attrs = e.attrs;
      ctx.isa = isa_;
      ctx.concurrency = concurrency_;
      ctx.winograd = winograd_;
      ctx.num_inputs = e.num_inputs;
      ctx.num_outputs = e.num_outputs;
      LUODI_RETURN_IF_ERROR(ctx.check_io_counts());
      const ops::OpDef* def = ops::find_op(e.op);
      bool foldable = true;
      // Every known input is a function of the constants alone (the same bytes at any input
      // shape); with only such inputs, a fold's outputs are too.
      bool known_from_constants = true, all_from_constants = true;
      for (int k = 0; k < e.num_inputs; ++k) {
        const std::int32_t t = r.node_input(e, k);
        ctx.inputs[k] = nullptr;
        if (t < 0) continue;
        const RtTensor& rt = tensors_[t];
        descs[k].dtype = rt.dtype;
        descs[k].shape = rt.shape;
        const bool known = rt.state == TState::Constant || rt.state == TState::Known;
        descs[k].data = known ? ops::value_ptr(rt.data) : nullptr;
        if (!known && !(def && (def->shape_only_inputs >> k) & 1u)) foldable = false;
        if (known && !rt.from_constants) known_from_constants = false;
        if (!known || !rt.from_constants) all_from_constants = false;
        ctx.inputs[k] = &descs[k];
      }
      LUODI_RETURN_IF_ERROR(ops::prepare_node(ctx));

      for (int k = 0; k < e.num_outputs; ++k) {
        RtTensor& o = tensors_[r.node_output(e, k)];
        o.shape = ctx.outputs[k].shape;
        o.dtype = ctx.outputs[k].dtype;
        o.bytes = ctx.outputs[k].bytes();
        o.first = n;
        o.last = n;
        o.root = r.node_output(e, k);
        o.from_constants = false;
      }
      if (ctx.is_view) {
        RtTensor& in = tensors_[r.node_input(e, 0)];
        RtTensor& o = tensors_[r.node_output(e, 0)];
        if (in.state == TState::Constant || in.state == TState::Known) {
          o.state = TState::Known;
          o.data = in.data;
          o.from_constants = in.from_constants;
        } else {
          o.state = TState::Activation;
          o.root = in.root;
        }
        continue;
      }
      if (foldable) {
        // Large results are computed by run() instead: they would cost the same bytes, and
        // only small values (shapes, scalars) are ever needed at prepare time.
        // Transforms of the model's own weights (a Cast of f16-stored weights, a Transpose) are
        // evaluated whatever their size: they cost at most twice the weights they read.
        std::uint64_t out_bytes = 0, weight_bytes = 0;
        for (int k = 0; k < e.num_outputs; ++k) out_bytes += ctx.outputs[k].bytes();
        bool only_weights = true;
        for (int k = 0; k < e.num_inputs; ++k) {
          const std::int32_t t = r.node_input(e, k);
          if (t < 0) continue;
          if (tensors_[t].state == TState::Constant) weight_bytes += tensors_[t].bytes;
          else only_weights = false;
        }
        const bool weight_transform = only_weights && out_bytes <= 2 * weight_bytes;
        if (!weight_transform && ctx.run &&
            (out_bytes > kMaxFoldBytes || folded_bytes + out_bytes > kMaxFoldTotalBytes))
          foldable = false;
        else if (!weight_transform)
          folded_bytes += out_bytes;
      }
      // A node whose outputs are all empty has nothing to compute. It still "runs" (a no-op),
      // so planning is unchanged, but its kernel is never called: a kernel's loops over the
      // other dims of an empty tensor (up to 2^52 iterations, e.g. a softmax over 0 x 2^26 x
      // 2^26) would otherwise spin for hours (found by the fuzzer).
      bool all_empty = e.num_outputs > 0;
      for (int k = 0; k < e.num_outputs; ++k)
        if (ctx.outputs[k].shape.numel() != 0) all_empty = false;
      if (all_empty) ctx.run = &runtime::detail::run_nothing;
      if (foldable) {
        // Evaluate now, once: the outputs join the persistent data.
        void* outs[ops::kMaxOpOutputs];
        for (int k = 0; k < e.num_outputs; ++k) {
          RtTensor& o = tensors_[r.node_output(e, k)];
          o.data = static_cast<std::uint8_t*>(ws.lo(o.bytes ? o.bytes : 1, 64));
          o.state = TState::Known;
          o.from_constants = all_from_constants;
          outs[k] = o.data;
        }
        const std::size_t mark = ws.hi_mark();
        void* scratch = ctx.scratch_bytes ? ws.hi(ctx.scratch_bytes, 64) : nullptr;
        void* packed = ctx.packed_bytes ? ws.hi(ctx.packed_bytes, 64) : nullptr;
        if (ws.overflowed()) return too_small();
        const void* ins[ops::kMaxOpInputs];
        for (int k = 0; k < e.num_inputs; ++k) ins[k] = ctx.inputs[k] ? ctx.inputs[k]->data : nullptr;
        if (packed && ctx.pack) ctx.pack(ctx.params(), ins, packed);
        ops::RunContext rc;
        rc.params = ctx.params();
        rc.in = ins;
        rc.out = outs;
        rc.scratch = scratch;
        rc.packed = packed;
        rc.isa = isa_;
        if (ctx.run) ctx.run(rc);
        ws.hi_release(mark);
        continue;
      }
      // A node that runs at run time.
      if (ctx.run == nullptr) return ctx.error(StatusCode::Internal, "prepared without a run function");
      void* params = ws.lo(ctx.params_size() ? ctx.params_size() : 1, 16);
      if (ws.overflowed()) return too_small();
      std::memcpy(params, ctx.params(), ctx.params_size());
      nd.run = ctx.run;
      nd.pack = ctx.pack;
      nd.rc.params = params;
      nd.rc.isa = isa_;
      nd.packed_bytes = ctx.packed_bytes;
      nd.scratch_bytes = ctx.scratch_bytes;
      nd.inplace_input = static_cast<std::int16_t>(ctx.inplace_input);
      if (ctx.packed_bytes) {
        ++npack_;
        if (ctx.pack_key.valid() && known_from_constants) {
          ops::PackKey* key = static_cast<ops::PackKey*>(ws.lo(sizeof(ops::PackKey), 8));
          if (ws.overflowed()) return too_small();
          *key = ctx.pack_key;
          nd.key = key;
          while (old_cursor < old_.count && old_.recs[old_cursor].node < n) ++old_cursor;
          if (old_cursor < old_.count) {
            const runtime::detail::PackRecord& rec = old_.recs[old_cursor];
            if (rec.node == n && rec.pack == ctx.pack && rec.bytes == ctx.packed_bytes && rec.key == *key)
              nd.reuse_from = rec.offset;
          }
        }
      }
      for (int k = 0; k < e.num_outputs; ++k) tensors_[r.node_output(e, k)].state = TState::Activation;
    }

    // Liveness: each tensor's last reader among the nodes that run; inputs and outputs (and
    // everything, with keep_intermediates) live to the end, step N.
    const std::int32_t N = num_nodes_;
    for (std::int32_t n = 0; n < N; ++n) {
      if (!nodes_[n].run && !is_view_node(n)) continue;
      const format::NodeEntry e = r.node(n);
      for (int k = 0; k < e.num_inputs; ++k) {
        const std::int32_t t = r.node_input(e, k);
        if (t >= 0 && tensors_[t].last < n) tensors_[t].last = n;
      }
    }
    for (int i = 0; i < num_inputs_; ++i) {
      tensors_[r.input(i)].first = 0;
      if (preserve_inputs_ || keep_intermediates_) tensors_[r.input(i)].last = N;
    }
    for (int o = 0; o < r.num_outputs(); ++o) tensors_[r.output(o)].last = N;
    if (keep_intermediates_)
      for (std::int32_t t = 0; t < num_tensors_; ++t)
        if (tensors_[t].state == TState::Activation) tensors_[t].last = N;
    // Aggregate each storage's lifetime over the views that share it. A view's root was a root
    // when the view was made (in-place sharing is decided below), so one pass suffices.
    for (std::int32_t t = 0; t < num_tensors_; ++t) {
      RtTensor& rt = tensors_[t];
      if (rt.state != TState::Activation || rt.root == t) continue;
      RtTensor& root = tensors_[rt.root];
      if (rt.first < root.first) root.first = rt.first;
      if (rt.last > root.last) root.last = rt.last;
    }
    // In place: a node's output takes its input's storage when nothing reads that storage
    // after this node and the sizes agree. Graph inputs only when preserve_inputs is off.
    if (!keep_intermediates_) {
      for (std::int32_t n = 0; n < N; ++n) {
        const RtNode& nd = nodes_[n];
        if (!nd.run || nd.inplace_input < 0) continue;
        const format::NodeEntry e = r.node(n);
        const std::int32_t in = r.node_input(e, nd.inplace_input);
        const std::int32_t o = r.node_output(e, 0);
        if (in < 0) continue;
        const std::int32_t rin = find_root(in);
        RtTensor& src = tensors_[rin];
        RtTensor& dst = tensors_[o];
        const bool reusable = src.state == TState::Activation || (src.state == TState::Input && !preserve_inputs_);
        if (!reusable || src.last != n || dst.root != o || src.bytes != dst.bytes) continue;
        dst.root = rin;
        if (dst.last > src.last) src.last = dst.last;
      }
    }

    // Plan the roots and every scratch buffer.
    std::int32_t nbuf = 0, nscratch = 0;
    for (std::int32_t t = 0; t < num_tensors_; ++t)
      if (is_planned_root(t)) ++nbuf;
    for (std::int32_t n = 0; n < N; ++n)
      if (nodes_[n].run && nodes_[n].scratch_bytes) ++nscratch;
    nbuf += nscratch;
    const std::size_t mark = ws.hi_mark();
    runtime::PlanBuffer* bufs =
        static_cast<runtime::PlanBuffer*>(ws.hi(sizeof(runtime::PlanBuffer) * static_cast<std::size_t>(nbuf ? nbuf : 1)));
    void* work = ws.hi(runtime::plan_workspace_bytes(nbuf) + 8);
    void* delta = ws.hi(sizeof(std::uint64_t) * static_cast<std::size_t>(N + 2), 8);
    if (ws.overflowed()) return too_small();
    std::int32_t b = 0;
    for (std::int32_t t = 0; t < num_tensors_; ++t)
      if (is_planned_root(t)) bufs[b++] = runtime::PlanBuffer{runtime::detail::align64(tensors_[t].bytes), tensors_[t].first, tensors_[t].last, 0};
    for (std::int32_t n = 0; n < N; ++n)
      if (nodes_[n].run && nodes_[n].scratch_bytes)
        bufs[b++] = runtime::PlanBuffer{runtime::detail::align64(nodes_[n].scratch_bytes), n, n, 0};
    out->activations = runtime::plan_buffers(bufs, nbuf, work);
    out->lower_bound = runtime::plan_lower_bound(bufs, nbuf, N + 1, delta);
    // The tensors come first in bufs, then the scratch buffers.
    const std::int32_t ntensor_bufs = b - nscratch;
    out->tensor_lower_bound = runtime::plan_lower_bound(bufs, ntensor_bufs, N + 1, delta);
    out->max_scratch = 0;
    for (std::int32_t q = ntensor_bufs; q < nbuf; ++q)
      if (bufs[q].size > out->max_scratch) out->max_scratch = bufs[q].size;
    b = 0;
    for (std::int32_t t = 0; t < num_tensors_; ++t)
      if (is_planned_root(t)) tensors_[t].offset = bufs[b++].offset;
    for (std::int32_t n = 0; n < N; ++n)
      if (nodes_[n].run && nodes_[n].scratch_bytes) nodes_[n].scratch_offset = bufs[b++].offset;
    ws.hi_release(mark);

    // The packed region: the records, then the kept blocks in their previous order (so that
    // they stay in place when the set is unchanged), then the blocks to pack, in node order.
    pack_order_ = static_cast<std::int32_t*>(ws.lo(sizeof(std::int32_t) * static_cast<std::size_t>(npack_ ? npack_ : 1), 8));
    if (ws.overflowed()) return too_small();
    std::int32_t nkept = 0, q = 0;
    for (std::int32_t n = 0; n < N; ++n)
      if (nodes_[n].run && nodes_[n].packed_bytes && nodes_[n].reuse_from != runtime::detail::kNoReuse) {
        // insertion by previous offset (already in order unless blocks were added or dropped)
        std::int32_t i = nkept++;
        while (i > 0 && nodes_[pack_order_[i - 1]].reuse_from > nodes_[n].reuse_from) {
          pack_order_[i] = pack_order_[i - 1];
          --i;
        }
        pack_order_[i] = n;
      }
    q = nkept;
    for (std::int32_t n = 0; n < N; ++n)
      if (nodes_[n].run && nodes_[n].packed_bytes && nodes_[n].reuse_from == runtime::detail::kNoReuse)
        pack_order_[q++] = n;
    std::uint64_t packed = npack_ ? runtime::detail::align64(sizeof(runtime::detail::PackRecord) * static_cast<std::uint64_t>(npack_)) : 0;
    for (std::int32_t i = 0; i < npack_; ++i) {
      RtNode& nd = nodes_[pack_order_[i]];
      nd.packed_offset = packed;
      packed += runtime::detail::align64(nd.packed_bytes);
    }
    out->persistent = runtime::detail::align64(ws.lo_used());
    out->packed = packed;
    out->planning_peak = ws.peak();
    return Status();
  }

  // ---- prepare: fixing the addresses (phase B) ----------------------------------------------
  void materialise(std::uint8_t* base, const Analysis& a) noexcept {
    const format::Reader& r = model_->reader();
    std::uint8_t* act = base + a.persistent;
    std::uint8_t* packed = base + capacity_ - a.packed;  // the top of the arena
    for (std::int32_t t = 0; t < num_tensors_; ++t) {
      RtTensor& rt = tensors_[t];
      if (rt.state == TState::Activation || rt.state == TState::Input) {
        const std::int32_t root = find_root(t);
        rt.root = root;
        rt.data = act + tensors_[root].offset;
      }
    }
    // Only the nodes' own ranges: entries no node covers are never read.
    for (std::int32_t n = 0; n < num_nodes_; ++n) {
      const RtNode& nd = nodes_[n];
      for (std::uint32_t k = nd.io_begin; k < nd.io_begin + nd.nin + nd.nout; ++k) {
        const std::int32_t t = r.io(k);
        ptrs_[k] = t >= 0 ? tensors_[t].data : nullptr;
      }
    }
    for (std::int32_t n = 0; n < num_nodes_; ++n) {
      RtNode& nd = nodes_[n];
      if (!nd.run) continue;
      nd.rc.in = ptrs_ + nd.io_begin;
      nd.rc.out = ptrs_ + nd.io_begin + nd.nin;
      nd.rc.scratch = nd.scratch_bytes ? act + nd.scratch_offset : nullptr;
      nd.rc.executor = executor_;
      if (nd.packed_bytes) nd.rc.packed = packed + nd.packed_offset;
    }
    place_packed(packed, a);
    stats_.weights_in_place = model_->weight_bytes_in_place();
    stats_.model_copied = model_->copied_bytes();
    stats_.packed = a.packed;
    stats_.persistent = a.persistent;
    stats_.activations = a.activations;
    stats_.lower_bound = a.lower_bound;
    stats_.tensor_lower_bound = a.tensor_lower_bound;
    stats_.max_scratch = a.max_scratch;
    stats_.arena_used = a.need();
    stats_.arena_capacity = capacity_;
    stats_.arena_owned = owned_mode_;
  }

  // Fill the packed region at `region`: move the kept blocks from the previous region (which
  // planning left intact: it lay above the analysed part of the arena, or in the retained old
  // arena) to their new places, write the records, pack the rest.
  void place_packed(std::uint8_t* region, const Analysis& a) noexcept {
    using runtime::detail::kNoReuse;
    PrepareStats ps;
    ps.arena_reallocated = prepare_stats_.arena_reallocated;
    if (old_.base) {
      // Kept blocks keep their relative order, so moving the ones that go down in ascending
      // order and then the ones that go up in descending order never overwrites a block not
      // yet moved.
      for (std::int32_t i = 0; i < npack_; ++i) {
        const RtNode& nd = nodes_[pack_order_[i]];
        if (nd.reuse_from == kNoReuse) continue;
        std::uint8_t* dst = region + nd.packed_offset;
        const std::uint8_t* src = old_.base + nd.reuse_from;
        if (dst < src) std::memmove(dst, src, nd.packed_bytes);
      }
      for (std::int32_t i = npack_; i-- > 0;) {
        const RtNode& nd = nodes_[pack_order_[i]];
        if (nd.reuse_from == kNoReuse) continue;
        std::uint8_t* dst = region + nd.packed_offset;
        const std::uint8_t* src = old_.base + nd.reuse_from;
        if (dst > src) std::memmove(dst, src, nd.packed_bytes);
        if (dst != src) ps.packed_bytes_moved += nd.packed_bytes;
      }
    }
    old_ = OldPacked();
    runtime::detail::PackRecord* recs = reinterpret_cast<runtime::detail::PackRecord*>(region);
    std::int32_t nrec = 0;
    for (std::int32_t n = 0; n < num_nodes_; ++n) {
      RtNode& nd = nodes_[n];
      if (!nd.run || !nd.packed_bytes) continue;
      runtime::detail::PackRecord rec{};
      rec.node = n;
      rec.pack = nd.pack;
      rec.bytes = nd.packed_bytes;
      rec.offset = nd.packed_offset;
      if (nd.key) rec.key = *nd.key;
      std::memcpy(static_cast<void*>(recs + nrec++), &rec, sizeof rec);
      if (nd.reuse_from != kNoReuse) {
        ++ps.packs_reused;
        ps.packed_bytes_reused += nd.packed_bytes;
      } else if (nd.pack) {
        nd.pack(nd.rc.params, nd.rc.in, region + nd.packed_offset);
        ++ps.packs_done;
        ps.packed_bytes_done += nd.packed_bytes;
      }
    }
    pk_base_ = nrec ? region : nullptr;
    pk_count_ = nrec;
    pk_bytes_ = nrec ? a.packed : 0;
    prepare_stats_ = ps;
  }

  // The previous prepare's packed region, while a new prepare may take blocks from it.
  struct OldPacked {
    const runtime::detail::PackRecord* recs = nullptr;
    std::int32_t count = 0;
    const std::uint8_t* base = nullptr;
    std::uint64_t bytes = 0;
    bool in_arena = false;  // it lies at the top of arena_ (else in retained_)
  };
  // Bytes at the top of arena_ that planning must leave alone.
  std::size_t protected_bytes() const noexcept { return old_.base && old_.in_arena ? static_cast<std::size_t>(old_.bytes) : 0; }
  void take_old_packed() noexcept {
    old_ = OldPacked();
    if (pk_base_ && pk_count_ > 0) {
      old_.recs = reinterpret_cast<const runtime::detail::PackRecord*>(pk_base_);
      old_.count = pk_count_;
      old_.base = pk_base_;
      old_.bytes = pk_bytes_;
      old_.in_arena = true;
    }
    pk_base_ = nullptr;
    pk_count_ = 0;
    pk_bytes_ = 0;
  }
  void drop_old_packed() noexcept {
    old_ = OldPacked();
    retained_ = AlignedBuffer();
  }

  // Analyse in an owned buffer that grows until the tables and the planner's data fit. The
  // activation region is only sized here, never allocated, so measuring a hostile model
  // allocates no more than its tables.
  Status measure(Analysis* a) noexcept {
    const format::Reader& r = model_->reader();
    std::size_t guess = sizeof(RtTensor) * static_cast<std::size_t>(r.num_tensors()) +
                        sizeof(RtNode) * static_cast<std::size_t>(r.num_nodes()) + sizeof(void*) * r.num_io() +
                        256 * static_cast<std::size_t>(r.num_nodes()) + (std::size_t(1) << 16);
    if (capacity_ > guess) guess = capacity_;
    for (int attempt = 0; attempt < 48; ++attempt) {
      if (capacity_ < guess) LUODI_RETURN_IF_ERROR(reallocate(guess));
      std::size_t at_least = 0;
      Status s = analyse(arena_, capacity_ - protected_bytes(), a, &at_least);
      if (s.code() != StatusCode::BufferTooSmall) return s;
      at_least += protected_bytes();
      guess = at_least > 2 * capacity_ ? at_least : 2 * capacity_;
    }
    return Status(StatusCode::Internal, "prepare did not converge on an arena size");
  }

  Status reallocate(std::size_t bytes) noexcept {
    if (old_.base && old_.in_arena) {
      // The previous packed blocks are in this arena: keep it until they are copied over.
      retained_ = std::move(owned_);
      old_.in_arena = false;
      prepare_stats_.arena_reallocated = true;
    }
    owned_ = AlignedBuffer();
    arena_ = nullptr;
    capacity_ = 0;
    bytes = (bytes + kAlignment - 1) & ~std::size_t(kAlignment - 1);
    auto buf = AlignedBuffer::create(bytes);
    if (!buf.ok())
      return Status::error(StatusCode::OutOfMemory, "could not allocate the session's arena of %zu bytes", bytes);
    owned_ = std::move(*buf);
    arena_ = owned_.data();
    capacity_ = bytes;
    return Status();
  }

  Status prepare_owned() noexcept {
    Analysis a;
    LUODI_RETURN_IF_ERROR(measure(&a));
    const std::uint64_t need = a.need();
    // (planning ran below the previous packed region, so need <= capacity_ means the new
    // layout fits; the kept blocks are moved within the arena.)
    // Too small, or much larger than needed (the first guess, or a re-prepare for a smaller
    // input): size it exactly and analyse again; the analysis is deterministic, so it fits.
    if (need > capacity_ || capacity_ > need + need / 4 + (std::size_t(1) << 16)) {
      if (need > static_cast<std::uint64_t>(SIZE_MAX / 2))
        return Status::error(StatusCode::OutOfMemory, "the session needs %llu bytes", static_cast<unsigned long long>(need));
      // A re-prepare that grows the arena leaves 1/8 headroom (under the shrink threshold):
      // widths creeping upwards (a recogniser's text lines) would otherwise reallocate, and
      // copy the packed weights over, at every step. The first prepare sizes it exactly.
      const std::uint64_t size = need > capacity_ && prepared_once_ ? need + need / 8 : need;
      LUODI_RETURN_IF_ERROR(reallocate(static_cast<std::size_t>(size)));
      std::size_t at_least = 0;
      LUODI_RETURN_IF_ERROR(analyse(arena_, capacity_, &a, &at_least));
    }
    materialise(arena_, a);
    return Status();
  }

  Status prepare_borrowed() noexcept {
    Analysis a;
    std::size_t at_least = 0;
    Status s = analyse(arena_, capacity_ - protected_bytes(), &a, &at_least);
    if (s.ok() && a.need() <= capacity_) {
      materialise(arena_, a);
      return Status();
    }
    if (old_.base && (s.ok() || s.code() == StatusCode::BufferTooSmall)) {
      // The caller's arena never grows: without room to plan beside the previous blocks,
      // plan in all of it and pack everything again.
      drop_old_packed();
      s = analyse(arena_, capacity_, &a, &at_least);
      if (s.ok() && a.need() <= capacity_) {
        materialise(arena_, a);
        return Status();
      }
    }
    if (!s.ok() && s.code() != StatusCode::BufferTooSmall) return s;
    // Too small. Measure the exact need on the heap, if there is one.
    std::uint64_t need = s.ok() ? a.need() : at_least;
    bool exact = s.ok();
    if (!exact) {
      Session probe;
      probe.model_ = model_;
      probe.num_inputs_ = num_inputs_;
      for (int i = 0; i < num_inputs_; ++i) probe.bound_[i] = bound_[i];
      probe.isa_ = isa_;
      probe.concurrency_ = concurrency_;
      probe.winograd_ = winograd_;
      probe.keep_intermediates_ = keep_intermediates_;
      probe.preserve_inputs_ = preserve_inputs_;
      probe.owned_mode_ = true;
      Analysis pa;
      if (probe.measure(&pa).ok()) {
        need = pa.need();
        exact = true;
        a = pa;
      }
    }
    // The tables now point into a half-built region; forget them.
    tensors_ = nullptr;
    nodes_ = nullptr;
    ptrs_ = nullptr;
    if (exact)
      return Status::error(StatusCode::BufferTooSmall,
                           "the arena of %zu bytes is too small: %llu bytes are needed at these input shapes (%llu for "
                           "tables and prepare-time values, %llu packed weights, %llu activations and scratch)",
                           capacity_, static_cast<unsigned long long>(need), static_cast<unsigned long long>(a.persistent),
                           static_cast<unsigned long long>(a.packed), static_cast<unsigned long long>(a.activations));
    return Status::error(StatusCode::BufferTooSmall,
                         "the arena of %zu bytes is too small: at least %llu bytes are needed (the exact figure needs "
                         "a heap to measure; see Session::required_arena_bytes)",
                         capacity_, static_cast<unsigned long long>(need));
  }

  // ---- helpers ---------------------------------------------------------------------------------
  std::int32_t find_root(std::int32_t t) const noexcept {
    while (tensors_[t].root != t) t = tensors_[t].root;
    return t;
  }
  bool is_planned_root(std::int32_t t) const noexcept {
    const RtTensor& rt = tensors_[t];
    return (rt.state == TState::Activation || rt.state == TState::Input) && find_root(t) == t;
  }
  bool is_view_node(std::int32_t n) const noexcept {
    // A node that does not run but whose output is an activation aliasing its input.
    const format::NodeEntry e = model_->reader().node(n);
    const std::int32_t o = model_->reader().node_output(e, 0);
    return !nodes_[n].run && tensors_[o].state == TState::Activation;
  }

  TensorRef ref(std::int32_t t) noexcept {
    TensorRef x;
    if (!prepared_ || t < 0) return x;
    x.name = model_->reader().tensor(t).name;
    x.dtype = tensors_[t].dtype;
    x.shape = tensors_[t].shape;
    x.data = tensors_[t].data;
    return x;
  }
  template <class T>
  TensorView<T> typed(std::int32_t t) noexcept {
    using U = std::remove_const_t<T>;
    if (t < 0 || tensors_[t].dtype != dtype_of_v<U>) return {};
    return TensorView<T>::contiguous(reinterpret_cast<T*>(tensors_[t].data), tensors_[t].shape);
  }

  void destroy_pool() noexcept {
#if LUODI_HAS_THREADS
    delete pool_;
#endif
    pool_ = nullptr;
  }
  void move_from(Session& o) noexcept {
    model_ = o.model_;
    owned_ = std::move(o.owned_);
    arena_ = o.arena_;
    capacity_ = o.capacity_;
    owned_mode_ = o.owned_mode_;
    tensors_ = o.tensors_;
    nodes_ = o.nodes_;
    ptrs_ = o.ptrs_;
    num_tensors_ = o.num_tensors_;
    num_nodes_ = o.num_nodes_;
    num_inputs_ = o.num_inputs_;
    for (int i = 0; i < kMaxSessionInputs; ++i) bound_[i] = o.bound_[i];
    isa_ = o.isa_;
    concurrency_ = o.concurrency_;
    winograd_ = o.winograd_;
    keep_intermediates_ = o.keep_intermediates_;
    preserve_inputs_ = o.preserve_inputs_;
    profile_ = o.profile_;
    profile_user_ = o.profile_user_;
    pool_ = o.pool_;
    executor_ = o.executor_;
    stats_ = o.stats_;
    prepare_stats_ = o.prepare_stats_;
    pk_base_ = o.pk_base_;
    pk_count_ = o.pk_count_;
    pk_bytes_ = o.pk_bytes_;
    pack_order_ = o.pack_order_;
    npack_ = o.npack_;
    o.pk_base_ = nullptr;
    o.pk_count_ = 0;
    o.pk_bytes_ = 0;
    status_ = o.status_;
    prepared_ = o.prepared_;
    prepared_once_ = o.prepared_once_;
    o.pool_ = nullptr;
    o.prepared_ = false;
    o.tensors_ = nullptr;
    o.nodes_ = nullptr;
    o.ptrs_ = nullptr;
  }

  const Model* model_ = nullptr;
  AlignedBuffer owned_;
  std::uint8_t* arena_ = nullptr;
  std::size_t capacity_ = 0;
  bool owned_mode_ = true;
  RtTensor* tensors_ = nullptr;
  RtNode* nodes_ = nullptr;
  void** ptrs_ = nullptr;
  std::int32_t num_tensors_ = 0;
  std::int32_t num_nodes_ = 0;
  int num_inputs_ = 0;
  Shape bound_[kMaxSessionInputs];
  Isa isa_ = Isa::scalar;
  // Threads the kernels size their per-thread scratch for: the executor's, or what
  // required_arena_bytes measures for without starting one.
  int concurrency_ = 1;
  bool winograd_ = true;
  bool keep_intermediates_ = false;
  bool preserve_inputs_ = true;
  ProfileFn profile_ = nullptr;
  void* profile_user_ = nullptr;
#if LUODI_HAS_THREADS
  ThreadPool* pool_ = nullptr;
#else
  Executor* pool_ = nullptr;
#endif
  Executor* executor_ = nullptr;
  MemoryStats stats_;
  PrepareStats prepare_stats_;
  // The packed region of the last successful prepare (records first), at the top of arena_.
  std::uint8_t* pk_base_ = nullptr;
  std::int32_t pk_count_ = 0;
  std::uint64_t pk_bytes_ = 0;
  std::int32_t* pack_order_ = nullptr;  // packing nodes in region order (in the tables)
  std::int32_t npack_ = 0;
  OldPacked old_;            // during prepare only
  AlignedBuffer retained_;   // during prepare only: the old owned arena, when it was replaced
  Status status_;
  bool prepared_ = false;
  bool prepared_once_ = false;  // an owned arena that grows on a re-prepare gets headroom
};

}  // namespace luodi
