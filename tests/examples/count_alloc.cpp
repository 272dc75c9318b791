// Linked into a copy of the embedded example: counts every heap allocation of the whole process,
// from before main to after it, and reports the count when the process ends.
//
// The counter is a plain zero-initialised global (no constructor), so allocations made while
// other globals are constructed, before main, are counted too. Every allocation function a C or
// C++ program can reach is replaced: malloc, calloc, realloc, memalign, aligned_alloc,
// posix_memalign, valloc, pvalloc and every operator new; they forward to glibc's own
// __libc_* functions. At exit a destructor prints "heap allocations: N" and, when N is not 0,
// ends the process with status 3 so the test fails even without looking at the output.
#include <unistd.h>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <new>

extern "C" {
void* __libc_malloc(std::size_t) noexcept;
void* __libc_calloc(std::size_t, std::size_t) noexcept;
void* __libc_realloc(void*, std::size_t) noexcept;
void* __libc_memalign(std::size_t, std::size_t) noexcept;
void* __libc_valloc(std::size_t) noexcept;
void* __libc_pvalloc(std::size_t) noexcept;
void __libc_free(void*) noexcept;
}

namespace {
long g_allocations = 0;  // zero-initialised before any code runs
inline void note() noexcept { __atomic_add_fetch(&g_allocations, 1, __ATOMIC_RELAXED); }
}  // namespace

extern "C" {
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
void* valloc(std::size_t n) noexcept {
  note();
  return __libc_valloc(n);
}
void* pvalloc(std::size_t n) noexcept {
  note();
  return __libc_pvalloc(n);
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
void* operator new(std::size_t n, std::align_val_t al, const std::nothrow_t&) noexcept {
  note();
  return __libc_memalign(static_cast<std::size_t>(al), n ? n : 1);
}
void* operator new[](std::size_t n, std::align_val_t al, const std::nothrow_t&) noexcept {
  return operator new(n, al, std::nothrow);
}
void operator delete(void* p) noexcept { __libc_free(p); }
void operator delete[](void* p) noexcept { __libc_free(p); }
void operator delete(void* p, std::size_t) noexcept { __libc_free(p); }
void operator delete[](void* p, std::size_t) noexcept { __libc_free(p); }
void operator delete(void* p, std::align_val_t) noexcept { __libc_free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { __libc_free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { __libc_free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { __libc_free(p); }

// Runs after main returns (and after exit() from anywhere): the last word of the process.
__attribute__((destructor)) static void report_allocations() {
  const long n = __atomic_load_n(&g_allocations, __ATOMIC_RELAXED);
  char line[64];
  const int k = std::snprintf(line, sizeof line, "heap allocations: %ld\n", n);
  if (k > 0) (void)!write(1, line, static_cast<std::size_t>(k));
  if (n != 0) _exit(3);
}
