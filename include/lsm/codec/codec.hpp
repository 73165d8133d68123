// lsm/codec/codec.hpp — lsm::codec<Key, Value>, the default Codec policy of
// lsm::tree: keys and values through lsm::serializer<Key> and
// lsm::serializer<Value>, keys ordered bytewise.
//
// Key must be key_serializable (its serializer is order preserving, so the
// bytewise order of encoded keys is Key's operator< order), Value must be
// value_serializable; otherwise instantiating codec<Key, Value> fails with a
// static_assert naming the type and the fix.
//
// name: "lsm.codec(" + key serializer name + "," + value serializer name + ")",
// e.g. "lsm.codec(string,u64)"; persisted and checked on open, so a directory
// written with other key or value encodings is refused.
// fixed_key_size: present when serializer<Key> has fixed_size.
// decode_key / decode_value throw lsm::error(errc::corruption) on bytes their
// serializer cannot accept (see lsm/codec/serializer.hpp).
//
// Thread safety: stateless; every member is a pure function.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "lsm/codec/concept.hpp"
#include "lsm/codec/serializer.hpp"
#include "lsm/codec/static_string.hpp"

namespace lsm {
inline namespace v0 {
namespace detail {

inline constexpr std::string_view codec_name_prefix = "lsm.codec(";
inline constexpr std::string_view codec_name_suffix = ")";

/// `fixed_key_size`, present only when the key serializer has fixed_size.
template <class Key>
struct codec_fixed_key_size {};
template <class Key>
requires fixed_size_serializer<Key>
struct codec_fixed_key_size<Key> {
  static constexpr std::size_t fixed_key_size = serializer<Key>::fixed_size;
};

}  // namespace detail

template <class Key, class Value>
struct codec : detail::codec_fixed_key_size<Key> {
  // Each check fails with its own message; sizeof only forces the instantiation.
  static_assert(sizeof(detail::assert_key_serializable<Key>) > 0);
  static_assert(sizeof(detail::assert_value_serializable<Value>) > 0);

  using key_type = Key;
  using value_type = Value;

  static constexpr std::string_view name =
      detail::static_concat<detail::codec_name_prefix, detail::serializer_name_v<Key>,
                            detail::name_comma, detail::serializer_name_v<Value>,
                            detail::codec_name_suffix>::value;

  static void encode_key(const Key& key, std::string& out) { serializer<Key>::encode(key, out); }
  /// Throws lsm::error(errc::corruption) if `in` is not an encoded Key.
  static Key decode_key(std::string_view in) { return serializer<Key>::decode(in); }
  static void encode_value(const Value& value, std::string& out) {
    serializer<Value>::encode(value, out);
  }
  /// Throws lsm::error(errc::corruption) if `in` is not an encoded Value.
  static Value decode_value(std::string_view in) { return serializer<Value>::decode(in); }
};

}  // namespace v0
}  // namespace lsm
