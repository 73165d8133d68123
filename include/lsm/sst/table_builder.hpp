// lsm/sst/table_builder.hpp — detail::table_builder<Comparator, Filter>
// writes one SST file (docs/format/sst.md): data blocks cut at
// options.block_size, then the filter, range_del, properties, metaindex and
// index blocks and the footer.
//
// Thread safety: one thread at a time.
// Invariants: entries are added in strictly increasing internal-key order
// (checked: a violation makes the builder fail with invalid_argument); after
// the first error every call is a no-op and get_status() reports it. The
// builder never syncs or closes the file: the caller does, in the order
// DESIGN.md §3 prescribes.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "lsm/error.hpp"
#include "lsm/filter/hash.hpp"
#include "lsm/io/file_system.hpp"
#include "lsm/memtable/internal_key.hpp"
#include "lsm/sst/block_builder.hpp"
#include "lsm/sst/format.hpp"
#include "lsm/sst/properties.hpp"

namespace lsm {
inline namespace v0 {
namespace detail {

template <key_comparator Comparator, class Filter>
class table_builder {
 public:
  using internal_comparator = internal_key_comparator<Comparator>;

  /// REQUIRES: file is empty and outlives the builder.
  table_builder(const table_options& options, writable_file& file)
      : options_(options),
        file_(file),
        data_block_(options.block_restart_interval),
        index_block_(1) {
    props_.comparator_name = std::string(Comparator::name);
    props_.filter_name = std::string(Filter::name);
    props_.codec_name = options.codec_name;
  }

  table_builder(const table_builder&) = delete;
  table_builder& operator=(const table_builder&) = delete;

  /// REQUIRES: !finished; internal_key is a valid internal key sorting after
  /// every key added before (by internal_key_comparator<Comparator>).
  void add(std::string_view internal_key, std::string_view value) {
    if (!status_.ok() || closed_) return;
    parsed_internal_key parsed;
    if (!parse_internal_key(internal_key, parsed)) {
      status_ = status::invalid_argument("table_builder::add: malformed internal key of " +
                                         std::to_string(internal_key.size()) + " bytes");
      return;
    }
    const bool first = props_.num_entries == 0;
    // One comparison of user keys gives both the order check and whether
    // this is a new user key (for the filter); equal user keys must come
    // with descending tags.
    const int order = first ? 1 : Comparator::compare(parsed.user_key, extract_user_key(last_key_));
    if (order < 0 || (order == 0 && extract_tag(internal_key) >= extract_tag(last_key_))) {
      status_ = status::invalid_argument("table_builder::add: keys out of order: entry " +
                                         std::to_string(props_.num_entries) +
                                         " does not sort after the previous one");
      return;
    }
    if (pending_index_entry_) {
      add_index_entry(separator(last_key_, internal_key));
      pending_index_entry_ = false;
    }
    if constexpr (comparator_filterable<Comparator>)
      if (order != 0) key_hashes_.push_back(filter_hash<Comparator>(parsed.user_key));

    ++props_.num_entries;
    if (parsed.kind == value_kind::deletion) ++props_.num_deletions;
    props_.raw_key_size += internal_key.size();
    props_.raw_value_size += value.size();
    // Keys ascend: the first is the smallest point key, and the last one
    // (last_key_) the largest, noted by finish().
    if (first) {
      note_bounds(internal_key, internal_key, parsed.sequence);
    } else {
      props_.smallest_seq = std::min(props_.smallest_seq, parsed.sequence);
      props_.largest_seq = std::max(props_.largest_seq, parsed.sequence);
    }

    last_key_.assign(internal_key.data(), internal_key.size());
    data_block_.add(internal_key, value);
    if (data_block_.current_size_estimate() >= options_.block_size) flush_data_block();
  }

  /// Records the range tombstone [first, last)@seq (user keys), in any order.
  /// REQUIRES: !finished; first < last by Comparator.
  void add_range_tombstone(std::string_view first, std::string_view last, sequence_number seq) {
    if (!status_.ok() || closed_) return;
    tombstones_.push_back(range_tombstone{std::string(first), std::string(last), seq});
  }

  /// Writes the remaining data block, the meta blocks, the index and the
  /// footer. Does not sync or close the file.
  /// REQUIRES: neither finish() nor abandon() was called.
  status finish() {
    if (closed_) return status_.ok() ? status::invalid_argument("table already closed") : status_;
    closed_ = true;
    if (!status_.ok()) return status_;
    if (props_.num_entries > 0) note_bounds(last_key_, last_key_, extract_sequence(last_key_));
    flush_data_block();
    if (pending_index_entry_) {
      add_index_entry(successor(last_key_));
      pending_index_entry_ = false;
    }

    std::string contents;
    block_handle filter_handle, range_del_handle, properties_handle, metaindex_handle, index_handle;

    if constexpr (comparator_filterable<Comparator>) {
      Filter::build(std::span<const std::uint64_t>(key_hashes_), contents);
      write_block(contents, filter_handle);
    }

    contents = encode_range_tombstones();
    write_block(contents, range_del_handle);

    contents = encode_properties(props_);
    write_block(contents, properties_handle);

    block_builder meta(1);
    std::string handle_bytes;
    auto add_meta = [&](std::string_view name, const block_handle& h) {
      handle_bytes.clear();
      h.encode_to(handle_bytes);
      meta.add(name, handle_bytes);
    };
    if constexpr (comparator_filterable<Comparator>) add_meta("filter", filter_handle);
    add_meta("properties", properties_handle);
    add_meta("range_del", range_del_handle);
    write_block(meta.finish(), metaindex_handle);

    write_block(index_block_.finish(), index_handle);

    if (status_.ok()) {
      footer f;
      f.metaindex = metaindex_handle;
      f.index = index_handle;
      contents.clear();
      f.encode_to(contents);
      append(contents);
    }
    return status_;
  }

  /// Gives up on the table; the caller removes the file.
  void abandon() noexcept { closed_ = true; }

  /// Bytes written so far plus the pending data block's size.
  std::uint64_t file_size() const noexcept {
    return offset_ + (data_block_.empty() ? 0 : data_block_.current_size_estimate());
  }
  std::uint64_t num_entries() const noexcept { return props_.num_entries; }
  /// The last point key added (empty before the first).
  std::string_view last_key() const noexcept { return last_key_; }
  /// Counts so far; the key bounds are complete (the last point key and the
  /// tombstones included) after finish().
  const table_properties& properties() const noexcept { return props_; }
  status get_status() const { return status_; }

 private:
  void note_bounds(std::string_view smallest, std::string_view largest, sequence_number seq) {
    const bool empty = props_.smallest.empty();
    if (empty || internal_comparator::compare(smallest, props_.smallest) < 0)
      props_.smallest.assign(smallest.data(), smallest.size());
    if (empty || internal_comparator::compare(largest, props_.largest) > 0)
      props_.largest.assign(largest.data(), largest.size());
    if (empty) {
      props_.smallest_seq = props_.largest_seq = seq;
    } else {
      props_.smallest_seq = std::min(props_.smallest_seq, seq);
      props_.largest_seq = std::max(props_.largest_seq, seq);
    }
  }

  /// A key s with a <= s < b; shorter than a when the comparator is bytewise.
  static std::string separator(std::string_view a, std::string_view b) {
    if constexpr (std::is_same_v<Comparator, bytewise_comparator>) {
      const std::string_view ua = extract_user_key(a), ub = extract_user_key(b);
      const std::size_t limit = std::min(ua.size(), ub.size());
      std::size_t p = 0;
      while (p < limit && ua[p] == ub[p]) ++p;
      if (p < limit && p + 1 < ua.size()) {
        const auto c = static_cast<unsigned char>(ua[p]);
        if (c < 0xff && c + 1 < static_cast<unsigned char>(ub[p])) {
          std::string u(ua.substr(0, p + 1));
          u[p] = static_cast<char>(c + 1);
          return make_internal_key(u, max_sequence_number, value_kind_for_seek);
        }
      }
    }
    (void)b;
    return std::string(a);
  }

  /// A key s >= a; shorter than a when the comparator is bytewise.
  static std::string successor(std::string_view a) {
    if constexpr (std::is_same_v<Comparator, bytewise_comparator>) {
      const std::string_view ua = extract_user_key(a);
      for (std::size_t i = 0; i + 1 < ua.size(); ++i) {
        const auto c = static_cast<unsigned char>(ua[i]);
        if (c != 0xff) {
          std::string u(ua.substr(0, i + 1));
          u[i] = static_cast<char>(c + 1);
          return make_internal_key(u, max_sequence_number, value_kind_for_seek);
        }
      }
    }
    return std::string(a);
  }

  void add_index_entry(const std::string& separator_key) {
    std::string handle_bytes;
    pending_handle_.encode_to(handle_bytes);
    index_block_.add(separator_key, handle_bytes);
  }

  void flush_data_block() {
    if (data_block_.empty() || !status_.ok()) return;
    write_block(data_block_.finish(), pending_handle_);
    data_block_.reset();
    ++props_.num_data_blocks;
    pending_index_entry_ = true;
  }

  void write_block(std::string_view contents, block_handle& handle) {
    if (!status_.ok()) return;
    handle.offset = offset_;
    handle.size = contents.size();
    append(contents);
    trailer_.clear();
    append_block_trailer(trailer_, contents);
    append(trailer_);
  }

  void append(std::string_view bytes) {
    if (!status_.ok()) return;
    status_ = file_.append(bytes);
    if (status_.ok()) offset_ += bytes.size();
  }

  std::string encode_range_tombstones() {
    std::vector<std::pair<std::string, std::string>> entries;  // (internal key, last)
    entries.reserve(tombstones_.size());
    for (const range_tombstone& t : tombstones_)
      entries.emplace_back(make_internal_key(t.first, t.seq, value_kind::range_deletion), t.last);
    std::sort(entries.begin(), entries.end(), [](const auto& x, const auto& y) {
      return internal_comparator::compare(x.first, y.first) < 0;
    });
    // Merge tombstones with the same start and sequence: keep the largest end.
    std::vector<std::pair<std::string, std::string>> merged;
    for (auto& e : entries) {
      if (!merged.empty() && internal_comparator::compare(merged.back().first, e.first) == 0) {
        if (Comparator::compare(e.second, merged.back().second) > 0)
          merged.back().second = std::move(e.second);
      } else {
        merged.push_back(std::move(e));
      }
    }
    block_builder b(1);
    for (const auto& [key, last] : merged) {
      b.add(key, last);
      const sequence_number seq = extract_sequence(key);
      note_bounds(key, make_internal_key(last, max_sequence_number, value_kind_for_seek), seq);
    }
    props_.num_range_deletions = merged.size();
    return std::string(b.finish());
  }

  table_options options_;
  writable_file& file_;
  block_builder data_block_;
  block_builder index_block_;
  std::string last_key_;
  block_handle pending_handle_;       // the last data block written
  bool pending_index_entry_ = false;  // its index entry waits for the next key
  std::vector<std::uint64_t> key_hashes_;
  std::vector<range_tombstone> tombstones_;
  table_properties props_;
  std::uint64_t offset_ = 0;
  std::string trailer_;
  status status_;
  bool closed_ = false;
};

}  // namespace detail
}  // namespace v0
}  // namespace lsm
