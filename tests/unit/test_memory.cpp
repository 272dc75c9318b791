#include <doctest/doctest.h>
#include <luodi/core/memory.hpp>
#include <luodi/core/tensor.hpp>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

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
    return luodi::detail::default_allocate(bytes, alignment, nullptr);
  }
  static void dealloc(void* p, void*) { luodi::detail::default_deallocate(p, nullptr); }
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

#if LUODI_HUGE_PAGES
namespace {
// The VmFlags of the mapping in /proc/self/smaps that contains `p` ("" if none is found).
std::string vm_flags_of(const void* p) {
  std::ifstream in("/proc/self/smaps");
  const auto a = reinterpret_cast<std::uintptr_t>(p);
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    unsigned long lo = 0, hi = 0;
    char dash = 0;
    std::istringstream ls(line);
    if (line.find("VmFlags:") == 0) {
      if (inside) return line;
    } else if (ls >> std::hex >> lo >> dash >> hi && dash == '-') {
      inside = a >= lo && a < hi;
    }
  }
  return "";
}
bool has_flag(const std::string& vm_flags, const char* flag) {
  std::istringstream ls(vm_flags);
  for (std::string f; ls >> f;)
    if (f == flag) return true;
  return false;
}

// Whether madvise(MADV_HUGEPAGE) shows in smaps here at all: qemu-user (the aarch64 test leg)
// accepts the call and drops it, so a block it was applied to never carries the flag.
bool platform_records_hugepage_advice() {
  const std::size_t len = std::size_t(4) << 20;
  void* m = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return false;
  const bool ok = ::madvise(m, len, MADV_HUGEPAGE) == 0 && has_flag(vm_flags_of(m), "hg");
  ::munmap(m, len);
  return ok;
}
}  // namespace

TEST_CASE("large blocks are 2 MiB aligned and advised for transparent huge pages (Linux)") {
  if (!std::ifstream("/sys/kernel/mm/transparent_hugepage/enabled")) {
    MESSAGE("no transparent huge pages on this kernel: skipped");
    return;
  }
  if (!platform_records_hugepage_advice()) {
    MESSAGE("madvise(MADV_HUGEPAGE) on a plain mapping leaves no 'hg' flag here (an emulator): skipped");
    return;
  }
  // 6 MiB + 12 KiB: two whole 2 MiB pages and a ragged tail, through the default allocator
  const std::size_t bytes = (std::size_t(6) << 20) + 12288;
  void* p = luodi::detail::default_allocate(bytes, 64, nullptr);
  REQUIRE(p != nullptr);
  CHECK(is_aligned(p, luodi::detail::kHugePageBytes));
  std::memset(p, 1, bytes);  // usable to the last byte
  auto* b = static_cast<unsigned char*>(p);
  CHECK(has_flag(vm_flags_of(b), "hg"));
  CHECK(has_flag(vm_flags_of(b + (std::size_t(4) << 20)), "hg"));
  // the tail past the last whole 2 MiB page is not advised
  CHECK_FALSE(has_flag(vm_flags_of(b + (std::size_t(6) << 20)), "hg"));
  luodi::detail::default_deallocate(p, nullptr);
}
#endif
