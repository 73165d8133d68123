// lsm/iter/iterator.hpp — the internal iterator interface shared by memtable,
// block, table, merging and level iterators: ordered (key, value) pairs of
// encoded bytes, positioned by seek and moved in both directions.
//
// Thread safety: an iterator is used by one thread at a time.
// Invariant: key() and value() stay valid until the iterator is moved or
// destroyed. After an error valid() is false and get_status() says why.
#pragma once

#include <string_view>

#include "lsm/error.hpp"

namespace lsm {
inline namespace v0 {
namespace detail {

class internal_iterator {
 public:
  internal_iterator() = default;
  internal_iterator(const internal_iterator&) = delete;
  internal_iterator& operator=(const internal_iterator&) = delete;
  virtual ~internal_iterator() = default;

  virtual bool valid() const = 0;
  virtual void seek_to_first() = 0;
  virtual void seek_to_last() = 0;
  /// Positions at the first entry whose key is >= target.
  virtual void seek(std::string_view target) = 0;
  /// REQUIRES: valid().
  virtual void next() = 0;
  /// REQUIRES: valid().
  virtual void prev() = 0;
  /// REQUIRES: valid().
  virtual std::string_view key() const = 0;
  /// REQUIRES: valid().
  virtual std::string_view value() const = 0;
  virtual status get_status() const = 0;
};

/// An iterator over nothing, or carrying an error.
class empty_iterator final : public internal_iterator {
 public:
  explicit empty_iterator(status s = {}) : status_(std::move(s)) {}
  bool valid() const override { return false; }
  void seek_to_first() override {}
  void seek_to_last() override {}
  void seek(std::string_view) override {}
  void next() override {}
  void prev() override {}
  std::string_view key() const override { return {}; }
  std::string_view value() const override { return {}; }
  status get_status() const override { return status_; }

 private:
  status status_;
};

}  // namespace detail
}  // namespace v0
}  // namespace lsm
