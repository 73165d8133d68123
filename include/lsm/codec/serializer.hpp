// lsm/codec/serializer.hpp — lsm::serializer<T>, the customization point that
// turns a key or value type into bytes and back, and its built-in
// specializations. Include this header (not the ones under serializers/):
// the built-ins must be visible wherever a built-in type is serialized.
//
// A specialization provides:
//   static constexpr bool order_preserving;   // true: encode(a) < encode(b)
//                                             // bytewise exactly when a < b,
//                                             // and equal values encode equal.
//                                             // Required for key types.
//   static void encode(const T&, std::string& out);   // append T's bytes
//   static T decode(std::string_view in);             // exactly encode's bytes
// and optionally:
//   static constexpr std::string_view name;   // persisted (in the codec name)
//                                             // and checked on open; "custom"
//                                             // when absent. Give one.
//   static constexpr std::size_t fixed_size; // every encoding has this size
//   static T decode_prefix(std::string_view& in);   // the encoding is
//                                             // prefix-free: decode one value
//                                             // from the front and consume it
// The optional members make composites (pair, tuple, array) cheaper: a
// component with fixed_size or decode_prefix is embedded as is, any other is
// escaped and terminated (see serializers/composite.hpp).
//
// Errors: decode is called by the façade, where exceptions are allowed. A
// decode given bytes it cannot accept (truncated, trailing bytes, an invalid
// byte, a non-canonical form) must not have undefined behaviour: it throws
// lsm::error(errc::corruption, "lsm::serializer<NAME>::decode: what and where").
// Every built-in does; user serializers should too (the façade reports any
// other exception unchanged).
//
// Built-ins (each header documents its persisted encoding):
//   serializers/arithmetic.hpp  every integer type, bool, enums with a fixed
//                               underlying type, float, double
//   serializers/bytes.hpp       std::string, std::vector<std::byte>,
//                               std::vector<std::uint8_t>
//   serializers/composite.hpp   std::pair, std::tuple, std::array
//   serializers/primary.hpp     any other trivially copyable struct, as a
//                               value only (memcpy; order_preserving = false)
//
// Example:
//   template <> struct lsm::serializer<point> {
//     static constexpr bool order_preserving = true;
//     static constexpr std::string_view name = "point";
//     static void encode(const point& p, std::string& out) {
//       lsm::serializer<std::pair<int, int>>::encode({p.x, p.y}, out);
//     }
//     static point decode(std::string_view in) {
//       auto [x, y] = lsm::serializer<std::pair<int, int>>::decode(in);
//       return {x, y};
//     }
//   };
//
// Thread safety: serializers are stateless; every member is a pure function.
#pragma once

#include "lsm/codec/serializers/arithmetic.hpp"
#include "lsm/codec/serializers/bytes.hpp"
#include "lsm/codec/serializers/composite.hpp"
#include "lsm/codec/serializers/primary.hpp"
