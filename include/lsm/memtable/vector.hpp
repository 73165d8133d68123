// lsm/memtable/vector.hpp — the bulk-load memtable policy: append now, sort
// once when someone reads.
//
// add() encodes the entry in the arena and appends its address to an
// append-only log of pointer chunks (also in the arena): O(1), no lock, no
// comparison. The first iterator (or a get() facing a long unsorted tail)
// after new appends sorts the tail and merges it with the previous sorted
// run into a new immutable run, published through a shared_ptr; iterators
// keep the run they started with alive, so a later merge never moves entries
// under them.
//
// Thread safety: one writer at a time (add() needs external synchronization
// among writers); any number of concurrent readers. The writer never takes a
// lock: it fills a log slot, then publishes it with a release store of the
// entry count. Readers take `run_mutex_` only to copy or replace the current
// sorted run; the merge itself happens under it, so concurrent readers wait
// for one merge instead of each doing their own.
//
// Invariants: log slots below the published count are never written again;
// a sorted run holds exactly the first `entries.size()` log entries, sorted
// by memtable_entry_order<Comparator>, and never changes once published.
//
// Cost model: a read after n appends costs O(n log n) once (then O(log n));
// get() scans up to `max_unsorted_scan` unsorted entries instead of merging.
// Reads interleaved with many small batches of writes re-merge often: choose
// the skiplist policy for mixed workloads, this one for bulk loads.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <iterator>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lsm/iter/iterator.hpp"
#include "lsm/memtable/arena.hpp"
#include "lsm/memtable/entry.hpp"
#include "lsm/memtable/internal_key.hpp"

namespace lsm {
inline namespace v0 {
namespace memtable {

/// Memtable policy: append-only vector, sorted on first read (bulk loads).
struct vector {
  template <key_comparator Comparator>
  class table;
};

template <key_comparator Comparator>
class vector::table {
 public:
  /// A get() merges the unsorted tail only when it is longer than this;
  /// shorter tails are scanned.
  static constexpr std::size_t max_unsorted_scan = 64;

  table() : log_head_(new_chunk()), log_tail_(log_head_) {
    auto run = std::make_shared<sorted_run>();
    run->chunk = log_head_;
    run_ = std::move(run);
  }
  table(const table&) = delete;
  table& operator=(const table&) = delete;

  /// Adds an entry: O(1), never blocks on readers.
  /// REQUIRES: external synchronization among writers; no entry with the same
  /// (user_key, seq) was added before; kind is value or deletion.
  void add(sequence_number seq, value_kind kind, std::string_view user_key,
           std::string_view value) {
    char* entry = arena_.allocate(detail::memtable_entry_size(user_key.size(), value.size()));
    detail::encode_memtable_entry(entry, detail::pack_tag(seq, kind), user_key, value);
    if (log_tail_used_ == chunk_capacity) {
      log_chunk* chunk = new_chunk();
      log_tail_->next = chunk;  // published with the count below
      log_tail_ = chunk;
      log_tail_used_ = 0;
    }
    log_tail_->entries[log_tail_used_++] = entry;
    count_.store(count_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  }

  /// The newest entry of user_key with sequence <= seq: found (value copied
  /// into `value`), deleted, or absent. A binary search of the sorted run,
  /// plus a scan of a short unsorted tail.
  detail::memtable_lookup get(std::string_view user_key, sequence_number seq,
                              std::string& value) const {
    // Run first, then count: the count is then at least the run's size.
    std::shared_ptr<const sorted_run> run = current_run();
    const std::size_t count = count_.load(std::memory_order_acquire);
    if (count - run->entries.size() > max_unsorted_scan) run = sorted_run_covering(count);

    // The answer is the first entry at or after `key` among all entries:
    // the sorted run's lower bound, or a smaller one from the tail.
    const auto key = detail::memtable_lookup_key::at(user_key, seq);
    const auto it = std::lower_bound(run->entries.begin(), run->entries.end(), key, order{});
    const char* best = it == run->entries.end() ? nullptr : *it;
    for_each_unsorted(*run, count, [&](const char* entry) {
      if (order::compare(entry, key) >= 0 && (best == nullptr || order::compare(entry, best) < 0)) {
        best = entry;
      }
    });
    return detail::resolve_memtable_lookup<Comparator>(best, user_key, value);
  }

  /// An iterator over the internal keys in internal_key_comparator order,
  /// holding every entry added before the call (sorting them if needed). It
  /// does not see later entries and stays usable while the table lives.
  std::unique_ptr<detail::internal_iterator> new_iterator() const {
    return std::make_unique<iterator>(sorted_run_covering(count_.load(std::memory_order_acquire)));
  }

  /// Bytes held by the table: arena blocks plus the current sorted index.
  std::size_t approximate_memory() const noexcept {
    return arena_.memory_usage() + index_bytes_.load(std::memory_order_relaxed) + sizeof(*this);
  }

  /// Entries added.
  std::size_t size() const noexcept { return count_.load(std::memory_order_acquire); }

 private:
  using order = detail::memtable_entry_order<Comparator>;

  // 255 slots + link: a 2 KiB chunk, its own arena block.
  static constexpr std::size_t chunk_capacity = 255;
  struct log_chunk {
    log_chunk* next = nullptr;
    const char* entries[chunk_capacity];
  };

  struct sorted_run {
    std::vector<const char*> entries;
    // Where the log continues after entries.size() entries.
    const log_chunk* chunk = nullptr;
    std::size_t chunk_used = 0;
  };

  class iterator;

  /// REQUIRES: the single writer (or the constructor).
  log_chunk* new_chunk() {
    return ::new (static_cast<void*>(arena_.allocate_aligned(sizeof(log_chunk)))) log_chunk;
  }

  std::shared_ptr<const sorted_run> current_run() const {
    std::lock_guard<std::mutex> lock(run_mutex_);
    return run_;
  }

  /// Calls f on each log entry in [run.entries.size(), count).
  /// REQUIRES: count was loaded (acquire) from count_ and count >= the run's size.
  template <class F>
  static void for_each_unsorted(const sorted_run& run, std::size_t count, F&& f) {
    const log_chunk* chunk = run.chunk;
    std::size_t used = run.chunk_used;
    for (std::size_t i = run.entries.size(); i < count; ++i) {
      if (used == chunk_capacity) {
        chunk = chunk->next;
        used = 0;
      }
      f(chunk->entries[used++]);
    }
  }

  /// A sorted run holding at least the first `count` entries.
  std::shared_ptr<const sorted_run> sorted_run_covering(std::size_t count) const {
    std::lock_guard<std::mutex> lock(run_mutex_);
    if (run_->entries.size() >= count) return run_;
    // Take everything published by now: later readers then find it done.
    count = count_.load(std::memory_order_acquire);

    std::vector<const char*> tail;
    tail.reserve(count - run_->entries.size());
    for_each_unsorted(*run_, count, [&](const char* entry) { tail.push_back(entry); });
    auto run = std::make_shared<sorted_run>();
    // Where the log continues: recomputed from the slots just read.
    run->chunk = run_->chunk;
    run->chunk_used = run_->chunk_used;
    for (std::size_t i = 0; i < tail.size(); ++i) {
      if (run->chunk_used == chunk_capacity) {
        run->chunk = run->chunk->next;
        run->chunk_used = 0;
      }
      ++run->chunk_used;
    }

    // Bulk loads often arrive in order: skip the sort then.
    if (!std::is_sorted(tail.begin(), tail.end(), order{})) {
      std::sort(tail.begin(), tail.end(), order{});
    }
    if (run_->entries.empty()) {
      run->entries = std::move(tail);
    } else {
      run->entries.reserve(run_->entries.size() + tail.size());
      std::merge(run_->entries.begin(), run_->entries.end(), tail.begin(), tail.end(),
                 std::back_inserter(run->entries), order{});
    }
    index_bytes_.store(run->entries.capacity() * sizeof(const char*), std::memory_order_relaxed);
    run_ = std::move(run);
    return run_;
  }

  detail::arena arena_;  // declared first: the log chunks are carved from it
  log_chunk* const log_head_;
  log_chunk* log_tail_;            // writer only
  std::size_t log_tail_used_ = 0;  // writer only
  std::atomic<std::size_t> count_{0};

  mutable std::mutex run_mutex_;
  mutable std::shared_ptr<const sorted_run> run_;  // guarded by run_mutex_
  mutable std::atomic<std::size_t> index_bytes_{0};
};

template <key_comparator Comparator>
class vector::table<Comparator>::iterator final : public detail::internal_iterator {
 public:
  explicit iterator(std::shared_ptr<const sorted_run> run)
      : run_(std::move(run)), end_(run_->entries.size()), pos_(end_) {}

  bool valid() const override { return pos_ != end_; }
  void seek_to_first() override { pos_ = 0; }
  void seek_to_last() override { pos_ = end_ == 0 ? end_ : end_ - 1; }
  void seek(std::string_view target) override {
    const auto& entries = run_->entries;
    const auto it =
        std::lower_bound(entries.begin(), entries.end(),
                         detail::memtable_lookup_key::from_internal_key(target), order{});
    pos_ = static_cast<std::size_t>(it - entries.begin());
  }
  void next() override { ++pos_; }
  void prev() override { pos_ = pos_ == 0 ? end_ : pos_ - 1; }
  std::string_view key() const override { return detail::memtable_entry_key(run_->entries[pos_]); }
  std::string_view value() const override {
    return detail::memtable_entry_value(run_->entries[pos_]);
  }
  status get_status() const override { return {}; }

 private:
  std::shared_ptr<const sorted_run> run_;
  std::size_t end_;
  std::size_t pos_;
};

}  // namespace memtable
}  // namespace v0
}  // namespace lsm
