// lsm/memtable/internal_key.hpp — the internal key every layer below the
// codec stores: the encoded user key followed by an 8-byte little-endian tag
// (sequence number << 8 | kind), and the orders on user and internal keys.
//
// Internal keys sort by user key ascending (the comparator's order), then by
// sequence number descending, then kind descending, so that the newest
// version of a key comes first and a seek to (key, seq) lands on the newest
// version visible at seq.
//
// Thread safety: pure functions and stateless types.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "lsm/codec/coding.hpp"

namespace lsm {
inline namespace v0 {

using sequence_number = std::uint64_t;

/// The largest sequence number: 56 bits, the tag keeps 8 for the kind.
inline constexpr sequence_number max_sequence_number = (std::uint64_t{1} << 56) - 1;

/// What an internal entry says about its key. Persisted: values never change.
enum class value_kind : std::uint8_t {
  deletion = 0,        ///< a tombstone: the key is erased
  value = 1,           ///< a put
  range_deletion = 2,  ///< a range tombstone: key is `first`, value is `last`
};

/// The kind used when building seek targets: the largest, so that a target
/// (key, seq) sorts before every entry of key with sequence number <= seq.
inline constexpr value_kind value_kind_for_seek = value_kind::range_deletion;

/// A comparator orders encoded user keys; the engine is instantiated once per
/// comparator so every comparison inlines.
template <class C>
concept key_comparator = requires(std::string_view a, std::string_view b) {
  { C::compare(a, b) } -> std::convertible_to<int>;
  { C::name } -> std::convertible_to<std::string_view>;
};

/// Plain byte order (memcmp, shorter first on a tie): the default.
struct bytewise_comparator {
  static constexpr std::string_view name = "lsm.bytewise";
  /// <0, 0, >0 as a sorts before, equal to, after b (unsigned bytes, then
  /// length). Inline, eight bytes at a time: the skiplist and block searches
  /// compare short keys, for which a call to memcmp costs more than the
  /// comparison.
  static int compare(std::string_view a, std::string_view b) noexcept {
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const std::size_t n = a.size() < b.size() ? a.size() : b.size();
    const char* pa = a.data();
    const char* pb = b.data();
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      std::uint64_t x, y;
      __builtin_memcpy(&x, pa + i, 8);
      __builtin_memcpy(&y, pb + i, 8);
      if (x != y) return __builtin_bswap64(x) < __builtin_bswap64(y) ? -1 : 1;
    }
    for (; i < n; ++i) {
      const auto x = static_cast<unsigned char>(pa[i]);
      const auto y = static_cast<unsigned char>(pb[i]);
      if (x != y) return x < y ? -1 : 1;
    }
    return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
#else
    return a.compare(b);
#endif
  }
};

namespace detail {

inline constexpr std::size_t internal_key_trailer_size = 8;

inline std::uint64_t pack_tag(sequence_number seq, value_kind kind) noexcept {
  return (seq << 8) | static_cast<std::uint64_t>(kind);
}

/// Appends (user_key, seq, kind) as an internal key to dst.
inline void append_internal_key(std::string& dst, std::string_view user_key, sequence_number seq,
                                value_kind kind) {
  dst.append(user_key.data(), user_key.size());
  put_fixed64(dst, pack_tag(seq, kind));
}

inline std::string make_internal_key(std::string_view user_key, sequence_number seq,
                                     value_kind kind) {
  std::string k;
  k.reserve(user_key.size() + internal_key_trailer_size);
  append_internal_key(k, user_key, seq, kind);
  return k;
}

/// REQUIRES: ikey.size() >= 8.
inline std::string_view extract_user_key(std::string_view ikey) noexcept {
  return ikey.substr(0, ikey.size() - internal_key_trailer_size);
}
/// REQUIRES: ikey.size() >= 8.
inline std::uint64_t extract_tag(std::string_view ikey) noexcept {
  return decode_fixed64(ikey.data() + ikey.size() - internal_key_trailer_size);
}
inline sequence_number extract_sequence(std::string_view ikey) noexcept {
  return extract_tag(ikey) >> 8;
}
inline value_kind extract_kind(std::string_view ikey) noexcept {
  return static_cast<value_kind>(extract_tag(ikey) & 0xff);
}

/// A decoded internal key; `valid` is false when the bytes are malformed.
struct parsed_internal_key {
  std::string_view user_key;
  sequence_number sequence = 0;
  value_kind kind = value_kind::value;
};

inline bool parse_internal_key(std::string_view ikey, parsed_internal_key& out) noexcept {
  if (ikey.size() < internal_key_trailer_size) return false;
  const std::uint64_t tag = extract_tag(ikey);
  const auto kind = static_cast<std::uint8_t>(tag & 0xff);
  if (kind > static_cast<std::uint8_t>(value_kind::range_deletion)) return false;
  out.user_key = extract_user_key(ikey);
  out.sequence = tag >> 8;
  out.kind = static_cast<value_kind>(kind);
  return true;
}

/// 'bytes' for messages and dumps: printable ASCII as is, anything else
/// (and ' and \) as \xNN.
inline std::string printable(std::string_view s) {
  std::string r = "'";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f && c != '\\' && c != '\'') {
      r += c;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(u));
      r += buf;
    }
  }
  return r + "'";
}

/// "'user key' @sequence:kind" of an internal key, for messages and dumps.
inline std::string internal_key_string(std::string_view ikey) {
  parsed_internal_key p;
  if (!parse_internal_key(ikey, p)) return "(bad internal key " + printable(ikey) + ")";
  return printable(p.user_key) + " @" + std::to_string(p.sequence) + ":" +
         std::to_string(static_cast<unsigned>(p.kind));
}

/// Orders internal keys: user key ascending by Comparator, then tag descending.
template <key_comparator Comparator>
struct internal_key_comparator {
  using user_comparator = Comparator;
  /// REQUIRES: a.size() >= 8 and b.size() >= 8.
  static int compare(std::string_view a, std::string_view b) noexcept {
    const int r = Comparator::compare(extract_user_key(a), extract_user_key(b));
    if (r != 0) return r;
    const std::uint64_t ta = extract_tag(a), tb = extract_tag(b);
    return ta > tb ? -1 : (ta < tb ? 1 : 0);
  }
  static int compare_user(std::string_view a, std::string_view b) noexcept {
    return Comparator::compare(a, b);
  }
};

/// The seek key of a point lookup, (user_key, seq, value_kind_for_seek): on
/// the stack for user keys up to 120 bytes, so a lookup allocates nothing.
class lookup_key {
 public:
  lookup_key(std::string_view user_key, sequence_number seq) {
    if (user_key.size() + internal_key_trailer_size <= sizeof stack_) {
      user_key.copy(stack_, user_key.size());
      encode_fixed64(stack_ + user_key.size(), pack_tag(seq, value_kind_for_seek));
      key_ = std::string_view(stack_, user_key.size() + internal_key_trailer_size);
    } else {
      heap_ = make_internal_key(user_key, seq, value_kind_for_seek);
      key_ = heap_;
    }
  }
  lookup_key(const lookup_key&) = delete;
  lookup_key& operator=(const lookup_key&) = delete;
  std::string_view internal_key() const noexcept { return key_; }

 private:
  char stack_[128];
  std::string heap_;
  std::string_view key_;
};

}  // namespace detail
}  // namespace v0
}  // namespace lsm
