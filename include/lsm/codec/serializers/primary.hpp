// lsm/codec/serializers/primary.hpp — the primary template of
// lsm::serializer<T>, what it falls back to when nobody specialized it, the
// traits that read a serializer's optional members, and the concepts
// lsm::value_serializable<T> and lsm::key_serializable<T>.
//
// Include lsm/codec/serializer.hpp instead of this header: it also declares
// the built-in specializations, which must be visible wherever a built-in
// type is serialized.
//
// The fallback of the primary template:
//   - a trivially copyable type that is not a pointer, an arithmetic type, an
//     enum, a std::pair, std::tuple or std::array is serializable as a VALUE: its object
//     representation is copied (memcpy), `order_preserving` is false, and decode throws corruption
//     when the size is not sizeof(T). Its bytes are in the machine's native layout. Only the size
//     is validated: a type with invalid bit patterns (a bool or an enum member) decoded from
//     corrupt bytes holds unspecified values.
//   - any other type is not serializable: using it is a compile-time error
//     (a static_assert naming lsm::serializer<T> and the fix).
//
// Thread safety: stateless types and pure functions.
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "lsm/codec/static_string.hpp"
#include "lsm/error.hpp"

// The one message of every "no serializer for T" error (a macro: static_assert
// wants a string literal). Undefined at the end of this header.
#define LSM_SERIALIZER_NOT_SPECIALIZED_MESSAGE                                           \
  "lsm::serializer<T> is not specialized for this type (T is named in the "              \
  "instantiation above): specialize lsm::serializer<T> with encode/decode (see README, " \
  "'Your own types and policies')"

namespace lsm {
inline namespace v0 {

/// The customization point: how a T becomes bytes and back. See
/// lsm/codec/serializer.hpp for the members a specialization provides.
template <class T, class Enable = void>
struct serializer;

namespace detail {

template <class>
inline constexpr bool dependent_false = false;

/// Throws the error every decoder reports for bytes it cannot accept:
/// lsm::error(errc::corruption, "lsm::serializer<NAME>::decode: WHAT").
[[noreturn]] inline void throw_decode_error(std::string_view serializer_name,
                                            std::string_view what) {
  std::string message = "lsm::serializer<";
  message.append(serializer_name);
  message.append(">::decode: ");
  message.append(what);
  throw error(errc::corruption, message);
}

/// "expected 4 bytes, found 3"
[[noreturn]] inline void throw_size_mismatch(std::string_view serializer_name, std::size_t expected,
                                             std::size_t found) {
  throw_decode_error(serializer_name, "expected " + std::to_string(expected) + " bytes, found " +
                                          std::to_string(found));
}

/// "0x0a": one byte in hex, for messages.
inline std::string hex_byte(char byte) {
  constexpr std::string_view digits = "0123456789abcdef";
  const auto b = static_cast<unsigned char>(byte);
  return {'0', 'x', digits[b >> 4], digits[b & 0xf]};
}

/// What serializer<T> is when nobody specialized it and T has no built-in
/// meaning: every use fails to compile with a message that names the fix.
template <class T>
struct unspecialized_serializer {
  /// Marker read by the concepts: this T has no serializer.
  using lsm_unspecialized_serializer = T;
  static constexpr bool order_preserving = false;

  template <class U = T>
  static void encode(const U&, std::string&) {
    static_assert(dependent_false<U>, LSM_SERIALIZER_NOT_SPECIALIZED_MESSAGE);
  }
  template <class U = T>
  static U decode(std::string_view) {
    static_assert(dependent_false<U>, LSM_SERIALIZER_NOT_SPECIALIZED_MESSAGE);
  }
};

inline constexpr std::string_view trivial_name_prefix = "trivial<";

/// The value-only serializer of a trivially copyable type: its object
/// representation, memcpy'd. Not order preserving, so never a key.
template <class T>
struct trivial_serializer {
  static constexpr bool order_preserving = false;
  static constexpr std::size_t fixed_size = sizeof(T);
  static constexpr std::string_view name =
      static_concat<trivial_name_prefix, static_decimal<sizeof(T)>::value, name_close_angle>::value;

  static void encode(const T& v, std::string& out) {
    char bytes[sizeof(T)];
    std::memcpy(bytes, &v, sizeof(T));
    out.append(bytes, sizeof(T));
  }
  /// Throws lsm::error(errc::corruption) unless in.size() == sizeof(T).
  static T decode(std::string_view in) {
    if (in.size() != sizeof(T)) throw_size_mismatch(name, sizeof(T), in.size());
    T v;
    std::memcpy(static_cast<void*>(&v), in.data(), sizeof(T));
    return v;
  }
};

/// std::pair, std::tuple and std::array: they have built-in serializers when
/// their components do, and never fall back to memcpy.
template <class T>
inline constexpr bool is_std_composite = false;
template <class A, class B>
inline constexpr bool is_std_composite<std::pair<A, B>> = true;
template <class... Ts>
inline constexpr bool is_std_composite<std::tuple<Ts...>> = true;
template <class T, std::size_t N>
inline constexpr bool is_std_composite<std::array<T, N>> = true;

/// Types the memcpy fallback accepts: trivially copyable, default
/// constructible, and not a type with a meaning of its own (numbers, enums,
/// pointers, standard composites: they have built-in serializers or none).
template <class T>
concept memcpy_value =
    !is_std_composite<T> && std::is_trivially_copyable_v<T> && std::is_default_constructible_v<T> &&
    std::is_object_v<T> && !std::is_const_v<T> && !std::is_volatile_v<T> &&
    !std::is_arithmetic_v<T> && !std::is_enum_v<T> && !std::is_pointer_v<T> &&
    !std::is_member_pointer_v<T> && !std::is_null_pointer_v<T> && !std::is_array_v<T>;

template <class T>
struct default_serializer : unspecialized_serializer<T> {};
template <memcpy_value T>
struct default_serializer<T> : trivial_serializer<T> {};

}  // namespace detail

/// The primary template: the memcpy value serializer for plain trivially
/// copyable structs, otherwise "not serializable" (a readable compile error).
template <class T, class Enable>
struct serializer : detail::default_serializer<T> {};

namespace detail {

/// True when serializer<T> is a real serializer (specialized, built-in or the
/// memcpy fallback), false when it is the "not specialized" placeholder.
template <class T>
concept specialized_serializer = !requires {
  typename serializer<T>::lsm_unspecialized_serializer;
};

/// serializer<T>::fixed_size, when present: every encoding is exactly this long.
template <class T>
concept fixed_size_serializer = requires {
  typename std::integral_constant<std::size_t, serializer<T>::fixed_size>;
};

/// serializer<T>::decode_prefix(std::string_view&), when present: the encoding
/// is prefix-free and the serializer can find where it ends.
template <class T>
concept prefix_decodable_serializer = requires(std::string_view& in) {
  { serializer<T>::decode_prefix(in) } -> std::same_as<T>;
};

inline constexpr std::string_view unnamed_serializer_name = "custom";

template <class T>
constexpr std::string_view serializer_name_of() noexcept {
  if constexpr (requires { std::string_view{serializer<T>::name}; }) {
    return std::string_view{serializer<T>::name};
  } else {
    return unnamed_serializer_name;
  }
}

/// The persisted name of serializer<T>: its `name` member, or "custom".
template <class T>
inline constexpr std::string_view serializer_name_v = serializer_name_of<T>();

}  // namespace detail

/// T can be stored as a value: serializer<T> provides encode, decode and
/// order_preserving.
template <class T>
concept value_serializable = detail::specialized_serializer<T> &&
    requires(const T& v, std::string& out, std::string_view in) {
  serializer<T>::encode(v, out);
  { serializer<T>::decode(in) } -> std::same_as<T>;
  { serializer<T>::order_preserving } -> std::convertible_to<bool>;
};

/// T can be a key: value_serializable and its byte order is operator< order.
template <class T>
concept key_serializable = value_serializable<T> && bool{serializer<T>::order_preserving};

namespace detail {

/// Instantiated by lsm::codec for its value type: fails with a message that
/// names T (in the instantiation context) and the fix.
template <class T>
struct assert_value_serializable {
  static_assert(specialized_serializer<T>, LSM_SERIALIZER_NOT_SPECIALIZED_MESSAGE);
  static_assert(!specialized_serializer<T> || value_serializable<T>,
                "lsm::serializer<T> is specialized but incomplete: it must provide "
                "`static constexpr bool order_preserving`, `static void encode(const T&, "
                "std::string& out)` and `static T decode(std::string_view)`");
  static constexpr bool value = value_serializable<T>;
};

/// Instantiated by lsm::codec for its key type: additionally requires an
/// order-preserving serializer.
template <class T>
struct assert_key_serializable : assert_value_serializable<T> {
  static_assert(!value_serializable<T> || key_serializable<T>,
                "this type cannot be a key: lsm::serializer<T>::order_preserving is false "
                "(byte order of its encoding is not operator< order); give lsm::serializer<T> "
                "an order-preserving encoding and set order_preserving = true, or use the "
                "type as a value");
  static constexpr bool value = key_serializable<T>;
};

}  // namespace detail
}  // namespace v0
}  // namespace lsm

#undef LSM_SERIALIZER_NOT_SPECIALIZED_MESSAGE
