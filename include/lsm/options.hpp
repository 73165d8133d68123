// lsm/options.hpp — the runtime knobs of a tree (options), of a write
// (write_options) and of a read (read_options). Compile-time choices (codec,
// memtable, filter, compaction) are template parameters of lsm::tree.
//
// Thread safety: plain values.
#pragma once

#include <cstddef>
#include <memory>

#include "lsm/io/file_system.hpp"

namespace lsm {
inline namespace v0 {

class snapshot;

struct options {
  bool create_if_missing = true;
  bool error_if_exists = false;
  std::size_t write_buffer_size = 4 << 20;     ///< bytes per memtable
  std::size_t max_immutable_memtables = 2;     ///< memtables waiting for flush before writes stop
  std::size_t block_size = 4096;               ///< uncompressed bytes per data block
  std::size_t block_restart_interval = 16;     ///< keys between restart points
  std::size_t block_cache_capacity = 8 << 20;  ///< bytes
  std::size_t target_file_size = 2 << 20;      ///< SST size compaction aims for
  std::size_t max_open_files = 1000;           ///< table readers kept open (at least 16)
  std::size_t max_key_size = 64 << 10;         ///< a larger encoded key is invalid_argument
  std::size_t max_value_size = 64 << 20;       ///< a larger encoded value is invalid_argument
  /// 2 (or more): a flush thread and a compaction thread, which runs one
  /// job at a time and, while writes come in, splits a merge of 4 target
  /// files or more in two halves, the second on a helper thread (a
  /// subcompaction); 1: one thread
  /// that flushes first and compacts between flushes, never split; 0 is
  /// invalid_argument.
  unsigned background_threads = 2;
  std::shared_ptr<lsm::file_system> file_system = nullptr;  ///< null: POSIX
};

struct write_options {
  /// Return only once the write is on stable storage (WAL fdatasync). Without
  /// it a write survives a process crash but may be lost on power loss.
  bool sync = false;
};

struct read_options {
  const lsm::snapshot* snapshot = nullptr;  ///< null: the latest state
  bool verify_checksums = true;
  bool fill_cache = true;
};

}  // namespace v0
}  // namespace lsm
