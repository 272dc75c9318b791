// Status and Result<T>: how luodi reports errors without exceptions.
//
// Loading, converting and preparing return a Status (or a Result<T>, which is a T or a Status).
// The message names what was wrong: the node, op, tensor, shape or byte offset. It is kept in a
// fixed buffer inside the Status, so reporting an error never touches the heap; this matters on
// targets where the heap does not exist. Messages longer than the buffer are cut, never lost.
//
// run() paths do not return Status at all: they were validated at prepare time.
//
// With exceptions enabled, Result<T>::value() on an error throws luodi::Error; without them it
// aborts. Code that must not throw checks ok() first, or uses value_or().
#pragma once

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

#include "../config.hpp"

#if LUODI_HAS_EXCEPTIONS
#include <stdexcept>
#include <string>
#endif

namespace luodi {

// X-macro: code, name. The names are stable and appear in messages, tests and docs/errors.md.
#define LUODI_STATUS_CODES(X)                                                            \
  X(Ok, "ok")                                                                           \
  X(InvalidArgument, "invalid argument")       /* a caller passed something unusable */ \
  X(OutOfRange, "out of range")                /* an index or value outside its range */ \
  X(ShapeMismatch, "shape mismatch")           /* shapes that cannot work together */   \
  X(Unsupported, "unsupported")                /* valid input luodi cannot handle yet */ \
  X(OutOfMemory, "out of memory")                                                       \
  X(BufferTooSmall, "buffer too small")        /* a caller's arena/output is too small */ \
  X(IoError, "i/o error")                                                               \
  X(NotFound, "not found")                     /* a name that does not exist */         \
  X(ParseError, "parse error")                 /* malformed text or protobuf input */   \
  X(BadMagic, "bad magic")                     /* not a .luodi file */                  \
  X(UnsupportedVersion, "unsupported version") /* a format version this build can't read */ \
  X(ChecksumMismatch, "checksum mismatch")     /* the CRC32 does not match */           \
  X(Truncated, "truncated")                    /* data ends before a declared size */   \
  X(BadOffset, "bad offset")                   /* an offset or size outside the buffer */ \
  X(Overflow, "overflow")                      /* a size or shape product overflows */  \
  X(DTypeMismatch, "dtype mismatch")           /* a byte size that disagrees with dtype x shape */ \
  X(GraphCycle, "graph cycle")                                                          \
  X(UnknownOp, "unknown op")                                                            \
  X(DanglingIndex, "dangling index")           /* a reference to a tensor/node that does not exist */ \
  X(BadAttribute, "bad attribute")             /* missing, mistyped or out-of-range attribute */ \
  X(VerificationFailed, "verification failed") /* the golden pair did not replay */     \
  X(Internal, "internal error")

enum class StatusCode : std::uint8_t {
#define LUODI_X(code, name) code,
  LUODI_STATUS_CODES(LUODI_X)
#undef LUODI_X
};

inline const char* status_code_name(StatusCode c) noexcept {
  switch (c) {
#define LUODI_X(code, name) \
  case StatusCode::code:    \
    return name;
    LUODI_STATUS_CODES(LUODI_X)
#undef LUODI_X
  }
  return "unknown status";
}

class [[nodiscard]] Status {
 public:
  static constexpr std::size_t kMaxMessage = 256;

  Status() noexcept = default;  // ok

  Status(StatusCode code, const char* message) noexcept : code_(code) { set_message(message); }

  static Status ok_status() noexcept { return Status(); }

  // printf-style constructor: Status::error(StatusCode::ShapeMismatch, "node \"%s\": ...", name)
  static Status error(StatusCode code, const char* fmt, ...) noexcept LUODI_PRINTF_LIKE(2, 3) {
    Status s;
    s.code_ = code;
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(s.message_, kMaxMessage, fmt, ap);
    va_end(ap);
    return s;
  }

  bool ok() const noexcept { return code_ == StatusCode::Ok; }
  explicit operator bool() const noexcept { return ok(); }
  StatusCode code() const noexcept { return code_; }
  const char* code_name() const noexcept { return status_code_name(code_); }
  // For an ok status this is "ok"; otherwise the message given at construction.
  const char* message() const noexcept { return ok() ? "ok" : message_; }

  // Prepend context as an error propagates outwards: "node \"conv1\" (Conv): " + message.
  Status& prepend(const char* fmt, ...) noexcept LUODI_PRINTF_LIKE(2, 3) {
    if (ok()) return *this;
    char prefix[kMaxMessage];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(prefix, kMaxMessage, fmt, ap);
    va_end(ap);
    // prefix + message, cut to the buffer
    char joined[kMaxMessage];
    std::size_t n = std::strlen(prefix);
    std::memcpy(joined, prefix, n);
    const std::size_t m = std::strlen(message_);
    const std::size_t room = kMaxMessage - 1 - n;
    const std::size_t k = m < room ? m : room;
    std::memcpy(joined + n, message_, k);
    joined[n + k] = '\0';
    std::memcpy(message_, joined, kMaxMessage);
    return *this;
  }

  friend bool operator==(const Status& a, StatusCode c) noexcept { return a.code_ == c; }
  friend bool operator!=(const Status& a, StatusCode c) noexcept { return a.code_ != c; }

 private:
  void set_message(const char* m) noexcept {
    if (m == nullptr) m = "";
    std::size_t n = std::strlen(m);
    if (n >= kMaxMessage) n = kMaxMessage - 1;
    std::memcpy(message_, m, n);
    message_[n] = '\0';
  }

  StatusCode code_ = StatusCode::Ok;
  char message_[kMaxMessage] = {0};
};

#if LUODI_HAS_EXCEPTIONS
// Thrown only by the convenience wrappers (Result<T>::value(), throw_if_error) and only when
// exceptions are enabled. The core never throws.
class Error : public std::runtime_error {
 public:
  explicit Error(const Status& s)
      : std::runtime_error(std::string(s.code_name()) + ": " + s.message()), code_(s.code()) {}
  StatusCode code() const noexcept { return code_; }

 private:
  StatusCode code_;
};
inline void throw_if_error(const Status& s) {
  if (!s.ok()) throw Error(s);
}
#endif

namespace detail {
[[noreturn]] inline void fail_on_error(const Status& s) {
#if LUODI_HAS_EXCEPTIONS
  throw Error(s);
#else
  std::fprintf(stderr, "luodi: fatal: %s: %s\n", s.code_name(), s.message());
  std::abort();
#endif
}
}  // namespace detail

// A value of type T, or the Status that explains why there is none.
template <class T>
class [[nodiscard]] Result {
  static_assert(!std::is_reference<T>::value, "Result<T&> is not supported");

 public:
  Result(const T& v) : has_(true) { new (&storage_) T(v); }             // NOLINT: implicit
  Result(T&& v) noexcept : has_(true) { new (&storage_) T(std::move(v)); }  // NOLINT: implicit
  Result(Status s) noexcept : status_(s) {                                // NOLINT: implicit
    if (status_.ok()) status_ = Status(StatusCode::Internal, "Result constructed from an ok Status without a value");
  }
  Result(StatusCode c, const char* msg) noexcept : status_(c, msg) {}

  Result(const Result& o) : status_(o.status_), has_(o.has_) {
    if (has_) new (&storage_) T(*o.ptr());
  }
  Result(Result&& o) noexcept : status_(o.status_), has_(o.has_) {
    if (has_) new (&storage_) T(std::move(*o.ptr()));
  }
  Result& operator=(Result o) noexcept {
    reset();
    status_ = o.status_;
    has_ = o.has_;
    if (has_) new (&storage_) T(std::move(*o.ptr()));
    return *this;
  }
  ~Result() { reset(); }

  bool ok() const noexcept { return has_; }
  explicit operator bool() const noexcept { return has_; }
  const Status& status() const noexcept { return status_; }

  // Checked access: throws luodi::Error (or aborts without exceptions) when there is no value.
  T& value() & {
    if (!has_) detail::fail_on_error(status_);
    return *ptr();
  }
  const T& value() const& {
    if (!has_) detail::fail_on_error(status_);
    return *ptr();
  }
  T&& value() && {
    if (!has_) detail::fail_on_error(status_);
    return std::move(*ptr());
  }
  template <class U>
  T value_or(U&& fallback) const& {
    return has_ ? *ptr() : static_cast<T>(std::forward<U>(fallback));
  }

  // Unchecked access, for after ok() was tested.
  T& operator*() & noexcept { return *ptr(); }
  const T& operator*() const& noexcept { return *ptr(); }
  T* operator->() noexcept { return ptr(); }
  const T* operator->() const noexcept { return ptr(); }

 private:
  T* ptr() noexcept { return std::launder(reinterpret_cast<T*>(&storage_)); }
  const T* ptr() const noexcept { return std::launder(reinterpret_cast<const T*>(&storage_)); }
  void reset() noexcept {
    if (has_) ptr()->~T();
    has_ = false;
  }

  Status status_;
  bool has_ = false;
  alignas(T) unsigned char storage_[sizeof(T)];
};

}  // namespace luodi

// Propagate an error Status out of the current function.
#define LUODI_RETURN_IF_ERROR(expr)               \
  do {                                            \
    ::luodi::Status luodi_status_ = (expr);       \
    if (LUODI_UNLIKELY(!luodi_status_.ok())) return luodi_status_; \
  } while (0)

#define LUODI_CONCAT_IMPL(a, b) a##b
#define LUODI_CONCAT(a, b) LUODI_CONCAT_IMPL(a, b)
// LUODI_ASSIGN_OR_RETURN(auto x, make_x()); declares x from a Result, or returns its Status.
#define LUODI_ASSIGN_OR_RETURN(decl, expr) LUODI_ASSIGN_OR_RETURN_IMPL(LUODI_CONCAT(luodi_result_, __LINE__), decl, expr)
#define LUODI_ASSIGN_OR_RETURN_IMPL(tmp, decl, expr)        \
  auto tmp = (expr);                                        \
  if (LUODI_UNLIKELY(!tmp.ok())) return tmp.status();       \
  decl = std::move(*tmp)
