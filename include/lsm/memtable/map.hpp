// lsm/memtable/map.hpp — the reference memtable policy: a balanced search
// tree (std::set of entry addresses) under a reader-writer lock. The textbook
// choice: simple enough to trust, used to cross-check the other policies.
//
// Entries are encoded in the arena (memtable/entry.hpp); the tree's nodes are
// carved from the same arena by detail::arena_allocator, so add() allocates
// nothing else.
//
// Thread safety: one writer at a time (add() needs external synchronization
// among writers); any number of concurrent readers. add() takes the lock
// exclusively for the insertion only; get() and each iterator move take it
// shared. An iterator keeps its tree position between moves: std::set never
// invalidates iterators on insertion, and a move under the lock finds the
// in-order neighbour in the tree as it is then.
//
// Invariants: entries and tree nodes are never freed before the table.
#pragma once

#include <atomic>
#include <cstddef>
#include <iterator>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>

#include "lsm/iter/iterator.hpp"
#include "lsm/memtable/arena.hpp"
#include "lsm/memtable/entry.hpp"
#include "lsm/memtable/internal_key.hpp"

namespace lsm {
inline namespace v0 {
namespace detail {

/// A standard allocator drawing from an arena; deallocation is a no-op (the
/// memory returns with the arena).
/// REQUIRES: allocations under the arena's external synchronization.
template <class T>
class arena_allocator {
 public:
  static_assert(alignof(T) <= arena::alignment, "arena_allocator: over-aligned type");
  using value_type = T;

  explicit arena_allocator(arena* a) noexcept : arena_(a) {}
  template <class U>
  arena_allocator(const arena_allocator<U>& other) noexcept : arena_(other.get_arena()) {}

  T* allocate(std::size_t n) {
    return reinterpret_cast<T*>(arena_->allocate_aligned(n * sizeof(T)));
  }
  void deallocate(T*, std::size_t) noexcept {}

  arena* get_arena() const noexcept { return arena_; }
  template <class U>
  bool operator==(const arena_allocator<U>& other) const noexcept {
    return arena_ == other.get_arena();
  }

 private:
  arena* arena_;
};

}  // namespace detail

namespace memtable {

/// Memtable policy: std::set under a std::shared_mutex (the reference).
struct map {
  template <key_comparator Comparator>
  class table;
};

template <key_comparator Comparator>
class map::table {
 public:
  table() = default;
  table(const table&) = delete;
  table& operator=(const table&) = delete;

  /// Adds an entry.
  /// REQUIRES: external synchronization among writers; no entry with the same
  /// (user_key, seq) was added before; kind is value or deletion.
  void add(sequence_number seq, value_kind kind, std::string_view user_key,
           std::string_view value) {
    char* entry = arena_.allocate(detail::memtable_entry_size(user_key.size(), value.size()));
    detail::encode_memtable_entry(entry, detail::pack_tag(seq, kind), user_key, value);
    {
      std::unique_lock<std::shared_mutex> lock(mutex_);
      entries_.insert(entry);
    }
    count_.store(count_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  }

  /// The newest entry of user_key with sequence <= seq: found (value copied
  /// into `value`), deleted, or absent. One tree descent.
  detail::memtable_lookup get(std::string_view user_key, sequence_number seq,
                              std::string& value) const {
    const char* entry = nullptr;
    {
      std::shared_lock<std::shared_mutex> lock(mutex_);
      const auto it = entries_.lower_bound(detail::memtable_lookup_key::at(user_key, seq));
      if (it != entries_.end()) entry = *it;
    }
    // Entries are immutable: resolve (and copy the value) outside the lock.
    return detail::resolve_memtable_lookup<Comparator>(entry, user_key, value);
  }

  /// An iterator over the internal keys in internal_key_comparator order.
  /// It sees every entry added before the call, may see later ones, and stays
  /// usable while the table lives.
  std::unique_ptr<detail::internal_iterator> new_iterator() const {
    return std::make_unique<iterator>(this);
  }

  /// Bytes held by the table: arena blocks (entries and tree nodes).
  std::size_t approximate_memory() const noexcept { return arena_.memory_usage() + sizeof(*this); }

  /// Entries added.
  std::size_t size() const noexcept { return count_.load(std::memory_order_acquire); }

 private:
  using order = detail::memtable_entry_order<Comparator>;
  using set_type = std::set<const char*, order, detail::arena_allocator<const char*>>;

  class iterator;

  detail::arena arena_;  // declared first: outlives the tree's nodes
  set_type entries_{order{}, detail::arena_allocator<const char*>(&arena_)};  // guarded by mutex_
  mutable std::shared_mutex mutex_;
  std::atomic<std::size_t> count_{0};
};

template <key_comparator Comparator>
class map::table<Comparator>::iterator final : public detail::internal_iterator {
 public:
  explicit iterator(const table* t) : table_(t), it_(t->entries_.end()) {}

  bool valid() const override { return entry_ != nullptr; }
  void seek_to_first() override {
    std::shared_lock<std::shared_mutex> lock(table_->mutex_);
    settle(table_->entries_.begin());
  }
  void seek_to_last() override {
    std::shared_lock<std::shared_mutex> lock(table_->mutex_);
    const auto& entries = table_->entries_;
    settle(entries.empty() ? entries.end() : std::prev(entries.end()));
  }
  void seek(std::string_view target) override {
    std::shared_lock<std::shared_mutex> lock(table_->mutex_);
    settle(table_->entries_.lower_bound(detail::memtable_lookup_key::from_internal_key(target)));
  }
  void next() override {
    std::shared_lock<std::shared_mutex> lock(table_->mutex_);
    settle(std::next(it_));
  }
  void prev() override {
    std::shared_lock<std::shared_mutex> lock(table_->mutex_);
    settle(it_ == table_->entries_.begin() ? table_->entries_.end() : std::prev(it_));
  }
  std::string_view key() const override { return detail::memtable_entry_key(entry_); }
  std::string_view value() const override { return detail::memtable_entry_value(entry_); }
  status get_status() const override { return {}; }

 private:
  /// REQUIRES: the table's lock held (shared).
  void settle(typename set_type::const_iterator it) {
    it_ = it;
    entry_ = it == table_->entries_.end() ? nullptr : *it;
  }

  const table* table_;
  typename set_type::const_iterator it_;
  const char* entry_ = nullptr;  // *it_, read under the lock; null when invalid
};

}  // namespace memtable
}  // namespace v0
}  // namespace lsm
