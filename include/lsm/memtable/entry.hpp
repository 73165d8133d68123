// lsm/memtable/entry.hpp — what every memtable policy shares: the lookup
// result, the in-memory encoding of one entry, and the orders on entries.
//
// An entry is one contiguous run of bytes (in the memtable's arena):
//
//     varint64 internal_key_length | internal key | varint64 value_length | value
//
// where the internal key is the user key followed by the 8-byte tag
// (sequence << 8 | kind), see memtable/internal_key.hpp. Iterators hand out
// views into these bytes, so key() and value() never copy.
//
// Thread safety: pure functions on immutable bytes.
// Invariant: an entry is never modified after it is published to readers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "lsm/codec/coding.hpp"
#include "lsm/memtable/internal_key.hpp"

namespace lsm {
inline namespace v0 {
namespace detail {

/// The answer of a memtable point lookup at a snapshot.
enum class memtable_lookup : std::uint8_t {
  absent = 0,   ///< no version of the key visible: look further down the tree
  found = 1,    ///< the newest visible version is a value (copied out)
  deleted = 2,  ///< the newest visible version is a tombstone: stop, not found
};

/// Bytes needed to encode an entry of this user key and value.
inline std::size_t memtable_entry_size(std::size_t user_key_size, std::size_t value_size) noexcept {
  const std::size_t ikey_size = user_key_size + internal_key_trailer_size;
  return varint_length(ikey_size) + ikey_size + varint_length(value_size) + value_size;
}

/// Writes the entry at dst.
/// REQUIRES: dst has memtable_entry_size(user_key.size(), value.size()) bytes.
inline void encode_memtable_entry(char* dst, std::uint64_t tag, std::string_view user_key,
                                  std::string_view value) noexcept {
  dst = encode_varint64(dst, user_key.size() + internal_key_trailer_size);
  if (!user_key.empty()) std::memcpy(dst, user_key.data(), user_key.size());
  dst += user_key.size();
  encode_fixed64(dst, tag);
  dst += internal_key_trailer_size;
  dst = encode_varint64(dst, value.size());
  if (!value.empty()) std::memcpy(dst, value.data(), value.size());
}

/// Decodes a length written by encode_memtable_entry. The one-byte case
/// (keys and values under 128 bytes) is the common one and stays inline.
inline const char* decode_memtable_length(const char* p, std::size_t& length) noexcept {
  const auto first = static_cast<unsigned char>(*p);
  if (first < 0x80) {
    length = first;
    return p + 1;
  }
  std::uint64_t v = 0;
  // The bytes were written by encode_varint64: well-formed by construction.
  p = decode_varint64(p, p + max_varint64_length, v);
  length = static_cast<std::size_t>(v);
  return p;
}

/// The internal key of an entry.
inline std::string_view memtable_entry_key(const char* entry) noexcept {
  std::size_t length = 0;
  const char* p = decode_memtable_length(entry, length);
  return {p, length};
}

/// The value of an entry.
inline std::string_view memtable_entry_value(const char* entry) noexcept {
  const std::string_view ikey = memtable_entry_key(entry);
  std::size_t length = 0;
  const char* p = decode_memtable_length(ikey.data() + ikey.size(), length);
  return {p, length};
}

/// A search position given as parts, so that lookups build no internal key:
/// (user_key, tag) orders like the internal key user_key + fixed64(tag).
struct memtable_lookup_key {
  std::string_view user_key;
  std::uint64_t tag = 0;

  /// The position of the newest version of user_key visible at seq.
  static memtable_lookup_key at(std::string_view user_key, sequence_number seq) noexcept {
    return {user_key, pack_tag(seq, value_kind_for_seek)};
  }
  /// The position of an internal key; a target shorter than a tag is taken
  /// as a bare user key (before every version of it).
  static memtable_lookup_key from_internal_key(std::string_view ikey) noexcept {
    if (ikey.size() < internal_key_trailer_size) return {ikey, ~std::uint64_t{0}};
    return {extract_user_key(ikey), extract_tag(ikey)};
  }
};

/// Orders entries (by their internal keys) under Comparator, and entries
/// against lookup keys. Stateless; every call inlines.
template <key_comparator Comparator>
struct memtable_entry_order {
  using is_transparent = void;  // lets std::set search by memtable_lookup_key

  /// <0, 0, >0 as internal key a sorts before, equal to, after internal key b.
  /// REQUIRES: both are internal keys (size >= 8).
  static int compare_keys(std::string_view a, std::string_view b) noexcept {
    return internal_key_comparator<Comparator>::compare(a, b);
  }
  /// Compares the internal key `a` with the position `b`.
  /// REQUIRES: a.size() >= 8.
  static int compare_keys(std::string_view a, const memtable_lookup_key& b) noexcept {
    const int r = Comparator::compare(extract_user_key(a), b.user_key);
    if (r != 0) return r;
    const std::uint64_t ta = extract_tag(a);
    return ta > b.tag ? -1 : (ta < b.tag ? 1 : 0);
  }

  static int compare(const char* a, const char* b) noexcept {
    return compare_keys(memtable_entry_key(a), memtable_entry_key(b));
  }
  static int compare(const char* a, const memtable_lookup_key& b) noexcept {
    return compare_keys(memtable_entry_key(a), b);
  }

  // Strict weak order, for standard algorithms and containers.
  bool operator()(const char* a, const char* b) const noexcept { return compare(a, b) < 0; }
  bool operator()(const char* a, const memtable_lookup_key& b) const noexcept {
    return compare(a, b) < 0;
  }
  bool operator()(const memtable_lookup_key& a, const char* b) const noexcept {
    return compare(b, a) > 0;
  }
};

/// Resolves a lookup: `entry` is the first entry at or after
/// memtable_lookup_key::at(user_key, seq), or null when there is none.
template <key_comparator Comparator>
memtable_lookup resolve_memtable_lookup(const char* entry, std::string_view user_key,
                                        std::string& value) {
  if (entry == nullptr) return memtable_lookup::absent;
  const std::string_view ikey = memtable_entry_key(entry);
  if (Comparator::compare(extract_user_key(ikey), user_key) != 0) {
    return memtable_lookup::absent;
  }
  switch (extract_kind(ikey)) {
    case value_kind::value: {
      const std::string_view v = memtable_entry_value(entry);
      value.assign(v.data(), v.size());
      return memtable_lookup::found;
    }
    case value_kind::deletion:
      return memtable_lookup::deleted;
    case value_kind::range_deletion:
      break;
  }
  // Range tombstones are never added to a memtable; nothing to say here.
  return memtable_lookup::absent;
}

}  // namespace detail
}  // namespace v0
}  // namespace lsm
