// bench/engines/leveldb_engine.hpp — the LevelDB adapter (leveldb::DB).
//
// Thread safety: as bench/engine.hpp; leveldb::DB is thread-safe.
// Settings: write buffer, block cache, bloom filter, block size and
// max_open_files from engine_settings; compression off; WAL always on.
// Tables are read with pread through the block cache, like the other
// engines: LevelDB's default POSIX Env would mmap up to 1000 tables, whose
// blocks bypass the block cache (the page cache becomes an unbounded cache)
// and whose mapped pages count in RSS. LevelDB does not count its WAL bytes,
// so stats() reports nothing and the runner measures written bytes with
// /proc/self/io.
#pragma once

#include <fcntl.h>
#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/env.h>
#include <leveldb/filter_policy.h>
#include <leveldb/iterator.h>
#include <leveldb/options.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "engine.hpp"

namespace lsm_bench {

/// LevelDB's default Env, except that tables are read with pread (never mmap).
class leveldb_pread_env final : public leveldb::EnvWrapper {
 public:
  leveldb_pread_env() : leveldb::EnvWrapper(leveldb::Env::Default()) {}

  leveldb::Status NewRandomAccessFile(const std::string& name,
                                      leveldb::RandomAccessFile** result) override {
    *result = nullptr;
    const int fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return leveldb::Status::IOError(name, std::strerror(errno));
    *result = new pread_file(fd, name);
    return leveldb::Status::OK();
  }

 private:
  class pread_file final : public leveldb::RandomAccessFile {
   public:
    pread_file(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
    ~pread_file() override { ::close(fd_); }
    leveldb::Status Read(std::uint64_t offset, std::size_t n, leveldb::Slice* result,
                         char* scratch) const override {
      const ssize_t got = ::pread(fd_, scratch, n, static_cast<off_t>(offset));
      if (got < 0) {
        *result = leveldb::Slice(scratch, 0);
        return leveldb::Status::IOError(name_ + " at offset " + std::to_string(offset),
                                        std::strerror(errno));
      }
      *result = leveldb::Slice(scratch, static_cast<std::size_t>(got));
      return leveldb::Status::OK();
    }

   private:
    int fd_;
    std::string name_;
  };
};

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
    options.env = &env_;
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

  leveldb_pread_env env_;  // outlives db_
  std::unique_ptr<leveldb::Cache> cache_;
  std::unique_ptr<const leveldb::FilterPolicy> filter_;
  leveldb::ReadOptions read_options_;
  std::unique_ptr<leveldb::DB> db_;
};

}  // namespace lsm_bench
