// Span<T>: a pointer and a count. C++17 has no std::span; this is the subset luodi needs.
#pragma once

#include <cstddef>
#include <type_traits>

namespace luodi {

template <class T>
class Span {
 public:
  using element_type = T;
  using value_type = std::remove_cv_t<T>;

  constexpr Span() noexcept = default;
  constexpr Span(T* data, std::size_t size) noexcept : data_(data), size_(size) {}
  template <std::size_t N>
  constexpr Span(T (&a)[N]) noexcept : data_(a), size_(N) {}  // NOLINT: implicit
  // Span<const T> from Span<T>.
  template <class U, class = std::enable_if_t<std::is_convertible<U (*)[], T (*)[]>::value>>
  constexpr Span(const Span<U>& o) noexcept : data_(o.data()), size_(o.size()) {}  // NOLINT
  // From any contiguous container with data() and size() (std::vector, std::array, ...).
  template <class C, class = std::enable_if_t<
                         !std::is_same<std::decay_t<C>, Span>::value &&
                         std::is_convertible<decltype(std::declval<C&>().data()), T*>::value>>
  constexpr Span(C& c) noexcept : data_(c.data()), size_(c.size()) {}  // NOLINT: implicit

  constexpr T* data() const noexcept { return data_; }
  constexpr std::size_t size() const noexcept { return size_; }
  constexpr std::size_t size_bytes() const noexcept { return size_ * sizeof(T); }
  constexpr bool empty() const noexcept { return size_ == 0; }
  constexpr T& operator[](std::size_t i) const noexcept { return data_[i]; }
  constexpr T* begin() const noexcept { return data_; }
  constexpr T* end() const noexcept { return data_ + size_; }
  constexpr Span subspan(std::size_t offset, std::size_t count) const noexcept {
    return Span(data_ + offset, count);
  }

 private:
  T* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace luodi
