// lsm/version/version.hpp — a version: the immutable set of table files per
// level at one moment, and the reference-counted table_file handles it holds.
//
// Versions are never modified once published; readers pin one through a
// shared_ptr. A table file is deleted only when an edit removed it from the
// current version (it is marked obsolete) and the last version, iterator or
// job referring to it has let go: its handle's destructor then queues the
// number on the shared obsolete_files list, which the engine purges.
//
// Thread safety: version and table_file are immutable after construction
// (except the obsolete flag and the seek allowance, atomics, and the reader a
// table_file keeps, set once under its own lock); obsolete_files is
// internally locked.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "lsm/memtable/internal_key.hpp"
#include "lsm/version/file_meta.hpp"

namespace lsm {
inline namespace v0 {
namespace detail {

inline constexpr int max_levels = 7;

/// Defined in version_set.hpp: numbers of table files waiting for deletion.
class obsolete_files;

class table_file {
 public:
  table_file(file_meta meta, std::shared_ptr<obsolete_files> sink)
      : meta_(std::move(meta)),
        sink_(std::move(sink)),
        allowed_seeks_(static_cast<std::int32_t>(std::min<std::uint64_t>(
            std::max<std::uint64_t>(meta_.file_size / 16384, 100), std::uint64_t{1} << 30))) {}
  table_file(const table_file&) = delete;
  table_file& operator=(const table_file&) = delete;
  ~table_file();  // version_set.hpp: queues the number on the sink if obsolete

  const file_meta& meta() const { return meta_; }
  std::uint64_t number() const { return meta_.number; }
  std::string_view smallest_user_key() const { return extract_user_key(meta_.smallest); }
  std::string_view largest_user_key() const { return extract_user_key(meta_.largest); }
  void mark_obsolete() const { obsolete_.store(true, std::memory_order_release); }

  /// Counts one lookup that read this file in vain before finding its key
  /// further down; true for the one that uses up the file's allowance.
  /// The allowance is LevelDB's: one seek per 16 KiB of file, at least 100
  /// (a seek costs about what compacting 16 KiB does), so a file that keeps
  /// costing reads more than its rewrite would is merged down.
  bool charge_seek() const { return allowed_seeks_.fetch_sub(1, std::memory_order_relaxed) == 1; }

  /// The open reader this file keeps (the table cache's reader type, erased),
  /// or null. A lookup holding a version that holds this file may use it
  /// without locking anything or touching a reference count.
  const void* reader() const noexcept { return reader_.load(std::memory_order_acquire); }
  /// What keeps reader() alive. REQUIRES: reader() is not null.
  const std::shared_ptr<const void>& reader_owner() const noexcept { return reader_owner_; }
  /// Keeps `reader`, which `owner` keeps alive, for the rest of this file's
  /// life; false (and nothing kept) when the file keeps one already.
  bool keep_reader(const void* reader, std::shared_ptr<const void> owner) const {
    std::lock_guard lock(reader_mu_);
    if (reader_.load(std::memory_order_relaxed) != nullptr) return false;
    reader_owner_ = std::move(owner);  // written once, before the pointer is published
    reader_.store(reader, std::memory_order_release);
    return true;
  }

 private:
  file_meta meta_;
  std::shared_ptr<obsolete_files> sink_;
  mutable std::atomic<bool> obsolete_{false};
  mutable std::atomic<std::int32_t> allowed_seeks_;
  mutable std::mutex reader_mu_;
  mutable std::shared_ptr<const void> reader_owner_;
  mutable std::atomic<const void*> reader_{nullptr};
};

using table_file_ptr = std::shared_ptr<const table_file>;

/// Files per level. Level 0 is ordered newest first (by largest sequence
/// number, then file number); levels >= 1 hold disjoint key ranges ordered
/// by smallest key.
struct version {
  std::vector<std::vector<table_file_ptr>> levels =
      std::vector<std::vector<table_file_ptr>>(max_levels);

  std::uint64_t level_bytes(int level) const {
    std::uint64_t n = 0;
    for (const auto& f : levels[static_cast<std::size_t>(level)]) n += f->meta().file_size;
    return n;
  }
  std::size_t level_files(int level) const {
    return levels[static_cast<std::size_t>(level)].size();
  }
  std::size_t total_files() const {
    std::size_t n = 0;
    for (const auto& l : levels) n += l.size();
    return n;
  }
};

using version_ptr = std::shared_ptr<const version>;

}  // namespace detail
}  // namespace v0
}  // namespace lsm
