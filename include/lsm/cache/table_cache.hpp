// lsm/cache/table_cache.hpp — keeps up to max_open_files table readers open.
// While fewer than that are open, a reader is kept by the table_file it reads
// (table_file::keep_reader): point lookups then reach it with no lock and no
// reference count, and it closes when the file leaves the last version (an
// obsolete file's reader is handed to obsolete_files and closes where the
// file is deleted, outside the engine's locks).
// Readers past that live in a list, least recently used evicted first; an
// evicted reader stays open until the last iterator or lookup using it lets
// go.
//
// Thread safety: thread-safe. No lock is held while a table is opened (I/O);
// two threads opening the same table at once both open it and one copy wins.
#pragma once

#include <atomic>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "lsm/cache/lru_cache.hpp"
#include "lsm/io/file_names.hpp"
#include "lsm/io/file_system.hpp"
#include "lsm/sst/table_reader.hpp"
#include "lsm/version/version.hpp"

namespace lsm {
inline namespace v0 {
namespace detail {

template <class Table>
class table_cache {
 public:
  table_cache(std::shared_ptr<file_system> fs, std::string dir, table_options options,
              block_cache* blocks, std::size_t capacity)
      : fs_(std::move(fs)),
        dir_(std::move(dir)),
        options_(std::move(options)),
        blocks_(blocks),
        capacity_(capacity < 16 ? 16 : capacity) {}

  /// The reader file f keeps, or null (then use get()). It lives as long as f.
  static const Table* kept(const table_file& f) noexcept {
    return static_cast<const Table*>(f.reader());
  }

  /// The open table of file f, opened if needed.
  result<std::shared_ptr<const Table>> get(const table_file& f) {
    if (const Table* t = kept(f)) return std::shared_ptr<const Table>(f.reader_owner(), t);
    std::shared_ptr<const Table> table;
    {
      std::lock_guard lock(mu_);
      if (auto it = map_.find(f.number()); it != map_.end()) table = it->second->table;
    }
    if (!table) {
      const std::string path = table_file_name(dir_, f.number());
      auto file = fs_->new_random_access_file(path);
      if (!file.ok()) return file.take_status();
      auto opened = Table::open(options_, std::move(*file), f.meta().file_size, path, blocks_);
      if (!opened.ok()) return opened.take_status();
      table = std::shared_ptr<const Table>(std::move(*opened));
    }
    return keep(f, std::move(table));
  }

  /// A reader of table `number`, `size` bytes long, of its own: opened now
  /// from the file and kept nowhere, without the block cache (what
  /// verification and repair read).
  result<std::unique_ptr<Table>> open_uncached(std::uint64_t number, std::uint64_t size) const {
    const std::string path = table_file_name(dir_, number);
    auto file = fs_->new_random_access_file(path);
    if (!file.ok()) return file.take_status();
    return Table::open(options_, std::move(*file), size, path, nullptr);
  }

  /// Closes the listed reader of file `number` (a file being deleted).
  void evict(std::uint64_t number) {
    std::lock_guard lock(mu_);
    evict_locked(number);
  }

  /// Readers kept by files (for tests).
  std::size_t kept_count() const noexcept { return kept_->load(std::memory_order_relaxed); }
  /// Readers in the list (for tests).
  std::size_t listed_count() const {
    std::lock_guard lock(mu_);
    return lru_.size();
  }

 private:
  /// What a file keeps: the reader, and the count it is part of.
  struct kept_reader {
    std::shared_ptr<const Table> table;
    std::shared_ptr<std::atomic<std::size_t>> count;
    kept_reader(std::shared_ptr<const Table> t, std::shared_ptr<std::atomic<std::size_t>> c)
        : table(std::move(t)), count(std::move(c)) {}
    kept_reader(const kept_reader&) = delete;
    kept_reader& operator=(const kept_reader&) = delete;
    ~kept_reader() { count->fetch_sub(1, std::memory_order_relaxed); }
  };

  /// Gives `table` (file f's) to f to keep when fewer than the capacity are
  /// kept, else lists it.
  std::shared_ptr<const Table> keep(const table_file& f, std::shared_ptr<const Table> table) {
    std::lock_guard lock(mu_);
    if (kept_->load(std::memory_order_relaxed) < capacity_) {
      kept_->fetch_add(1, std::memory_order_relaxed);
      const Table* raw = table.get();
      auto owner = std::make_shared<const kept_reader>(std::move(table), kept_);
      // Another thread may have given f a reader first; then `owner` goes.
      (void)f.keep_reader(raw, std::move(owner));
      evict_locked(f.number());
      return std::shared_ptr<const Table>(f.reader_owner(), kept(f));
    }
    auto it = map_.find(f.number());
    if (it != map_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      return it->second->table;
    }
    lru_.push_front({f.number(), table});
    map_[f.number()] = lru_.begin();
    while (!lru_.empty() && lru_.size() + kept_->load(std::memory_order_relaxed) > capacity_) {
      map_.erase(lru_.back().number);
      lru_.pop_back();
    }
    return table;
  }

  void evict_locked(std::uint64_t number) {
    auto it = map_.find(number);
    if (it == map_.end()) return;
    lru_.erase(it->second);
    map_.erase(it);
  }

  struct entry {
    std::uint64_t number;
    std::shared_ptr<const Table> table;
  };
  std::shared_ptr<file_system> fs_;
  std::string dir_;
  table_options options_;
  block_cache* blocks_;
  std::size_t capacity_;
  std::shared_ptr<std::atomic<std::size_t>> kept_ = std::make_shared<std::atomic<std::size_t>>(0);
  mutable std::mutex mu_;
  std::list<entry> lru_;
  std::unordered_map<std::uint64_t, typename std::list<entry>::iterator> map_;
};

}  // namespace detail
}  // namespace v0
}  // namespace lsm
