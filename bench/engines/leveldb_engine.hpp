// bench/engines/leveldb_engine.hpp — the LevelDB adapter (leveldb::DB).
//
// Thread safety: as bench/engine.hpp; leveldb::DB is thread-safe.
// Settings: write buffer, block cache, bloom filter, block size and
// max_open_files from engine_settings; compression off; WAL always on.
// LevelDB does not count its WAL bytes, so stats() reports nothing and the
// runner measures written bytes with /proc/self/io.
#pragma once

#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/filter_policy.h>
#include <leveldb/iterator.h>
#include <leveldb/options.h>
#include <leveldb/write_batch.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "engine.hpp"

namespace lsm_bench {

class leveldb_engine final : public engine {
 public:
  ~leveldb_engine() override { close(); }

  std::string name() const override { return "leveldb"; }

  void open(const std::string& dir, const engine_settings& settings) override {
    close();
    cache_.reset(leveldb::NewLRUCache(settings.block_cache_capacity));
    filter_.reset(leveldb::NewBloomFilterPolicy(settings.bloom_bits_per_key));
    leveldb::Options options;
    options.create_if_missing = true;
    options.write_buffer_size = settings.write_buffer_size;
    options.block_cache = cache_.get();
    options.filter_policy = filter_.get();
    options.block_size = settings.block_size;
    options.max_open_files = static_cast<int>(settings.max_open_files);
    options.compression = leveldb::kNoCompression;
    read_options_.verify_checksums = settings.verify_checksums;
    leveldb::DB* db = nullptr;
    check(leveldb::DB::Open(options, dir, &db), "open " + dir);
    db_.reset(db);
  }

  void put(std::string_view key, std::string_view value, bool sync) override {
    leveldb::WriteOptions options;
    options.sync = sync;
    check(db_->Put(options, slice(key), slice(value)), "put");
  }

  bool get(std::string_view key, std::string& value) override {
    leveldb::Status s = db_->Get(read_options_, slice(key), &value);
    if (s.IsNotFound()) return false;
    check(s, "get");
    return true;
  }

  void erase(std::string_view key, bool sync) override {
    leveldb::WriteOptions options;
    options.sync = sync;
    check(db_->Delete(options, slice(key)), "erase");
  }

  std::unique_ptr<cursor> new_cursor() override {
    return std::make_unique<leveldb_cursor>(db_->NewIterator(read_options_));
  }

  void close() override {
    db_.reset();  // waits for the background compaction
    filter_.reset();
    cache_.reset();
  }

  engine_stats stats() override { return {}; }

 private:
  class leveldb_cursor final : public cursor {
   public:
    explicit leveldb_cursor(leveldb::Iterator* it) : it_(it) {}
    bool valid() const override { return it_->Valid(); }
    void seek_to_first() override { it_->SeekToFirst(); }
    void seek_to_last() override { it_->SeekToLast(); }
    void seek(std::string_view target) override { it_->Seek(slice(target)); }
    void next() override { it_->Next(); }
    void prev() override { it_->Prev(); }
    std::string_view key() const override { return view(it_->key()); }
    std::string_view value() const override { return view(it_->value()); }

   private:
    std::unique_ptr<leveldb::Iterator> it_;
  };

  static leveldb::Slice slice(std::string_view s) { return {s.data(), s.size()}; }
  static std::string_view view(const leveldb::Slice& s) { return {s.data(), s.size()}; }
  static void check(const leveldb::Status& s, const std::string& what) {
    if (!s.ok()) throw std::runtime_error("leveldb " + what + ": " + s.ToString());
  }

  std::unique_ptr<leveldb::Cache> cache_;
  std::unique_ptr<const leveldb::FilterPolicy> filter_;
  leveldb::ReadOptions read_options_;
  std::unique_ptr<leveldb::DB> db_;
};

}  // namespace lsm_bench
