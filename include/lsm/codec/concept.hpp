// lsm/codec/concept.hpp — lsm::codec_for<C, K, V>, the concept every Codec
// policy of lsm::tree satisfies, and lsm::detail::codec_comparator<C>, the
// key comparator a codec implies for the engine.
//
// A codec turns keys and values into bytes and back, and fixes the key order:
//   C::encode_key(const K&, std::string& out)      append the key's bytes
//   C::decode_key(std::string_view) -> K
//   C::encode_value(const V&, std::string& out)    append the value's bytes
//   C::decode_value(std::string_view) -> V
//   C::name                                        a compile-time string,
//                                                  persisted, checked on open
// and optionally:
//   C::compare(std::string_view, std::string_view) -> int   the key order of
//                                                  encoded keys; default bytewise
//   C::fixed_key_size                              a constant: every encoded
//                                                  key has this many bytes
//   C::hash_key(std::string_view) -> uint64        with compare: a hash that
//                                                  keys compare finds equal
//                                                  share (their bytes may
//                                                  differ); it lets lookups
//                                                  skip tables by their filter.
//                                                  A codec with compare and
//                                                  without hash_key writes
//                                                  tables without a filter.
//
// Thread safety: concepts and stateless types.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "lsm/codec/static_string.hpp"
#include "lsm/memtable/internal_key.hpp"

namespace lsm {
inline namespace v0 {
namespace detail {

/// C::compare(a, b) is callable on two encoded keys.
template <class C>
concept codec_has_compare = requires(std::string_view a, std::string_view b) {
  C::compare(a, b);
};

/// C::hash_key(key) is callable on an encoded key.
template <class C>
concept codec_has_hash_key = requires(std::string_view k) {
  C::hash_key(k);
};

/// C::fixed_key_size is declared.
template <class C>
concept codec_has_fixed_key_size = requires {
  C::fixed_key_size;
};

}  // namespace detail

/// C is a codec for keys K and values V (see the file comment).
template <class C, class K, class V>
concept codec_for = requires(const K& key, const V& value, std::string& out, std::string_view in) {
  C::encode_key(key, out);
  { C::decode_key(in) } -> std::convertible_to<K>;
  C::encode_value(value, out);
  { C::decode_value(in) } -> std::convertible_to<V>;
  { C::name } -> std::convertible_to<std::string_view>;
  typename std::integral_constant<std::size_t, std::string_view{C::name}.size()>;  // constant
}
&&(!detail::codec_has_compare<C> ||
   requires(std::string_view a, std::string_view b) {
     { C::compare(a, b) } -> std::convertible_to<int>;
   }) &&
    (!detail::codec_has_fixed_key_size<C> ||
     requires { typename std::integral_constant<std::size_t, C::fixed_key_size>; }) &&
    (!detail::codec_has_hash_key<C> || requires(std::string_view k) {
      { C::hash_key(k) } -> std::convertible_to<std::uint64_t>;
    });

namespace detail {

/// Instantiate (e.g. `static_assert(sizeof(assert_codec_for<C, K, V>) > 0)`)
/// where a Codec policy is accepted: a wrong codec fails with this message,
/// followed by the compiler's note on the unsatisfied requirement.
template <class C, class K, class V>
struct assert_codec_for {
  static_assert(codec_for<C, K, V>,
                "the Codec policy does not satisfy lsm::codec_for<Codec, Key, Value>: it needs "
                "encode_key(const Key&, std::string&), decode_key(std::string_view) -> Key, "
                "encode_value(const Value&, std::string&), decode_value(std::string_view) -> "
                "Value and a compile-time name (see the unsatisfied requirement below)");
  static constexpr bool value = codec_for<C, K, V>;
};

/// The persisted name of codec C, as a constant with static storage.
template <class C>
inline constexpr std::string_view codec_name_v = std::string_view{C::name};

inline constexpr std::string_view compare_name_suffix = ".compare";

/// The key comparator of codec C: bytewise unless C has compare.
/// Its name is "lsm.bytewise" (as lsm::bytewise_comparator), or C::name +
/// ".compare" when C orders keys itself.
template <class C>
struct codec_comparator {
  static constexpr std::string_view name = bytewise_comparator::name;
  static int compare(std::string_view a, std::string_view b) noexcept {
    return bytewise_comparator::compare(a, b);
  }
};

template <class C>
requires codec_has_compare<C>
struct codec_comparator<C> {
  static constexpr std::string_view name =
      static_concat<codec_name_v<C>, compare_name_suffix>::value;
  static int compare(std::string_view a, std::string_view b) noexcept(noexcept(C::compare(a, b))) {
    return static_cast<int>(C::compare(a, b));
  }
  /// Keys compare finds equal may differ in their bytes: a filter of their
  /// bytes could hide a key. Tables carry a filter only when C::hash_key
  /// gives the hash equal keys share.
  static constexpr bool filterable = codec_has_hash_key<C>;
  static std::uint64_t hash(std::string_view key) requires codec_has_hash_key<C> {
    return static_cast<std::uint64_t>(C::hash_key(key));
  }
};

/// The comparator a tree with codec C is instantiated with: the one
/// lsm::bytewise_comparator for every codec that does not order keys itself
/// (so trees of different key types share one engine), else
/// codec_comparator<C>.
template <class C>
using codec_comparator_t =
    std::conditional_t<codec_has_compare<C>, codec_comparator<C>, bytewise_comparator>;

}  // namespace detail
}  // namespace v0
}  // namespace lsm
