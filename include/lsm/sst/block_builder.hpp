// lsm/sst/block_builder.hpp — builds the contents of one block: prefix-
// compressed entries with a restart point every `restart_interval` entries,
// then the restart array and its count (docs/format/sst.md §4).
//
// Thread safety: one thread at a time.
// Invariant: between reset() and finish(), contents_ holds the entries added
// so far; restarts_ lists the offsets of the entries stored with shared == 0.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lsm/codec/coding.hpp"

namespace lsm {
inline namespace v0 {
namespace detail {

class block_builder {
 public:
  /// REQUIRES: restart_interval >= 1.
  explicit block_builder(std::size_t restart_interval)
      : restart_interval_(restart_interval < 1 ? 1 : restart_interval) {
    restarts_.push_back(0);
  }

  /// Forgets everything added; the builder can build a new block.
  void reset() {
    contents_.clear();
    restarts_.clear();
    restarts_.push_back(0);
    counter_ = 0;
    entries_ = 0;
    finished_ = false;
    last_key_.clear();
  }

  /// REQUIRES: !finished(); key sorts after every key added since reset() in
  /// the order the block will be read with; key and value sizes < 2^32.
  void add(std::string_view key, std::string_view value) {
    std::size_t shared = 0;
    if (counter_ < restart_interval_) {
      const std::size_t limit = std::min(last_key_.size(), key.size());
      while (shared < limit && last_key_[shared] == key[shared]) ++shared;
    } else {
      restarts_.push_back(static_cast<std::uint32_t>(contents_.size()));
      counter_ = 0;
    }
    const std::size_t non_shared = key.size() - shared;
    put_varint32(contents_, static_cast<std::uint32_t>(shared));
    put_varint32(contents_, static_cast<std::uint32_t>(non_shared));
    put_varint32(contents_, static_cast<std::uint32_t>(value.size()));
    contents_.append(key.data() + shared, non_shared);
    contents_.append(value.data(), value.size());
    last_key_.resize(shared);
    last_key_.append(key.data() + shared, non_shared);
    ++counter_;
    ++entries_;
  }

  /// Appends the restart array; returns the block contents, valid until the
  /// next reset() or the builder's destruction.
  /// REQUIRES: !finished().
  std::string_view finish() {
    for (const std::uint32_t r : restarts_) put_fixed32(contents_, r);
    put_fixed32(contents_, static_cast<std::uint32_t>(restarts_.size()));
    finished_ = true;
    return contents_;
  }

  /// The size of the block if finish() were called now.
  std::size_t current_size_estimate() const noexcept {
    return contents_.size() + (finished_ ? 0 : restarts_.size() * 4 + 4);
  }
  bool empty() const noexcept { return entries_ == 0; }
  bool finished() const noexcept { return finished_; }
  std::size_t num_entries() const noexcept { return entries_; }
  /// The last key added. REQUIRES: !empty().
  std::string_view last_key() const noexcept { return last_key_; }

 private:
  std::size_t restart_interval_;
  std::string contents_;
  std::vector<std::uint32_t> restarts_;
  std::size_t counter_ = 0;  // entries since the last restart
  std::size_t entries_ = 0;
  bool finished_ = false;
  std::string last_key_;
};

}  // namespace detail
}  // namespace v0
}  // namespace lsm
