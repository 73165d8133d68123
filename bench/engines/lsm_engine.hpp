// bench/engines/lsm_engine.hpp — the lsm adapter: lsm::tree<Key, std::string>
// with Key = std::string (key_type::string) or std::uint64_t (key_type::u64),
// and the compaction policy leveled<> (engine "lsm") or tiered<> ("lsm-tiered").
//
// Written against the public API of DESIGN.md section 1; compiled only when
// include/lsm/tree.hpp exists (LSM_BENCH_HAVE_LSM). Keep it small and obvious:
// it is fixed up whenever the façade changes.
// Thread safety: as bench/engine.hpp; lsm::tree is thread-safe. The key
// conversion buffers are thread_local.
// u64 keys arrive as 8 big-endian bytes (the runner's encoding) and are
// decoded to std::uint64_t, so the tree's own codec does the encoding.
#pragma once

#include <lsm/lsm.hpp>  // also the single header; lsm/tree.hpp is registered there

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

#include "engine.hpp"

namespace lsm_bench {

template <class Key, class Compaction = lsm::compaction::leveled<>>
class lsm_engine final : public engine {
  static_assert(std::is_same_v<Key, std::string> || std::is_same_v<Key, std::uint64_t>);
  using tree_type = lsm::tree<Key, std::string, lsm::codec<Key, std::string>,
                              lsm::memtable::skiplist, lsm::filter::bloom<10>, Compaction>;

 public:
  std::string name() const override {
    return std::is_same_v<Compaction, lsm::compaction::leveled<>> ? "lsm" : "lsm-tiered";
  }

  void open(const std::string& dir, const engine_settings& settings) override {
    close();
    lsm::options options;
    options.write_buffer_size = settings.write_buffer_size;
    options.block_cache_capacity = settings.block_cache_capacity;
    options.block_size = settings.block_size;
    options.max_open_files = settings.max_open_files;
    // bloom_bits_per_key: the default Filter policy is lsm::filter::bloom<10>.
    read_options_.verify_checksums = settings.verify_checksums;
    db_ = std::make_unique<tree_type>(dir, options);
  }

  void put(std::string_view key, std::string_view value, bool sync) override {
    thread_local std::string v;
    v.assign(value);
    db_->put(to_key(key), v, lsm::write_options{.sync = sync});
  }

  bool get(std::string_view key, std::string& value) override {
    std::optional<std::string> v = db_->get(to_key(key), read_options_);
    if (!v) return false;
    value = std::move(*v);
    return true;
  }

  void erase(std::string_view key, bool sync) override {
    db_->erase(to_key(key), lsm::write_options{.sync = sync});
  }

  std::unique_ptr<cursor> new_cursor() override {
    return std::make_unique<lsm_cursor>(db_->cursor(read_options_));
  }

  void close() override { db_.reset(); }

  engine_stats stats() override {
    const auto s = db_->stats();
    engine_stats out;
    out.bytes_written = s.wal_bytes_written + s.flush_bytes_written + s.compaction_bytes_written;
    out.stall_micros = s.stall_micros;
    return out;
  }

 private:
  using tree_cursor = decltype(std::declval<tree_type&>().cursor(lsm::read_options{}));

  class lsm_cursor final : public cursor {
   public:
    explicit lsm_cursor(tree_cursor c) : c_(std::move(c)) {}
    bool valid() const override { return c_.valid(); }
    void seek_to_first() override { c_.seek_to_first(); }
    void seek_to_last() override { c_.seek_to_last(); }
    void seek(std::string_view target) override { c_.seek(to_key(target)); }
    void next() override { c_.next(); }
    void prev() override { c_.prev(); }
    // The encoded bytes: for string keys and values they are the strings
    // themselves, and u64 keys encode big-endian, as the runner's keys do.
    std::string_view key() const override { return c_.raw_key(); }
    std::string_view value() const override { return c_.raw_value(); }

   private:
    mutable tree_cursor c_;
  };

  // The runner's u64 key encoding: 8 bytes, big-endian.
  static std::uint64_t decode_u64(std::string_view k) {
    std::uint64_t x = 0;
    for (std::size_t i = 0; i < 8 && i < k.size(); ++i) {
      x = (x << 8) | static_cast<unsigned char>(k[i]);
    }
    return x;
  }
  static const Key& to_key(std::string_view k) {
    thread_local Key key;
    if constexpr (std::is_same_v<Key, std::string>) {
      key.assign(k);
    } else {
      key = decode_u64(k);
    }
    return key;
  }

  lsm::read_options read_options_;
  std::unique_ptr<tree_type> db_;
};

}  // namespace lsm_bench
