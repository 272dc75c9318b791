// Aligned allocation, an owning aligned buffer, and Arena, a bump allocator.
//
// All of luodi's own heap use goes through one replaceable allocator (set_allocator), so that a
// product can route it to its own pool and a test can make it fail on purpose to exercise the
// out-of-memory paths. The default is the C library's aligned allocation.
//
// Arena hands out aligned blocks from one region, either borrowed from the caller (a static
// array on a microcontroller, say) or owned. It never grows: a request that does not fit returns
// nullptr, and the caller turns that into Status BufferTooSmall with the size it needed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "../config.hpp"

#if defined(__linux__) && !defined(LUODI_NO_HUGE_PAGES)
#include <sys/mman.h>
#endif
#if defined(__linux__) && !defined(LUODI_NO_HUGE_PAGES) && defined(MADV_HUGEPAGE)
#define LUODI_HUGE_PAGES 1
#else
#define LUODI_HUGE_PAGES 0
#endif
#include "status.hpp"

namespace luodi {

struct Allocator {
  // Must return memory aligned to `alignment` (a power of two, >= sizeof(void*)), or nullptr.
  void* (*allocate)(std::size_t bytes, std::size_t alignment, void* user) = nullptr;
  void (*deallocate)(void* p, void* user) = nullptr;
  void* user = nullptr;
};

namespace detail {
// Blocks of at least this many bytes are placed on 2 MiB boundaries and marked for transparent
// huge pages on Linux (see default_allocate).
inline constexpr std::size_t kHugePageBytes = std::size_t(2) << 20;
inline constexpr std::size_t kHugePageMinBytes = std::size_t(4) << 20;

inline void* default_allocate(std::size_t bytes, std::size_t alignment, void*) noexcept {
  if (bytes == 0) bytes = 1;
#if defined(_WIN32)
  return _aligned_malloc(bytes, alignment);
#elif defined(__unix__) || defined(__APPLE__)
#if LUODI_HUGE_PAGES
  // A session's arena (packed weights and activations, 27 MB for MobileNetV3-large) is swept
  // front to back on every run; with 4 KiB pages that is one TLB miss and page walk per 4 KiB,
  // and on a system whose THP mode is `madvise` (Debian's default) nothing else gives the
  // arena huge pages. Measured on Zen 4, MobileNetV3-large at one thread: 4-7% less time per
  // run (docs/performance.md, "MobileNetV3-large at one thread: ..."). Only the whole 2 MiB
  // pages inside the block are marked, so the hint never reaches memory outside it; it is only
  // a hint, and its failure (THP off, an old kernel) changes nothing else.
  const bool huge = bytes >= kHugePageMinBytes;
  if (huge && alignment < kHugePageBytes) alignment = kHugePageBytes;
#endif
  void* p = nullptr;
  if (posix_memalign(&p, alignment, bytes) != 0) return nullptr;
#if LUODI_HUGE_PAGES
  if (huge) (void)::madvise(p, bytes & ~(kHugePageBytes - 1), MADV_HUGEPAGE);
#endif
  return p;
#else
  // Bare metal: over-allocate and stash the original pointer just before the aligned block.
  void* raw = std::malloc(bytes + alignment + sizeof(void*));
  if (!raw) return nullptr;
  std::uintptr_t a = (reinterpret_cast<std::uintptr_t>(raw) + sizeof(void*) + alignment - 1) & ~(alignment - 1);
  reinterpret_cast<void**>(a)[-1] = raw;
  return reinterpret_cast<void*>(a);
#endif
}
inline void default_deallocate(void* p, void*) noexcept {
#if defined(_WIN32)
  _aligned_free(p);
#elif defined(__unix__) || defined(__APPLE__)
  std::free(p);
#else
  if (p) std::free(reinterpret_cast<void**>(p)[-1]);
#endif
}
inline Allocator& allocator_slot() noexcept {
  static Allocator a{&default_allocate, &default_deallocate, nullptr};  // constant-initialised
  return a;
}
}  // namespace detail

// Replace the allocator behind every luodi heap allocation; returns the previous one. Not
// thread-safe: call it before creating models or sessions.
inline Allocator set_allocator(const Allocator& a) noexcept {
  Allocator old = detail::allocator_slot();
  detail::allocator_slot() = a;
  return old;
}
inline const Allocator& get_allocator() noexcept { return detail::allocator_slot(); }

inline void* aligned_alloc(std::size_t bytes, std::size_t alignment = kAlignment) noexcept {
  const Allocator& a = detail::allocator_slot();
  return a.allocate(bytes, alignment, a.user);
}
inline void aligned_free(void* p) noexcept {
  if (!p) return;
  const Allocator& a = detail::allocator_slot();
  a.deallocate(p, a.user);
}

inline constexpr std::size_t align_up(std::size_t n, std::size_t alignment = kAlignment) noexcept {
  return (n + alignment - 1) & ~(alignment - 1);
}
inline bool is_aligned(const void* p, std::size_t alignment = kAlignment) noexcept {
  return (reinterpret_cast<std::uintptr_t>(p) & (alignment - 1)) == 0;
}

// An owned, aligned block of bytes. Move-only.
class AlignedBuffer {
 public:
  AlignedBuffer() noexcept = default;
  static Result<AlignedBuffer> create(std::size_t bytes, std::size_t alignment = kAlignment) noexcept {
    AlignedBuffer b;
    b.data_ = static_cast<std::uint8_t*>(aligned_alloc(bytes, alignment));
    if (!b.data_)
      return Status::error(StatusCode::OutOfMemory, "could not allocate %zu bytes", bytes);
    b.size_ = bytes;
    return b;
  }
  AlignedBuffer(AlignedBuffer&& o) noexcept : data_(o.data_), size_(o.size_) {
    o.data_ = nullptr;
    o.size_ = 0;
  }
  AlignedBuffer& operator=(AlignedBuffer&& o) noexcept {
    if (this != &o) {
      aligned_free(data_);
      data_ = o.data_;
      size_ = o.size_;
      o.data_ = nullptr;
      o.size_ = 0;
    }
    return *this;
  }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  ~AlignedBuffer() { aligned_free(data_); }

  std::uint8_t* data() noexcept { return data_; }
  const std::uint8_t* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }

 private:
  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

// A bump allocator over one region. Allocation is O(1) and never touches the heap; there is no
// per-block free, only reset() or rewinding to a mark.
class Arena {
 public:
  Arena() noexcept = default;
  // Borrow [memory, memory + bytes). The start is aligned up to kAlignment internally.
  Arena(void* memory, std::size_t bytes) noexcept { bind(memory, bytes); }
  // Own a region of `bytes`.
  static Result<Arena> create(std::size_t bytes) noexcept {
    Arena a;
    LUODI_ASSIGN_OR_RETURN(a.owned_, AlignedBuffer::create(bytes));
    a.bind(a.owned_.data(), bytes);
    return a;
  }
  Arena(Arena&& o) noexcept { *this = std::move(o); }
  Arena& operator=(Arena&& o) noexcept {
    owned_ = std::move(o.owned_);
    base_ = o.base_;
    capacity_ = o.capacity_;
    used_ = o.used_;
    high_water_ = o.high_water_;
    o.base_ = nullptr;
    o.capacity_ = o.used_ = o.high_water_ = 0;
    return *this;
  }
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  // An aligned block of `bytes`, or nullptr when the arena cannot fit it.
  void* allocate(std::size_t bytes, std::size_t alignment = kAlignment) noexcept {
    if (alignment == 0 || (alignment & (alignment - 1)) != 0) return nullptr;
    const std::uintptr_t base = reinterpret_cast<std::uintptr_t>(base_);
    const std::uintptr_t cur = base + used_;
    const std::uintptr_t start = (cur + alignment - 1) & ~(std::uintptr_t(alignment) - 1);
    const std::size_t offset = static_cast<std::size_t>(start - base);
    if (offset > capacity_ || bytes > capacity_ - offset) return nullptr;
    used_ = offset + bytes;
    if (used_ > high_water_) high_water_ = used_;
    return reinterpret_cast<void*>(start);
  }
  template <class T>
  T* allocate_array(std::size_t count) noexcept {
    if (count > (std::size_t(-1) / 2) / sizeof(T)) return nullptr;
    std::size_t align = alignof(T) > kAlignment ? alignof(T) : kAlignment;
    return static_cast<T*>(allocate(count * sizeof(T), align));
  }

  using Mark = std::size_t;
  Mark mark() const noexcept { return used_; }
  void rewind(Mark m) noexcept { used_ = m <= used_ ? m : used_; }
  void reset() noexcept { used_ = 0; }

  std::uint8_t* base() const noexcept { return base_; }
  std::size_t capacity() const noexcept { return capacity_; }
  std::size_t used() const noexcept { return used_; }
  std::size_t high_water() const noexcept { return high_water_; }
  bool owns_memory() const noexcept { return !owned_.empty(); }

 private:
  void bind(void* memory, std::size_t bytes) noexcept {
    std::uintptr_t p = reinterpret_cast<std::uintptr_t>(memory);
    std::uintptr_t a = (p + kAlignment - 1) & ~(std::uintptr_t(kAlignment) - 1);
    std::size_t lost = static_cast<std::size_t>(a - p);
    base_ = reinterpret_cast<std::uint8_t*>(a);
    capacity_ = (memory && bytes > lost) ? bytes - lost : 0;
    used_ = high_water_ = 0;
  }

  AlignedBuffer owned_;
  std::uint8_t* base_ = nullptr;
  std::size_t capacity_ = 0;
  std::size_t used_ = 0;
  std::size_t high_water_ = 0;
};

}  // namespace luodi
