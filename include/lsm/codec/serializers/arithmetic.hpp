// lsm/codec/serializers/arithmetic.hpp — the built-in serializers of numbers:
// every integer type, bool, enums with a fixed underlying type, float and
// double. All are order preserving (usable as keys) and fixed size.
//
// Encodings (persisted; never change them):
//   - integers: big-endian two's complement with the sign bit flipped for
//     signed types, sizeof(T) bytes. Byte order is numeric order. Names "u8",
//     "i8", ..., "u64", "i64" by width and signedness (char is "i8" or "u8"
//     as the platform defines it).
//   - bool: one byte, 0x00 or 0x01; decode rejects any other byte. Name "bool".
//   - enum E with a fixed underlying type U (every `enum class`, and
//     `enum e : U`): the encoding of static_cast<U>(e). Name "enum<" + U's name
//     + ">". Enums without a fixed underlying type have no built-in serializer:
//     their valid range is not knowable, so decoding one could not be made safe.
//   - float / double: the IEEE-754 bits, big-endian, with every bit flipped
//     for negative numbers and only the sign bit flipped for positive ones, so
//     byte order is numeric order. Two values get a canonical form on encode:
//       * -0.0 is encoded as +0.0 (they compare equal, so they are one key,
//         as in a std::map<double, V>); a stored -0.0 reads back as +0.0.
//       * every NaN is encoded as the positive quiet NaN with an empty
//         payload, which sorts after +infinity (a NaN is a legal key, the
//         largest one; all NaNs are the same key); payloads are not kept.
//     decode accepts only canonical encodings: the bytes of -0.0 or of another
//     NaN are rejected as corruption. Names "f32" and "f64".
// Every decode throws lsm::error(errc::corruption) when the input is not
// exactly sizeof(T) bytes or not a canonical encoding.
//
// Thread safety: stateless types and pure functions.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>

#include "lsm/codec/serializers/primary.hpp"

namespace lsm {
inline namespace v0 {
namespace detail {

/// Integer types with the built-in big-endian serializer (bool excluded).
template <class T>
concept serializable_integer =
    std::is_integral_v<T> && !std::is_same_v<std::remove_cv_t<T>, bool> && !std::is_const_v<T> &&
    !std::is_volatile_v<T>;

/// Appends the Size low bytes of v, most significant first.
template <std::size_t Size, class Unsigned>
inline void put_big_endian(std::string& out, Unsigned v) {
  char bytes[Size];
  for (std::size_t i = Size; i-- > 0;) {
    bytes[i] = static_cast<char>(static_cast<unsigned char>(v & 0xffu));
    if constexpr (Size > 1) v = static_cast<Unsigned>(v >> 8);
  }
  out.append(bytes, Size);
}

/// REQUIRES: in.size() == Size.
template <std::size_t Size, class Unsigned>
inline Unsigned get_big_endian(std::string_view in) noexcept {
  Unsigned v = 0;
  for (std::size_t i = 0; i < Size; ++i) {
    if constexpr (Size > 1) v = static_cast<Unsigned>(v << 8);
    v = static_cast<Unsigned>(v | static_cast<unsigned char>(in[i]));
  }
  return v;
}

template <std::size_t Bits, bool Signed>
constexpr std::string_view integer_name() noexcept {
  if constexpr (Bits == 8)
    return Signed ? "i8" : "u8";
  else if constexpr (Bits == 16)
    return Signed ? "i16" : "u16";
  else if constexpr (Bits == 32)
    return Signed ? "i32" : "u32";
  else if constexpr (Bits == 64)
    return Signed ? "i64" : "u64";
  else if constexpr (Bits == 128)
    return Signed ? "i128" : "u128";
  else
    static_assert(Bits == 8, "lsm::serializer: unsupported integer width");
}

inline constexpr std::string_view enum_name_prefix = "enum<";

/// Enums whose every underlying value is a valid value: those with a fixed
/// underlying type (list-initialization from U is allowed exactly for them).
template <class E>
concept fixed_enum = std::is_enum_v<E> && !std::is_const_v<E> && !std::is_volatile_v<E> &&
                     requires(std::underlying_type_t<E> u) {
  E{u};
};

/// The IEEE-754 layout of float and double, for the order-preserving encoding.
template <class F>
struct float_traits;
template <>
struct float_traits<float> {
  using bits = std::uint32_t;
  static constexpr std::string_view name = "f32";
  static constexpr bits sign = bits{1} << 31;
  static constexpr bits canonical_nan = 0x7fc00000u;
};
template <>
struct float_traits<double> {
  using bits = std::uint64_t;
  static constexpr std::string_view name = "f64";
  static constexpr bits sign = bits{1} << 63;
  static constexpr bits canonical_nan = 0x7ff8000000000000u;
};

}  // namespace detail

/// Integers: big-endian, sign bit flipped for signed types.
template <detail::serializable_integer T>
struct serializer<T> {
  using unsigned_type = std::make_unsigned_t<T>;
  static constexpr bool order_preserving = true;
  static constexpr std::size_t fixed_size = sizeof(T);
  static constexpr std::string_view name =
      detail::integer_name<sizeof(T) * 8, std::is_signed_v<T>>();
  static constexpr unsigned_type flip =
      std::is_signed_v<T> ? static_cast<unsigned_type>(unsigned_type{1} << (sizeof(T) * 8 - 1))
                          : unsigned_type{0};

  static void encode(T v, std::string& out) {
    detail::put_big_endian<sizeof(T)>(
        out, static_cast<unsigned_type>(static_cast<unsigned_type>(v) ^ flip));
  }
  /// Throws lsm::error(errc::corruption) unless in.size() == sizeof(T).
  static T decode(std::string_view in) {
    if (in.size() != sizeof(T)) detail::throw_size_mismatch(name, sizeof(T), in.size());
    return static_cast<T>(
        static_cast<unsigned_type>(detail::get_big_endian<sizeof(T), unsigned_type>(in) ^ flip));
  }
};

/// bool: one byte, 0x00 or 0x01.
template <>
struct serializer<bool> {
  static constexpr bool order_preserving = true;
  static constexpr std::size_t fixed_size = 1;
  static constexpr std::string_view name = "bool";

  static void encode(bool v, std::string& out) { out.push_back(v ? '\x01' : '\x00'); }
  /// Throws lsm::error(errc::corruption) unless in is one byte 0x00 or 0x01.
  static bool decode(std::string_view in) {
    if (in.size() != 1) detail::throw_size_mismatch(name, 1, in.size());
    const auto byte = static_cast<unsigned char>(in[0]);
    if (byte > 1) {
      detail::throw_decode_error(name,
                                 "expected byte 0x00 or 0x01, found " + detail::hex_byte(in[0]));
    }
    return byte == 1;
  }
};

/// Enums with a fixed underlying type: the encoding of the underlying value.
template <detail::fixed_enum E>
struct serializer<E> {
  using underlying_type = std::underlying_type_t<E>;
  static constexpr bool order_preserving = true;
  static constexpr std::size_t fixed_size = serializer<underlying_type>::fixed_size;
  static constexpr std::string_view name =
      detail::static_concat<detail::enum_name_prefix, serializer<underlying_type>::name,
                            detail::name_close_angle>::value;

  static void encode(E v, std::string& out) {
    serializer<underlying_type>::encode(static_cast<underlying_type>(v), out);
  }
  /// Throws lsm::error(errc::corruption) unless in.size() == sizeof(E).
  static E decode(std::string_view in) {
    if (in.size() != fixed_size) detail::throw_size_mismatch(name, fixed_size, in.size());
    return static_cast<E>(serializer<underlying_type>::decode(in));
  }
};

/// float and double: order-preserving bits; -0.0 and NaN canonicalized (see
/// the file comment).
template <class F>
requires std::is_same_v<F, float> || std::is_same_v<F, double>
struct serializer<F> {
  using traits = detail::float_traits<F>;
  using bits_type = typename traits::bits;
  static_assert(sizeof(F) == sizeof(bits_type) && std::numeric_limits<F>::is_iec559,
                "lsm::serializer<float/double> requires IEEE-754 floating point");
  static constexpr bool order_preserving = true;
  static constexpr std::size_t fixed_size = sizeof(F);
  static constexpr std::string_view name = traits::name;

  /// The order-preserving image of v's bits.
  static bits_type to_ordered(F v) noexcept {
    bits_type bits = std::bit_cast<bits_type>(v);
    if ((bits & ~traits::sign) == 0) bits = 0;  // -0.0 -> +0.0
    if (is_nan_bits(bits)) bits = traits::canonical_nan;
    return (bits & traits::sign) != 0 ? static_cast<bits_type>(~bits)
                                      : static_cast<bits_type>(bits ^ traits::sign);
  }

  static void encode(F v, std::string& out) {
    detail::put_big_endian<sizeof(F)>(out, to_ordered(v));
  }
  /// Throws lsm::error(errc::corruption) unless in is sizeof(F) bytes holding
  /// a canonical encoding (not -0.0, and no NaN but the canonical one).
  static F decode(std::string_view in) {
    if (in.size() != sizeof(F)) detail::throw_size_mismatch(name, sizeof(F), in.size());
    const bits_type ordered = detail::get_big_endian<sizeof(F), bits_type>(in);
    const bits_type bits = (ordered & traits::sign) != 0
                               ? static_cast<bits_type>(ordered ^ traits::sign)
                               : static_cast<bits_type>(~ordered);
    if (bits == traits::sign) {
      detail::throw_decode_error(name, "found the bytes of -0.0, which encode writes as +0.0");
    }
    if (is_nan_bits(bits) && bits != traits::canonical_nan) {
      detail::throw_decode_error(name,
                                 "found a non-canonical NaN; encode writes every NaN as "
                                 "the positive quiet NaN");
    }
    return std::bit_cast<F>(bits);
  }

 private:
  static constexpr bool is_nan_bits(bits_type bits) noexcept {
    constexpr bits_type exponent = std::bit_cast<bits_type>(std::numeric_limits<F>::infinity());
    return (bits & exponent) == exponent && (bits & ~(exponent | traits::sign)) != 0;
  }
};

}  // namespace v0
}  // namespace lsm
