// lsm/memtable/skiplist.hpp — the default memtable policy: a skiplist whose
// nodes live in an arena, with lock-free readers (as in LevelDB).
//
// Thread safety: one writer at a time (add() needs external synchronization
// among writers); any number of readers (get(), iterators, size(),
// approximate_memory()) run concurrently with it without locks. A node is
// published by a release store of the link that points to it; readers follow
// links with acquire loads, so they see the node's links and entry fully
// written.
//
// Invariants: nodes are never removed or modified once linked, except their
// link slots which only ever change from one node to a node inserted after it;
// level i's list is a sorted sublist of level i-1's; all memory belongs to the
// arena and is released with the table.
//
// Node layout (one arena allocation, pointer aligned):
//
//     link[height-1] ... link[1] link[0] | entry bytes (memtable/entry.hpp)
//
// A node is named by the address of its entry, so the key is at a fixed
// offset from the node and link i sits just below it: no per-node header.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <string>
#include <string_view>

#include "lsm/iter/iterator.hpp"
#include "lsm/memtable/arena.hpp"
#include "lsm/memtable/entry.hpp"
#include "lsm/memtable/internal_key.hpp"

namespace lsm {
inline namespace v0 {
namespace memtable {

/// Memtable policy: a lock-free-read skiplist in an arena (the default).
struct skiplist {
  template <key_comparator Comparator>
  class table;
};

template <key_comparator Comparator>
class skiplist::table {
 public:
  table() : head_(new_node(max_height, 0)) {
    for (char*& node : splice_) node = head_;
  }
  table(const table&) = delete;
  table& operator=(const table&) = delete;

  /// Adds an entry.
  /// REQUIRES: external synchronization among writers; no entry with the same
  /// (user_key, seq) was added before; kind is value or deletion.
  void add(sequence_number seq, value_kind kind, std::string_view user_key,
           std::string_view value) {
    const detail::memtable_lookup_key key{user_key, detail::pack_tag(seq, kind)};
    char** prev = splice_;
    if (!splice_fits(key)) find_greater_or_equal(key, prev);

    const int height = random_height();
    const int current = max_height_.load(std::memory_order_relaxed);
    if (height > current) {
      for (int i = current; i < height; ++i) prev[i] = head_;
      // Readers that see the new height before the node find null links at
      // the new levels of head_ and simply descend.
      max_height_.store(height, std::memory_order_relaxed);
    }

    char* node = new_node(height, detail::memtable_entry_size(user_key.size(), value.size()));
    detail::encode_memtable_entry(node, key.tag, user_key, value);
    for (int i = 0; i < height; ++i) {
      // The node is not reachable yet: relaxed stores suffice; the release
      // store into prev[i] publishes it (and its entry) to readers.
      link_of(node, i).store(link_of(prev[i], i).load(std::memory_order_relaxed),
                             std::memory_order_relaxed);
      link_of(prev[i], i).store(node, std::memory_order_release);
      prev[i] = node;  // the splice for a key right after this one
    }
    count_.store(count_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  }

  /// The newest entry of user_key with sequence <= seq: found (value copied
  /// into `value`), deleted, or absent. One descent of the skiplist.
  detail::memtable_lookup get(std::string_view user_key, sequence_number seq,
                              std::string& value) const {
    const char* entry =
        find_greater_or_equal(detail::memtable_lookup_key::at(user_key, seq), nullptr);
    return detail::resolve_memtable_lookup<Comparator>(entry, user_key, value);
  }

  /// An iterator over the internal keys in internal_key_comparator order.
  /// It sees every entry added before the call, may see later ones, and stays
  /// usable while the table lives.
  std::unique_ptr<detail::internal_iterator> new_iterator() const {
    return std::make_unique<iterator>(this);
  }

  /// Bytes held by the table (arena blocks, including link slots).
  std::size_t approximate_memory() const noexcept { return arena_.memory_usage() + sizeof(*this); }

  /// Entries added.
  std::size_t size() const noexcept { return count_.load(std::memory_order_acquire); }

 private:
  using order = detail::memtable_entry_order<Comparator>;
  using link = std::atomic<char*>;

  static constexpr int max_height = 12;
  // Each level keeps one node in four of the level below: (1/4)^11 covers
  // memtables far beyond 4 Mi entries with the expected O(log n) search.
  static constexpr unsigned branching_bits = 2;

  class iterator;

  static link& link_of(char* node, int level) noexcept {
    return reinterpret_cast<link*>(node)[-1 - level];
  }
  static char* next_of(char* node, int level) noexcept {
    return link_of(node, level).load(std::memory_order_acquire);
  }

  /// REQUIRES: the single writer.
  char* new_node(int height, std::size_t entry_size) {
    const std::size_t links = sizeof(link) * static_cast<std::size_t>(height);
    char* base = arena_.allocate_aligned(links + entry_size);
    for (int i = 0; i < height; ++i) {
      ::new (static_cast<void*>(base + sizeof(link) * static_cast<std::size_t>(i))) link(nullptr);
    }
    return base + links;
  }

  /// REQUIRES: the single writer.
  int random_height() noexcept {
    // xorshift64: writer-only state, a few cycles per node.
    rng_ ^= rng_ << 13;
    rng_ ^= rng_ >> 7;
    rng_ ^= rng_ << 17;
    std::uint64_t bits = rng_;
    int height = 1;
    constexpr std::uint64_t mask = (std::uint64_t{1} << branching_bits) - 1;
    while (height < max_height && (bits & mask) == 0) {
      ++height;
      bits >>= branching_bits;
    }
    return height;
  }

  /// True when key belongs right after splice_[0] (the last node added), so
  /// that splice_ already holds the nodes to link after at every level:
  /// ascending (sequential) loads then skip the search. Level 0 decides:
  /// splice_[i] is the last level-i node <= splice_[0], so its level-i
  /// successor is at or after splice_[0]'s level-0 successor.
  /// REQUIRES: the single writer.
  bool splice_fits(const detail::memtable_lookup_key& key) const {
    char* last = splice_[0];
    if (last != head_ && order::compare(last, key) >= 0) return false;
    char* next = link_of(last, 0).load(std::memory_order_relaxed);
    return next == nullptr || order::compare(next, key) > 0;
  }

  /// The first node at or after key (null if none). Fills prev[level] with
  /// the last node before key at each level when prev is not null.
  char* find_greater_or_equal(const detail::memtable_lookup_key& key, char** prev) const {
    char* x = head_;
    int level = max_height_.load(std::memory_order_relaxed) - 1;
    char* known_not_before = nullptr;  // compared already at a higher level
    while (true) {
      char* next = next_of(x, level);
      // The node after next at this level is the next one compared if next
      // is passed: fetch it while next is compared (as RocksDB does).
      if (next != nullptr) __builtin_prefetch(link_of(next, level).load(std::memory_order_relaxed));
      if (next != nullptr && next != known_not_before && order::compare(next, key) < 0) {
        x = next;
      } else {
        if (prev != nullptr) prev[level] = x;
        if (level == 0) return next;
        known_not_before = next;
        --level;
      }
    }
  }

  /// The last node before key, or head_ if none.
  char* find_less_than(const detail::memtable_lookup_key& key) const {
    char* x = head_;
    int level = max_height_.load(std::memory_order_relaxed) - 1;
    while (true) {
      char* next = next_of(x, level);
      if (next != nullptr && order::compare(next, key) < 0) {
        x = next;
      } else {
        if (level == 0) return x;
        --level;
      }
    }
  }

  /// The last node, or head_ if the table is empty.
  char* find_last() const {
    char* x = head_;
    int level = max_height_.load(std::memory_order_relaxed) - 1;
    while (true) {
      char* next = next_of(x, level);
      if (next != nullptr) {
        x = next;
      } else {
        if (level == 0) return x;
        --level;
      }
    }
  }

  detail::arena arena_;  // declared first: head_ is carved from it
  char* const head_;
  std::atomic<int> max_height_{1};
  std::atomic<std::size_t> count_{0};
  std::uint64_t rng_ = 0x9e3779b97f4a7c15ull;  // writer only
  // Writer only. splice_[0] is the last node added (head_ before the first);
  // splice_[i] is the last level-i node at or before it (head_ if none).
  char* splice_[max_height];
};

template <key_comparator Comparator>
class skiplist::table<Comparator>::iterator final : public detail::internal_iterator {
 public:
  explicit iterator(const table* t) : table_(t) {}

  bool valid() const override { return node_ != nullptr; }
  void seek_to_first() override { node_ = next_of(table_->head_, 0); }
  void seek_to_last() override {
    char* last = table_->find_last();
    node_ = last == table_->head_ ? nullptr : last;
  }
  void seek(std::string_view target) override {
    node_ = table_->find_greater_or_equal(detail::memtable_lookup_key::from_internal_key(target),
                                          nullptr);
  }
  void next() override { node_ = next_of(node_, 0); }
  void prev() override {
    // No back links: search for the last node before this one.
    char* before = table_->find_less_than(
        detail::memtable_lookup_key::from_internal_key(detail::memtable_entry_key(node_)));
    node_ = before == table_->head_ ? nullptr : before;
  }
  std::string_view key() const override { return detail::memtable_entry_key(node_); }
  std::string_view value() const override { return detail::memtable_entry_value(node_); }
  status get_status() const override { return {}; }

 private:
  const table* table_;
  char* node_ = nullptr;
};

}  // namespace memtable
}  // namespace v0
}  // namespace lsm
