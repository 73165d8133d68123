// lsm/stats.hpp — the counters a tree reports through tree::stats().
//
// Thread safety: a stats object is a value (a copy taken at one moment).
#pragma once

#include <cstdint>
#include <vector>

namespace lsm {
inline namespace v0 {

struct level_stats {
  std::uint64_t files = 0;
  std::uint64_t bytes = 0;
};

struct stats {
  std::uint64_t user_bytes_written = 0;  ///< encoded keys + values handed to put/write
  std::uint64_t wal_bytes_written = 0;
  std::uint64_t wal_syncs = 0;
  std::uint64_t flush_bytes_written = 0;  ///< SST bytes written by memtable flushes
  std::uint64_t compaction_bytes_read = 0;
  std::uint64_t compaction_bytes_written = 0;
  std::uint64_t flushes = 0;
  std::uint64_t compactions = 0;
  std::uint64_t trivial_moves = 0;
  std::uint64_t seek_compactions = 0;  ///< compactions of files lookups read in vain too often
  std::uint64_t subcompactions = 0;    ///< merges split in two halves run at once
  std::uint64_t stalls = 0;            ///< writes that were slowed or stopped
  std::uint64_t stall_micros = 0;      ///< total time writers waited
  /// Flushes and compactions that failed, in the background or called
  /// (flush, compact_range, compact) alike. One that failed on an I/O error
  /// or a full disk while writing its tables changed nothing: a background
  /// one runs again after a pause (writes go on), a called one returns the
  /// error. A failed MANIFEST write, corruption or 9 I/O errors in a row
  /// refuse writes until reopen.
  std::uint64_t background_errors = 0;
  /// Block reads the block cache answered, and ones it did not. A table
  /// the file system maps (the POSIX one does) is read in place, through the
  /// page cache, and its blocks never enter the block cache (as LevelDB's
  /// mapped tables): then both stay 0.
  std::uint64_t block_cache_hits = 0;
  std::uint64_t block_cache_misses = 0;
  std::uint64_t filter_hits = 0;    ///< lookups a table's filter answered "absent"
  std::uint64_t filter_misses = 0;  ///< lookups a table's filter let through
  std::vector<level_stats> levels;

  /// (WAL + flush + compaction bytes written) / user bytes written.
  double write_amplification() const {
    if (user_bytes_written == 0) return 0.0;
    return static_cast<double>(wal_bytes_written + flush_bytes_written + compaction_bytes_written) /
           static_cast<double>(user_bytes_written);
  }
};

}  // namespace v0
}  // namespace lsm
