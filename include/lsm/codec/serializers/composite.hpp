// lsm/codec/serializers/composite.hpp — the built-in serializers of
// std::pair, std::tuple and std::array, and the component encoding they share.
//
// Encoding (persisted; never change it): the components in order, each
// written so that it is self-delimiting and so that the concatenation sorts
// like the tuple (lexicographically, component by component):
//   - a component whose serializer has `fixed_size` is written as is;
//   - a component whose serializer has `decode_prefix` (its encoding is
//     already prefix-free: nested pairs, tuples and arrays) is written as is;
//   - any other component (strings, byte vectors, user types of variable
//     length) is escaped and terminated: each 0x00 becomes 0x00 0xFF, and
//     0x00 0x01 ends it. A terminator sorts before any continuation (0x00 0x01
//     < 0x00 0xFF, and 0x00 < any other byte), so "ab" < "ab\0" < "abc" holds
//     for the escaped forms, and the component ends before the next begins.
// A composite is order preserving when every component is. It has
// `fixed_size` when every component has; it always has `decode_prefix`.
// decode accepts only the exact bytes encode writes: a truncated component, a
// 0x00 followed by anything but 0xFF or 0x01, a missing terminator or bytes
// after the last component throw lsm::error(errc::corruption) naming the
// component and its byte offset.
// Names: "pair<A,B>", "tuple<A,B,C>", "array<T,N>" from the component names.
//
// Thread safety: stateless types and pure functions.
#pragma once

#include <array>
#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "lsm/codec/serializers/primary.hpp"
#include "lsm/codec/static_string.hpp"

namespace lsm {
inline namespace v0 {
namespace detail {

inline constexpr char component_escape = '\xff';
inline constexpr char component_terminator = '\x01';

/// Escapes out[from, end) in place (0x00 -> 0x00 0xFF) and appends the
/// terminator 0x00 0x01.
/// REQUIRES: from <= out.size().
inline void escape_and_terminate(std::string& out, std::size_t from) {
  std::size_t zeros = 0;
  for (std::size_t i = from; i < out.size(); ++i) zeros += out[i] == '\0' ? 1 : 0;
  const std::size_t old_end = out.size();
  out.resize(old_end + zeros + 2);
  std::size_t write = out.size();
  out[--write] = component_terminator;
  out[--write] = '\0';
  if (zeros == 0) return;
  for (std::size_t read = old_end; read-- > from;) {
    if (out[read] == '\0') out[--write] = component_escape;
    out[--write] = out[read];
  }
}

/// "lsm::serializer<OWNER>::decode: component INDEX at byte OFFSET: WHAT"
[[noreturn]] inline void throw_component_error(std::string_view owner, std::size_t index,
                                               std::size_t offset, std::string_view what) {
  std::string message =
      "component " + std::to_string(index) + " at byte " + std::to_string(offset) + ": ";
  message.append(what);
  throw_decode_error(owner, message);
}

/// Removes one escaped, terminated component from the front of `in` and
/// returns its unescaped bytes: a view into `in` when it holds no escape,
/// else into `scratch`. Throws lsm::error(errc::corruption) on malformed input.
inline std::string_view take_escaped(std::string_view& in, std::string& scratch,
                                     std::string_view owner, std::size_t index,
                                     std::size_t offset) {
  std::size_t at = 0;
  bool has_escapes = false;
  for (;;) {
    const void* zero = at < in.size() ? std::memchr(in.data() + at, 0, in.size() - at) : nullptr;
    if (zero == nullptr) {
      throw_component_error(owner, index, offset,
                            "missing terminator 0x00 0x01 (input ends after " +
                                std::to_string(in.size()) + " bytes)");
    }
    at = static_cast<std::size_t>(static_cast<const char*>(zero) - in.data());
    if (at + 1 == in.size()) {
      throw_component_error(owner, index, offset + at,
                            "byte 0x00 ends the input; expected 0x00 0xFF or 0x00 0x01");
    }
    const char next = in[at + 1];
    if (next == component_terminator) break;
    if (next != component_escape) {
      throw_component_error(owner, index, offset + at,
                            "byte 0x00 followed by " + hex_byte(next) +
                                "; expected 0xff (escape) or 0x01 (terminator)");
    }
    has_escapes = true;
    at += 2;
  }
  const std::string_view raw = in.substr(0, at);
  in.remove_prefix(at + 2);
  if (!has_escapes) return raw;
  scratch.clear();
  scratch.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    scratch.push_back(raw[i]);
    if (raw[i] == '\0') ++i;  // skip the 0xFF of the escape
  }
  return scratch;
}

/// Appends v as a self-delimiting component (see the file comment).
template <class T>
void encode_component(const T& v, std::string& out) {
  if constexpr (fixed_size_serializer<T> || prefix_decodable_serializer<T>) {
    serializer<T>::encode(v, out);
  } else {
    const std::size_t from = out.size();
    serializer<T>::encode(v, out);
    escape_and_terminate(out, from);
  }
}

/// Decodes one component from the front of `in` and removes its bytes.
/// `owner`, `index` and `offset` (of the component in the composite's bytes)
/// locate it in error messages.
template <class T>
T decode_component(std::string_view& in, std::string_view owner, std::size_t index,
                   std::size_t offset) {
  if constexpr (fixed_size_serializer<T>) {
    constexpr std::size_t size = serializer<T>::fixed_size;
    if (in.size() < size) {
      throw_component_error(
          owner, index, offset,
          "expected " + std::to_string(size) + " bytes, found " + std::to_string(in.size()));
    }
    T v = serializer<T>::decode(in.substr(0, size));
    in.remove_prefix(size);
    return v;
  } else if constexpr (prefix_decodable_serializer<T>) {
    return serializer<T>::decode_prefix(in);
  } else {
    std::string scratch;
    const std::string_view bytes = take_escaped(in, scratch, owner, index, offset);
    return serializer<T>::decode(bytes);
  }
}

/// Throws unless every byte of the composite was consumed.
inline void expect_end(std::string_view rest, std::string_view owner, std::size_t size) {
  if (!rest.empty()) {
    throw_decode_error(owner, std::to_string(rest.size()) +
                                  " unexpected bytes after the last "
                                  "component at byte " +
                                  std::to_string(size - rest.size()));
  }
}

/// `fixed_size` of a composite, present only when every component has one.
template <class... Ts>
struct composite_fixed_size {};
template <class... Ts>
requires(fixed_size_serializer<Ts>&&...) struct composite_fixed_size<Ts...> {
  static constexpr std::size_t fixed_size = (std::size_t{0} + ... + serializer<Ts>::fixed_size);
};

template <class T, std::size_t N>
struct array_fixed_size {};
template <class T, std::size_t N>
requires fixed_size_serializer<T>
struct array_fixed_size<T, N> {
  static constexpr std::size_t fixed_size = N * serializer<T>::fixed_size;
};

inline constexpr std::string_view pair_name_prefix = "pair<";
inline constexpr std::string_view tuple_name_prefix = "tuple<";
inline constexpr std::string_view array_name_prefix = "array<";

}  // namespace detail

/// std::pair<A, B>: A's component, then B's.
template <value_serializable A, value_serializable B>
struct serializer<std::pair<A, B>> : detail::composite_fixed_size<A, B> {
  static constexpr bool order_preserving =
      serializer<A>::order_preserving && serializer<B>::order_preserving;
  static constexpr std::string_view name =
      detail::static_concat<detail::pair_name_prefix, detail::serializer_name_v<A>,
                            detail::name_comma, detail::serializer_name_v<B>,
                            detail::name_close_angle>::value;

  static void encode(const std::pair<A, B>& v, std::string& out) {
    detail::encode_component(v.first, out);
    detail::encode_component(v.second, out);
  }
  /// Decodes one pair from the front of `in` and removes its bytes.
  static std::pair<A, B> decode_prefix(std::string_view& in) {
    const std::size_t start = in.size();
    // Braced initialization evaluates the components in order.
    return std::pair<A, B>{detail::decode_component<A>(in, name, 0, 0),
                           detail::decode_component<B>(in, name, 1, start - in.size())};
  }
  /// Throws lsm::error(errc::corruption) unless `in` is exactly one encoding.
  static std::pair<A, B> decode(std::string_view in) {
    const std::size_t size = in.size();
    std::pair<A, B> v = decode_prefix(in);
    detail::expect_end(in, name, size);
    return v;
  }
};

/// std::tuple<Ts...>: the components in order.
template <value_serializable... Ts>
struct serializer<std::tuple<Ts...>> : detail::composite_fixed_size<Ts...> {
  static constexpr bool order_preserving = (true && ... && serializer<Ts>::order_preserving);
  static constexpr std::string_view name = detail::static_concat<
      detail::tuple_name_prefix,
      detail::static_join<detail::name_comma, detail::serializer_name_v<Ts>...>::value,
      detail::name_close_angle>::value;

  static void encode(const std::tuple<Ts...>& v, std::string& out) {
    std::apply([&](const Ts&... component) { (detail::encode_component(component, out), ...); }, v);
  }
  /// Decodes one tuple from the front of `in` and removes its bytes.
  static std::tuple<Ts...> decode_prefix(std::string_view& in) {
    return decode_components(in, in.size(), std::index_sequence_for<Ts...>{});
  }
  /// Throws lsm::error(errc::corruption) unless `in` is exactly one encoding.
  static std::tuple<Ts...> decode(std::string_view in) {
    const std::size_t size = in.size();
    std::tuple<Ts...> v = decode_prefix(in);
    detail::expect_end(in, name, size);
    return v;
  }

 private:
  template <std::size_t... I>
  static std::tuple<Ts...> decode_components([[maybe_unused]] std::string_view& in,
                                             [[maybe_unused]] std::size_t start,
                                             std::index_sequence<I...>) {
    // Braced initialization evaluates the components in order.
    return std::tuple<Ts...>{detail::decode_component<Ts>(in, name, I, start - in.size())...};
  }
};

/// std::array<T, N>: the N components in order.
template <value_serializable T, std::size_t N>
struct serializer<std::array<T, N>> : detail::array_fixed_size<T, N> {
  static constexpr bool order_preserving = serializer<T>::order_preserving;
  static constexpr std::string_view name =
      detail::static_concat<detail::array_name_prefix, detail::serializer_name_v<T>,
                            detail::name_comma, detail::static_decimal<N>::value,
                            detail::name_close_angle>::value;

  static void encode(const std::array<T, N>& v, std::string& out) {
    for (const T& component : v) detail::encode_component(component, out);
  }
  /// Decodes one array from the front of `in` and removes its bytes.
  static std::array<T, N> decode_prefix(std::string_view& in) {
    const std::size_t start = in.size();
    if constexpr (std::is_default_constructible_v<T>) {
      std::array<T, N> v{};
      for (std::size_t i = 0; i < N; ++i) {
        v[i] = detail::decode_component<T>(in, name, i, start - in.size());
      }
      return v;
    } else {
      return decode_components(in, start, std::make_index_sequence<N>{});
    }
  }
  /// Throws lsm::error(errc::corruption) unless `in` is exactly one encoding.
  static std::array<T, N> decode(std::string_view in) {
    const std::size_t size = in.size();
    std::array<T, N> v = decode_prefix(in);
    detail::expect_end(in, name, size);
    return v;
  }

 private:
  template <std::size_t... I>
  static std::array<T, N> decode_components(std::string_view& in, std::size_t start,
                                            std::index_sequence<I...>) {
    return std::array<T, N>{{detail::decode_component<T>(in, name, I, start - in.size())...}};
  }
};

}  // namespace v0
}  // namespace lsm
