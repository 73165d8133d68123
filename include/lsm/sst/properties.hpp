// lsm/sst/properties.hpp — what a table says about itself
// (detail::table_properties) and its range tombstones
// (detail::range_tombstone), with the encoding of the properties block
// (docs/format/sst.md §4.5).
//
// Thread safety: values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "lsm/codec/coding.hpp"
#include "lsm/error.hpp"
#include "lsm/memtable/internal_key.hpp"
#include "lsm/sst/block.hpp"
#include "lsm/sst/block_builder.hpp"

namespace lsm {
inline namespace v0 {
namespace detail {

/// Deletes every user key k with first <= k < last whose sequence is < seq.
struct range_tombstone {
  std::string first, last;  ///< user keys, [first, last)
  sequence_number seq = 0;
  bool operator==(const range_tombstone&) const = default;
};

struct table_properties {
  std::uint64_t num_entries = 0;          ///< point entries (puts and deletions)
  std::uint64_t num_deletions = 0;        ///< point deletions
  std::uint64_t num_range_deletions = 0;  ///< range tombstones
  std::uint64_t raw_key_size = 0;         ///< sum of internal key sizes (point entries)
  std::uint64_t raw_value_size = 0;       ///< sum of value sizes (point entries)
  std::uint64_t num_data_blocks = 0;
  /// Internal-key bounds of everything in the table, range tombstones
  /// included ([a, b)@s counts as (a, s, range_deletion) and
  /// (b, max_sequence_number, range_deletion)). Empty for an empty table.
  std::string smallest, largest;
  sequence_number smallest_seq = 0, largest_seq = 0;
  std::string comparator_name, filter_name, codec_name;
  bool operator==(const table_properties&) const = default;
};

namespace properties_keys {
inline constexpr std::string_view codec = "lsm.codec";
inline constexpr std::string_view comparator = "lsm.comparator";
inline constexpr std::string_view filter = "lsm.filter";
inline constexpr std::string_view largest = "lsm.largest";
inline constexpr std::string_view largest_seq = "lsm.largest_seq";
inline constexpr std::string_view num_data_blocks = "lsm.num_data_blocks";
inline constexpr std::string_view num_deletions = "lsm.num_deletions";
inline constexpr std::string_view num_entries = "lsm.num_entries";
inline constexpr std::string_view num_range_deletions = "lsm.num_range_deletions";
inline constexpr std::string_view raw_key_size = "lsm.raw_key_size";
inline constexpr std::string_view raw_value_size = "lsm.raw_value_size";
inline constexpr std::string_view smallest = "lsm.smallest";
inline constexpr std::string_view smallest_seq = "lsm.smallest_seq";
}  // namespace properties_keys

/// The contents of the properties block of p (keys in bytewise order).
inline std::string encode_properties(const table_properties& p) {
  namespace k = properties_keys;
  block_builder b(1);
  std::string n;
  auto num = [&](std::string_view key, std::uint64_t v) {
    n.clear();
    put_varint64(n, v);
    b.add(key, n);
  };
  b.add(k::codec, p.codec_name);
  b.add(k::comparator, p.comparator_name);
  b.add(k::filter, p.filter_name);
  b.add(k::largest, p.largest);
  num(k::largest_seq, p.largest_seq);
  num(k::num_data_blocks, p.num_data_blocks);
  num(k::num_deletions, p.num_deletions);
  num(k::num_entries, p.num_entries);
  num(k::num_range_deletions, p.num_range_deletions);
  num(k::raw_key_size, p.raw_key_size);
  num(k::raw_value_size, p.raw_value_size);
  b.add(k::smallest, p.smallest);
  num(k::smallest_seq, p.smallest_seq);
  return std::string(b.finish());
}

/// Decodes a properties block; every known key must be present.
/// `where` prefixes error messages (file name and block offset).
inline status decode_properties(const block& contents, const std::string& where,
                                table_properties& p) {
  namespace k = properties_keys;
  struct field {
    std::string_view key;
    std::string* text;
    std::uint64_t* number;
    bool seen;
  };
  field fields[] = {
      {k::codec, &p.codec_name, nullptr, false},
      {k::comparator, &p.comparator_name, nullptr, false},
      {k::filter, &p.filter_name, nullptr, false},
      {k::largest, &p.largest, nullptr, false},
      {k::largest_seq, nullptr, &p.largest_seq, false},
      {k::num_data_blocks, nullptr, &p.num_data_blocks, false},
      {k::num_deletions, nullptr, &p.num_deletions, false},
      {k::num_entries, nullptr, &p.num_entries, false},
      {k::num_range_deletions, nullptr, &p.num_range_deletions, false},
      {k::raw_key_size, nullptr, &p.raw_key_size, false},
      {k::raw_value_size, nullptr, &p.raw_value_size, false},
      {k::smallest, &p.smallest, nullptr, false},
      {k::smallest_seq, nullptr, &p.smallest_seq, false},
  };
  block_iterator<bytewise_comparator> it(contents);
  for (it.seek_to_first(); it.valid(); it.next()) {
    for (field& f : fields) {
      if (f.key != it.key()) continue;
      if (f.text != nullptr) {
        f.text->assign(it.value());
      } else {
        std::string_view v = it.value();
        if (!get_varint64(v, *f.number) || !v.empty())
          return status::corruption(where + ": property " + std::string(f.key) +
                                    ": expected a varint64, found " +
                                    std::to_string(it.value().size()) + " bad bytes");
      }
      f.seen = true;
    }
  }
  if (!it.get_status().ok()) return status::corruption(where + ": " + it.get_status().message());
  for (const field& f : fields)
    if (!f.seen)
      return status::corruption(where + ": property " + std::string(f.key) +
                                " expected, not found");
  return {};
}

}  // namespace detail
}  // namespace v0
}  // namespace lsm
