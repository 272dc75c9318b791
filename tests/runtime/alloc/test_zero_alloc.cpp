// run() performs zero heap allocations, and a model from a const array plus a static arena
// needs none at all, load to run. This binary replaces the global allocation functions
// (operator new/delete, malloc, calloc, realloc, posix_memalign, aligned_alloc, memalign) with
// counting ones that forward to glibc, and counts while "armed".
#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

#include <luodi/format/writer.hpp>
#include <luodi/runtime/session.hpp>

#include "../test_graphs.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define LUODI_TEST_COUNTING 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define LUODI_TEST_COUNTING 0
#endif
#endif
#if !defined(LUODI_TEST_COUNTING) && defined(__GLIBC__)
#define LUODI_TEST_COUNTING 1
#endif
#if !defined(LUODI_TEST_COUNTING)
#define LUODI_TEST_COUNTING 0
#endif

namespace {
void* volatile g_sink = nullptr;
std::atomic<bool> g_armed{false};
std::atomic<long> g_allocs{0};
[[maybe_unused]] inline void note() noexcept {  // unused where counting is off (sanitizers)
  if (g_armed.load(std::memory_order_relaxed)) g_allocs.fetch_add(1, std::memory_order_relaxed);
}
struct Armed {
  Armed() {
    g_allocs = 0;
    g_armed = true;
  }
  ~Armed() { g_armed = false; }
  long count() const { return g_allocs.load(); }
};
}  // namespace

#if LUODI_TEST_COUNTING
extern "C" {
void* __libc_malloc(std::size_t) noexcept;
void* __libc_calloc(std::size_t, std::size_t) noexcept;
void* __libc_realloc(void*, std::size_t) noexcept;
void* __libc_memalign(std::size_t, std::size_t) noexcept;
void __libc_free(void*) noexcept;

void* malloc(std::size_t n) noexcept {
  note();
  return __libc_malloc(n);
}
void* calloc(std::size_t a, std::size_t b) noexcept {
  note();
  return __libc_calloc(a, b);
}
void* realloc(void* p, std::size_t n) noexcept {
  note();
  return __libc_realloc(p, n);
}
void free(void* p) noexcept { __libc_free(p); }
void* memalign(std::size_t al, std::size_t n) noexcept {
  note();
  return __libc_memalign(al, n);
}
void* aligned_alloc(std::size_t al, std::size_t n) noexcept {
  note();
  return __libc_memalign(al, n);
}
int posix_memalign(void** out, std::size_t al, std::size_t n) noexcept {
  note();
  void* p = __libc_memalign(al, n);
  if (!p) return 12;  // ENOMEM
  *out = p;
  return 0;
}
}

void* operator new(std::size_t n) {
  note();
  void* p = __libc_malloc(n ? n : 1);
  if (!p) std::abort();
  return p;
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  note();
  return __libc_malloc(n ? n : 1);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return operator new(n, std::nothrow); }
void* operator new(std::size_t n, std::align_val_t al) {
  note();
  void* p = __libc_memalign(static_cast<std::size_t>(al), n ? n : 1);
  if (!p) std::abort();
  return p;
}
void* operator new[](std::size_t n, std::align_val_t al) { return operator new(n, al); }
void operator delete(void* p) noexcept { __libc_free(p); }
void operator delete[](void* p) noexcept { __libc_free(p); }
void operator delete(void* p, std::size_t) noexcept { __libc_free(p); }
void operator delete[](void* p, std::size_t) noexcept { __libc_free(p); }
void operator delete(void* p, std::align_val_t) noexcept { __libc_free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { __libc_free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { __libc_free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { __libc_free(p); }
#endif


using namespace luodi;
using namespace luodi::graph;
using luodi_test::make_constant;
using luodi_test::make_node;
using luodi_test::make_value;

namespace {

// relu -> reshape (view) -> sigmoid -> clip (in place) and a Shape folded at prepare.
Graph small_graph() {
  Graph g;
  const std::int32_t x = g.add_value(make_value("x", DType::f32, Shape{1, 4, 8, 8}));
  const std::int32_t a = g.add_value(make_value("a", DType::f32, Shape{}));
  const std::int32_t s = g.add_value(make_constant<std::int64_t>("s", Shape{2}, {4, -1}));
  const std::int32_t b = g.add_value(make_value("b", DType::f32, Shape{}));
  const std::int32_t c = g.add_value(make_value("c", DType::f32, Shape{}));
  const std::int32_t lo = g.add_value(make_constant<float>("lo", Shape{}, {0.25f}));
  const std::int32_t y = g.add_value(make_value("y", DType::f32, Shape{}));
  const std::int32_t sh = g.add_value(make_value("sh", DType::i64, Shape{}));
  g.inputs = {x};
  g.outputs = {y, sh};
  g.add_node(make_node(OpCode::Relu, "relu", {x}, {a}));
  g.add_node(make_node(OpCode::Reshape, "reshape", {a, s}, {b}));
  g.add_node(make_node(OpCode::Sigmoid, "sigmoid", {b}, {c}));
  g.add_node(make_node(OpCode::Clip, "clip", {c, lo}, {y}));
  g.add_node(make_node(OpCode::Shape, "shape", {b}, {sh}));
  return g;
}

}  // namespace

TEST_CASE("zero-alloc: the counter counts") {
  if (!LUODI_TEST_COUNTING) return;
  long n = 0;
  {
    Armed armed;
    // Stored through a volatile pointer so the compiler cannot elide the allocations.
    std::vector<int>* v = new std::vector<int>(100);
    g_sink = v;
    void* m = std::malloc(10);
    g_sink = m;
    n = armed.count();
    std::free(m);
    delete v;
  }
  CHECK(n >= 3);
  // luodi's own allocations (posix_memalign behind luodi::aligned_alloc) are seen too: an owned
  // arena is allocated.
  auto bytes = format::write(small_graph());
  REQUIRE(bytes.ok());
  auto model = Model::from_memory(bytes->data(), bytes->size());
  REQUIRE(model.ok());
  {
    Armed armed;
    Session s(*model);
    n = armed.count();
  }
  CHECK(n >= 1);
}

TEST_CASE("zero-alloc: run() allocates nothing, on one thread and on two") {
  if (!LUODI_TEST_COUNTING) {
    MESSAGE("allocation counting is not available in this build (sanitizer or non-glibc)");
    return;
  }
  auto bytes = format::write(small_graph());
  REQUIRE(bytes.ok());
  auto model = Model::from_memory(bytes->data(), bytes->size());
  REQUIRE(model.ok());
  for (int threads : {1, 2}) {
    SessionOptions opt;
    opt.threads = threads;
    Session s(*model, opt);
    REQUIRE(s.ok());
    for (std::int64_t i = 0; i < s.input(0).numel(); ++i) s.input(0)[i] = static_cast<float>(i % 7) - 3.0f;
    long n = 0;
    {
      Armed armed;
      for (int r = 0; r < 5; ++r) s.run();
      n = armed.count();
    }
    CAPTURE(threads);
    CHECK(n == 0);
    CHECK(s.output(0)[0] == 0.5f);  // sigmoid(relu(-3)) = 0.5, above the clip floor
  }
}

alignas(64) static unsigned char g_model[4096];
alignas(64) static unsigned char g_arena[64 * 1024];

TEST_CASE("zero-alloc: a model from a const array and a static arena need no heap from load to run") {
  if (!LUODI_TEST_COUNTING) return;
  auto bytes = format::write(small_graph());  // the converter's side, before the device
  REQUIRE(bytes.ok());
  REQUIRE(bytes->size() <= sizeof g_model);
  std::memcpy(g_model, bytes->data(), bytes->size());
  const std::size_t model_size = bytes->size();
  (void)active_isa();  // resolve the process-wide ISA choice before counting
  long n = 0;
  float y0 = -1.0f;
  StatusCode load_code = StatusCode::Internal, session_code = StatusCode::Internal;
  {
    Armed armed;
    auto model = Model::from_memory(g_model, model_size);
    load_code = model.status().code();
    if (model.ok()) {
      Session s(*model, Span<std::uint8_t>(g_arena, sizeof g_arena));
      session_code = s.status().code();
      if (s.ok()) {
        TensorView<float> in = s.input(0);
        for (std::int64_t i = 0; i < in.numel(); ++i) in[i] = 1.0f;
        s.run();
        y0 = s.output(0)[0];
      }
    }
    n = armed.count();
  }
  CHECK(load_code == StatusCode::Ok);
  CHECK(session_code == StatusCode::Ok);
  CHECK(y0 > 0.73f);  // sigmoid(1)
  CHECK(n == 0);
}
