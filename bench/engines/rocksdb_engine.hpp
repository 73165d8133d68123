// bench/engines/rocksdb_engine.hpp — the RocksDB adapter (rocksdb::DB).
//
// Thread safety: as bench/engine.hpp; rocksdb::DB is thread-safe.
// Settings: write buffer, block cache, bloom filter, block size and
// max_open_files from engine_settings; compression off at every level; WAL
// on; every other option is RocksDB's default. stats() reads the DB's own
// counters: WAL bytes and user stall time ("rocksdb.dbstats") plus flush and
// compaction output ("rocksdb.cfstats", compaction.Sum.WriteGB).
#pragma once

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>

#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "engine.hpp"

namespace lsm_bench {

class rocksdb_engine final : public engine {
 public:
  ~rocksdb_engine() override {
    if (db_) (void)db_->Close();  // a destructor does not throw: best effort
  }

  std::string name() const override { return "rocksdb"; }

  void open(const std::string& dir, const engine_settings& settings) override {
    close();
    rocksdb::BlockBasedTableOptions table;
    table.block_size = settings.block_size;
    table.block_cache = rocksdb::NewLRUCache(settings.block_cache_capacity);
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(settings.bloom_bits_per_key, false));
    rocksdb::Options options;
    options.create_if_missing = true;
    options.write_buffer_size = settings.write_buffer_size;
    options.max_open_files = static_cast<int>(settings.max_open_files);
    options.compression = rocksdb::kNoCompression;
    options.bottommost_compression = rocksdb::kNoCompression;
    options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    read_options_.verify_checksums = settings.verify_checksums;
    rocksdb::DB* db = nullptr;
    check(rocksdb::DB::Open(options, dir, &db), "open " + dir);
    db_.reset(db);
  }

  void put(std::string_view key, std::string_view value, bool sync) override {
    rocksdb::WriteOptions options;
    options.sync = sync;
    check(db_->Put(options, slice(key), slice(value)), "put");
  }

  bool get(std::string_view key, std::string& value) override {
    rocksdb::Status s = db_->Get(read_options_, slice(key), &value);
    if (s.IsNotFound()) return false;
    check(s, "get");
    return true;
  }

  void erase(std::string_view key, bool sync) override {
    rocksdb::WriteOptions options;
    options.sync = sync;
    check(db_->Delete(options, slice(key)), "erase");
  }

  std::unique_ptr<cursor> new_cursor() override {
    return std::make_unique<rocksdb_cursor>(db_->NewIterator(read_options_));
  }

  void close() override {
    if (db_) check(db_->Close(), "close");  // waits for background work
    db_.reset();
  }

  engine_stats stats() override {
    engine_stats out;
    std::map<std::string, std::string> db_stats;
    std::map<std::string, std::string> cf_stats;
    if (!db_->GetMapProperty(rocksdb::DB::Properties::kDBStats, &db_stats) ||
        !db_->GetMapProperty(rocksdb::DB::Properties::kCFStats, &cf_stats)) {
      return out;
    }
    const auto wal = db_stats.find("db.wal_bytes_written");
    const auto stall = db_stats.find("db.user_write_stall_micros");
    const auto tables = cf_stats.find("compaction.Sum.WriteGB");  // flush + compaction
    if (wal != db_stats.end() && tables != cf_stats.end()) {
      const double table_bytes = std::stod(tables->second) * double(std::uint64_t{1} << 30);
      out.bytes_written = std::stoull(wal->second) + static_cast<std::uint64_t>(table_bytes);
    }
    if (stall != db_stats.end()) out.stall_micros = std::stoull(stall->second);
    return out;
  }

 private:
  class rocksdb_cursor final : public cursor {
   public:
    explicit rocksdb_cursor(rocksdb::Iterator* it) : it_(it) {}
    bool valid() const override { return it_->Valid(); }
    void seek_to_first() override { it_->SeekToFirst(); }
    void seek_to_last() override { it_->SeekToLast(); }
    void seek(std::string_view target) override { it_->Seek(slice(target)); }
    void next() override { it_->Next(); }
    void prev() override { it_->Prev(); }
    std::string_view key() const override { return view(it_->key()); }
    std::string_view value() const override { return view(it_->value()); }

   private:
    std::unique_ptr<rocksdb::Iterator> it_;
  };

  static rocksdb::Slice slice(std::string_view s) { return {s.data(), s.size()}; }
  static std::string_view view(const rocksdb::Slice& s) { return {s.data(), s.size()}; }
  static void check(const rocksdb::Status& s, const std::string& what) {
    if (!s.ok()) throw std::runtime_error("rocksdb " + what + ": " + s.ToString());
  }

  rocksdb::ReadOptions read_options_;
  std::unique_ptr<rocksdb::DB> db_;
};

}  // namespace lsm_bench
