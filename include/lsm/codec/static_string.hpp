// lsm/codec/static_string.hpp — string constants built at compile time: the
// concatenation of std::string_view constants, and the decimal spelling of a
// number. Used to derive the persisted names of serializers and codecs
// (e.g. "lsm.codec(tuple<string,u64>,bytes)") without typeid, so that a name
// is the same with every compiler.
//
// Thread safety: constants only.
// Invariant: every `value` views static storage holding a NUL-terminated copy
// of its characters, so `value.data()` is also a C string.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace lsm {
inline namespace v0 {
namespace detail {

/// `static_concat<A, B, C>::value` is the constant string A + B + C.
/// REQUIRES: each part is a constant string_view with static storage duration
/// (a namespace-scope `inline constexpr`, or a static constexpr data member).
template <const std::string_view&... Parts>
struct static_concat {
  static constexpr std::size_t size = (std::size_t{0} + ... + Parts.size());

 private:
  static constexpr std::array<char, size + 1> make() noexcept {
    std::array<char, size + 1> out{};
    std::size_t at = 0;
    [[maybe_unused]] const auto append = [&](std::string_view part) {
      for (const char c : part) out[at++] = c;
    };
    (append(Parts), ...);
    out[size] = '\0';
    return out;
  }
  static constexpr std::array<char, size + 1> storage_ = make();

 public:
  static constexpr std::string_view value{storage_.data(), size};
};

/// `static_join<Sep, A, B, C>::value` is A + Sep + B + Sep + C ("" for no parts).
template <const std::string_view& Separator, const std::string_view&... Parts>
struct static_join {
  static constexpr std::size_t count = sizeof...(Parts);
  static constexpr std::size_t size =
      (std::size_t{0} + ... + Parts.size()) + (count == 0 ? 0 : (count - 1) * Separator.size());

 private:
  static constexpr std::array<char, size + 1> make() noexcept {
    std::array<char, size + 1> out{};
    std::size_t at = 0;
    std::size_t index = 0;
    [[maybe_unused]] const auto append = [&](std::string_view part) {
      if (index++ != 0) {
        for (const char c : Separator) out[at++] = c;
      }
      for (const char c : part) out[at++] = c;
    };
    (append(Parts), ...);
    out[size] = '\0';
    return out;
  }
  static constexpr std::array<char, size + 1> storage_ = make();

 public:
  static constexpr std::string_view value{storage_.data(), size};
};

/// `static_decimal<N>::value` is N written in base 10 ("0", "16", ...).
template <std::size_t N>
struct static_decimal {
  static constexpr std::size_t size = [] {
    std::size_t digits = 1;
    for (std::size_t n = N; n >= 10; n /= 10) ++digits;
    return digits;
  }();

 private:
  static constexpr std::array<char, size + 1> make() noexcept {
    std::array<char, size + 1> out{};
    std::size_t n = N;
    for (std::size_t i = size; i-- > 0; n /= 10) out[i] = static_cast<char>('0' + n % 10);
    out[size] = '\0';
    return out;
  }
  static constexpr std::array<char, size + 1> storage_ = make();

 public:
  static constexpr std::string_view value{storage_.data(), size};
};

// Punctuation for the names built from these helpers.
inline constexpr std::string_view name_comma = ",";
inline constexpr std::string_view name_open_angle = "<";
inline constexpr std::string_view name_close_angle = ">";

}  // namespace detail
}  // namespace v0
}  // namespace lsm
