// lsm/sst/block.hpp — a block read from a table (lsm::detail::block: owns
// its bytes, immutable, shared by readers through the block cache) and
// block_iterator<Cmp>, the iterator over its entries ordered by Cmp.
//
// Thread safety: a block is immutable after construction and may be read by
// any number of threads; an iterator is used by one thread at a time.
// Invariants: the restart array of a block that constructed without error is
// in bounds and strictly increasing. An iterator checks every length and
// offset of every entry it decodes, so arbitrary bytes (a corrupt block read
// with checksums off) yield errc::corruption, never an out-of-bounds read.
// Format: docs/format/sst.md §4.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lsm/codec/coding.hpp"
#include "lsm/error.hpp"
#include "lsm/iter/iterator.hpp"
#include "lsm/memtable/internal_key.hpp"

namespace lsm {
inline namespace v0 {
namespace detail {

/// Keys of blocks ordered by an internal-key comparator must hold the 8-byte
/// tag: such comparators read it unchecked.
template <class Cmp>
inline constexpr std::size_t block_min_key_size = requires {
  typename Cmp::user_comparator;
}
? internal_key_trailer_size : 0;

class block {
 public:
  /// Takes the block contents (without trailer) and checks the restart array.
  explicit block(std::string contents) : block(copy_of(contents), contents.size()) {}
  /// Takes `size` bytes of contents at `bytes` (read straight from a file,
  /// never zero-filled first) and checks the restart array.
  block(std::unique_ptr<char[]> bytes, std::size_t size)
      : bytes_(std::move(bytes)), data_(bytes_.get(), size) {
    check_restarts();
  }
  /// Views `contents` in memory that `owner` keeps alive (a mapped file),
  /// and checks the restart array.
  block(std::string_view contents, std::shared_ptr<const void> owner)
      : owner_(std::move(owner)), data_(contents) {
    check_restarts();
  }

  block(const block&) = delete;
  block& operator=(const block&) = delete;

  /// The contents' size: the block's charge in the cache.
  std::size_t size() const noexcept { return data_.size(); }
  std::string_view contents() const noexcept { return data_; }
  /// Not ok when the restart array is malformed; iterators then only report it.
  const status& get_status() const noexcept { return status_; }
  std::uint32_t restart_offset() const noexcept { return restart_offset_; }
  std::uint32_t num_restarts() const noexcept { return num_restarts_; }

  /// An iterator borrowing this block. REQUIRES: the block outlives it.
  template <class Cmp>
  std::unique_ptr<internal_iterator> new_iterator() const;

 private:
  void check_restarts() {
    if (data_.size() < 4) {
      status_ = status::corruption("block of " + std::to_string(data_.size()) +
                                   " bytes is shorter than its restart count (4 bytes)");
      return;
    }
    const std::size_t max_restarts = (data_.size() - 4) / 4;
    const std::uint32_t n = decode_fixed32(data_.data() + data_.size() - 4);
    if (n == 0 || n > max_restarts) {
      status_ = status::corruption("block of " + std::to_string(data_.size()) +
                                   " bytes: bad restart count: expected 1.." +
                                   std::to_string(max_restarts) + ", found " + std::to_string(n));
      return;
    }
    const std::size_t restart_offset = data_.size() - 4 - std::size_t{n} * 4;
    if (restart_offset > 0) {
      std::uint64_t previous = 0;
      for (std::uint32_t i = 0; i < n; ++i) {
        const std::uint32_t r = decode_fixed32(data_.data() + restart_offset + 4 * i);
        const bool ok = i == 0 ? r == 0 : (r > previous && r < restart_offset);
        if (!ok) {
          status_ = status::corruption("block of " + std::to_string(data_.size()) +
                                       " bytes: restart point " + std::to_string(i) +
                                       " has offset " + std::to_string(r) + ", expected " +
                                       (i == 0 ? std::string("0")
                                               : "in (" + std::to_string(previous) + ", " +
                                                     std::to_string(restart_offset) + ")"));
          return;
        }
        previous = r;
      }
    }
    restart_offset_ = static_cast<std::uint32_t>(restart_offset);
    num_restarts_ = n;
  }
  static std::unique_ptr<char[]> copy_of(std::string_view s) {
    std::unique_ptr<char[]> p(new char[s.size()]);
    if (!s.empty()) std::memcpy(p.get(), s.data(), s.size());
    return p;
  }

  std::unique_ptr<char[]> bytes_;      // the contents, when the block owns them
  std::shared_ptr<const void> owner_;  // what keeps them alive otherwise
  std::string_view data_;
  status status_;
  std::uint32_t restart_offset_ = 0;  // start of the restart array = end of entries
  std::uint32_t num_restarts_ = 0;
};

/// Iterates over the entries of a block in Cmp order (Cmp::compare(a, b)).
/// Usable directly (final: calls through the concrete type are not virtual)
/// or through internal_iterator.
template <class Cmp>
class block_iterator final : public internal_iterator {
 public:
  /// Borrows b. REQUIRES: b outlives the iterator.
  explicit block_iterator(const block& b) { attach(b); }
  /// Borrows b and rebuilds prefix-compressed keys in *scratch (reusing its
  /// capacity: no allocation once it has grown).
  /// REQUIRES: b and *scratch outlive the iterator; no other user of *scratch.
  block_iterator(const block& b, std::string& scratch) : key_buf_(&scratch) { attach(b); }
  /// Shares ownership of b (the block may be evicted from the cache meanwhile).
  explicit block_iterator(std::shared_ptr<const block> b) : pin_(std::move(b)) { attach(*pin_); }

  bool valid() const override { return current_ < end_ && status_.ok(); }
  status get_status() const override { return status_; }
  std::string_view key() const override { return key_; }
  std::string_view value() const override { return value_; }

  void seek_to_first() override {
    if (!status_.ok() || end_ == 0) return invalidate();
    seek_to_restart(0);
    parse_next();
  }

  void seek_to_last() override {
    if (!status_.ok() || end_ == 0) return invalidate();
    seek_to_restart(num_restarts_ - 1);
    while (parse_next() && next_offset() < end_) {
    }
  }

  void seek(std::string_view target) override {
    if (!status_.ok() || end_ == 0) return invalidate();
    if (target.size() < block_min_key_size<Cmp>) {
      status_ = status::invalid_argument("block seek target of " + std::to_string(target.size()) +
                                         " bytes is not an internal key");
      return invalidate();
    }
    // Binary search for the last restart point whose key is < target.
    std::uint32_t left = 0, right = num_restarts_ - 1;
    while (left < right) {
      const std::uint32_t mid = left + (right - left + 1) / 2;
      std::string_view mid_key;
      if (!restart_key(mid, mid_key)) return;
      if (Cmp::compare(mid_key, target) < 0)
        left = mid;
      else
        right = mid - 1;
    }
    seek_to_restart(left);
    while (parse_next()) {
      if (Cmp::compare(key_, target) >= 0) return;
    }
  }

  void next() override { parse_next(); }

  /// Keys are prefix-compressed forwards, so stepping back means parsing
  /// forwards from a restart point. The entries passed on the way are kept
  /// (back_), so the next steps back within that restart interval cost no
  /// parsing (as RocksDB's block iterator does).
  void prev() override {
    const std::uint32_t original = current_;
    if (back_at_ == original && !back_.empty()) {
      const back_entry& e = back_.back();
      current_ = e.offset;
      key_ = std::string_view(back_keys_.data() + e.key_start, e.key_size);
      value_ = std::string_view(data_ + e.value_offset, e.value_size);
      back_.pop_back();
      back_at_ = current_;
      return;
    }
    while (restart_point(restart_index_) >= original) {
      if (restart_index_ == 0) return invalidate();
      --restart_index_;
    }
    seek_to_restart(restart_index_);
    back_.clear();
    back_keys_.clear();
    // Every entry before the one that ends at `original` is kept; that one
    // becomes current.
    while (parse_next() && next_offset() < original) {
      back_.push_back({current_, static_cast<std::uint32_t>(back_keys_.size()),
                       static_cast<std::uint32_t>(key_.size()),
                       static_cast<std::uint32_t>(value_.data() - data_),
                       static_cast<std::uint32_t>(value_.size())});
      back_keys_.append(key_);
    }
    if (valid()) back_at_ = current_;
  }

 private:
  void attach(const block& b) {
    data_ = b.contents().data();
    end_ = b.restart_offset();
    restarts_ = end_;
    num_restarts_ = b.num_restarts();
    status_ = b.get_status();
    invalidate();
  }

  void invalidate() {
    current_ = end_;
    restart_index_ = num_restarts_;
    key_ = {};
    value_ = std::string_view(data_ + end_, 0);
  }

  std::uint32_t restart_point(std::uint32_t i) const noexcept {
    return decode_fixed32(data_ + restarts_ + 4 * std::size_t{i});
  }

  std::uint32_t next_offset() const noexcept {
    return static_cast<std::uint32_t>(value_.data() + value_.size() - data_);
  }

  void seek_to_restart(std::uint32_t i) {
    key_ = {};
    restart_index_ = i;
    // parse_next() starts at the end of the "previous value".
    value_ = std::string_view(data_ + restart_point(i), 0);
  }

  void corrupt(std::uint32_t offset, const char* what) {
    status_ = status::corruption("block entry at offset " + std::to_string(offset) + ": " + what);
    invalidate();
  }

  /// Decodes the header of the entry at offset p: false when malformed.
  bool decode_header(std::uint32_t p, std::uint32_t& shared, std::uint32_t& non_shared,
                     std::uint32_t& value_length, const char*& delta) const noexcept {
    const char* limit = data_ + end_;
    const char* q = data_ + p;
    q = decode_varint32(q, limit, shared);
    if (q == nullptr) return false;
    q = decode_varint32(q, limit, non_shared);
    if (q == nullptr) return false;
    q = decode_varint32(q, limit, value_length);
    if (q == nullptr) return false;
    const auto room = static_cast<std::uint64_t>(limit - q);
    if (std::uint64_t{non_shared} + value_length > room) return false;
    delta = q;
    return true;
  }

  /// The key of restart point i (stored whole). False (and corrupt) if bad.
  bool restart_key(std::uint32_t i, std::string_view& out) {
    const std::uint32_t p = restart_point(i);
    std::uint32_t shared = 0, non_shared = 0, value_length = 0;
    const char* delta = nullptr;
    if (!decode_header(p, shared, non_shared, value_length, delta) || shared != 0 ||
        non_shared < block_min_key_size<Cmp>) {
      corrupt(p, "malformed restart entry");
      return false;
    }
    out = std::string_view(delta, non_shared);
    return true;
  }

  /// Moves to the entry after the current one; false at the end or on error.
  bool parse_next() {
    current_ = next_offset();
    if (current_ >= end_) {
      invalidate();
      return false;
    }
    std::uint32_t shared = 0, non_shared = 0, value_length = 0;
    const char* delta = nullptr;
    if (!decode_header(current_, shared, non_shared, value_length, delta)) {
      corrupt(current_, "entry header or lengths run past the entries");
      return false;
    }
    if (shared > key_.size()) {
      corrupt(current_, "shared key prefix longer than the previous key");
      return false;
    }
    if (shared == 0) {
      // A whole key: view it in the block, no copy (every key of a block
      // with restart interval 1, and every restart entry).
      key_ = std::string_view(delta, non_shared);
    } else {
      if (key_.data() != key_buf_->data()) key_buf_->assign(key_.data(), shared);
      key_buf_->resize(shared);
      key_buf_->append(delta, non_shared);
      key_ = *key_buf_;
    }
    if (key_.size() < block_min_key_size<Cmp>) {
      corrupt(current_, "key shorter than an internal key's 8-byte tag");
      return false;
    }
    value_ = std::string_view(delta + non_shared, value_length);
    while (restart_index_ + 1 < num_restarts_ && restart_point(restart_index_ + 1) <= current_)
      ++restart_index_;
    if (restart_point(restart_index_) == current_ && shared != 0) {
      corrupt(current_, "restart entry with a shared key prefix");
      return false;
    }
    return true;
  }

  std::shared_ptr<const block> pin_;
  const char* data_ = nullptr;
  std::uint32_t end_ = 0;       // end of the entries
  std::uint32_t restarts_ = 0;  // offset of the restart array (== end_)
  std::uint32_t num_restarts_ = 0;
  std::uint32_t current_ = 0;        // offset of the current entry; end_ when invalid
  std::uint32_t restart_index_ = 0;  // restart block holding current_
  std::string own_key_buf_;
  std::string* key_buf_ = &own_key_buf_;  // where prefix-compressed keys are rebuilt
  std::string_view key_;                  // into the block, *key_buf_ or back_keys_
  std::string_view value_;
  status status_;
  // The entries of one restart interval before the entry at back_at_, in
  // order (a function of back_at_ alone: valid whenever current_ is there).
  struct back_entry {
    std::uint32_t offset, key_start, key_size, value_offset, value_size;
  };
  std::vector<back_entry> back_;
  std::string back_keys_;  // the keys of back_, one after another
  std::uint32_t back_at_ = std::numeric_limits<std::uint32_t>::max();
};

template <class Cmp>
std::unique_ptr<internal_iterator> block::new_iterator() const {
  return std::make_unique<block_iterator<Cmp>>(*this);
}

/// An iterator that keeps the block alive.
template <class Cmp>
std::unique_ptr<internal_iterator> new_block_iterator(std::shared_ptr<const block> b) {
  return std::make_unique<block_iterator<Cmp>>(std::move(b));
}

}  // namespace detail
}  // namespace v0
}  // namespace lsm
