// tests/policy/public_memtable.hpp — a memtable policy written the way a user
// would write one: with the public names of lsm::memtable only (nothing from
// lsm::detail). Entries live in a sorted std::vector under a reader-writer
// lock; an iterator keeps a copy of its entry and finds its neighbour again
// on every move, so insertions that move the vector's elements never
// invalidate it. Slow (an insertion moves the tail), simple, and a second
// implementation of the iterator contract to run the engine on.
//
// Thread safety: one writer at a time (the engine serializes writers), any
// number of concurrent readers: add() locks exclusively, readers shared.
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <lsm/lsm.hpp>

namespace lsm_test {

struct public_memtable {
  template <class Comparator>
  class table {
    using entry = std::pair<std::string, std::string>;  // internal key, value

    static bool key_less(const entry& e, std::string_view ikey) {
      return lsm::memtable::key_order<Comparator>::compare(e.first, ikey) < 0;
    }

   public:
    void add(lsm::sequence_number seq, lsm::value_kind kind, std::string_view key,
             std::string_view value) {
      std::string ikey = lsm::memtable::make_internal_key(key, seq, kind);
      std::unique_lock lock(mutex_);
      memory_ += ikey.size() + value.size() + sizeof(entry);
      const auto at = std::lower_bound(entries_.begin(), entries_.end(), ikey, key_less);
      entries_.emplace(at, std::move(ikey), std::string(value));
    }

    lsm::memtable::lookup get(std::string_view key, lsm::sequence_number seq,
                              std::string& value) const {
      const std::string target =
          lsm::memtable::make_internal_key(key, seq, lsm::value_kind_for_seek);
      std::shared_lock lock(mutex_);
      const auto it = std::lower_bound(entries_.begin(), entries_.end(), target, key_less);
      if (it == entries_.end() ||
          Comparator::compare(lsm::memtable::extract_user_key(it->first), key) != 0) {
        return lsm::memtable::lookup::absent;
      }
      if (lsm::memtable::extract_kind(it->first) != lsm::value_kind::value) {
        return lsm::memtable::lookup::deleted;
      }
      value = it->second;
      return lsm::memtable::lookup::found;
    }

    std::unique_ptr<lsm::memtable::iterator> new_iterator() const {
      return std::make_unique<iterator>(*this);
    }
    std::size_t approximate_memory() const {
      std::shared_lock lock(mutex_);
      return memory_;
    }
    std::size_t size() const {
      std::shared_lock lock(mutex_);
      return entries_.size();
    }

   private:
    class iterator final : public lsm::memtable::iterator {
     public:
      explicit iterator(const table& t) : table_(t) {}

      bool valid() const override { return valid_; }
      void seek_to_first() override {
        std::shared_lock lock(table_.mutex_);
        settle(table_.entries_.begin());
      }
      void seek_to_last() override {
        std::shared_lock lock(table_.mutex_);
        const auto& v = table_.entries_;
        settle(v.empty() ? v.end() : v.end() - 1);
      }
      void seek(std::string_view target) override {
        std::shared_lock lock(table_.mutex_);
        const auto& v = table_.entries_;
        settle(std::lower_bound(v.begin(), v.end(), target, key_less));
      }
      void next() override {
        std::shared_lock lock(table_.mutex_);
        const auto& v = table_.entries_;
        // Internal keys are unique: the first one after the current.
        settle(std::upper_bound(
            v.begin(), v.end(), current_.first, [](std::string_view ikey, const entry& e) {
              return lsm::memtable::key_order<Comparator>::compare(ikey, e.first) < 0;
            }));
      }
      void prev() override {
        std::shared_lock lock(table_.mutex_);
        const auto& v = table_.entries_;
        const auto at = std::lower_bound(v.begin(), v.end(), current_.first, key_less);
        settle(at == v.begin() ? v.end() : at - 1);
      }
      std::string_view key() const override { return current_.first; }
      std::string_view value() const override { return current_.second; }
      lsm::status get_status() const override { return {}; }

     private:
      // REQUIRES: the table's lock held (shared).
      void settle(typename std::vector<entry>::const_iterator it) {
        valid_ = it != table_.entries_.end();
        if (valid_) current_ = *it;
      }

      const table& table_;
      entry current_;  // a copy: the vector may move its elements
      bool valid_ = false;
    };

    mutable std::shared_mutex mutex_;
    std::vector<entry> entries_;  // sorted by key_order<Comparator>
    std::size_t memory_ = 0;
  };
};

static_assert(lsm::memtable_policy<public_memtable>);

}  // namespace lsm_test
