#include <doctest/doctest.h>
#include <luodi/core/memory.hpp>
#include <luodi/core/tensor.hpp>

#include <cstdint>

using namespace luodi;

TEST_CASE("Arena over caller memory: aligned blocks, exhaustion returns nullptr, marks rewind") {
  alignas(64) static std::uint8_t buf[1024];
  Arena a(buf + 3, 1000);  // deliberately misaligned start
  CHECK(is_aligned(a.base(), 64));
  CHECK(a.capacity() == 1000 - 61);
  void* p = a.allocate(10);
  void* q = a.allocate(10);
  REQUIRE(p);
  REQUIRE(q);
  CHECK(is_aligned(p));
  CHECK(is_aligned(q));
  CHECK(static_cast<std::uint8_t*>(q) - static_cast<std::uint8_t*>(p) == 64);
  auto m = a.mark();
  CHECK(a.allocate(800) != nullptr);
  CHECK(a.allocate(200) == nullptr);  // does not fit: no partial allocation, no growth
  a.rewind(m);
  CHECK(a.allocate(800) != nullptr);
  CHECK(a.high_water() >= 64 + 800);
  CHECK(a.allocate(1, 3) == nullptr);  // alignment must be a power of two
  a.reset();
  CHECK(a.used() == 0);
  CHECK_FALSE(a.owns_memory());
}

TEST_CASE("Arena can own its memory") {
  auto a = Arena::create(4096);
  REQUIRE(a.ok());
  CHECK(a->owns_memory());
  float* f = a->allocate_array<float>(1000);
  REQUIRE(f);
  f[999] = 1.0f;
  CHECK(a->allocate_array<float>(100) == nullptr);
}

namespace {
// An allocator that fails after `budget` successful allocations: the out-of-memory paths.
struct FailingAllocator {
  int budget = 0;
  int calls = 0;
  static void* alloc(std::size_t bytes, std::size_t alignment, void* user) {
    auto* self = static_cast<FailingAllocator*>(user);
    ++self->calls;
    if (self->budget-- <= 0) return nullptr;
    return detail::default_allocate(bytes, alignment, nullptr);
  }
  static void dealloc(void* p, void*) { detail::default_deallocate(p, nullptr); }
};
}  // namespace

TEST_CASE("allocation failures become OutOfMemory statuses, never crashes") {
  FailingAllocator fa;
  Allocator old = set_allocator(Allocator{&FailingAllocator::alloc, &FailingAllocator::dealloc, &fa});
  auto t = Tensor<float>::create({16, 16});
  CHECK(t.status().code() == StatusCode::OutOfMemory);
  auto ar = Arena::create(1 << 20);
  CHECK(ar.status().code() == StatusCode::OutOfMemory);
  fa.budget = 1;
  auto t2 = Tensor<float>::create({16, 16});
  CHECK(t2.ok());
  CHECK(fa.calls == 3);
  set_allocator(old);
}
