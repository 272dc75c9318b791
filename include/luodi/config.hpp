// luodi: build configuration, feature detection and the few macros every header uses.
//
// Macros a user may define before including any luodi header:
//   LUODI_FORCE_REFERENCE   route every kernel through its scalar `ref` twin.
//   LUODI_NO_XSIMD          do not use xsimd even if it is found (same as LUODI_WITH_XSIMD=OFF).
//   LUODI_NO_EIGEN          do not use Eigen even if it is found.
//   LUODI_NO_THREADS        leave out the built-in std::thread pool (bare-metal targets).
//   LUODI_NO_FILESYSTEM     leave out file and mmap helpers (bare-metal targets).
//   LUODI_NO_HUGE_PAGES     do not ask Linux for transparent huge pages on large allocations
//                           (core/memory.hpp, default_allocate).
//   LUODI_RUNTIME_DISPATCH  set by luodi_enable_runtime_dispatch(): kernels come from per-arch
//                           translation units chosen at run time instead of from the flags of
//                           the including translation unit. See simd/dispatch.hpp.
//   LUODI_ASSERT_HANDLER    a function `void f(const char* file, int line, const char* expr)`
//                           called (then abort) when an internal invariant fails.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "version.hpp"

// ---- exceptions and RTTI -------------------------------------------------------------------
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS) || (defined(_MSC_VER) && defined(_CPPUNWIND))
#define LUODI_HAS_EXCEPTIONS 1
#else
#define LUODI_HAS_EXCEPTIONS 0
#endif

// ---- optional dependencies -------------------------------------------------------------------
// CMake defines LUODI_HAS_XSIMD / LUODI_HAS_EIGEN to 0 or 1 through the luodi target. A user who
// just adds include/ to the path gets them detected with __has_include.
#ifndef LUODI_HAS_XSIMD
#if defined(LUODI_NO_XSIMD)
#define LUODI_HAS_XSIMD 0
#elif defined(__has_include)
#if __has_include(<xsimd/xsimd.hpp>)
#define LUODI_HAS_XSIMD 1
#else
#define LUODI_HAS_XSIMD 0
#endif
#else
#define LUODI_HAS_XSIMD 0
#endif
#endif

#ifndef LUODI_HAS_EIGEN
#if defined(LUODI_NO_EIGEN)
#define LUODI_HAS_EIGEN 0
#elif defined(__has_include)
#if __has_include(<Eigen/Core>)
#define LUODI_HAS_EIGEN 1
#else
#define LUODI_HAS_EIGEN 0
#endif
#else
#define LUODI_HAS_EIGEN 0
#endif
#endif

#ifndef LUODI_HAS_THREADS
#if defined(LUODI_NO_THREADS)
#define LUODI_HAS_THREADS 0
#else
#define LUODI_HAS_THREADS 1
#endif
#endif

#ifndef LUODI_HAS_FILESYSTEM
#if defined(LUODI_NO_FILESYSTEM)
#define LUODI_HAS_FILESYSTEM 0
#else
#define LUODI_HAS_FILESYSTEM 1
#endif
#endif

#if defined(__unix__) || defined(__APPLE__)
#define LUODI_HAS_MMAP LUODI_HAS_FILESYSTEM
#else
#define LUODI_HAS_MMAP 0
#endif

// ---- compiler helpers ------------------------------------------------------------------------
#if defined(__GNUC__) || defined(__clang__)
#define LUODI_RESTRICT __restrict__
#define LUODI_LIKELY(x) __builtin_expect(!!(x), 1)
#define LUODI_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define LUODI_NOINLINE __attribute__((noinline))
#define LUODI_ALWAYS_INLINE inline __attribute__((always_inline))
#define LUODI_PRINTF_LIKE(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))
#elif defined(_MSC_VER)
#define LUODI_RESTRICT __restrict
#define LUODI_LIKELY(x) (x)
#define LUODI_UNLIKELY(x) (x)
#define LUODI_NOINLINE __declspec(noinline)
#define LUODI_ALWAYS_INLINE __forceinline
#define LUODI_PRINTF_LIKE(fmt_index, first_arg)
#else
#define LUODI_RESTRICT
#define LUODI_LIKELY(x) (x)
#define LUODI_UNLIKELY(x) (x)
#define LUODI_NOINLINE
#define LUODI_ALWAYS_INLINE inline
#define LUODI_PRINTF_LIKE(fmt_index, first_arg)
#endif

// LUODI_UNROLL(n) before a loop asks for it to be unrolled n times (`#pragma GCC unroll`, which
// g++ and clang both read). The kernels use it to keep register blocks (accumulators, taps) in
// registers. Under AddressSanitizer the loops stay rolled instead: ASan checks every lane of a
// masked load and every table entry the kernels read, and with the 5x5 depthwise blocks fully
// unrolled clang 14 took 1303 s at -O1 on the AVX-512 Conv2D dispatch unit (259 s on one
// function; 48 s with the loops rolled). Rolled loops compute the same sums in the same
// order, so the sanitizer build still checks the code that ships, just not its unrolled shape.
#define LUODI_PRAGMA(x) _Pragma(#x)
#if defined(__SANITIZE_ADDRESS__)
#define LUODI_SANITIZED_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LUODI_SANITIZED_BUILD 1
#endif
#endif
#ifndef LUODI_SANITIZED_BUILD
#define LUODI_SANITIZED_BUILD 0
#endif
#if LUODI_SANITIZED_BUILD
#define LUODI_UNROLL(n) LUODI_PRAGMA(GCC unroll 1)
#elif defined(__GNUC__) || defined(__clang__)
#define LUODI_UNROLL(n) LUODI_PRAGMA(GCC unroll n)
#else
#define LUODI_UNROLL(n)
#endif

namespace luodi {

// Every buffer luodi allocates, and every tensor in the data section of a .luodi file, starts
// on this boundary: one cache line, and one AVX-512 register.
inline constexpr std::size_t kAlignment = 64;

namespace detail {
#if defined(LUODI_ASSERT_HANDLER)
void LUODI_ASSERT_HANDLER(const char* file, int line, const char* expr);
#endif
[[noreturn]] inline void assert_fail(const char* file, int line, const char* expr) noexcept {
#if defined(LUODI_ASSERT_HANDLER)
  LUODI_ASSERT_HANDLER(file, line, expr);
#else
  (void)file;
  (void)line;
  (void)expr;
#endif
  std::abort();
}
}  // namespace detail
}  // namespace luodi

// LUODI_ASSERT guards invariants that would corrupt memory if broken; it is always on.
// LUODI_DCHECK guards what prepare() has already validated; it is on only in debug builds.
// Neither is used to validate input: input errors are returned as a Status.
#define LUODI_ASSERT(expr) \
  (LUODI_LIKELY(expr) ? static_cast<void>(0) : ::luodi::detail::assert_fail(__FILE__, __LINE__, #expr))
#if defined(NDEBUG) && !defined(LUODI_ENABLE_DCHECK)
#define LUODI_DCHECK(expr) static_cast<void>(0)
#else
#define LUODI_DCHECK(expr) LUODI_ASSERT(expr)
#endif
