// lsm/cache/table_cache.hpp — keeps up to max_open_files table readers open,
// least recently used evicted first. Readers are shared: an evicted table
// stays open until the last iterator or lookup using it lets go.
//
// Thread safety: thread-safe. No lock is held while a table is opened (I/O);
// two threads opening the same table at once both open it and one copy wins.
#pragma once

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

  /// The open table for file `number` of `file_size` bytes.
  result<std::shared_ptr<const Table>> get(std::uint64_t number, std::uint64_t file_size) {
    {
      std::lock_guard lock(mu_);
      auto it = map_.find(number);
      if (it != map_.end()) {
        lru_.splice(lru_.begin(), lru_, it->second);
        return it->second->table;
      }
    }
    const std::string path = table_file_name(dir_, number);
    auto file = fs_->new_random_access_file(path);
    if (!file.ok()) return file.take_status();
    auto opened = Table::open(options_, std::move(*file), file_size, path, blocks_);
    if (!opened.ok()) return opened.take_status();
    std::shared_ptr<const Table> table(std::move(*opened));
    std::lock_guard lock(mu_);
    auto it = map_.find(number);
    if (it != map_.end()) return it->second->table;
    lru_.push_front({number, table});
    map_[number] = lru_.begin();
    while (lru_.size() > capacity_) {
      map_.erase(lru_.back().number);
      lru_.pop_back();
    }
    return table;
  }

  void evict(std::uint64_t number) {
    std::lock_guard lock(mu_);
    auto it = map_.find(number);
    if (it == map_.end()) return;
    lru_.erase(it->second);
    map_.erase(it);
  }

 private:
  struct entry {
    std::uint64_t number;
    std::shared_ptr<const Table> table;
  };
  std::shared_ptr<file_system> fs_;
  std::string dir_;
  table_options options_;
  block_cache* blocks_;
  std::size_t capacity_;
  std::mutex mu_;
  std::list<entry> lru_;
  std::unordered_map<std::uint64_t, typename std::list<entry>::iterator> map_;
};

}  // namespace detail
}  // namespace v0
}  // namespace lsm
