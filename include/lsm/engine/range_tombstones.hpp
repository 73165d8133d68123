// lsm/engine/range_tombstones.hpp — a set of range tombstones cut into
// non-overlapping fragments, answering "the newest tombstone covering this
// user key" by binary search. Used by scans, cursors and compaction.
//
// A tombstone (first, last, seq) deletes every entry of a key in
// [first, last) whose sequence number is below seq.
//
// Thread safety: build single-threaded, then read-only.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "lsm/memtable/internal_key.hpp"

namespace lsm {
inline namespace v0 {
namespace detail {

struct range_tombstone_entry {
  std::string first, last;  // user keys, [first, last)
  sequence_number seq = 0;
};

template <key_comparator Comparator>
class range_tombstone_set {
 public:
  void add(std::string_view first, std::string_view last, sequence_number seq) {
    if (Comparator::compare(first, last) >= 0) return;
    raw_.push_back({std::string(first), std::string(last), seq});
    built_ = false;
  }
  bool empty() const { return raw_.empty(); }
  const std::vector<range_tombstone_entry>& entries() const { return raw_; }

  /// Cuts the tombstones into disjoint fragments, each with the highest
  /// sequence number covering it.
  void build() {
    fragments_.clear();
    std::vector<std::string> bounds;
    for (const auto& t : raw_) {
      bounds.push_back(t.first);
      bounds.push_back(t.last);
    }
    auto less = [](const std::string& a, const std::string& b) {
      return Comparator::compare(a, b) < 0;
    };
    std::sort(bounds.begin(), bounds.end(), less);
    bounds.erase(std::unique(bounds.begin(), bounds.end(),
                             [](const std::string& a, const std::string& b) {
                               return Comparator::compare(a, b) == 0;
                             }),
                 bounds.end());
    std::vector<const range_tombstone_entry*> by_first;
    for (const auto& t : raw_) by_first.push_back(&t);
    std::sort(by_first.begin(), by_first.end(),
              [](const range_tombstone_entry* a, const range_tombstone_entry* b) {
                return Comparator::compare(a->first, b->first) < 0;
              });
    // Sweep: `active` holds the tombstones that started at or before bounds[i].
    auto heap_less = [](const range_tombstone_entry* a, const range_tombstone_entry* b) {
      return a->seq < b->seq;
    };
    std::vector<const range_tombstone_entry*> active;
    std::size_t next = 0;
    for (std::size_t i = 0; i + 1 < bounds.size(); ++i) {
      while (next < by_first.size() && Comparator::compare(by_first[next]->first, bounds[i]) <= 0) {
        active.push_back(by_first[next++]);
        std::push_heap(active.begin(), active.end(), heap_less);
      }
      while (!active.empty() && Comparator::compare(active.front()->last, bounds[i]) <= 0) {
        std::pop_heap(active.begin(), active.end(), heap_less);
        active.pop_back();
      }
      std::vector<sequence_number> seqs;
      for (const auto* t : active)
        if (Comparator::compare(bounds[i], t->last) < 0) seqs.push_back(t->seq);
      if (seqs.empty()) continue;
      std::sort(seqs.begin(), seqs.end());
      if (!fragments_.empty() && fragments_.back().seqs == seqs &&
          Comparator::compare(fragments_.back().last, bounds[i]) == 0)
        fragments_.back().last = bounds[i + 1];
      else
        fragments_.push_back({bounds[i], bounds[i + 1], std::move(seqs)});
    }
    built_ = true;
  }

  /// The highest sequence number of a tombstone covering user_key (0: none).
  /// REQUIRES: build() after the last add().
  sequence_number max_covering(std::string_view user_key) const {
    const fragment* f = find(user_key);
    return f ? f->seqs.back() : 0;
  }
  /// The lowest sequence number above `seq` of a tombstone covering user_key
  /// (0: none): the oldest tombstone that deletes (user_key, seq).
  sequence_number min_covering_above(std::string_view user_key, sequence_number seq) const {
    const fragment* f = find(user_key);
    if (f == nullptr) return 0;
    auto it = std::upper_bound(f->seqs.begin(), f->seqs.end(), seq);
    return it == f->seqs.end() ? 0 : *it;
  }
  bool built() const { return built_; }

 private:
  /// A piece of the key space and the sequence numbers (ascending) of every
  /// tombstone covering it.
  struct fragment {
    std::string first, last;
    std::vector<sequence_number> seqs;
  };

  const fragment* find(std::string_view user_key) const {
    auto it = std::upper_bound(
        fragments_.begin(), fragments_.end(), user_key,
        [](std::string_view k, const fragment& f) { return Comparator::compare(k, f.first) < 0; });
    if (it == fragments_.begin()) return nullptr;
    --it;
    return Comparator::compare(user_key, it->last) < 0 ? &*it : nullptr;
  }

  std::vector<range_tombstone_entry> raw_;
  std::vector<fragment> fragments_;
  bool built_ = true;
};

}  // namespace detail
}  // namespace v0
}  // namespace lsm
