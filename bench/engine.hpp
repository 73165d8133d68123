// bench/engine.hpp — the adapter interface every benchmarked key-value store
// implements (lsm, LevelDB, RocksDB), and the settings they all share.
//
// Thread safety: after open() and before close(), put/get/erase/new_cursor
// may be called from any number of threads at once (every adapted store is
// thread-safe); open, close and stats are called by one thread while no
// other call runs. A cursor is used by one thread at a time.
// Errors: an adapter throws std::runtime_error naming the engine, the call
// and the store's message; the runner reports it and fails the run.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace lsm_bench {

/// The store settings, identical for every engine (see bench/README.md).
struct engine_settings {
  std::size_t write_buffer_size = 4u << 20;     // bytes per memtable
  std::size_t block_cache_capacity = 8u << 20;  // bytes
  std::size_t block_size = 4096;                // bytes, uncompressed
  int bloom_bits_per_key = 10;
  std::size_t max_open_files = 1000;
  bool verify_checksums = true;  // on every read, as lsm does by default
};

/// How keys are typed. `u64` keys reach the stores as 8 big-endian bytes;
/// the lsm adapter decodes them into a std::uint64_t key.
enum class key_type : std::uint8_t { string = 0, u64 = 1 };

/// Counters an engine reports about itself; absent when it does not count.
struct engine_stats {
  /// Every byte the engine wrote to storage: WAL + flush + compaction.
  std::optional<std::uint64_t> bytes_written;
  /// Time writers spent stalled or slowed down by the engine.
  std::optional<std::uint64_t> stall_micros;
};

/// An ordered cursor over the whole store.
class cursor {
 public:
  virtual ~cursor() = default;
  virtual bool valid() const = 0;
  virtual void seek_to_first() = 0;
  virtual void seek_to_last() = 0;
  /// Positions at the first key >= target.
  virtual void seek(std::string_view target) = 0;
  /// REQUIRES: valid().
  virtual void next() = 0;
  /// REQUIRES: valid().
  virtual void prev() = 0;
  /// REQUIRES: valid(). Valid until the cursor moves.
  virtual std::string_view key() const = 0;
  /// REQUIRES: valid(). Valid until the cursor moves.
  virtual std::string_view value() const = 0;
};

/// One key-value store under test.
class engine {
 public:
  virtual ~engine() = default;
  /// The name printed and written to the CSV ("lsm", "leveldb", "rocksdb").
  virtual std::string name() const = 0;
  /// Opens or creates the store in `dir`.
  virtual void open(const std::string& dir, const engine_settings& settings) = 0;
  /// REQUIRES: open.
  virtual void put(std::string_view key, std::string_view value, bool sync) = 0;
  /// REQUIRES: open. Returns whether the key exists; if so, stores its value.
  virtual bool get(std::string_view key, std::string& value) = 0;
  /// REQUIRES: open.
  virtual void erase(std::string_view key, bool sync) = 0;
  /// REQUIRES: open. The cursor must be destroyed before close().
  virtual std::unique_ptr<cursor> new_cursor() = 0;
  /// Closes the store (waits for its background work). Idempotent.
  virtual void close() = 0;
  /// REQUIRES: open. Counters since open().
  virtual engine_stats stats() = 0;
};

}  // namespace lsm_bench
